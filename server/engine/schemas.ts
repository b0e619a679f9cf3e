import { z } from 'zod';
import { formatCount } from '../../core/plural.js';

/**
 * Query schemas shared by the HTTP API and the CLI. Numbers are coerced because both receive
 * strings; the inferred types are what the engine takes.
 */
const DATE_SHAPE = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/;

/** A year, month or day that exists: 2025-13 and 2025-02-30 are refused, not read as nothing. */
function isCalendarDate(value: string): boolean {
  const [, year, month = '01', day = '01'] = DATE_SHAPE.exec(value) ?? [];
  if (year === undefined) return false;
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  return date.getUTCMonth() === Number(month) - 1 && date.getUTCDate() === Number(day);
}

const isoDate = z
  .string()
  .refine(isCalendarDate, 'expected a date like 2025, 2025-05 or 2025-05-28')
  .meta({ description: 'A date that exists, at any precision: 2025, 2025-05 or 2025-05-28 (inclusive)', pattern: DATE_SHAPE.source });

/** A whole number in a range, coerced from the query string or the command line. */
const wholeNumber = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce
    .number({ error: 'expected a whole number' })
    .int('expected a whole number')
    .min(min, `must be ${min} or more`)
    .max(max, `must be at most ${formatCount(max)}`);

/**
 * Dates compare on the precision they share (`from` 2025-05 and `to` 2025 overlap): a `from` after
 * `to` would match nothing, which is a mistake to report rather than an empty page.
 */
function datesInOrder(params: { from?: string | undefined; to?: string | undefined }): boolean {
  if (params.from === undefined || params.to === undefined) return true;
  const shared = Math.min(params.from.length, params.to.length);
  return params.from.slice(0, shared) <= params.to.slice(0, shared);
}

export const searchParamsSchema = z
  .object({
    q: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .max(500, 'must be at most 500 characters')
      .meta({ description: 'Words (matched stemmed) and "quoted phrases" (matched exactly, required)' }),
    k: wholeNumber(1, 100).default(10),
    offset: wholeNumber(0, 10_000).default(0),
    mode: z
      .enum(['hybrid', 'vector', 'lexical'])
      .default('hybrid')
      .meta({ description: 'Words and meaning fused, meaning only, or words only' }),
    from: isoDate.optional(),
    to: isoDate.optional(),
    topic: wholeNumber(0).optional().meta({ description: 'Only the papers of this topic (GET /api/clusters lists them)' }),
    min_upvotes: wholeNumber(0).optional().meta({ description: 'Only papers with at least this many upvotes' }),
    sort: z
      .enum(['relevance', 'date', 'upvotes'])
      .default('relevance')
      .meta({ description: 'Newest or most upvoted first among the matches' }),
  })
  .strict()
  .refine(datesInOrder, { path: ['from'], message: 'is after the end date: no paper can match both' });

export type SearchParams = z.infer<typeof searchParamsSchema>;

export const similarParamsSchema = z.object({ k: wholeNumber(1, 100).default(10) }).strict();

export const similarTextSchema = z
  .object({
    text: z.string().trim().min(1, 'must not be empty').max(20_000, 'must be at most 20,000 characters'),
    k: wholeNumber(1, 100).default(10),
  })
  .strict();

export const askSchema = z
  .object({ question: z.string().trim().min(3, 'must be at least 3 characters').max(1_000, 'must be at most 1,000 characters') })
  .strict();

export type AskParams = z.infer<typeof askSchema>;

/** Browsing without a query: every paper that passes the filters, newest (or most upvoted) first. */
export const browseParamsSchema = z
  .object({
    sort: z.enum(['date', 'upvotes']).default('date').meta({ description: 'Newest first (undated last), or most upvoted first' }),
    k: wholeNumber(1, 100).default(20),
    offset: wholeNumber(0, 1_000_000).default(0),
    from: isoDate.optional(),
    to: isoDate.optional(),
    topic: wholeNumber(0).optional().meta({ description: 'Only the papers of this topic (GET /api/clusters lists them)' }),
    min_upvotes: wholeNumber(0).optional().meta({ description: 'Only papers with at least this many upvotes' }),
  })
  .strict()
  .refine(datesInOrder, { path: ['from'], message: 'is after the end date: no paper can match both' });

export type BrowseParams = z.infer<typeof browseParamsSchema>;

export const EXPORT_FORMATS = ['bibtex', 'ris', 'csv', 'jsonl'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** `format` beside a list endpoint's own parameters: JSON (the default) or a file for a reference manager. */
export const formatParamSchema = z.object({ format: z.enum(['json', ...EXPORT_FORMATS]).default('json') });

/**
 * The response shapes: what the HTTP API (docs/api.md, /api/openapi.json) and the CLI print. The
 * TypeScript types are inferred from them, for the engine, the web page and the tests alike.
 */
export const clusterRefSchema = z.object({ id: z.number().int(), label: z.string() });
export type ClusterRef = z.infer<typeof clusterRefSchema>;

const paperRefSchema = z.object({ id: z.string(), title: z.string() });

export const paperSummarySchema = z.object({
  id: z.string(),
  title: z.string(),
  date: z.string().nullable().meta({ description: 'ISO date at the precision known: 2025, 2025-05 or 2025-05-28' }),
  authors_count: z.number().int().nullable(),
  organization: z.string().nullable(),
  upvotes: z.number().int(),
  url: z.string().nullable(),
  arxiv_id: z.string().nullable().meta({
    description:
      'The arXiv identifier when known: the abstract is https://arxiv.org/abs/{arxiv_id}, the PDF https://arxiv.org/pdf/{arxiv_id}',
  }),
  cluster: clusterRefSchema,
});
export type PaperSummary = z.infer<typeof paperSummarySchema>;

export const searchHitSchema = paperSummarySchema.extend({
  score: z.number(),
  snippet: z.string(),
  highlights: z.array(z.object({ start: z.number().int(), end: z.number().int() })).meta({ description: 'Character offsets into snippet' }),
});
export type SearchHit = z.infer<typeof searchHitSchema>;

/** A page of a list: `total` papers match, the same for every k and offset; `next_offset` is null at the end. */
const pageFields = {
  took_ms: z.number(),
  total: z.number().int(),
  offset: z.number().int(),
  has_more: z.boolean(),
  next_offset: z.number().int().nullable(),
};

export const searchResponseSchema = z.object({
  query: z.string(),
  ...pageFields,
  total_relation: z.enum(['eq', 'gte']).meta({
    description: "'eq': total is the number of matches; 'gte': at least total match (counting stops at 1,000, or just past the page)",
  }),
  results: z.array(searchHitSchema),
  cached: z.boolean().optional().meta({ description: 'The answer came from the response cache' }),
});
export type SearchResponse = z.infer<typeof searchResponseSchema>;

export const browseResponseSchema = z.object({
  ...pageFields,
  sort: z.enum(['date', 'upvotes']),
  results: z.array(searchHitSchema.omit({ score: true })).meta({ description: 'Snippets open the abstracts; highlights are empty' }),
});
export type BrowseResponse = z.infer<typeof browseResponseSchema>;
export type BrowseHit = BrowseResponse['results'][number];

export const similarHitSchema = searchHitSchema.extend({ shared_terms: z.array(z.string()) });
export type SimilarHit = z.infer<typeof similarHitSchema>;

export const similarResponseSchema = z.object({
  results: z.array(similarHitSchema),
  note: z.string().optional().meta({ description: 'Why no paper is shown, when none is close' }),
});

export const similarTextResponseSchema = z.object({ results: z.array(searchHitSchema) });

/** `/api/status`'s `new_papers`: the papers the latest fetch or sync added that this index holds. */
export const newPapersSchema = z.object({ synced_at: z.string(), ids: z.array(z.string()) });
export type NewPapers = z.infer<typeof newPapersSchema>;

export const statusSchema = z.object({
  version: z.string(),
  papers: z.number().int(),
  built_at: z.string().nullable(),
  build_ms: z.number().nullable().optional(),
  embedder: z.object({
    kind: z.enum(['transformer', 'word-vectors']),
    model: z.string(),
    dimension: z.number().int(),
    quantized: z.literal(true).optional().meta({ description: "Present when the transformer's int8 copy built the index" }),
  }),
  fallback: z.boolean().meta({ description: 'The index was built by the offline word-vector embedder' }),
  topics: z.number().int(),
  llm: z.boolean().meta({ description: 'A model server writes the answers of POST /api/ask/stream' }),
  ask_index: z
    .string()
    .optional()
    .meta({ description: "The sentence index behind ask: 'ready', 'loading', 'rebuilding' or 'loads on the first question'" }),
  preparing: z
    .array(
      z.object({
        part: z.enum(['sentence index', 'related-papers view']),
        reason: z.string().meta({ description: 'Why it is rebuilt: missing, stale (an earlier format) or damaged' }),
        elapsed_s: z.number().int(),
        done: z.number().int().nullable(),
        total: z.number().int().nullable(),
      }),
    )
    .optional()
    .meta({ description: 'Parts of the index being rebuilt; the endpoints that need them answer 503 INDEX_PREPARING meanwhile' }),
  new_papers: newPapersSchema.nullable(),
});
export type Status = z.infer<typeof statusSchema>;

export const healthSchema = z.object({
  status: z.literal('ok'),
  ready: z.boolean().meta({ description: 'The index is open; false while a first run indexes or loads' }),
  version: z.string(),
});

export const paperDetailSchema = paperSummarySchema.extend({
  abstract: z.string(),
  authors: z.array(z.string()),
  categories: z.array(z.string()),
});
export type PaperDetail = z.infer<typeof paperDetailSchema>;

const monthsSchema = z.array(z.object({ month: z.string(), count: z.number().int() }));

const topicFields = {
  id: z.number().int(),
  label: z.string(),
  size: z.number().int(),
  keywords: z.array(z.object({ term: z.string(), weight: z.number() })),
  representatives: z.array(paperRefSchema),
  months: monthsSchema,
  papers: z.array(paperRefSchema),
};

export const clusterSchema = z.object({
  ...topicFields,
  first: z.string().nullable(),
  last: z.string().nullable(),
  median: z.string().nullable(),
});
export type Cluster = z.infer<typeof clusterSchema>;

export const clustersResponseSchema = z.object({ clusters: z.array(clusterSchema) });

export const subtopicsResponseSchema = z.object({
  clusters: z.array(z.object(topicFields)).meta({ description: 'Sub-topic ids are local to the topic: 0..n-1, largest first' }),
  reason: z.string().optional().meta({ description: 'Why the topic was not split, when clusters is empty' }),
});

export const trendResponseSchema = z.object({ id: z.number().int(), label: z.string(), months: monthsSchema });

export const mapPointSchema = z.object({
  id: z.string(),
  title: z.string(),
  x: z.number(),
  y: z.number(),
  cluster: z.number().int(),
});
export type MapPoint = z.infer<typeof mapPointSchema>;

export const mapResponseSchema = z.object({ points: z.array(mapPointSchema) });

export const citationSchema = z.object({
  id: z.string(),
  title: z.string(),
  sentence: z.string().meta({ description: 'Quoted verbatim' }),
});
export type Citation = z.infer<typeof citationSchema>;

export const askResponseSchema = z.object({
  answer: z.string().meta({ description: '[n] refers to citations[n-1]' }),
  grounded: z.boolean(),
  partial: z.boolean(),
  citations: z.array(citationSchema),
  see_also: z.array(paperRefSchema).meta({ description: 'Papers read but not quoted (the closest papers when not grounded)' }),
});
export type AskResponse = z.infer<typeof askResponseSchema>;

export const errorResponseSchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), parameter: z.string().optional() }),
});

/** `POST /api/papers`: the JSON input format, read by the indexer's own parser (which names a bad record and field). */
export const postedPapersSchema = z.union([
  z.array(z.looseObject({ title: z.string(), abstract: z.string() })),
  z.object({ papers: z.array(z.looseObject({ title: z.string(), abstract: z.string() })) }),
]);

export const postedPapersResponseSchema = z.object({
  added: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  total: z.number().int(),
});

/** `DELETE /api/papers/:id`: the ids removed, and the papers the index holds now. */
export const removedPapersResponseSchema = z.object({ removed: z.array(z.string()), total: z.number().int() });
export type RemovedPapersResponse = z.infer<typeof removedPapersResponseSchema>;
