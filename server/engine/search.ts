import { fuseRankings, hybridFusion } from '../ranking/index.js';
import type { SearchParams, SearchResponse } from './schemas.js';
import { type EngineState, round } from './state.js';

/** How many candidates each ranker contributes before fusion, per result asked for. */
const CANDIDATES_PER_RESULT = 4;
const MIN_CANDIDATES = 50;

/** Hybrid (HNSW + BM25, fused), vector or keyword search, filtered inside both rankers, sorted and paged. */
export async function search(state: EngineState, params: SearchParams): Promise<SearchResponse> {
  const started = performance.now();
  const accept = filterFor(state, params);
  const depth = Math.max(MIN_CANDIDATES, (params.offset + params.k) * CANDIDATES_PER_RESULT);
  const rankings: Array<Array<{ id: string; score: number }>> = [];
  if (params.mode !== 'lexical') {
    const vector = await state.embedder.embedQuery(params.q);
    rankings.push(state.vectorRanking(vector, depth, accept));
  }
  if (params.mode !== 'vector') {
    const lexicalAccept = accept && ((position: number) => accept(state.lexicalToPaper[position] ?? -1));
    rankings.push(state.lexical.search(params.q, { k: depth, filter: lexicalAccept }));
  }
  let ranked = rankings.length === 1 ? (rankings[0] ?? []) : fuseRankings(rankings, hybridFusion(state.manifest.embedder.kind));
  if (params.sort !== 'relevance') ranked = sortBy(state, ranked, params.sort);
  const page = ranked.slice(params.offset, params.offset + params.k);
  const results = page.map(({ id, score }) => state.hit(state.paperById(id), score, params.q));
  return { query: params.q, took_ms: round(performance.now() - started), total: ranked.length, offset: params.offset, results };
}

/** Filters run inside both rankers, so a filtered search finds every match that exists; undefined when none is set. */
function filterFor(state: EngineState, params: SearchParams): ((position: number) => boolean) | undefined {
  const { from, to, topic, min_upvotes: minUpvotes } = params;
  if (from === undefined && to === undefined && topic === undefined && minUpvotes === undefined) return undefined;
  return (position) => {
    const paper = state.papers[position];
    if (!paper) return false;
    if (topic !== undefined && state.topicOfPaper[position] !== topic) return false;
    if (minUpvotes !== undefined && paper.upvotes < minUpvotes) return false;
    if (from !== undefined && (!paper.date || paper.date.slice(0, from.length) < from)) return false;
    if (to !== undefined && (!paper.date || paper.date.slice(0, to.length) > to)) return false;
    return true;
  };
}

function sortBy(
  state: EngineState,
  ranked: Array<{ id: string; score: number }>,
  key: 'date' | 'upvotes',
): Array<{ id: string; score: number }> {
  const value = (id: string): string | number => {
    const paper = state.briefById(id);
    return key === 'date' ? (paper.date ?? '') : paper.upvotes;
  };
  // Stable sort keeps relevance order among equal dates or upvotes.
  return [...ranked].sort((a, b) => {
    const left = value(a.id);
    const right = value(b.id);
    return left < right ? 1 : left > right ? -1 : 0;
  });
}
