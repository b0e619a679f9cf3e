import { createHash } from 'node:crypto';
import { PaperscopeError } from '../../core/errors.js';
import { runModuleWorker } from '../../core/worker.js';
import type { OffTopicProbes } from '../ann/index.js';
import type { Embedder } from '../embed/index.js';
import { dotRow, dotRows, isPendingRow, type QuantizedRows, rowCount } from './quantized.js';
import type { SentencePaper, SimilarityCalibration } from './sentence-index.js';

const RANDOM_PAIRS = 2_000;

/**
 * Everyday questions no research corpus answers. Their best match in the corpus shows how high
 * similarity climbs by chance for this embedder and corpus size.
 */
export const OFF_TOPIC_PROBES: readonly string[] = [
  'What time does the bakery on the corner open on Sundays?',
  'Which river flows through the capital of Hungary?',
  'How many players are on a football team?',
  'Who painted the ceiling of the Sistine Chapel?',
  'What should I pack for a week of hiking in the mountains?',
  'How do I remove a red wine stain from a carpet?',
  'When is the best season to plant tulip bulbs?',
  'What is the population of Canada?',
  'How long should I boil an egg for a soft yolk?',
  'Which airline has the most comfortable seats?',
  'Why do cats purr when they are happy?',
  'How much does it cost to replace a car battery?',
  'What are the rules of chess castling?',
  'Where can I buy cheap concert tickets tonight?',
  'Who wrote the novel Pride and Prejudice?',
  'How do volcanoes form under the ocean?',
  'What is the weather forecast for the weekend?',
  'How do I knit a scarf for beginners?',
  'Which vitamins are found in oranges?',
  'What is the history of the Roman aqueducts?',
  'How can I train my dog to stop barking?',
  'What is the tallest building in Asia?',
  'How do I change the strings on an acoustic guitar?',
  'Which wine goes well with grilled salmon?',
];

/** Names the probes' texts: the best matches stored with an index (`AnnIndex.offTopic`) hold for these probes only. */
export const OFF_TOPIC_DIGEST = createHash('sha256').update(JSON.stringify(OFF_TOPIC_PROBES)).digest('hex');

/** The off-topic probes as `embedder` embeds queries. */
export async function embedOffTopicProbes(embedder: Pick<Embedder, 'embedQuery'>): Promise<OffTopicProbes> {
  return { digest: OFF_TOPIC_DIGEST, vectors: await Promise.all(OFF_TOPIC_PROBES.map((probe) => embedder.embedQuery(probe))) };
}

/**
 * Similarity figures for grounding: quantiles over random pairs of sentences from different papers
 * (drawn with a fixed-seed generator, so re-indexing the same corpus gives the same figures), and
 * the best similarity each off-topic probe reaches in the corpus.
 */
export function calibrate(
  papers: readonly SentencePaper[],
  vectors: QuantizedRows,
  dimension: number,
  probes: readonly Float32Array[],
): SimilarityCalibration {
  const withSentences = papers.filter((paper) => paper.count > 0);
  const pairs: number[] = [];
  if (withSentences.length >= 2) {
    let state = 0x9e3779b9;
    const random = (limit: number): number => {
      // xorshift32: tiny, deterministic, and plenty for sampling pairs.
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return (state >>> 0) % limit;
    };
    for (let pair = 0; pair < RANDOM_PAIRS; pair++) {
      const first = random(withSentences.length);
      const second = (first + 1 + random(withSentences.length - 1)) % withSentences.length;
      const a = withSentences[first] as SentencePaper;
      const b = withSentences[second] as SentencePaper;
      const [rowA, rowB] = [a.first + random(a.count), b.first + random(b.count)];
      // A sentence without its vector yet is no sample of chance similarity.
      if (!isPendingRow(vectors, rowA) && !isPendingRow(vectors, rowB)) pairs.push(dotRows(vectors, rowA, vectors, rowB, dimension));
    }
  }
  const sentenceCount = rowCount(vectors);
  const best = probes.map(() => -1);
  // Sentence by sentence, each against every probe: one pass over the vectors instead of one per probe.
  for (let sentence = 0; sentence < sentenceCount; sentence++) {
    if (isPendingRow(vectors, sentence)) continue;
    probes.forEach((probe, index) => {
      best[index] = Math.max(best[index] as number, dotRow(probe, vectors, sentence, dimension));
    });
  }
  const pairQuantile = quantiles(pairs);
  const probeQuantile = quantiles(best);
  return {
    pairs: pairs.length,
    p50: pairQuantile(0.5),
    p90: pairQuantile(0.9),
    p99: pairQuantile(0.99),
    probes: best.length,
    probeMedian: probeQuantile(0.5),
    probeMax: probeQuantile(1),
  };
}

function quantiles(values: readonly number[]): (q: number) => number {
  const sorted = [...values].sort((a, b) => a - b);
  return (q) => Math.round((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0) * 1e4) / 1e4;
}

export interface CalibrationJob {
  papers: readonly SentencePaper[];
  /** The sentence vectors' codes and scales (`QuantizedRows`). */
  codes: SharedArrayBuffer;
  scales: SharedArrayBuffer;
  dimension: number;
  probes: readonly Float32Array[];
}

/** `calibrate` on a worker thread, reading the vectors where they are (`vectors` must be shared memory). */
export function calibrateInWorker(
  papers: readonly SentencePaper[],
  vectors: QuantizedRows,
  dimension: number,
  probes: readonly Float32Array[],
): Promise<SimilarityCalibration> {
  const { codes, scales } = vectors;
  if (!(codes.buffer instanceof SharedArrayBuffer) || !(scales.buffer instanceof SharedArrayBuffer))
    throw new PaperscopeError('INTERNAL', 'calibrateInWorker needs the vectors in a SharedArrayBuffer');
  const job: CalibrationJob = { papers, codes: codes.buffer, scales: scales.buffer, dimension, probes };
  return runModuleWorker<SimilarityCalibration>(import.meta.url, './calibration-worker', job);
}
