import type { SentenceIndex, SimilarityCalibration } from '../../indexer/sentences/index.js';
import { type ComposedAnswer, composeAnswer, type Evidence, fuseRankings, hybridFusion } from '../ranking/index.js';
import { isBoilerplate } from './boilerplate.js';

/** What answering needs from a loaded index. */
export interface AskSources {
  sentences: SentenceIndex;
  paper: (id: string) => { title: string; abstract: string };
  /** Paper-level IDF, so that a question's rare words weigh most when judging coverage. */
  idf: (term: string) => number;
}

/** Sentences each ranker contributes before fusion, and fused sentences handed to MMR. */
const CANDIDATES = 40;
const EVIDENCE = 24;
/**
 * How far above chance a sentence must be to ground an answer by similarity alone (a paraphrase
 * sharing no words). Chance is the higher of the 99th percentile of unrelated sentence pairs and
 * the best match any off-topic probe found, both measured at index time. With word vectors that
 * puts the bar near 0.63, above anything seen on the sample, so they ground on words only; MiniLM's
 * cosines sit much lower and its bar with them.
 */
const ABOVE_CHANCE = 0.05;

export function groundingSimilarity(calibration: SimilarityCalibration): number {
  return Math.max(calibration.p99, calibration.probeMax) + ABOVE_CHANCE;
}

/**
 * The best evidence sentences for a question across all papers: sentence-vector similarity and
 * sentence BM25 fused with the same weights as hybrid search, boilerplate ("Code is available at …")
 * skipped. `relevance` is the fused score.
 */
export function gatherEvidence(sources: AskSources, question: string, questionVector: Float32Array): Evidence[] {
  const { sentences } = sources;
  const vector = sentences.nearest(questionVector, CANDIDATES).map(({ index, score }) => ({ id: String(index), score }));
  const lexical = sentences.search(question, CANDIDATES).map(({ index, score }) => ({ id: String(index), score }));
  const evidence: Evidence[] = [];
  for (const { id, score } of fuseRankings([vector, lexical], hybridFusion(sentences.embedder.kind))) {
    if (evidence.length >= EVIDENCE) break;
    const index = Number(id);
    const ref = sentences.sentence(index);
    const paper = sources.paper(ref.paperId);
    const text = paper.abstract.slice(ref.start, ref.end);
    if (isBoilerplate(text)) continue;
    evidence.push({ paperId: ref.paperId, title: paper.title, sentence: text, relevance: score, vector: sentences.vector(index) });
  }
  return evidence;
}

/**
 * An extractive answer: evidence gathered, then picked by MMR and cited by `composeAnswer`, with
 * grounding thresholds from the index's calibration.
 * @example answerQuestion(sources, 'Are LLMs robust to reward noise?', await embedder.embedQuery(question))
 */
export function answerQuestion(sources: AskSources, question: string, questionVector: Float32Array, options: { maxSentences?: number } = {}): ComposedAnswer {
  return composeAnswer(question, gatherEvidence(sources, question, questionVector), {
    questionVector,
    minSimilarity: groundingSimilarity(sources.sentences.calibration),
    idf: sources.idf,
    ...options,
  });
}
