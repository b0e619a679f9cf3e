/** Typed client for the Paperscope HTTP API (docs/api.md). Every call takes an AbortSignal. */
import { toAskEvent } from './lib/ask-stream.js';
import { parseSse } from './lib/sse.js';

export interface Highlight {
  start: number;
  end: number;
}

export interface ClusterRef {
  id: number;
  label: string;
}

export interface SearchResult {
  id: string;
  title: string;
  score: number;
  date: string | null;
  authors_count: number | null;
  organization: string | null;
  upvotes: number;
  url: string | null;
  snippet: string;
  highlights: Highlight[];
  cluster: ClusterRef | null;
  /** Present on /api/papers/:id/similar: the terms that explain the match. */
  shared_terms?: string[];
}

export interface SearchResponse {
  query: string;
  took_ms: number;
  /** Papers that match, whatever k and offset. */
  total: number;
  offset: number;
  has_more: boolean;
  next_offset: number | null;
  results: SearchResult[];
}

export type SearchMode = 'hybrid' | 'vector' | 'lexical';
export type SearchSort = 'relevance' | 'date' | 'upvotes';

export interface SearchParams {
  q: string;
  k?: number;
  offset?: number;
  mode?: SearchMode;
  from?: string;
  to?: string;
  topic?: string;
  min_upvotes?: string;
  sort?: SearchSort;
}

export interface Paper {
  id: string;
  title: string;
  abstract: string;
  date: string | null;
  authors: string[];
  authors_count: number | null;
  organization: string | null;
  upvotes: number;
  url: string | null;
  categories: string[];
  cluster: ClusterRef | null;
}

export interface PaperRef {
  id: string;
  title: string;
}

export interface Cluster {
  id: number;
  label: string;
  size: number;
  keywords: { term: string; weight: number }[];
  representatives: PaperRef[];
  months: { month: string; count: number }[];
  papers: PaperRef[];
}

export interface MapPoint {
  id: string;
  title: string;
  x: number;
  y: number;
  cluster: number;
}

export interface Citation {
  id: string;
  title: string;
  sentence: string;
}

export interface AskResponse {
  answer: string;
  grounded: boolean;
  /** Grounded, but the quoted sentences cover only part of the question. */
  partial: boolean;
  citations: Citation[];
  /** Papers worth reading beside the answer (the closest papers when it is not grounded). */
  see_also: Array<{ id: string; title: string }>;
}

/** The events of `POST /api/ask/stream`, in order: evidence, token…, [error], done (docs/api.md). */
export type AskEvent =
  | { event: 'evidence'; data: { grounded: boolean; partial: boolean; citations: Citation[] } }
  | { event: 'token'; data: { text: string } }
  | { event: 'error'; data: { code: string; status: number; message: string } }
  | { event: 'done'; data: AskResponse & { generated: boolean } };

export interface Status {
  version: string;
  papers: number;
  built_at: string | null;
  embedder: { kind: string; model: string; dimension: number };
  fallback: boolean;
  topics: number;
  /** A language model writes streamed answers (`POST /api/ask/stream`). */
  llm: boolean;
  /** The papers the latest fetch or sync added; null before any. */
  new_papers: { synced_at: string; ids: string[] } | null;
}

/** An error answered by the API (`{ error: { code, message } }`) or a failed request. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly parameter?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}

interface ErrorBody {
  error?: { code?: string; message?: string; parameter?: string };
}

/** The fetch itself; a network failure becomes an ApiError, an abort stays an AbortError. */
async function send(path: string, signal: AbortSignal, init: RequestInit): Promise<Response> {
  try {
    return await fetch(path, { ...init, signal });
  } catch (error) {
    if (isAbort(error)) throw error;
    throw new ApiError(`Cannot reach the Paperscope server (${String(error)})`, 0, 'NETWORK');
  }
}

/** The API's own error (`{ error: { code, message } }`) from a failed response, or its HTTP status. */
function failure(response: Response, body: unknown, path: string): ApiError {
  const detail = (body as ErrorBody | undefined)?.error;
  return new ApiError(
    detail?.message ?? `${response.status} ${response.statusText} from ${path}`,
    response.status,
    detail?.code ?? 'HTTP_ERROR',
    detail?.parameter,
  );
}

async function request<T>(path: string, signal: AbortSignal, init: RequestInit = {}): Promise<T> {
  const response = await send(path, signal, { ...init, headers: { accept: 'application/json', ...init.headers } });
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) throw failure(response, body, path);
  if (body === undefined) throw new ApiError(`Invalid JSON from ${path}`, response.status, 'INVALID_RESPONSE');
  return body as T;
}

/**
 * `POST /api/ask/stream`: the answer's Server-Sent Events as they arrive (EventSource cannot POST,
 * so the body is read and parsed here). Ends after `done`; a stream cut short is an ApiError.
 */
async function* askStream(question: string, signal: AbortSignal): AsyncGenerator<AskEvent> {
  const path = '/api/ask/stream';
  const response = await send(path, signal, {
    method: 'POST',
    headers: { accept: 'text/event-stream', 'content-type': 'application/json' },
    body: JSON.stringify({ question }),
  });
  if (!response.ok || !response.body) throw failure(response, await response.json().catch(() => undefined), path);
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      const { messages, rest } = parseSse(buffered + decoder.decode(value, { stream: true }));
      buffered = rest;
      for (const message of messages) {
        const event = toAskEvent(message);
        if (!event) continue;
        yield event;
        if (event.event === 'done') return;
      }
    }
  } finally {
    reader.cancel().catch(() => undefined);
  }
  throw new ApiError(`The answer stream from ${path} ended before its final event`, response.status, 'INCOMPLETE_STREAM');
}

function post<T>(path: string, payload: unknown, signal: AbortSignal): Promise<T> {
  return request<T>(path, signal, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(payload),
  });
}

/** Query string without empty values, so URLs stay short and the server sees only what was set. */
export function toQuery(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

const id = (value: string | number) => encodeURIComponent(String(value));

export const api = {
  status: (signal: AbortSignal) => request<Status>('/api/status', signal),
  search: (params: SearchParams, signal: AbortSignal) => request<SearchResponse>(`/api/search${toQuery({ ...params })}`, signal),
  paper: (paperId: string, signal: AbortSignal) => request<Paper>(`/api/papers/${id(paperId)}`, signal),
  similarToPaper: (paperId: string, k: number, signal: AbortSignal) =>
    request<{ results: SearchResult[]; note?: string }>(`/api/papers/${id(paperId)}/similar${toQuery({ k })}`, signal),
  similarToText: (text: string, k: number, signal: AbortSignal) => post<{ results: SearchResult[] }>('/api/similar', { text, k }, signal),
  clusters: (signal: AbortSignal) => request<{ clusters: Cluster[] }>('/api/clusters', signal),
  subtopics: (clusterId: number, signal: AbortSignal) =>
    // `reason` says why a small topic was not split (then `clusters` is empty).
    request<{ clusters: Cluster[]; reason?: string }>(`/api/clusters/${id(clusterId)}/subtopics`, signal),
  map: (signal: AbortSignal) => request<{ points: MapPoint[] }>('/api/map', signal),
  ask: (question: string, signal: AbortSignal) => post<AskResponse>('/api/ask', { question }, signal),
  askStream,
};
