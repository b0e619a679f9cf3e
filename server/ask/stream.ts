import { toPaperscopeError } from '../../core/errors.js';
import type { Citation, ComposedAnswer } from '../ranking/index.js';
import { resolveCitations } from './citations.js';
import { type LlmSettings, streamChat } from './llm.js';
import { evidenceMessages } from './prompt.js';

type SeeAlso = ComposedAnswer['seeAlso'];

/** The Server-Sent Events of `POST /api/ask/stream`, in order: evidence, token…, [error], done. */
export type AskEvent =
  | { event: 'evidence'; data: { grounded: boolean; partial: boolean; citations: Citation[] } }
  | { event: 'token'; data: { text: string } }
  | { event: 'error'; data: { code: string; status: number; message: string } }
  | {
      event: 'done';
      data: { answer: string; grounded: boolean; partial: boolean; citations: Citation[]; seeAlso: SeeAlso; generated: boolean };
    };

export interface PreparedAnswer {
  question: string;
  /** The answer without a model: its citations are the evidence a model writes from, and the fallback when it fails. */
  extractive: ComposedAnswer;
}

/**
 * Streams an answer. With a model configured and grounded evidence, the model's tokens are relayed
 * as they arrive and the final answer's citations are resolved; without one (or when nothing relevant
 * was found, which no model should paper over) the extractive answer is sent as a single token, so
 * clients have one code path. A failing model yields an `error` event, then the extractive answer.
 */
export async function* answerEvents(prepared: PreparedAnswer, llm: LlmSettings | undefined, signal: AbortSignal): AsyncGenerator<AskEvent> {
  const { extractive } = prepared;
  const { grounded, partial, citations, seeAlso } = extractive;
  const plain = { event: 'done', data: { answer: extractive.answer, grounded, partial, citations, seeAlso, generated: false } } as const;
  yield { event: 'evidence', data: { grounded, partial, citations } };
  if (!llm || !grounded) {
    yield { event: 'token', data: { text: extractive.answer } };
    yield plain;
    return;
  }
  let text = '';
  try {
    for await (const delta of streamChat(llm, evidenceMessages(prepared.question, extractive), signal)) {
      text += delta;
      yield { event: 'token', data: { text: delta } };
    }
  } catch (error) {
    if (signal.aborted) return;
    const failure = toPaperscopeError(error);
    yield { event: 'error', data: { code: failure.code, status: failure.status, message: failure.message } };
    yield plain;
    return;
  }
  const resolved = resolveCitations(text, citations);
  // Evidence the model did not cite is still worth reading.
  const unused = citations.filter((citation) => !resolved.citations.includes(citation)).map(({ id, title }) => ({ id, title }));
  yield {
    event: 'done',
    data: { answer: resolved.answer, grounded, partial, citations: resolved.citations, seeAlso: [...unused, ...seeAlso], generated: true },
  };
}
