import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { secureHeaders } from 'hono/secure-headers';
import { PaperscopeError, toPaperscopeError } from '../core/errors.js';
import { PROJECT_ROOT } from '../core/version.js';
import type { SearchEngine } from './engine/index.js';
import { apiRoutes } from './routes/api.js';

export interface AppOptions {
  engine: SearchEngine;
  /** The built web page; defaults to web/dist in the project. */
  webDir?: string;
  onError?: (error: PaperscopeError) => void;
}

const MAX_BODY_BYTES = 1024 * 1024;

/** The Hono app: the JSON API under /api and the built web page everywhere else. */
export function createApp(options: AppOptions): Hono {
  const webDir = options.webDir ?? path.join(PROJECT_ROOT, 'web', 'dist');
  const app = new Hono();

  app.use(
    '*',
    secureHeaders({
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
    }),
  );
  app.use(
    '/api/*',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw new PaperscopeError('PAYLOAD_TOO_LARGE', `Request bodies are limited to ${MAX_BODY_BYTES} bytes.`);
      },
    }),
  );

  app.route('/api', apiRoutes(options.engine));
  app.all('/api/*', () => {
    throw new PaperscopeError('NOT_FOUND', 'No such API endpoint.');
  });

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
    return c.json(
      { error: { code: failure.code, message: failure.message, ...(typeof parameter === 'string' ? { parameter } : {}) } },
      failure.status as 400,
    );
  });
  return app;
}
