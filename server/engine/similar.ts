import { fuseRankings, hybridFusion } from '../ranking/index.js';
import type { PaperDetail, SearchHit, SimilarHit } from './schemas.js';
import type { EngineState } from './state.js';

/** One paper with its abstract, authors and categories. */
export function paper(state: EngineState, id: string): PaperDetail {
  const paper = state.paperById(id);
  return { ...state.summary(paper), abstract: paper.abstract, authors: paper.authors, categories: paper.categories };
}

/** The paper's nearest neighbours in the HNSW graph, each with the distinctive terms the two share. */
export function similar(state: EngineState, id: string, k: number): { results: SimilarHit[] } {
  const paper = state.paperById(id);
  const position = state.positionById.get(id) ?? -1;
  const neighbours = state.vectorRanking(state.vectorAt(position), k + 1, (other) => other !== position).slice(0, k);
  return {
    results: neighbours.map(({ id: otherId, score }) => {
      const other = state.paperById(otherId);
      return { ...state.hit(other, score, paper.title), shared_terms: state.lexical.sharedTerms(id, otherId, 6) };
    }),
  };
}

/** Papers related to a pasted text: its vector and its words, fused. */
export async function similarToText(state: EngineState, text: string, k: number): Promise<{ results: SearchHit[] }> {
  const vector = await state.embedder.embedQuery(text);
  const ranked = fuseRankings(
    [state.vectorRanking(vector, k * 3), state.lexical.search(text, { k: k * 3 })],
    hybridFusion(state.manifest.embedder.kind),
  );
  return { results: ranked.slice(0, k).map(({ id, score }) => state.hit(state.paperById(id), score, text)) };
}
