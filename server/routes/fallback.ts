import type { Context } from 'hono';
import { PaperscopeError } from '../../core/errors.js';

interface RegisteredRoute {
  method: string;
  path: string;
}

/** Whether a route pattern (`/api/papers/:id`) matches a path, segment by segment. */
function matches(pattern: string, path: string): boolean {
  const want = pattern.split('/');
  const have = path.replace(/\/+$/, '').split('/');
  return (
    want.length === have.length && want.every((segment, index) => (segment.startsWith(':') ? have[index] !== '' : segment === have[index]))
  );
}

/** The methods the app answers on `path` (GET implies HEAD); middleware (`ALL`) does not count. */
export function allowedMethods(routes: readonly RegisteredRoute[], path: string): string[] {
  const methods = new Set(routes.filter((route) => route.method !== 'ALL' && matches(route.path, path)).map((route) => route.method));
  if (methods.has('GET')) methods.add('HEAD');
  return [...methods].sort();
}

/**
 * The end of `/api/*`: a known path asked with another method is a 405 naming the methods in
 * `Allow`; anything else a JSON 404 (never the web page).
 */
export function apiFallback(routes: () => readonly RegisteredRoute[]) {
  return (c: Context): never => {
    const allowed = allowedMethods(routes(), c.req.path);
    if (allowed.length === 0)
      throw new PaperscopeError('NOT_FOUND', `No such API endpoint: ${c.req.path}. The API is described at /api/docs.`);
    c.header('Allow', allowed.join(', '));
    throw new PaperscopeError('METHOD_NOT_ALLOWED', `${c.req.path} answers ${allowed.join(', ')}, not ${c.req.method}.`, {
      allow: allowed,
    });
  };
}
