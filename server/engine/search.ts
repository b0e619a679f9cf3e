import type { AnalysedQuery } from '../../indexer/lexical/index.js';
import { hybridPlan, MIN_POOL, needsVector, type RankingSource, rankPapers } from '../ranking/index.js';
import type { SearchParams, SearchResponse } from './schemas.js';

type Filters = Pick<SearchParams, 'from' | 'to' | 'topic' | 'min_upvotes'>;

import { type EngineState, round } from './state.js';

/**
 * Hybrid, vector or keyword search (server/ranking/hybrid.ts ranks and counts), filtered inside
 * both rankers, sorted and paged.
 */
export async function search(state: EngineState, params: SearchParams): Promise<SearchResponse> {
  const started = performance.now();
  // An unknown topic is a wrong id, not a filter that happens to match nothing.
  if (params.topic !== undefined) state.topic(params.topic, 'topic');
  const shown = params.offset + params.k;
  // Sorted by date or upvotes, the whole pool is re-sorted before the page is cut from it.
  const request = { mode: params.mode, depth: params.sort === 'relevance' ? shown : Math.max(MIN_POOL, shown) };
  // The positions of the papers the rankers found: no map of every id is needed to show them.
  const found = new Map<string, number>();
  const source = rankingSource(state, params.q, filterFor(state, params), found);
  const plan = hybridPlan(state.manifest.embedder.kind);
  // Embedded only when the ranking reads the vector (`needsVector`).
  const vector = needsVector(source, request, plan) ? await state.embedder.embedQuery(params.q) : undefined;
  const floor = vector ? await state.vectorFloor() : 0;
  let { ranked, total, totalRelation } = rankPapers(source, { ...request, vector }, plan, floor);
  if (params.sort !== 'relevance') ranked = sortBy(state, ranked, params.sort);
  const page = ranked.slice(params.offset, params.offset + params.k);
  const results = page.map(({ id, score }) => state.hitAt(found.get(id) ?? state.positionOf(id), score, params.q));
  // A lower bound is counted past the page's end (`rankPapers`), so this holds for 'gte' too.
  const hasMore = params.offset + params.k < total;
  return {
    query: params.q,
    took_ms: round(performance.now() - started),
    total,
    total_relation: totalRelation,
    offset: params.offset,
    has_more: hasMore,
    next_offset: hasMore ? params.offset + params.k : null,
    results,
  };
}

/**
 * The indexes as ranking sees them for `text`, the filters applied inside both rankers; `found` gets
 * the position of each paper returned. The query is parsed and expanded once, when first needed
 * (never in vector mode), and that analysis serves the phrase test, the count's bound and the ranking.
 */
function rankingSource(
  state: EngineState,
  text: string,
  accept: ((position: number) => boolean) | undefined,
  found: Map<string, number>,
): RankingSource {
  const lexicalAccept = accept && ((position: number) => accept(state.lexicalToPaper[position] ?? -1));
  let analysed: AnalysedQuery | undefined;
  const query = (): AnalysedQuery => {
    analysed ??= state.lexical.analyse(text, { expansions: state.expander?.expand(text) });
    return analysed;
  };
  const hasPhrase = () => query().parsed.phrases.length > 0;
  return {
    lexical: (k, cap, probe = []) => {
      const ranking = state.lexical.rankAnalysed(query(), {
        k,
        cap,
        filter: lexicalAccept,
        probe: probe.map((position) => state.lexicalDocAt(position)),
      });
      for (const { id, index } of ranking.hits) {
        const position = state.lexicalToPaper[index] ?? -1;
        if (position >= 0) found.set(id, position);
      }
      return ranking;
    },
    lexicalAtLeast: () => (accept || hasPhrase() ? 0 : state.lexical.widestTerm(query())),
    nearest: (vector, k) => {
      const near = state.vectorRanking(vector, k, accept);
      for (const { id, position } of near) if (position >= 0) found.set(id, position);
      return near;
    },
    hasPhrase,
  };
}

/** Filters run inside both rankers, so a filtered search finds every match that exists; undefined when none is set. */
export function filterFor(state: EngineState, params: Filters): ((position: number) => boolean) | undefined {
  const { from, to, topic, min_upvotes: minUpvotes } = params;
  if (from === undefined && to === undefined && topic === undefined && minUpvotes === undefined) return undefined;
  return (position) => {
    // The two columns read alone: a filter runs for every paper a ranker visits.
    if (position < 0 || position >= state.papers.length) return false;
    if (topic !== undefined && state.topicOfPaper[position] !== topic) return false;
    if (minUpvotes !== undefined && state.papers.upvotes(position) < minUpvotes) return false;
    if (from === undefined && to === undefined) return true;
    const date = state.papers.date(position);
    if (from !== undefined && (!date || date.slice(0, from.length) < from)) return false;
    if (to !== undefined && (!date || date.slice(0, to.length) > to)) return false;
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
