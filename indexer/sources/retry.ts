/** How a fetch retries: bounded attempts, the server's `Retry-After` honoured, never waiting without end. */
export interface RetryPolicy {
  /** Requests in all, the first included. */
  maxAttempts: number;
  /** The first retry's wait when the server names none; it doubles with each attempt. */
  baseDelayMs: number;
  /** A server asking for a longer wait than this is not waited for: the fetch fails and says so. */
  maxWaitMs: number;
}

/** What went wrong with one request: an HTTP status (with its `Retry-After`), or no answer at all. */
export type RequestFailure = { status: number; retryAfter: string | null } | { status: 'network' | 'timeout' };

/** Statuses that say "try again later"; other 4xx answers will not change on a retry. */
const TRANSIENT = new Set([408, 429, 500, 502, 503, 504]);

/**
 * Milliseconds until `Retry-After` (delta-seconds or an HTTP date), or undefined when it is absent
 * or unreadable.
 *
 * @example parseRetryAfter('1', Date.now()) // 1000
 */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * The wait before attempt `attempt + 1` after `failure` on attempt `attempt` (1-based), or why
 * there is none: the failure is not transient, the attempts are used up, or the server asks for
 * longer than `maxWaitMs`.
 *
 * @example retryDelay({ status: 503, retryAfter: '1' }, 1, policy, Date.now()) // { waitMs: 1000 }
 */
export function retryDelay(
  failure: RequestFailure,
  attempt: number,
  policy: RetryPolicy,
  now: number,
): { waitMs: number } | { giveUp: string } {
  if (typeof failure.status === 'number' && !TRANSIENT.has(failure.status)) return { giveUp: 'a retry would not change the answer' };
  if (attempt >= policy.maxAttempts) return { giveUp: `gave up after ${attempt} attempts` };
  const asked = 'retryAfter' in failure ? parseRetryAfter(failure.retryAfter, now) : undefined;
  if (asked !== undefined && asked > policy.maxWaitMs) {
    return {
      giveUp: `the server asks to retry after ${Math.ceil(asked / 1000)} s, longer than the ${Math.round(policy.maxWaitMs / 1000)} s a fetch waits`,
    };
  }
  return { waitMs: asked ?? Math.min(policy.maxWaitMs, policy.baseDelayMs * 2 ** (attempt - 1)) };
}
