/** Typed client for the Paperscope HTTP API (docs/api.md). Every call takes an AbortSignal. */

import type {
  AskResponse,
  BrowseHit,
  BrowseResponse,
  Citation,
  Cluster,
  ExportFormat,
  MapPoint,
  PaperDetail,
  SearchHit,
  SearchResponse,
  Status,
} from '../../server/engine/schemas.js';
import { toAskEvent } from './lib/ask-stream.js';
import { parseSse } from './lib/sse.js';

/** The response types are the server's own, inferred from the zod schemas that describe the API (type-only: nothing of the server is bundled). */
export type { AskResponse, BrowseResponse, Citation, Cluster, ExportFormat, MapPoint, SearchResponse, Status };
export type Paper = PaperDetail;
export type ClusterRef = SearchHit['cluster'];
export type Highlight = SearchHit['highlights'][number];

/** A paper in a list: a search hit, a browsed paper (no score), or a related paper (with the terms that explain the match). */
export type SearchResult = BrowseHit & { score?: number; shared_terms?: string[] };

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

/** `GET /api/papers`: the filters of a search, without a query. */
export type BrowseParams = Omit<SearchParams, 'q' | 'mode' | 'sort'> & { sort?: 'date' | 'upvotes' };

/** The events of `POST /api/ask/stream`, in order: evidence, token…, [error], done (docs/api.md). */
export type AskEvent =
  | { event: 'evidence'; data: { grounded: boolean; partial: boolean; citations: Citation[] } }
  | { event: 'token'; data: { text: string } }
  | { event: 'error'; data: { code: string; status: number; message: string } }
  | { event: 'done'; data: AskResponse & { generated: boolean } };

/** An error answered by the API (`{ error: { code, message } }`) or a failed request. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly parameter?: string,
    /** Seconds to wait before asking again (the Retry-After header), when the server says. */
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/**
 * The milliseconds to wait before asking again when `error` says a part of the index the request
 * needs is being rebuilt (503 INDEX_PREPARING); undefined for any other error.
 */
export function preparingDelay(error: unknown): number | undefined {
  if (!(error instanceof ApiError) || error.code !== 'INDEX_PREPARING') return undefined;
  return (error.retryAfter ?? 5) * 1000;
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
  const retryAfter = Number(response.headers.get('Retry-After') ?? Number.NaN);
  return new ApiError(
    detail?.message ?? `${response.status} ${response.statusText} from ${path}`,
    response.status,
    detail?.code ?? 'HTTP_ERROR',
    detail?.parameter,
    Number.isFinite(retryAfter) ? retryAfter : undefined,
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

/**
 * Where a list or a paper can be downloaded as a file: the same endpoint and parameters, with
 * `format`. A search or a browse exports its first 100 papers.
 */
export function exportUrl(what: { search: SearchParams } | { browse: BrowseParams } | { paper: string }, format: ExportFormat): string {
  if ('paper' in what) return `/api/papers/${id(what.paper)}${toQuery({ format })}`;
  if ('search' in what) return `/api/search${toQuery({ ...what.search, k: 100, offset: undefined, format })}`;
  return `/api/papers${toQuery({ ...what.browse, k: 100, offset: undefined, format })}`;
}

/** arXiv's abstract and PDF pages of a paper whose arXiv id is known. */
export function arxivLinks(arxivId: string | null): { abstract: string; pdf: string } | undefined {
  if (!arxivId) return undefined;
  return { abstract: `https://arxiv.org/abs/${arxivId}`, pdf: `https://arxiv.org/pdf/${arxivId}` };
}

export const api = {
  status: (signal: AbortSignal) => request<Status>('/api/status', signal),
  search: (params: SearchParams, signal: AbortSignal) => request<SearchResponse>(`/api/search${toQuery({ ...params })}`, signal),
  browse: (params: BrowseParams, signal: AbortSignal) => request<BrowseResponse>(`/api/papers${toQuery({ ...params })}`, signal),
  /** A file of papers (BibTeX, RIS, CSV, JSON Lines) as text, e.g. to copy BibTeX. */
  exportText: async (url: string, signal: AbortSignal) => {
    const response = await send(url, signal, {});
    if (!response.ok) throw failure(response, await response.json().catch(() => undefined), url);
    return response.text();
  },
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
