import { Hono } from 'hono';
import { PaperscopeError } from '../../core/errors.js';
import { askSchema, type SearchEngine, searchParamsSchema, similarParamsSchema, similarTextSchema } from '../engine/index.js';
import { validate } from './validate.js';

async function jsonBody(request: Request): Promise<unknown> {
  try {
    return await request.json();
  } catch {
    throw new PaperscopeError('INVALID_PARAMETER', 'The request body must be JSON.', { parameter: 'body' });
  }
}

function topicId(raw: string): number {
  if (!/^\d+$/.test(raw)) throw new PaperscopeError('INVALID_PARAMETER', `Invalid parameter "id": "${raw}" is not a topic id`, { parameter: 'id' });
  return Number(raw);
}

/** The JSON API over a loaded engine. */
export function apiRoutes(engine: SearchEngine): Hono {
  const api = new Hono();
  api.get('/status', (c) => c.json(engine.status()));
  api.get('/search', async (c) => c.json(await engine.search(validate(searchParamsSchema, c.req.query()))));
  api.get('/papers/:id', (c) => c.json(engine.paper(c.req.param('id'))));
  api.get('/papers/:id/similar', (c) => {
    const { k } = validate(similarParamsSchema, c.req.query());
    return c.json(engine.similar(c.req.param('id'), k));
  });
  api.post('/similar', async (c) => {
    const { text, k } = validate(similarTextSchema, await jsonBody(c.req.raw));
    return c.json(await engine.similarToText(text, k));
  });
  api.get('/clusters', (c) => c.json(engine.clusters()));
  api.get('/clusters/:id', (c) => c.json(engine.cluster(topicId(c.req.param('id')))));
  api.get('/map', (c) => c.json(engine.map()));
  api.post('/ask', async (c) => c.json(await engine.ask(validate(askSchema, await jsonBody(c.req.raw)))));
  return api;
}
