export {
  buildSentenceIndex,
  type BuildSentencesOptions,
  completeSentenceIndex,
  countPaperAndSentenceTerms,
  countSentenceTerms,
  countTermsWithSentences,
  DOCUMENT_CHUNK,
  documentPieces,
  documentText,
  embedPapers,
  type FreshSentenceVectors,
  type SentenceSource,
  type SentenceTexts,
} from './build.js';
export { embedPapersOnTwoThreads } from './embed-beside.js';
export { calibrate, calibrateInWorker, embedOffTopicProbes, OFF_TOPIC_DIGEST, OFF_TOPIC_PROBES } from './calibration.js';
export { loadSentenceIndex, saveSentenceIndex, summarizeSentenceFiles } from './file.js';
export type { QuantizedRows } from './quantized.js';
export {
  SentenceIndex,
  type SentenceIndexData,
  type SentencePaper,
  type SentencePooling,
  type SentenceRef,
  type SentenceVectors,
  type SimilarityCalibration,
} from './sentence-index.js';
