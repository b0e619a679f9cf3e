export {
  type AnswerOptions,
  type Citation,
  type ComposedAnswer,
  composeAnswer,
  NOT_ANSWERED,
  type PaperCandidate,
  type SentenceCandidate,
} from './answer.js';
export { EXPANSION, type ExpansionSettings, expandQuery, QueryExpander } from './expansion.js';
export { findingStrength, isQuestionSentence } from './findings.js';
export { type FuseOptions, fuseRankings, hybridFusion, type Scored } from './fuse.js';
export {
  type HybridPlan,
  hybridPlan,
  MIN_POOL,
  type Near,
  needsVector,
  type RankingSource,
  type RankRequest,
  rankPapers,
  similarityFloor,
  TOTAL_CAP,
  type TotalRelation,
  VECTOR_MATCH_DEPTH,
} from './hybrid.js';
export { type Judgments, meanReciprocalRank, ndcgAtK, recallAtK, reciprocalRank } from './metrics.js';
export { OkapiBm25, type OkapiDocument, type OkapiOptions } from './okapi.js';
export { embeddingWeight, type RelatedHit, RelatedPapers, type RelatedSource } from './related.js';
export { bestSnippet, type Snippet, type SnippetOptions, type Span } from './snippet.js';
