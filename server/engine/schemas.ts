import { z } from 'zod';

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

const isoDate = z.string().refine(isCalendarDate, 'expected a date like 2025, 2025-05 or 2025-05-28');

/** A whole number in a range, coerced from the query string or the command line. */
const wholeNumber = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce
    .number({ error: 'expected a whole number' })
    .int('expected a whole number')
    .min(min, `must be ${min} or more`)
    .max(max, `must be at most ${max.toLocaleString('en-US')}`);

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
    q: z.string().trim().min(1, 'must not be empty').max(500, 'must be at most 500 characters'),
    k: wholeNumber(1, 100).default(10),
    offset: wholeNumber(0, 10_000).default(0),
    mode: z.enum(['hybrid', 'vector', 'lexical']).default('hybrid'),
    from: isoDate.optional(),
    to: isoDate.optional(),
    topic: wholeNumber(0).optional(),
    min_upvotes: wholeNumber(0).optional(),
    sort: z.enum(['relevance', 'date', 'upvotes']).default('relevance'),
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

/** The response shapes: what the HTTP API (docs/api.md) and the CLI print. */
export interface ClusterRef {
  id: number;
  label: string;
}

export interface PaperSummary {
  id: string;
  title: string;
  date: string | null;
  authors_count: number | null;
  organization: string | null;
  upvotes: number;
  url: string | null;
  cluster: ClusterRef;
}

export interface SearchHit extends PaperSummary {
  score: number;
  snippet: string;
  highlights: Array<{ start: number; end: number }>;
}

export interface SearchResponse {
  query: string;
  took_ms: number;
  /** Papers that match the query and the filters, the same for every k and offset. */
  total: number;
  offset: number;
  has_more: boolean;
  /** The offset of the next page; null at the end. */
  next_offset: number | null;
  results: SearchHit[];
}

export interface SimilarHit extends SearchHit {
  shared_terms: string[];
}

/** `/api/status`'s `new_papers`: the papers the latest fetch or sync added that this index holds. */
export interface NewPapers {
  synced_at: string;
  ids: string[];
}

export interface PaperDetail extends PaperSummary {
  abstract: string;
  authors: string[];
  categories: string[];
}

export interface MapPoint {
  id: string;
  title: string;
  x: number;
  y: number;
  cluster: number;
}
