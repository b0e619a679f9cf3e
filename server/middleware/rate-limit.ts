import type { MiddlewareHandler } from 'hono';
import { PaperscopeError } from '../../core/errors.js';
import { clientAddress } from './client.js';

export interface RateLimitOptions {
  /** Requests per minute per client address; a client may spend a minute's worth at once. */
  perMinute: number;
  now?: () => number;
}

interface Bucket {
  tokens: number;
  updated: number;
}

/** Buckets idle this long are full again and are forgotten, so memory does not grow with clients. */
const FORGET_AFTER_MS = 60_000;

/**
 * A token bucket per client address. Over the limit, the request gets a 429 whose Retry-After
 * says in how many seconds the next request will be accepted.
 *
 * @example app.use('/api/*', rateLimit({ perMinute: 600 }));
 */
export function rateLimit(options: RateLimitOptions): MiddlewareHandler {
  const { perMinute, now = Date.now } = options;
  const perMs = perMinute / 60_000;
  const buckets = new Map<string, Bucket>();
  let lastSweep = now();
  return async (c, next) => {
    const time = now();
    if (time - lastSweep > FORGET_AFTER_MS) {
      for (const [key, bucket] of buckets) if (time - bucket.updated > FORGET_AFTER_MS) buckets.delete(key);
      lastSweep = time;
    }
    const key = clientAddress(c);
    // In-process requests come from no network client.
    if (key === undefined) return next();
    const bucket = buckets.get(key) ?? { tokens: perMinute, updated: time };
    bucket.tokens = Math.min(perMinute, bucket.tokens + (time - bucket.updated) * perMs);
    bucket.updated = time;
    buckets.set(key, bucket);
    if (bucket.tokens < 1) {
      const retryAfter = Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000));
      c.header('Retry-After', String(retryAfter));
      throw new PaperscopeError('RATE_LIMITED', `Too many requests: at most ${perMinute} per minute; retry in ${retryAfter} s.`, {
        retryAfter,
      });
    }
    bucket.tokens -= 1;
    await next();
  };
}
