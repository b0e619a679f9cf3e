import { PaperscopeError } from '../../core/errors.js';

/** An OpenAI-compatible chat-completions server (`settings.llm` from the environment). */
export interface LlmSettings {
  /** Base URL, e.g. http://127.0.0.1:8080/v1; `/chat/completions` is appended. */
  url: string;
  model: string;
  key?: string | undefined;
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** Longest wait for the whole generation; a local model that stalls must not hold a request forever. */
export const LLM_TIMEOUT_MS = 120_000;

/**
 * Streams the text deltas of a chat completion (`stream: true`, Server-Sent Events of
 * `{ choices: [{ delta: { content } }] }` ending with `[DONE]`). Aborting `signal` cancels the
 * request. Failures (unreachable server, HTTP error, malformed stream, timeout) are LLM_FAILED
 * errors that say which.
 * @example for await (const text of streamChat(settings, messages, signal)) process.stdout.write(text);
 */
export async function* streamChat(
  settings: LlmSettings,
  messages: readonly ChatMessage[],
  signal: AbortSignal,
  timeoutMs = LLM_TIMEOUT_MS,
): AsyncGenerator<string> {
  const endpoint = `${settings.url.replace(/\/+$/, '')}/chat/completions`;
  const timeout = AbortSignal.timeout(timeoutMs);
  const combined = AbortSignal.any([signal, timeout]);
  const fail = (message: string, cause?: unknown): PaperscopeError =>
    new PaperscopeError('LLM_FAILED', `The language model at ${endpoint} ${message}`, { endpoint }, { cause });
  let response: Response;
  try {
    response = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'text/event-stream',
        ...(settings.key ? { authorization: `Bearer ${settings.key}` } : {}),
      },
      body: JSON.stringify({ model: settings.model, messages, stream: true, temperature: 0.2 }),
      signal: combined,
    });
  } catch (error) {
    throw timeout.aborted
      ? fail(`did not answer within ${timeoutMs / 1000} s`, error)
      : fail(`could not be reached: ${describe(error)}`, error);
  }
  if (!response.ok || !response.body) {
    const body = await response.text().catch(() => '');
    throw fail(`answered HTTP ${response.status}${body ? `: ${body.slice(0, 200)}` : ''}`);
  }
  const decoder = new TextDecoder();
  let buffered = '';
  try {
    for await (const chunk of response.body) {
      buffered += decoder.decode(chunk as Uint8Array, { stream: true });
      const lines = buffered.split(/\r?\n/);
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.startsWith('data:')) continue;
        const payload = line.slice(5).trim();
        if (payload === '[DONE]') return;
        const text = deltaText(payload);
        if (text === undefined) throw fail(`sent a malformed stream event: ${payload.slice(0, 120)}`);
        if (text) yield text;
      }
    }
  } catch (error) {
    if (error instanceof PaperscopeError) throw error;
    throw timeout.aborted
      ? fail(`did not finish within ${timeoutMs / 1000} s`, error)
      : fail(`broke off the stream: ${describe(error)}`, error);
  }
  throw fail('ended the stream without [DONE]');
}

/** The delta's text ('' when the event carries none, e.g. the role); undefined when not a completion chunk. */
function deltaText(payload: string): string | undefined {
  try {
    const event = JSON.parse(payload) as { choices?: Array<{ delta?: { content?: unknown } }> };
    if (!Array.isArray(event.choices)) return undefined;
    const content = event.choices[0]?.delta?.content;
    return typeof content === 'string' ? content : '';
  } catch {
    return undefined;
  }
}

function describe(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error instanceof Error ? error.message : String(error)}${cause}`;
}
