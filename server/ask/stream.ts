import { toPaperscopeError } from '../../core/errors.js';
import type { Citation, ComposedAnswer } from '../ranking/index.js';
import { resolveCitations } from './citations.js';
import { type LlmSettings, streamChat } from './llm.js';
import { evidenceMessages } from './prompt.js';

/** The Server-Sent Events of `POST /api/ask/stream`, in order: evidence, token…, [error], done. */
export type AskEvent =
  | { event: 'evidence'; data: { grounded: boolean; citations: Citation[] } }
  | { event: 'token'; data: { text: string } }
  | { event: 'error'; data: { code: string; status: number; message: string } }
  | { event: 'done'; data: { answer: string; grounded: boolean; citations: Citation[]; generated: boolean } };

export interface PreparedAnswer {
  question: string;
  /** The answer without a model; also the fallback when the model fails. */
  extractive: ComposedAnswer;
  /** Wider evidence for the model (more sentences per answer). */
  evidence: ComposedAnswer;
}

/**
 * Streams an answer. With a model configured and grounded evidence, the model's tokens are relayed
 * as they arrive and the final answer's citations are resolved; without one (or when the evidence
 * is weak, which no model should paper over) the extractive answer is sent as a single token, so
 * clients have one code path. A failing model yields an `error` event, then the extractive answer.
 */
export async function* answerEvents(prepared: PreparedAnswer, llm: LlmSettings | undefined, signal: AbortSignal): AsyncGenerator<AskEvent> {
  const { extractive, evidence } = prepared;
  if (!llm || !evidence.grounded) {
    yield { event: 'evidence', data: { grounded: extractive.grounded, citations: extractive.citations } };
    yield { event: 'token', data: { text: extractive.answer } };
    yield { event: 'done', data: { answer: extractive.answer, grounded: extractive.grounded, citations: extractive.citations, generated: false } };
    return;
  }
  yield { event: 'evidence', data: { grounded: true, citations: evidence.citations } };
  let text = '';
  try {
    for await (const delta of streamChat(llm, evidenceMessages(prepared.question, evidence), signal)) {
      text += delta;
      yield { event: 'token', data: { text: delta } };
    }
  } catch (error) {
    if (signal.aborted) return;
    const failure = toPaperscopeError(error);
    yield { event: 'error', data: { code: failure.code, status: failure.status, message: failure.message } };
    yield { event: 'done', data: { answer: extractive.answer, grounded: extractive.grounded, citations: extractive.citations, generated: false } };
    return;
  }
  const resolved = resolveCitations(text, evidence.citations);
  yield { event: 'done', data: { answer: resolved.answer, grounded: true, citations: resolved.citations, generated: true } };
}
