export {
  type AnswerOptions,
  type Citation,
  type ComposedAnswer,
  composeAnswer,
  NOT_ANSWERED,
  type PaperCandidate,
  type SentenceCandidate,
} from './answer.js';
export { findingStrength, isQuestionSentence } from './findings.js';
export { type FuseOptions, fuseRankings, hybridFusion, type Scored } from './fuse.js';
export { type Judgments, meanReciprocalRank, ndcgAtK, recallAtK, reciprocalRank } from './metrics.js';
export { embeddingWeight, type RelatedHit, RelatedPapers, type RelatedSource } from './related.js';
export { bestSnippet, type Snippet, type SnippetOptions, type Span } from './snippet.js';
