import type { MiddlewareHandler } from 'hono';
import { PaperscopeError } from '../../core/errors.js';

/**
 * Answers 503 when the handler has not finished after `ms`. The handler cannot be cancelled and
 * runs to its end, but the client is not kept waiting and its socket is freed.
 *
 * @example app.use('/api/*', requestTimeout(10_000));
 */
export function requestTimeout(ms: number): MiddlewareHandler {
  return async (_c, next) => {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new PaperscopeError('TIMEOUT', `The request took longer than ${ms} ms and was abandoned.`)), ms);
    });
    try {
      await Promise.race([next(), expired]);
    } finally {
      clearTimeout(timer);
    }
  };
}
