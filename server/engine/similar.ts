import type { RelatedView } from '../../indexer/related/index.js';
import { embeddingWeight, fuseRankings, hybridFusion, RelatedPapers } from '../ranking/index.js';
import type { PaperDetail, SearchHit, SimilarHit } from './schemas.js';
import type { EngineState } from './state.js';

/** One paper with its abstract, authors and categories. */
export function paper(state: EngineState, id: string): PaperDetail {
  const paper = state.paperById(id);
  return { ...state.summary(paper), abstract: paper.abstract, authors: paper.authors, categories: paper.categories };
}

/** Related papers over the index's related-papers view (TF-IDF and topic mixtures fitted at index time). */
export function relatedPapers(state: EngineState, view: RelatedView): RelatedPapers {
  return new RelatedPapers({
    view,
    vector: (position) => state.vectorAt(position),
    nearestByVector: (position, count) =>
      state.vectorRanking(state.vectorAt(position), count).map((hit) => state.positionById.get(hit.id) ?? -1),
    embeddingWeight: embeddingWeight(state.manifest.embedder.kind),
  });
}

/**
 * Related papers (see `RelatedPapers`), each with the distinctive terms the two share; none, with a
 * note saying so, when nothing is close.
 */
export function similar(state: EngineState, related: RelatedPapers, id: string, k: number): { results: SimilarHit[]; note?: string } {
  const paper = state.paperById(id);
  const hits = related.of(state.positionOf(id), k);
  const results = hits.map(({ position, closeness }) => {
    const other = state.recordAt(position);
    return { ...state.hit(other, closeness, paper.title), shared_terms: state.lexical.sharedTerms(id, other.id, 6) };
  });
  return hits.length > 0 ? { results } : { results, note: 'No paper in this index is close to this one.' };
}

/** Papers related to a pasted text: its vector and its words, fused. */
export async function similarToText(state: EngineState, text: string, k: number): Promise<{ results: SearchHit[] }> {
  const vector = await state.embedder.embedQuery(text);
  const ranked = fuseRankings(
    [state.vectorRanking(vector, k * 3), state.lexical.search(text, { k: k * 3, repeats: 'counted' })],
    hybridFusion(state.manifest.embedder.kind),
  );
  return { results: ranked.slice(0, k).map(({ id, score }) => state.hit(state.paperById(id), score, text)) };
}
