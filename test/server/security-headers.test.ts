import { Hono } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import { describe, expect, it, vi } from 'vitest';
import { jsonResponse, securityHeaders } from '../../server/middleware/index.js';
import { listen } from './socket.js';

/** What the app used before the headers were written out once: Hono's middleware with this CSP. */
const honoSecureHeaders = secureHeaders({
  contentSecurityPolicy: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'", 'data:'],
    connectSrc: ["'self'"],
    objectSrc: ["'none'"],
    frameAncestors: ["'none'"],
    baseUri: ["'self'"],
  },
});

function appWith(middleware: ReturnType<typeof securityHeaders>): Hono {
  const app = new Hono();
  app.use('*', middleware);
  app.get('/json', (c) => c.json({ ok: true }));
  app.get('/prepared', () => jsonResponse('{"ok":true}'));
  app.get('/text', (c) => {
    c.header('X-Powered-By', 'something');
    c.header('X-Frame-Options', 'ALLOWALL');
    return c.text('hello', 201);
  });
  app.get('/fail', () => {
    throw new Error('boom');
  });
  app.onError((_error, c) => c.json({ error: 'boom' }, 500));
  return app;
}

const headersOf = async (app: Hono, path: string) => {
  const response = await app.request(path);
  return { status: response.status, headers: [...response.headers].sort(), body: await response.text() };
};

describe('securityHeaders', () => {
  const ours = appWith(securityHeaders());
  const hono = appWith(honoSecureHeaders);

  it.each(['/json', '/text', '/fail'])('sends exactly the headers and body of Hono secureHeaders for %s', async (path) => {
    expect(await headersOf(ours, path)).toEqual(await headersOf(hono, path));
  });

  it('leaves a jsonResponse as it is: it carries the same headers already', async () => {
    expect(await headersOf(ours, '/prepared')).toEqual(await headersOf(hono, '/json'));
  });

  it('sends a jsonResponse encoded once: its UTF-8 length is not measured again from the string', async () => {
    const json = '{"snippet":"…β-catenin – “quoted”"}';
    const app = new Hono();
    app.get('/prepared', () => jsonResponse(json));
    const server = await listen(app);
    const byteLength = vi.spyOn(Buffer, 'byteLength');
    try {
      const response = await fetch(`http://127.0.0.1:${server.port}/prepared`);
      const body = await response.text();
      expect(body).toBe(json);
      expect(Number(response.headers.get('content-length'))).toBe(new TextEncoder().encode(json).length);
      expect(byteLength.mock.calls.filter(([value]) => value === json)).toEqual([]);
    } finally {
      byteLength.mockRestore();
      await server.close();
    }
  });
});
