import { mkdir, readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSettings } from '../../core/config.js';
import { PaperscopeError, toPaperscopeError } from '../../core/errors.js';
import { PROJECT_ROOT } from '../../core/version.js';
import { createApp, SearchEngine } from '../../server/index.js';
import { requestTimeout } from '../../server/middleware/index.js';
import { INDEX_SAMPLE_MS } from '../helpers/limits.js';
import { buildSampleIndex, temporaryDir } from '../helpers/sample-index.js';
import { type Listening, listen, type RawResponse, rawGet, rawRequest } from './socket.js';

const PAGE = '<!doctype html><title>Paperscope test page</title>';
const SECRET = 'secret next to the web root';

function expectSecurityHeaders(response: RawResponse | Response, what: string): void {
  const header = (name: string) => (response instanceof Response ? response.headers.get(name) : response.headers.get(name));
  expect(header('content-security-policy'), what).toContain("default-src 'self'");
  expect(header('x-content-type-options'), what).toBe('nosniff');
  expect(header('x-frame-options'), what).toBe('SAMEORIGIN');
  expect(header('referrer-policy'), what).toBe('no-referrer');
}

/** POSTs `bytes` with Content-Length, or chunked when `chunked`; resolves with status and body. */
function post(port: number, target: string, bytes: Buffer, chunked: boolean): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { 'Content-Type': 'application/json' };
    if (!chunked) headers['Content-Length'] = bytes.length;
    // A connection of its own: after a 413 the server may close it with the body half read.
    const request = http.request({ host: '127.0.0.1', port, path: target, method: 'POST', headers, agent: false }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    // The server may answer and close before the whole body is sent.
    request.on('error', (error: NodeJS.ErrnoException) =>
      error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error),
    );
    if (chunked) {
      for (let start = 0; start < bytes.length; start += 64 * 1024) request.write(bytes.subarray(start, start + 64 * 1024));
      request.end();
    } else request.end(bytes);
  });
}

describe('the HTTP server over a real socket', () => {
  let engine: SearchEngine;
  let server: Listening;
  let webDir: string;
  let scratch: { dir: string; remove: () => Promise<void> };
  let packageJson: string;

  beforeAll(async () => {
    const dataDir = await buildSampleIndex();
    engine = await SearchEngine.open({ dataDir, cacheDir: readSettings().cacheDir, offline: true });
    scratch = await temporaryDir('paperscope-web-');
    webDir = path.join(scratch.dir, 'dist');
    await mkdir(path.join(webDir, 'assets'), { recursive: true });
    await writeFile(path.join(webDir, 'index.html'), PAGE);
    await writeFile(path.join(webDir, 'assets', 'app-1234.js'), 'console.log(1);');
    await writeFile(path.join(scratch.dir, 'secret.txt'), SECRET);
    packageJson = await readFile(path.join(PROJECT_ROOT, 'package.json'), 'utf8');
    server = await listen(createApp({ engine, webDir, http: { rateLimitPerMinute: 0, corsOrigin: undefined, adminToken: undefined } }));
  }, INDEX_SAMPLE_MS);
  afterAll(async () => {
    await server.close();
    await engine.close();
    await scratch.remove();
  });

  it.each([false, true])('answers 413 to a body over 1 MB (chunked: %s) and accepts one under it', async (chunked) => {
    const tooBig = Buffer.from(JSON.stringify({ text: 'a'.repeat(1024 * 1024 + 10) }));
    const rejected = await post(server.port, '/api/similar', tooBig, chunked);
    expect(rejected.status).toBe(413);
    expect(JSON.parse(rejected.body).error.code).toBe('PAYLOAD_TOO_LARGE');
    const fine = await post(
      server.port,
      '/api/similar',
      Buffer.from(JSON.stringify({ text: 'reward noise in reinforcement learning', k: 3 })),
      chunked,
    );
    expect(fine.status).toBe(200);
    expect(JSON.parse(fine.body).results).toHaveLength(3);
  });

  it('answers an invalid parameter with a 400 naming it', async () => {
    const response = await rawGet(server.port, '/api/search?q=noise&k=1000');
    expect(response.status).toBe(400);
    expect(response.body).toContain('"parameter":"k"');
  });

  it.each([
    '/../package.json',
    '/%2e%2e/package.json',
    '/%2e%2e%2fpackage.json',
    '/..%2Fpackage.json',
    '/..%5Cpackage.json',
    '/..\\package.json',
    '//etc/passwd',
    '/%252e%252e/package.json',
    '/assets/../../package.json',
    '/assets/%2e%2e/%2e%2e/package.json',
    '/../secret.txt',
    '/%2e%2e/secret.txt',
    '/assets/..%2f..%2fsecret.txt',
    '/./index.html',
    '/api/../../package.json',
  ])('refuses the traversal %s with a 404 and no file content', async (target) => {
    const response = await rawGet(server.port, target);
    expect([400, 404]).toContain(response.status);
    expect(response.body).not.toContain(packageJson.slice(0, 40));
    expect(response.body).not.toContain(SECRET);
    expect(response.body).not.toContain('root:');
    expect(response.body).not.toContain(PAGE);
  });

  it('still serves the page, its assets and client-side routes', async () => {
    for (const target of ['/', '/topics', '/paper/some-id']) {
      const response = await rawGet(server.port, target);
      expect(response.status, target).toBe(200);
      expect(response.body, target).toContain(PAGE);
    }
    const asset = await rawGet(server.port, '/assets/app-1234.js');
    expect(asset.status).toBe(200);
    expect(asset.body).toContain('console.log(1);');
  });

  it('sends the security headers on every kind of response', async () => {
    const responses: Array<[string, RawResponse]> = [
      ['API', await rawGet(server.port, '/api/status')],
      ['API 400', await rawGet(server.port, '/api/search')],
      ['API 404', await rawGet(server.port, '/api/nope')],
      ['page', await rawGet(server.port, '/')],
      ['asset', await rawGet(server.port, '/assets/app-1234.js')],
      ['traversal', await rawGet(server.port, '/../package.json')],
      [
        '413',
        await rawRequest(
          server.port,
          'POST /api/ask HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: 2000000\r\n\r\n{}',
        ),
      ],
    ];
    for (const [what, response] of responses) expectSecurityHeaders(response, what);
  });

  it('sends no CORS headers unless an origin is configured', async () => {
    const response = await rawGet(server.port, '/api/status', { Origin: 'https://evil.example' });
    expect(response.headers.has('access-control-allow-origin')).toBe(false);

    const allowed = createApp({ engine, webDir, http: { corsOrigin: 'https://paperscope.example' } });
    const fromAllowed = await allowed.request('/api/status', { headers: { Origin: 'https://paperscope.example' } });
    expect(fromAllowed.headers.get('access-control-allow-origin')).toBe('https://paperscope.example');
    const fromOther = await allowed.request('/api/status', { headers: { Origin: 'https://evil.example' } });
    expect(fromOther.headers.get('access-control-allow-origin')).not.toBe('https://evil.example');
  });

  it('limits each client to its rate and says when to retry', async () => {
    const limited = await listen(createApp({ engine, webDir, http: { rateLimitPerMinute: 5 } }));
    try {
      const statuses: number[] = [];
      let last: RawResponse | undefined;
      for (let request = 0; request < 7; request++) {
        last = await rawGet(limited.port, '/api/status');
        statuses.push(last.status);
      }
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
      expect(Number(last?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(last?.body).toContain('"code":"RATE_LIMITED"');
      if (last) expectSecurityHeaders(last, '429');
      // The page and its assets are not rate limited.
      expect((await rawGet(limited.port, '/')).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});

describe('requestTimeout', () => {
  it('answers 503 when the handler is too slow, without waiting for it', async () => {
    let finished = false;
    const app = new Hono();
    app.use(requestTimeout(50));
    app.get('/slow', async (c) => {
      await new Promise((resolve) => setTimeout(resolve, 400));
      finished = true;
      return c.text('late');
    });
    app.get('/fast', (c) => c.text('on time'));
    app.onError((error, c) => c.json({ code: toPaperscopeError(error).code }, toPaperscopeError(error).status as 503));
    const slow = await app.request('/slow');
    expect(slow.status).toBe(503);
    expect(await slow.json()).toEqual({ code: 'TIMEOUT' });
    expect(finished).toBe(false);
    expect(await (await app.request('/fast')).text()).toBe('on time');
    expect(new PaperscopeError('TIMEOUT', 'x').status).toBe(503);
  });
});
