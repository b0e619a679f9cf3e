import { type Context, Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { PaperscopeError } from '../../core/errors.js';
import {
  askSchema,
  browseParamsSchema,
  type ExportFormat,
  formatParamSchema,
  type SearchEngine,
  searchParamsSchema,
  similarParamsSchema,
  similarTextSchema,
} from '../engine/index.js';
import { exportPapers } from '../export/index.js';
import { jsonResponse } from '../middleware/index.js';
import { SearchResponseCache } from './search-cache.js';
import { validate } from './validate.js';

export async function jsonBody(request: Request): Promise<unknown> {
  try {
    return await request.json();
  } catch {
    throw new PaperscopeError('INVALID_PARAMETER', 'The request body must be JSON.', { parameter: 'body' });
  }
}

function topicId(raw: string): number {
  if (!/^\d+$/.test(raw))
    throw new PaperscopeError('INVALID_PARAMETER', `Invalid parameter "id": "${raw}" is not a topic id`, { parameter: 'id' });
  return Number(raw);
}

/** `format` apart from an endpoint's own parameters, which are validated strictly without it. */
function splitFormat(query: Record<string, string>): { format: 'json' | ExportFormat; rest: Record<string, string> } {
  const { format, ...rest } = query;
  return { format: validate(formatParamSchema, { format }).format, rest };
}

/** The papers as a file to save or copy (BibTeX, RIS, CSV, JSON Lines), named after what was asked. */
function exportResponse(
  c: Context,
  engine: SearchEngine,
  papers: ReadonlyArray<{ id: string }>,
  format: ExportFormat,
  name: string,
): Response {
  const file = exportPapers(
    papers.map(({ id }) => engine.paper(id)),
    format,
  );
  const filename = `paperscope-${name.replace(/[^\w.-]+/g, '_')}.${file.extension}`;
  return c.body(file.body, 200, { 'Content-Type': file.contentType, 'Content-Disposition': `attachment; filename="${filename}"` });
}

/**
 * A client is not kept waiting past its timeout while a part of the index is rebuilt: it gets a 503
 * INDEX_PREPARING with Retry-After within a second (search, which needs no such part, goes on).
 */
const WITHOUT_WAITING = { refuseWhilePreparing: true };

/** The JSON API; `engineFor` gives the engine a request is answered with (it is swapped on reload). */
export function apiRoutes(engineFor: (c: Context) => SearchEngine): Hono {
  const api = new Hono();
  const searches = new SearchResponseCache();
  api.get('/status', async (c) => {
    const engine = engineFor(c);
    return c.json({ ...engine.status(), new_papers: await engine.newPapers() });
  });
  api.get('/search', async (c) => {
    const { format, rest } = splitFormat(c.req.query());
    const params = validate(searchParamsSchema, rest);
    if (format === 'json') return jsonResponse(await searches.answer(engineFor(c), params));
    const engine = engineFor(c);
    const { results } = await engine.search(params);
    return exportResponse(c, engine, results, format, 'search');
  });
  api.get('/papers', (c) => {
    const { format, rest } = splitFormat(c.req.query());
    const engine = engineFor(c);
    const page = engine.browse(validate(browseParamsSchema, rest));
    if (format === 'json') return c.json(page);
    return exportResponse(c, engine, page.results, format, 'papers');
  });
  api.get('/papers/:id', (c) => {
    const { format } = validate(formatParamSchema, { format: c.req.query('format') });
    const engine = engineFor(c);
    const paper = engine.paper(c.req.param('id'));
    return format === 'json' ? c.json(paper) : exportResponse(c, engine, [paper], format, paper.id);
  });
  api.get('/papers/:id/similar', async (c) => {
    const { k } = validate(similarParamsSchema, c.req.query());
    return c.json(await engineFor(c).similar(c.req.param('id'), k, WITHOUT_WAITING));
  });
  api.post('/similar', async (c) => {
    const { text, k } = validate(similarTextSchema, await jsonBody(c.req.raw));
    return c.json(await engineFor(c).similarToText(text, k));
  });
  api.get('/clusters', (c) => c.json(engineFor(c).clusters()));
  api.get('/clusters/:id', (c) => {
    const { format } = validate(formatParamSchema, { format: c.req.query('format') });
    const engine = engineFor(c);
    const topic = engine.cluster(topicId(c.req.param('id')));
    if (format === 'json') return c.json(topic);
    return exportResponse(c, engine, topic.papers, format, `topic-${topic.id}`);
  });
  api.get('/clusters/:id/subtopics', async (c) => c.json(await engineFor(c).subtopics(topicId(c.req.param('id')))));
  api.get('/clusters/:id/trend', (c) => c.json(engineFor(c).trend(topicId(c.req.param('id')))));
  api.get('/map', (c) => c.json(engineFor(c).map()));
  api.post('/ask', async (c) => c.json(await engineFor(c).ask(validate(askSchema, await jsonBody(c.req.raw)), WITHOUT_WAITING)));
  api.post('/ask/stream', async (c) => {
    // Validation and evidence come first, so their errors are plain JSON errors, not a broken stream.
    const params = validate(askSchema, await jsonBody(c.req.raw));
    const disconnected = new AbortController();
    const events = await engineFor(c).askStream(params, disconnected.signal, WITHOUT_WAITING);
    return streamSSE(c, async (stream) => {
      stream.onAbort(() => disconnected.abort());
      for await (const { event, data } of events) await stream.writeSSE({ event, data: JSON.stringify(data) });
    });
  });
  return api;
}
