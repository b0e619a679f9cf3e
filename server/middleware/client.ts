import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';

/** The Node request behind a Hono context, when served over a socket (not with `app.request`). */
function incoming(c: Context): IncomingMessage | undefined {
  const env = c.env as { incoming?: IncomingMessage } | undefined;
  return env?.incoming;
}

/** The client's address from the socket; undefined for in-process requests (`app.request`). */
export function clientAddress(c: Context): string | undefined {
  return incoming(c)?.socket.remoteAddress;
}

/**
 * The path exactly as the client sent it. The URL parser resolves `..` and `//` before routing,
 * so a traversal attempt can only be recognised in the raw request line.
 */
export function rawPath(c: Context): string {
  const raw = incoming(c)?.url;
  if (raw !== undefined) return raw.split('?', 1)[0] ?? '';
  return new URL(c.req.url).pathname;
}
