import { PaperscopeError } from '../../core/errors.js';
import type { Embedder, EmbedProgress } from '../embed/index.js';
import { buildLexicalIndex, countCorpusTerms } from '../lexical/index.js';
import { splitSentences } from '../text/index.js';
import { type StageTimings, timeStage } from '../timings.js';
import { calibrate, calibrateInWorker, OFF_TOPIC_PROBES } from './calibration.js';
import { type SentencePaper, SentenceIndex, type SentenceVectors, type SimilarityCalibration } from './sentence-index.js';

export interface SentenceSource {
  id: string;
  title: string;
  abstract: string;
  contentHash: string;
}

export interface BuildSentencesOptions {
  /**
   * An earlier index of the same embedder (or its vectors alone, when its BM25 file was lost):
   * sentences of papers whose hash is unchanged are not re-embedded.
   */
  previous?: SentenceVectors;
  onProgress?: EmbedProgress;
  /** Given, it gets the time spent embedding sentences as 'sentences: embed'. */
  timings?: StageTimings;
}

/** Sentences embedded per call: bounds memory and lets progress be drawn for the slow transformer. */
const EMBED_BATCH = 256;
/** A paper's title is context for its sentences in BM25, but a sentence must match on its own to rank first. */
const SENTENCE_TITLE_WEIGHT = 0.5;
/**
 * From this many sentences (some 7,000 papers) the calibration runs on a worker thread beside the
 * BM25 build; below it, it takes less than starting a worker.
 */
const WORKER_MIN_SENTENCES = 50_000;

/**
 * Splits every abstract into sentences and indexes each one: its vector (from `embedder`, the one
 * that built the papers table), its offsets, and a BM25 entry; plus the embedder's similarity
 * calibration on this corpus.
 * @example const sentences = await buildSentenceIndex(papers, tableVersion, embedder, { previous });
 */
export async function buildSentenceIndex(
  papers: readonly SentenceSource[],
  tableVersion: number,
  embedder: Embedder,
  options: BuildSentencesOptions = {},
): Promise<SentenceIndex> {
  const dimension = embedder.info.dimension;
  const reusable = reusableRanges(options.previous, embedder);
  const entries: SentencePaper[] = [];
  const offsets: number[] = [];
  const texts: string[] = [];
  const titles: string[] = [];
  for (const paper of papers) {
    const sentences = splitSentences(paper.abstract);
    entries.push({ id: paper.id, hash: paper.contentHash, first: texts.length, count: sentences.length });
    for (const sentence of sentences) {
      offsets.push(sentence.start, sentence.end);
      texts.push(sentence.text);
      titles.push(paper.title);
    }
  }

  // Shared memory, so that a calibration worker reads the vectors without a copy.
  const vectors = new Float32Array(new SharedArrayBuffer(texts.length * dimension * Float32Array.BYTES_PER_ELEMENT));
  const missing: number[] = [];
  for (const entry of entries) {
    const old = reusable.get(`${entry.id}\n${entry.hash}`);
    if (old && old.paper.count === entry.count) {
      vectors.set(
        old.index.vectors.subarray(old.paper.first * dimension, (old.paper.first + old.paper.count) * dimension),
        entry.first * dimension,
      );
    } else {
      for (let sentence = entry.first; sentence < entry.first + entry.count; sentence++) missing.push(sentence);
    }
  }
  await timeStage(options.timings, 'sentences: embed', async () => {
    for (let done = 0; done < missing.length; done += EMBED_BATCH) {
      const batch = missing.slice(done, done + EMBED_BATCH);
      const embedded = await embedder.embedDocuments(batch.map((sentence) => texts[sentence] as string));
      batch.forEach((sentence, position) => {
        const vector = embedded[position];
        if (!vector || vector.length !== dimension) {
          throw new PaperscopeError('INTERNAL', `The embedder returned no ${dimension}-d vector for sentence ${sentence}.`);
        }
        vectors.set(vector, sentence * dimension);
      });
      options.onProgress?.(Math.min(done + EMBED_BATCH, missing.length), missing.length);
    }
  });

  const kept = keptCalibration(options.previous, entries, missing.length);
  const probes = kept ? [] : await Promise.all(OFF_TOPIC_PROBES.map((probe) => embedder.embedQuery(probe)));
  const calibrating = kept
    ? Promise.resolve(kept)
    : texts.length >= WORKER_MIN_SENTENCES
      ? calibrateInWorker(entries, vectors, dimension, probes)
      : Promise.resolve(calibrate(entries, vectors, dimension, probes));
  // A failure while building BM25 must not leave the worker's promise rejected and unobserved.
  calibrating.catch(() => {});
  const sentenceDocs = texts.map((text, sentence) => ({ id: String(sentence), title: titles[sentence] as string, abstract: text }));
  // Sentences are matched by their words alone: positions would only cost memory.
  const lexical = buildLexicalIndex(sentenceDocs, { titleWeight: SENTENCE_TITLE_WEIGHT }, countCorpusTerms(sentenceDocs));
  return new SentenceIndex({
    tableVersion,
    embedder: embedder.info,
    papers: entries,
    offsets: Uint32Array.from(offsets),
    vectors,
    lexical,
    calibration: await calibrating,
  });
}

/** The same sentences with every vector reused: the calibration, which depends on nothing else, is kept too. */
function keptCalibration(
  previous: SentenceVectors | undefined,
  entries: readonly SentencePaper[],
  embedded: number,
): SimilarityCalibration | undefined {
  const same =
    previous !== undefined &&
    embedded === 0 &&
    previous.papers.length === entries.length &&
    previous.papers.every((paper, position) => {
      const entry = entries[position];
      return entry?.id === paper.id && entry.hash === paper.hash && entry.first === paper.first && entry.count === paper.count;
    });
  return same ? previous.calibration : undefined;
}

function reusableRanges(previous: SentenceVectors | undefined, embedder: Embedder) {
  const ranges = new Map<string, { index: SentenceVectors; paper: SentencePaper }>();
  const same =
    previous &&
    previous.embedder.kind === embedder.info.kind &&
    previous.embedder.model === embedder.info.model &&
    previous.embedder.dimension === embedder.info.dimension;
  if (same) for (const paper of previous.papers) ranges.set(`${paper.id}\n${paper.hash}`, { index: previous, paper });
  return ranges;
}
