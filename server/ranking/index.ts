export { type AnswerOptions, type Citation, type ComposedAnswer, composeAnswer, type Evidence, NOT_ANSWERED } from './answer.js';
export { type FuseOptions, fuseRankings, hybridFusion, type Scored } from './fuse.js';
export { type Judgments, meanReciprocalRank, ndcgAtK, recallAtK, reciprocalRank } from './metrics.js';
export { bestSnippet, type Snippet, type SnippetOptions, type Span } from './snippet.js';
