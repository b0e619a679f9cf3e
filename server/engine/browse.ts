import type { BrowseParams, BrowseResponse } from './schemas.js';
import { filterFor } from './search.js';
import { type EngineState, round } from './state.js';

/**
 * The papers that pass the filters, without a query: newest first (undated last), or most upvoted
 * first with the newest first among equals. Ties keep the table's order, so pages agree.
 */
export function browse(state: EngineState, params: BrowseParams): BrowseResponse {
  const started = performance.now();
  // As in search: an unknown topic is a mistake to name, not an empty list.
  if (params.topic !== undefined) state.topic(params.topic, 'topic');
  const accept = filterFor(state, params);
  const positions: number[] = [];
  for (let position = 0; position < state.papers.length; position++) if (!accept || accept(position)) positions.push(position);
  // Each listed paper's keys read once: the sort compares them many times.
  const dates: string[] = [];
  const upvoteCounts: number[] = [];
  for (const position of positions) {
    dates[position] = state.papers.date(position) ?? '';
    if (params.sort === 'upvotes') upvoteCounts[position] = state.papers.upvotes(position);
  }
  const date = (position: number) => dates[position] ?? '';
  const upvotes = (position: number) => upvoteCounts[position] ?? 0;
  const byDate = (a: number, b: number) => (date(a) < date(b) ? 1 : date(a) > date(b) ? -1 : 0);
  positions.sort(params.sort === 'upvotes' ? (a, b) => upvotes(b) - upvotes(a) || byDate(a, b) : byDate);
  const total = positions.length;
  const page = positions.slice(params.offset, params.offset + params.k);
  const hasMore = params.offset + params.k < total;
  return {
    took_ms: round(performance.now() - started),
    total,
    offset: params.offset,
    has_more: hasMore,
    next_offset: hasMore ? params.offset + params.k : null,
    sort: params.sort,
    results: page.map((position) => state.preview(state.recordAt(position))),
  };
}
