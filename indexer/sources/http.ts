import { setTimeout as sleep } from 'node:timers/promises';
import { PaperscopeError } from '../../core/errors.js';
import { APP_VERSION } from '../../core/version.js';
import type { IndexEvent } from '../events.js';
import { type RequestFailure, type RetryPolicy, retryDelay } from './retry.js';

export interface PoliteOptions {
  /** Names the source in messages ("arXiv", "Hugging Face daily papers"). */
  source: string;
  /** Pause between two requests, and the first retry's wait when the server names none. */
  pauseMs: number;
  timeoutMs: number;
  retry?: Partial<Omit<RetryPolicy, 'baseDelayMs'>>;
  onEvent?: (event: IndexEvent) => void;
}

/** Retries of a request in all, and the longest `Retry-After` a fetch waits for. */
const DEFAULT_RETRY = { maxAttempts: 4, maxWaitMs: 120_000 };

/**
 * A client for one source that keeps to the politeness rules: one request at a time, `pauseMs`
 * between them, a timeout on each, transient failures (429, 503, …, no answer) retried a bounded
 * number of times after the server's `Retry-After` or a doubling pause. `get` resolves with the body,
 * or throws SOURCE_FAILED naming the source, the URL and the last failure.
 */
export function politeClient(options: PoliteOptions): { get(url: string): Promise<string> } {
  const policy: RetryPolicy = { ...DEFAULT_RETRY, ...options.retry, baseDelayMs: options.pauseMs };
  let lastRequestAt = Number.NEGATIVE_INFINITY;
  const pause = async (ms: number) => {
    const wait = lastRequestAt + ms - Date.now();
    if (wait > 0) await sleep(wait);
  };
  return {
    async get(url) {
      for (let attempt = 1; ; attempt++) {
        await pause(options.pauseMs);
        lastRequestAt = Date.now();
        const outcome = await request(url, options.timeoutMs);
        if ('body' in outcome) return outcome.body;
        const next = retryDelay(outcome.failure, attempt, policy, Date.now());
        const what = describeFailure(outcome.failure, outcome.detail);
        if ('giveUp' in next) {
          throw new PaperscopeError('SOURCE_FAILED', `${options.source}: ${url}: ${what}; ${next.giveUp}`, {
            source: options.source,
            url,
            attempts: attempt,
          });
        }
        options.onEvent?.({ type: 'warning', message: `${options.source}: ${what}; retrying in ${(next.waitMs / 1000).toFixed(1)} s` });
        lastRequestAt = Date.now();
        await pause(next.waitMs);
      }
    },
  };
}

async function request(url: string, timeoutMs: number): Promise<{ body: string } | { failure: RequestFailure; detail?: string }> {
  try {
    const response = await fetch(url, {
      headers: {
        'user-agent': `Paperscope/${APP_VERSION} (local-first paper explorer)`,
        accept: 'application/atom+xml, application/json;q=0.9, */*;q=0.1',
      },
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!response.ok) {
      await response.body?.cancel();
      return { failure: { status: response.status, retryAfter: response.headers.get('retry-after') } };
    }
    // The timeout covers the body too: a server that stalls mid-answer is cut off.
    return { body: await response.text() };
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
    const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return {
      failure: { status: timedOut ? 'timeout' : 'network' },
      detail: `${error instanceof Error ? error.message : String(error)}${cause}`,
    };
  }
}

function describeFailure(failure: RequestFailure, detail: string | undefined): string {
  if (failure.status === 'timeout') return 'no answer in time';
  if (failure.status === 'network') return `network error (${detail ?? 'unknown'})`;
  return `HTTP ${failure.status}`;
}
