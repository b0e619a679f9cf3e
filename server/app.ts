import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { defaultHttpSettings, type HttpSettings } from '../core/config.js';
import { PaperscopeError, toPaperscopeError } from '../core/errors.js';
import { PROJECT_ROOT } from '../core/version.js';
import { LiveEngine, type SearchEngine } from './engine/index.js';
// http.js, not the folder's index: the MCP SDK is loaded on the first request to /mcp.
import { mcpRoutes, mcpToken } from './mcp/http.js';
import { rateLimit, requestTimeout, securityHeaders, staticGuard } from './middleware/index.js';
import { adminRoutes, apiFallback, apiRoutes, health, referenceRoutes } from './routes/index.js';

export interface AppOptions {
  /** A LiveEngine (with its options) can be reloaded, which POST /api/papers needs. */
  engine: SearchEngine | LiveEngine;
  /** Rate limit, timeout, CORS origin and admin token (`startServer` passes the environment's); unset: the defaults. */
  http?: Partial<HttpSettings>;
  /** The built web page; defaults to web/dist in the project. */
  webDir?: string;
  /** Serve MCP over streamable HTTP at /mcp, behind the admin token (`serve --mcp`). */
  mcp?: boolean;
  onError?: (error: PaperscopeError) => void;
}

const MAX_BODY_BYTES = 1024 * 1024;

/** The Hono app: the JSON API under /api and the built web page everywhere else. */
export function createApp(options: AppOptions): Hono {
  const webDir = options.webDir ?? path.join(PROJECT_ROOT, 'web', 'dist');
  const app = new Hono();
  const http = { ...defaultHttpSettings(), ...options.http };
  const live = options.engine instanceof LiveEngine ? options.engine : new LiveEngine(options.engine);

  app.use('*', securityHeaders());
  // Before the rate limit and the index: load balancers ask often, and the answer needs neither.
  app.get('/api/health', (c) => c.json(health(true)));
  if (http.corsOrigin)
    app.use(
      '/api/*',
      cors({ origin: http.corsOrigin, allowMethods: ['GET', 'POST', 'DELETE'], allowHeaders: ['Content-Type', 'Authorization'] }),
    );
  if (http.rateLimitPerMinute > 0) app.use('/api/*', rateLimit({ perMinute: http.rateLimitPerMinute }));
  const limitBody = bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => {
      throw new PaperscopeError('PAYLOAD_TOO_LARGE', `Request bodies are limited to ${MAX_BODY_BYTES} bytes.`);
    },
  });
  // A GET or HEAD request has no body for Hono, but asking it for one builds a whole Fetch Request.
  app.use('/api/*', (c, next) => (c.req.method === 'GET' || c.req.method === 'HEAD' ? next() : limitBody(c, next)));

  // Writes come before the timeout: an index update is not abandoned half-way for being slow.
  app.route('/api', adminRoutes({ token: http.adminToken, live }));
  app.use('/api/*', requestTimeout(http.requestTimeoutMs), live.pin());
  app.route(
    '/api',
    apiRoutes((c) => live.for(c)),
  );
  app.route('/api', referenceRoutes());
  app.all(
    '/api/*',
    apiFallback(() => app.routes),
  );

  // Off by default: an assistant reaching the index over the network is a choice, made with a token.
  if (options.mcp) app.route('/mcp', mcpRoutes({ live, token: mcpToken(http.adminToken), maxBodyBytes: MAX_BODY_BYTES }));

  app.use('*', staticGuard());
  // Browsers and feed readers ask for /favicon.ico whatever the page links; the icon is an SVG.
  app.get('/favicon.ico', (c) => c.redirect('/favicon.svg', 301));
  // Vite fingerprints asset names, so they can be cached for good; the page itself is revalidated.
  app.use('/assets/*', async (c, next) => {
    await next();
    if (c.res.status === 200) c.header('Cache-Control', 'public, max-age=31536000, immutable');
  });
  app.use('*', serveStatic({ root: path.relative(process.cwd(), webDir) || '.' }));
  app.get('*', async (c) => {
    // Client-side routes (/paper/…, /topics) all load the same page.
    const page = await readFile(path.join(webDir, 'index.html'), 'utf8').catch(() => undefined);
    if (page === undefined) return c.text('The web page is not built; run "npm run build".', 404);
    c.header('Cache-Control', 'no-cache');
    return c.html(page);
  });

  app.onError((error, c) => {
    const failure = toPaperscopeError(error);
    options.onError?.(failure);
    const parameter = failure.details?.parameter;
    const retryAfter = failure.details?.retryAfter;
    if (typeof retryAfter === 'number') c.header('Retry-After', String(retryAfter));
    return c.json(
      { error: { code: failure.code, message: failure.message, ...(typeof parameter === 'string' ? { parameter } : {}) } },
      failure.status as 400,
    );
  });
  return app;
}
