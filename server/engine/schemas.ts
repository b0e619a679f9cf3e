import { z } from 'zod';

/**
 * Query schemas shared by the HTTP API and the CLI. Numbers are coerced because both receive
 * strings; the inferred types are what the engine takes.
 */
const isoDate = z.string().regex(/^\d{4}(?:-\d{2}(?:-\d{2})?)?$/, 'expected a date like 2025, 2025-05 or 2025-05-28');

export const searchParamsSchema = z
  .object({
    q: z.string().trim().min(1, 'must not be empty').max(500, 'must be at most 500 characters'),
    k: z.coerce.number().int().min(1).max(100).default(10),
    offset: z.coerce.number().int().min(0).max(10_000).default(0),
    mode: z.enum(['hybrid', 'vector', 'lexical']).default('hybrid'),
    from: isoDate.optional(),
    to: isoDate.optional(),
    topic: z.coerce.number().int().min(0).optional(),
    min_upvotes: z.coerce.number().int().min(0).optional(),
    sort: z.enum(['relevance', 'date', 'upvotes']).default('relevance'),
  })
  .strict();

export type SearchParams = z.infer<typeof searchParamsSchema>;

export const similarParamsSchema = z.object({ k: z.coerce.number().int().min(1).max(100).default(10) }).strict();

export const similarTextSchema = z
  .object({
    text: z.string().trim().min(1, 'must not be empty').max(20_000, 'must be at most 20,000 characters'),
    k: z.coerce.number().int().min(1).max(100).default(10),
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
