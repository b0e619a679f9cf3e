import { OFF_TOPIC_PROBES, type SentenceIndex, type SimilarityCalibration } from '../../indexer/sentences/index.js';
import { type AnswerOptions, type ComposedAnswer, composeAnswer, type PaperCandidate } from '../ranking/index.js';
import { isBoilerplate } from './boilerplate.js';

/** What answering needs from a loaded index. */
export interface AskSources {
  sentences: SentenceIndex;
  paper: (id: string) => { title: string; abstract: string };
  /** Paper-level IDF, so that a question's rare words weigh most when judging coverage. */
  idf: (term: string) => number;
  /**
   * The best paper-level BM25 score of a text: how strongly the corpus matches its words. Pass the
   * same function for the same index: the off-topic bar is computed once per function.
   */
  topLexicalScore: (text: string) => number;
  /** The embedder's word similarities, when it has word vectors: a paraphrase's papers are then read in a better order. */
  wordSimilarities?: AnswerOptions['wordSimilarities'];
}

/**
 * Papers of the search read for an answer: twice the claims quoted, so reading can pass over a hit
 * whose sentences do not bear on the question (8 rather than 6 on SciFact train: 0.674 against 0.672).
 */
export const ASK_PAPERS = 8;
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
 * How far above the best BM25 score any off-topic probe reaches on this corpus a question's must be
 * for the search to count as having found something when no sentence grounds the answer (a
 * paraphrase shares few and common words with the abstracts, but more than an everyday question).
 * Calibrated on the team set's paraphrases and unanswerable questions and on SciFact's train
 * claims (README, "Ask: how it is measured").
 */
const LEXICAL_ABOVE_PROBES = 1.25;
/**
 * Keyed by the scorer, not the sentence index: the bar belongs to the BM25 that scores the
 * questions, so a scorer on another scale (a changed BM25, a rebuilt index) gets its own.
 */
const lexicalBars = new WeakMap<AskSources['topLexicalScore'], number>();

/**
 * The BM25 score a question must beat: `LEXICAL_ABOVE_PROBES` × the probes' best under the same
 * scorer, computed once per scorer. Being a ratio, it holds whatever the scale of the scores.
 */
export function lexicalGroundingScore(sources: AskSources): number {
  const score = sources.topLexicalScore;
  let bar = lexicalBars.get(score);
  if (bar === undefined) {
    bar = LEXICAL_ABOVE_PROBES * Math.max(0, ...OFF_TOPIC_PROBES.map((probe) => score(probe)));
    lexicalBars.set(score, bar);
  }
  return bar;
}

/** The search's papers with their abstract sentences and vectors (where made); boilerplate ("Code is available at …") is left out. */
export function readPapers(sources: AskSources, hits: ReadonlyArray<{ id: string }>): PaperCandidate[] {
  const { sentences } = sources;
  return hits.map(({ id }) => {
    const paper = sources.paper(id);
    const candidates = sentences.sentencesOf(id).flatMap((index) => {
      const ref = sentences.sentence(index);
      const text = paper.abstract.slice(ref.start, ref.end);
      if (isBoilerplate(text)) return [];
      // A sentence whose vector is still being made is read by its words alone.
      return [sentences.hasVector(index) ? { text, vector: sentences.vector(index) } : { text }];
    });
    return { id, title: paper.title, sentences: candidates };
  });
}

/**
 * An extractive answer read from the papers a search found (best first), with grounding
 * thresholds from the index's calibration.
 * @example answerQuestion(sources, question, await embedder.embedQuery(question), (await engine.search({ q: question, k: ASK_PAPERS })).results)
 */
export function answerQuestion(
  sources: AskSources,
  question: string,
  questionVector: Float32Array,
  hits: ReadonlyArray<{ id: string }>,
  options: Pick<AnswerOptions, 'maxClaims'> = {},
): ComposedAnswer {
  const { calibration } = sources.sentences;
  return composeAnswer(question, readPapers(sources, hits), {
    searchFound: sources.topLexicalScore(question) > lexicalGroundingScore(sources),
    questionVector,
    minSimilarity: groundingSimilarity(calibration),
    chanceSimilarity: calibration.p90,
    idf: sources.idf,
    wordSimilarities: sources.wordSimilarities,
    ...options,
  });
}
