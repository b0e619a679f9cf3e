/** The engine: loads an index (load.ts) and answers queries, one file per operation; the server swaps it live. */

export { LiveEngine } from './live-engine.js';
export type { EngineOptions } from './load.js';
export { type ReloadWatch, watchForNewIndex } from './reload-watch.js';
export {
  type AskParams,
  askSchema,
  type ClusterRef,
  type MapPoint,
  type NewPapers,
  type PaperDetail,
  type PaperSummary,
  type SearchHit,
  type SearchParams,
  type SearchResponse,
  type SimilarHit,
  searchParamsSchema,
  similarParamsSchema,
  similarTextSchema,
} from './schemas.js';
export { SearchEngine } from './search-engine.js';
