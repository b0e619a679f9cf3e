import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { PaperscopeError } from '../../core/errors.js';

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/**
 * Lets a request through only with `Authorization: Bearer <token>`. The comparison takes the same
 * time whatever the guess (both sides are hashed to equal lengths first). Without a token
 * configured the server is read-only and the route answers 403.
 *
 * @example app.post('/api/papers', adminAuth(settings.adminToken), handler);
 */
export function adminAuth(token: string | undefined): MiddlewareHandler {
  const expected = token === undefined ? undefined : digest(token);
  return async (c, next) => {
    if (expected === undefined) {
      throw new PaperscopeError('READ_ONLY', 'This server is read-only: set PAPERSCOPE_ADMIN_TOKEN to allow changes to the index.');
    }
    const given = /^Bearer +(\S.*?)\s*$/i.exec(c.req.header('Authorization') ?? '')?.[1];
    if (given === undefined || !timingSafeEqual(digest(given), expected)) {
      c.header('WWW-Authenticate', 'Bearer realm="paperscope"');
      throw new PaperscopeError(
        'UNAUTHORIZED',
        given === undefined ? 'This endpoint needs "Authorization: Bearer <admin token>".' : 'The admin token is wrong.',
      );
    }
    await next();
  };
}
