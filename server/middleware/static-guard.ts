import type { MiddlewareHandler } from 'hono';
import { rawPath } from './client.js';

/**
 * What a path to a static file never needs: dot segments (plain or percent-encoded), encoded
 * slashes or backslashes, backslashes, empty segments, encoded percent signs (double encoding)
 * and NUL bytes.
 */
const SUSPICIOUS = /(?:^|\/|\\)(?:\.|%2e){1,2}(?:\/|\\|%2f|%5c|$)|%2f|%5c|%25|%00|\\|\/\//i;

/**
 * Turns traversal attempts into a plain 404 before the static handler or the page fallback sees
 * them, so no file outside the web root is read and no path is answered with the page either.
 *
 * @example app.use('*', staticGuard());
 */
export function staticGuard(): MiddlewareHandler {
  return async (c, next) => {
    if (SUSPICIOUS.test(rawPath(c))) return c.text('Not found', 404);
    await next();
  };
}
