import { Hono } from 'hono';
import { z } from 'zod';
import { APP_VERSION } from '../../core/version.js';
import {
  askResponseSchema,
  askSchema,
  browseParamsSchema,
  browseResponseSchema,
  clusterSchema,
  clustersResponseSchema,
  type EXPORT_FORMATS,
  errorResponseSchema,
  formatParamSchema,
  healthSchema,
  mapResponseSchema,
  paperDetailSchema,
  postedPapersResponseSchema,
  postedPapersSchema,
  removedPapersResponseSchema,
  searchParamsSchema,
  searchResponseSchema,
  similarParamsSchema,
  similarResponseSchema,
  similarTextResponseSchema,
  similarTextSchema,
  statusSchema,
  subtopicsResponseSchema,
  trendResponseSchema,
} from '../engine/index.js';
import { renderDocsPage } from './docs-page.js';

/** One operation of the API, described by the same zod schemas that validate its input and type its answer. */
export interface ApiOperation {
  method: 'get' | 'post' | 'delete';
  /** OpenAPI's form: `/api/papers/{id}`. */
  path: string;
  summary: string;
  pathParams?: z.ZodObject;
  query?: z.ZodType;
  body?: z.ZodType;
  /** A JSON schema, or the media type of an answer that is not JSON. */
  response: z.ZodType | 'text/event-stream' | 'text/html';
  /** Takes `format=bibtex|ris|csv|jsonl` and then answers a file of the papers. */
  exports?: boolean;
  admin?: boolean;
}

const paperId = z.object({ id: z.string().meta({ description: 'A paper id, as search results give it' }) });
const topicId = z.object({ id: z.number().int().min(0).meta({ description: 'A topic id' }) });

export const API_OPERATIONS: readonly ApiOperation[] = [
  {
    method: 'get',
    path: '/api/health',
    summary: 'Whether the server answers (200 even while a first run indexes)',
    response: healthSchema,
  },
  { method: 'get', path: '/api/status', summary: 'What the index holds and which embedder built it', response: statusSchema },
  {
    method: 'get',
    path: '/api/search',
    summary: 'Hybrid, keyword or vector search with filters',
    query: searchParamsSchema,
    response: searchResponseSchema,
    exports: true,
  },
  {
    method: 'get',
    path: '/api/papers',
    summary: 'Papers without a query: newest or most upvoted first, filtered',
    query: browseParamsSchema,
    response: browseResponseSchema,
    exports: true,
  },
  {
    method: 'post',
    path: '/api/papers',
    summary: 'Add or update papers (admin token)',
    body: postedPapersSchema,
    response: postedPapersResponseSchema,
    admin: true,
  },
  { method: 'get', path: '/api/papers/{id}', summary: 'One paper', pathParams: paperId, response: paperDetailSchema, exports: true },
  {
    method: 'delete',
    path: '/api/papers/{id}',
    summary: 'Remove a paper; topics, map and search indexes follow (admin token)',
    pathParams: paperId,
    response: removedPapersResponseSchema,
    admin: true,
  },
  {
    method: 'get',
    path: '/api/papers/{id}/similar',
    summary: 'Related papers, with the terms they share',
    pathParams: paperId,
    query: similarParamsSchema,
    response: similarResponseSchema,
  },
  {
    method: 'post',
    path: '/api/similar',
    summary: 'Papers related to a pasted text',
    body: similarTextSchema,
    response: similarTextResponseSchema,
  },
  {
    method: 'get',
    path: '/api/clusters',
    summary: 'The topics, with labels, keywords, timelines and papers',
    response: clustersResponseSchema,
  },
  {
    method: 'get',
    path: '/api/clusters/{id}',
    summary: "One topic; with format, a file of the topic's papers",
    pathParams: topicId,
    response: clusterSchema,
    exports: true,
  },
  {
    method: 'get',
    path: '/api/clusters/{id}/subtopics',
    summary: "The topic's sub-topics",
    pathParams: topicId,
    response: subtopicsResponseSchema,
  },
  {
    method: 'get',
    path: '/api/clusters/{id}/trend',
    summary: 'Papers per month in the topic',
    pathParams: topicId,
    response: trendResponseSchema,
  },
  { method: 'get', path: '/api/map', summary: 'Every paper on a 2-D map, coordinates in [-1, 1]', response: mapResponseSchema },
  {
    method: 'post',
    path: '/api/ask',
    summary: "A question answered from the abstracts' sentences, cited",
    body: askSchema,
    response: askResponseSchema,
  },
  {
    method: 'post',
    path: '/api/ask/stream',
    summary: 'The answer as Server-Sent Events: evidence, token…, [error], done',
    body: askSchema,
    response: 'text/event-stream',
  },
  { method: 'get', path: '/api/openapi.json', summary: 'This document (OpenAPI 3.1)', response: z.looseObject({ openapi: z.string() }) },
  { method: 'get', path: '/api/docs', summary: 'This reference as a web page', response: 'text/html' },
];

export const EXPORT_MEDIA_TYPES = {
  bibtex: 'application/x-bibtex',
  ris: 'application/x-research-info-systems',
  csv: 'text/csv',
  jsonl: 'application/x-ndjson',
} as const satisfies Record<(typeof EXPORT_FORMATS)[number], string>;

type JsonSchema = Record<string, unknown> & { properties?: Record<string, JsonSchema>; required?: string[]; description?: string };

/** JSON Schema 2020-12 (OpenAPI 3.1's dialect) of what a client sends (`input`) or receives (`output`). */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

interface Parameter {
  name: string;
  in: 'path' | 'query';
  required: boolean;
  description?: string;
  schema: JsonSchema;
}

function parametersOf(schema: z.ZodType, where: 'path' | 'query'): Parameter[] {
  const { properties = {}, required = [] } = jsonSchema(schema, 'input');
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: where,
      required: where === 'path' || required.includes(name),
      ...(description ? { description } : {}),
      schema: rest,
    };
  });
}

export function operationParameters(operation: ApiOperation): Parameter[] {
  return [
    ...(operation.pathParams ? parametersOf(operation.pathParams, 'path') : []),
    ...(operation.query ? parametersOf(operation.query, 'query') : []),
    ...(operation.exports
      ? parametersOf(formatParamSchema, 'query').map((parameter) => ({
          ...parameter,
          description: 'json (default), or a file of the papers: BibTeX, RIS, CSV (with a header row) or JSON Lines',
        }))
      : []),
  ];
}

function responseContent(operation: ApiOperation): Record<string, { schema: JsonSchema }> {
  if (typeof operation.response === 'string') return { [operation.response]: { schema: { type: 'string' } } };
  const content: Record<string, { schema: JsonSchema }> = { 'application/json': { schema: jsonSchema(operation.response, 'output') } };
  if (operation.exports) for (const type of Object.values(EXPORT_MEDIA_TYPES)) content[type] = { schema: { type: 'string' } };
  return content;
}

/** The OpenAPI 3.1 document of `/api/openapi.json`, built from API_OPERATIONS. */
export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const error = {
    description: 'An error: the code names it, `parameter` the bad input',
    content: { 'application/json': { schema: jsonSchema(errorResponseSchema, 'output') } },
  };
  for (const operation of API_OPERATIONS) {
    const parameters = operationParameters(operation);
    paths[operation.path] ??= {};
    (paths[operation.path] as Record<string, unknown>)[operation.method] = {
      operationId: `${operation.method}${operation.path
        .replace(/^\/api/, '')
        .replace(/\{(\w+)\}/g, 'By_$1')
        .replace(/[^A-Za-z0-9]+(.)?/g, (_, next: string | undefined) => (next ?? '').toUpperCase())}`,
      summary: operation.summary,
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(operation.body
        ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(operation.body, 'input') } } } }
        : {}),
      ...(operation.admin ? { security: [{ adminToken: [] }] } : {}),
      responses: { '200': { description: operation.summary, content: responseContent(operation) }, default: error },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Paperscope API',
      version: APP_VERSION,
      description: 'Local-first search, related papers, topics and answers over research papers. Field names are snake_case.',
    },
    paths,
    components: { securitySchemes: { adminToken: { type: 'http', scheme: 'bearer', description: 'PAPERSCOPE_ADMIN_TOKEN' } } },
  };
}

/** `/api/openapi.json` and `/api/docs`, built once: the document depends on nothing but the code. */
export function referenceRoutes(): Hono {
  const document = openApiDocument();
  const page = renderDocsPage(document);
  return new Hono().get('/openapi.json', (c) => c.json(document)).get('/docs', (c) => c.html(page));
}
