import type { AskEvent, Citation } from '../api.js';
import type { SseMessage } from './sse.js';

/** What the Ask view shows while a streamed answer arrives. */
export interface AnswerStream {
  /** waiting: nothing yet; streaming: evidence and tokens are arriving; done: the final answer. */
  phase: 'waiting' | 'streaming' | 'done';
  answer: string;
  grounded: boolean;
  partial: boolean;
  /** The evidence while streaming (token `[n]` refer to it), then the citations `done` resolved. */
  citations: Citation[];
  generated: boolean;
  /** Sent with `done`: further reading beside an answer; empty when the question is not answered. */
  see_also: Array<{ id: string; title: string }>;
  /** The model failed ("message (CODE)"); the extractive answer replaces its text. */
  modelError?: string;
}

export const WAITING: AnswerStream = {
  phase: 'waiting',
  answer: '',
  grounded: true,
  partial: false,
  citations: [],
  generated: false,
  see_also: [],
};

/** The next state after one event: tokens append, `done` replaces the text and citations. */
export function applyAskEvent(state: AnswerStream, event: AskEvent): AnswerStream {
  switch (event.event) {
    case 'evidence':
      return { ...state, phase: 'streaming', grounded: event.data.grounded, partial: event.data.partial, citations: event.data.citations };
    case 'token':
      return { ...state, phase: 'streaming', answer: state.answer + event.data.text };
    case 'error':
      return { ...state, modelError: `${event.data.message} (${event.data.code})` };
    case 'done':
      return { ...state, phase: 'done', ...event.data };
  }
}

const REQUIRED: Record<AskEvent['event'], readonly string[]> = {
  evidence: ['grounded', 'citations'],
  token: ['text'],
  error: ['code', 'message'],
  done: ['answer', 'grounded', 'citations', 'see_also'],
};

/**
 * The typed ask event in an SSE message; undefined for event names this page does not know (so a
 * newer server can add some). A known event with bad data is a server bug and throws, naming it.
 */
export function toAskEvent(message: SseMessage): AskEvent | undefined {
  if (!Object.hasOwn(REQUIRED, message.event)) return undefined;
  const name = message.event as AskEvent['event'];
  let data: unknown;
  try {
    data = JSON.parse(message.data);
  } catch {
    data = undefined;
  }
  const missing = REQUIRED[name].filter((key) => typeof data !== 'object' || data === null || !(key in data));
  if (missing.length > 0)
    throw new Error(`The server sent a malformed "${name}" event (missing ${missing.join(', ')}): ${message.data.slice(0, 120)}`);
  return { event: name, data } as AskEvent;
}
