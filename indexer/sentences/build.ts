import { PaperscopeError } from '../../core/errors.js';
import { type Embedder, type EmbedProgress, type PieceWindows, sameEmbedder } from '../embed/index.js';
import type { SharedTexts } from '../../core/shared-texts.js';
import { deferred, runTask, type WorkerLane } from '../../core/worker.js';
import {
  type CorpusTerms,
  countCorpusAndSentenceTermsOffThread,
  countCorpusTerms,
  type FieldedText,
  numberedLexicalIndexOf,
} from '../lexical/index.js';
import { splitSentences } from '../text/index.js';
import { recordStage, type StageCost, type StageTimings, timeStage } from '../timings.js';
import { calibrate, calibrateInWorker, embedOffTopicProbes } from './calibration.js';
import { allocateRows, copyRows, isPendingRow, markPendingRow, type QuantizedRows, quantizeInto, rowCount, rowsView } from './quantized.js';
import {
  type SentencePaper,
  SentenceIndex,
  type SentencePooling,
  type SentenceVectors,
  type SimilarityCalibration,
} from './sentence-index.js';
import { type SentenceSplit, sentencePapers, splitAbstracts } from './split.js';

export interface SentenceSource {
  id: string;
  title: string;
  abstract: string;
  contentHash: string;
}

/** The text that represents a paper for embedding: the title carries the most signal. */
export function documentText(paper: Pick<SentenceSource, 'title' | 'abstract'>): string {
  return `${paper.title}. ${paper.abstract}`;
}

/**
 * `documentText(paper)` cut into consecutive pieces: the title (with whatever precedes the first
 * sentence), then each sentence of the abstract (with the space after it); `sentences[i]` is the
 * piece of the abstract's sentence i, as `splitSentences` finds them.
 */
export function documentPieces(paper: Pick<SentenceSource, 'title' | 'abstract'>): { pieces: string[]; sentences: number[] } {
  const { abstract } = paper;
  const pieces = [`${paper.title}. `];
  const sentences: number[] = [];
  let at = 0;
  for (const sentence of splitSentences(abstract)) {
    pieces[pieces.length - 1] += abstract.slice(at, sentence.start);
    sentences.push(pieces.length);
    pieces.push(sentence.text);
    at = sentence.end;
  }
  pieces[pieces.length - 1] += abstract.slice(at);
  return { pieces, sentences };
}

/**
 * Papers whose `documentText` is embedded per call: only one chunk's texts are alive at once. All
 * of them at once were ≈ 1.5 GB of strings at a million papers, which took the indexer past V8's
 * 4 GB heap limit while embedding.
 */
export const DOCUMENT_CHUNK = 8_192;

/**
 * A paper's sentence vectors (8-bit, `QuantizedRows`), by `sentenceKey`. `buildSentenceIndex` takes
 * them: each paper's entry is deleted once copied into the index, so a chunk's rows are freed as the
 * copy passes them rather than held beside the index's own copy (≈ 0.9 GB at a million papers).
 */
export type FreshSentenceVectors = Map<string, QuantizedRows>;

const sentenceKey = (paper: { id: string; contentHash: string }): string => `${paper.id}\n${paper.contentHash}`;

/**
 * Embeds papers (their `documentText`) and, where the embedder gives a text's pieces with it
 * (`embedWithPieces`: the transformer, from the same forward passes; `embedPiecesAlone`: the word
 * vectors, from the same pass over the words), their abstracts' sentence vectors, for
 * `buildSentenceIndex` to take instead of embedding every sentence again. Those are kept as 8-bit
 * codes, a chunk's in one pair of arrays: at a million papers, ≈ 8 M sentences. With `windows`
 * `first` (the transformer), only each paper's first window runs: its vector and the sentences
 * inside it, the others' rows marked pending (`markPendingRow`) for `completeSentenceIndex`.
 * @example const { vectors, sentences } = await embedPapers(embedder, papers);
 */
export async function embedPapers(
  embedder: Embedder,
  papers: readonly Pick<SentenceSource, 'id' | 'title' | 'abstract' | 'contentHash'>[],
  onProgress?: EmbedProgress,
  windows: Exclude<PieceWindows, 'rest'> = 'all',
  /** Hears each chunk's paper vectors, in order, as they are made (the indexer's HNSW graph is built from them meanwhile). */
  onVectors?: (vectors: readonly Float32Array[]) => void,
): Promise<{ vectors: Float32Array[]; sentences: Map<string, QuantizedRows> }> {
  const withPieces = embedder.embedWithPieces?.bind(embedder);
  const embedPieces = withPieces
    ? (texts: string[][], progress?: EmbedProgress) => withPieces(texts, progress, windows)
    : embedder.embedPiecesAlone?.bind(embedder);
  const dimension = embedder.info.dimension;
  const vectors: Float32Array[] = [];
  const sentences = new Map<string, QuantizedRows>();
  for (let start = 0; start < papers.length; start += DOCUMENT_CHUNK) {
    const chunk = papers.slice(start, start + DOCUMENT_CHUNK);
    const progress = onProgress && ((done: number) => onProgress(start + done, papers.length));
    if (!embedPieces) {
      const embedded = await embedder.embedDocuments(chunk.map(documentText), progress);
      for (const vector of embedded) vectors.push(vector);
      onVectors?.(embedded);
      continue;
    }
    const split = chunk.map(documentPieces);
    const embedded = await embedPieces(
      split.map(({ pieces }) => pieces),
      progress,
    );
    // In shared memory: held to the sentence index (≈ 0.8 GB at a million papers), uncounted by V8 (`uncountedBuffer`).
    const rows = allocateRows(
      split.reduce((sum, { sentences: wanted }) => sum + wanted.length, 0),
      dimension,
      true,
    );
    let at = 0;
    chunk.forEach((paper, position) => {
      const { text, pieces } = embedded[position] as { text: Float32Array; pieces: Float32Array };
      const wanted = (split[position] as { sentences: number[] }).sentences;
      // Piece 0 is the title: sentence i is piece sentences[i], row sentences[i] of the pieces.
      wanted.forEach((piece, sentence) => {
        const vector = pieces.subarray(piece * dimension, (piece + 1) * dimension);
        if (Number.isNaN(vector[0])) markPendingRow(rows, at + sentence, dimension);
        else quantizeInto(vector, dimension, rows, at + sentence);
      });
      sentences.set(sentenceKey(paper), rowsView(rows, at, wanted.length, dimension));
      at += wanted.length;
      vectors.push(text);
    });
    onVectors?.(vectors.slice(start));
  }
  return { vectors, sentences };
}

export interface BuildSentencesOptions {
  /**
   * An earlier index of the same embedder (or its vectors alone, when its BM25 file was lost):
   * sentences of papers whose hash is unchanged are not re-embedded.
   */
  previous?: SentenceVectors;
  /** Sentence vectors `embedPapers` made with the papers’ own, by paper id and hash: not embedded again, and taken (see `FreshSentenceVectors`). */
  fresh?: FreshSentenceVectors;
  onProgress?: EmbedProgress;
  /** Given, it gets the time spent embedding sentences as 'sentences: embed'. */
  timings?: StageTimings;
  /** These papers' sentences, split and counted before (`countTermsWithSentences`); ignored when made of other papers. */
  texts?: SentenceTexts;
}

/** A corpus' sentences as the sentence index splits them, with each sentence as BM25 reads it. */
type SplitCorpus = SentenceSplit & { docs: FieldedText[] };

function splitCorpus(papers: readonly SentenceSource[]): SplitCorpus {
  const { counts, offsets, docs } = splitAbstracts(papers);
  return { entries: sentencePapers(papers, counts), offsets, docs };
}

/**
 * Sentences split, and their terms being counted, before the sentence index is built
 * (`countTermsWithSentences`, `countSentenceTerms`): the sentences themselves are not kept, only
 * where each is in its abstract.
 */
export interface SentenceTexts {
  split: Promise<SentenceSplit>;
  counted: Promise<CorpusTerms>;
}

/**
 * Counts the papers' terms (`docs`: their titles and abstracts, with positions, for the BM25 index
 * and the topics) and, in the same pass over each abstract, the terms of the sentence index's
 * sentences for its BM25 part, on `lane`: the indexer starts it as soon as the papers are read, so
 * the worker counts while this thread fits the embedder and embeds, and the sentence index, built
 * once the topics are clustered, only assembles. Tokenized for each apart, the sentences took ≈ 45 %
 * of the two counts. `buildSentenceIndex` takes `sentences` as `texts`. The worker's time goes into `timings.terms`.
 */
export function countTermsWithSentences(
  docs: readonly FieldedText[],
  papers: readonly SentenceSource[],
  lane: WorkerLane,
  timings?: StageTimings,
): { terms: Promise<CorpusTerms>; sentences: SentenceTexts } {
  const { entries, offsets } = splitCorpus(papers);
  const first = new Uint32Array(entries.length + 1);
  entries.forEach((entry, position) => {
    first[position] = entry.first;
  });
  first[entries.length] = offsets.length / 2;
  const counting = countCorpusAndSentenceTermsOffThread(docs, { first, offsets: Uint32Array.from(offsets) }, timings, lane);
  // A failure before the indexer or the sentence index awaits them must not be unhandled.
  counting.papers.catch(() => {});
  counting.sentences.catch(() => {});
  return { terms: counting.papers, sentences: { split: Promise.resolve({ entries, offsets }), counted: counting.sentences } };
}

/** What the worker of `countSentenceTerms` reads: the papers' titles and abstracts. */
export interface SentenceCountsJob {
  texts: SharedTexts;
  /** Whether the papers' own terms (with positions) are counted in the same pass (`countPaperAndSentenceTerms`). */
  papers: boolean;
}

/** What it shares once the abstracts are split: each paper's number of sentences, and their offsets. */
export interface SentenceCountsSplit {
  counts: Uint32Array;
  offsets: Uint32Array;
}

export interface SentenceCountsResult {
  counted: CorpusTerms;
  papers?: CorpusTerms;
  split: StageCost;
  cost: StageCost;
}

/**
 * Splits the papers' abstracts (`texts`, in shared memory, `papers`' in order) into the sentence
 * index's sentences and counts only their terms, on a worker of its own: the indexer from 50,000
 * papers (no lane), while it writes the table and the records file. The sentences' strings are made
 * and dropped there: on this thread, at a million papers, their split and their copy into shared
 * memory held the write back ≈ 2 minutes. `buildSentenceIndex` takes it as `texts`; the worker's
 * time goes into `timings['sentences: split']` and `timings['sentences: terms']`.
 */
export function countSentenceTerms(
  texts: SharedTexts,
  papers: ReadonlyArray<{ id: string; contentHash: string }>,
  timings?: StageTimings,
): SentenceTexts {
  return startSentenceCounts(texts, papers, false, timings).sentences;
}

/**
 * `countSentenceTerms`, and the papers' own terms with positions (`countCorpusTerms(papers, {
 * positions: true })`, for the BM25 index and the topics) in the same pass over each abstract
 * (`countCorpusAndSentenceTerms`): the indexer from 100,000 papers, where they were tokenized
 * again after the sentence index (at a million papers ≈ 230 s of CPU, ≈ 160 s of wall on both
 * cores). Their time goes into `timings['sentences: terms']` too.
 */
export function countPaperAndSentenceTerms(
  texts: SharedTexts,
  papers: ReadonlyArray<{ id: string; contentHash: string }>,
  timings?: StageTimings,
): { terms: Promise<CorpusTerms>; sentences: SentenceTexts } {
  const { sentences, counting } = startSentenceCounts(texts, papers, true, timings);
  const terms = counting.then((result) => result.papers as CorpusTerms);
  // A failure before the indexer awaits them must not be unhandled.
  terms.catch(() => {});
  return { terms, sentences };
}

function startSentenceCounts(
  texts: SharedTexts,
  papers: ReadonlyArray<{ id: string; contentHash: string }>,
  withPapers: boolean,
  timings: StageTimings | undefined,
): { sentences: SentenceTexts; counting: Promise<SentenceCountsResult> } {
  const split = deferred<SentenceSplit>();
  const onSplit = (value: unknown) => {
    const { counts, offsets } = value as SentenceCountsSplit;
    split.resolve({ entries: sentencePapers(papers, counts), offsets });
  };
  const job: SentenceCountsJob = { texts, papers: withPapers };
  const counting = runTask<SentenceCountsResult>(undefined, import.meta.url, './split-worker', job, undefined, onSplit);
  // A worker that fails before it shares the split fails both.
  counting.catch(split.reject);
  const counted = counting.then(({ counted, split: splitCost, cost }) => {
    recordStage(timings, 'sentences: split', splitCost);
    recordStage(timings, 'sentences: terms', cost);
    return counted;
  });
  // A failure before the sentence index awaits them must not be unhandled.
  counted.catch(() => {});
  split.promise.catch(() => {});
  return { sentences: { split: split.promise, counted }, counting };
}

function sameSentencePapers(entries: readonly SentencePaper[], papers: readonly SentenceSource[]): boolean {
  return (
    entries.length === papers.length &&
    entries.every((entry, position) => entry.id === papers[position]?.id && entry.hash === papers[position]?.contentHash)
  );
}

/** Sentences embedded per call: bounds memory and lets progress be drawn for the slow transformer. */
const EMBED_BATCH = 256;
/** Papers per call when their sentences are pooled from the papers' own forward passes (≈ 256 sentences). */
const PAPER_BATCH = 32;
/** A paper's title is context for its sentences in BM25, but a sentence must match on its own to rank first. */
const SENTENCE_TITLE_WEIGHT = 0.5;
/**
 * From this many sentences (some 7,000 papers) the calibration runs on a worker thread beside the
 * BM25 build; below it, it takes less than starting a worker.
 */
const WORKER_MIN_SENTENCES = 50_000;

/**
 * Splits every abstract into sentences and indexes each one: its vector (from `embedder`, the one
 * that built the papers table: each sentence embedded alone, or for the transformer pooled from its
 * paper's forward passes), its offsets, and a BM25 entry; plus the embedder's similarity
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
  const pooling: SentencePooling = embedder.embedWithPieces ? 'in-context' : 'sentence';
  const reusable = reusableRanges(options.previous, embedder, pooling);
  const given = options.texts && (await options.texts.split);
  const split = given && sameSentencePapers(given.entries, papers) ? given : undefined;
  // Not given: split here, and their terms counted here.
  const own = split ? undefined : splitCorpus(papers);
  const { entries, offsets } = split ?? (own as SplitCorpus);

  // Shared memory, so that a calibration worker reads the vectors without a copy.
  const vectors = allocateRows(offsets.length / 2, dimension, true);
  const missing: number[] = [];
  // The paper of each missing sentence, and of each paper with one.
  const missingOf: number[] = [];
  const missingPapers: number[] = [];
  entries.forEach((entry, position) => {
    const key = `${entry.id}\n${entry.hash}`;
    const old = reusable.get(key);
    const fresh = options.fresh?.get(key);
    options.fresh?.delete(key);
    if (old && old.paper.count === entry.count) {
      copyRows(rowsView(old.index.vectors, old.paper.first, old.paper.count, dimension), vectors, entry.first, dimension);
    } else if (fresh && rowCount(fresh) === entry.count) {
      copyRows(fresh, vectors, entry.first, dimension);
    } else {
      missingPapers.push(position);
      for (let sentence = entry.first; sentence < entry.first + entry.count; sentence++) {
        missing.push(sentence);
        missingOf.push(position);
      }
    }
  });
  const place = (sentence: number, vector: Float32Array | undefined): void => {
    if (!vector || vector.length !== dimension) {
      throw new PaperscopeError('INTERNAL', `The embedder returned no ${dimension}-d vector for sentence ${sentence}.`);
    }
    quantizeInto(vector, dimension, vectors, sentence);
  };
  await timeStage(options.timings, 'sentences: embed', async () => {
    if (pooling === 'in-context') {
      // One pass over each paper left, as when it was embedded: every sentence is pooled the same way.
      for (let done = 0; done < missingPapers.length; done += PAPER_BATCH) {
        const batch = missingPapers.slice(done, done + PAPER_BATCH);
        const { sentences } = await embedPapers(
          embedder,
          batch.map((position) => papers[position] as SentenceSource),
        );
        for (const position of batch) {
          const entry = entries[position] as SentencePaper;
          const rows = sentences.get(sentenceKey(papers[position] as SentenceSource));
          if (!rows || rowCount(rows) !== entry.count)
            throw new PaperscopeError(
              'INTERNAL',
              `The embedder returned no ${dimension}-d vectors for the sentences of paper ${entry.id}.`,
            );
          copyRows(rows, vectors, entry.first, dimension);
        }
        options.onProgress?.(Math.min(done + PAPER_BATCH, missingPapers.length), missingPapers.length);
      }
      return;
    }
    // A sentence's text from its paper's abstract, decoded once per paper (the indexer's papers read theirs in place).
    let read = { position: -1, abstract: '' };
    const textOf = (sentence: number, position: number): string => {
      if (read.position !== position) read = { position, abstract: (papers[position] as SentenceSource).abstract };
      return read.abstract.slice(offsets[2 * sentence] as number, offsets[2 * sentence + 1] as number);
    };
    for (let done = 0; done < missing.length; done += EMBED_BATCH) {
      const batch = missing.slice(done, done + EMBED_BATCH);
      const embedded = await embedder.embedDocuments(batch.map((sentence, at) => textOf(sentence, missingOf[done + at] as number)));
      batch.forEach((sentence, position) => {
        place(sentence, embedded[position]);
      });
      options.onProgress?.(Math.min(done + EMBED_BATCH, missing.length), missing.length);
    }
  });

  const kept = keptCalibration(options.previous, entries, missing.length);
  const calibrating = kept ? Promise.resolve(kept) : measureCalibration(entries, vectors, embedder);
  // A failure while building BM25 must not leave the worker's promise rejected and unobserved.
  calibrating.catch(() => {});
  // Sentences are matched by their words alone: positions would only cost memory. Their ids are their numbers.
  const counted = own ? countCorpusTerms(own.docs) : await (options.texts as SentenceTexts).counted;
  if (counted.starts.length - 1 !== offsets.length / 2)
    throw new PaperscopeError('INTERNAL', `${counted.starts.length - 1} sentences counted of the ${offsets.length / 2} split.`);
  const lexical = numberedLexicalIndexOf(counted, { titleWeight: SENTENCE_TITLE_WEIGHT });
  return new SentenceIndex({
    tableVersion,
    embedder: embedder.info,
    pooling,
    papers: entries,
    offsets: Uint32Array.from(offsets),
    vectors,
    lexical,
    calibration: await calibrating,
  });
}

/** The embedder's similarity calibration on these sentences' vectors (shared memory: on a worker from `WORKER_MIN_SENTENCES`). */
async function measureCalibration(
  papers: readonly SentencePaper[],
  vectors: QuantizedRows,
  embedder: Embedder,
): Promise<SimilarityCalibration> {
  const { vectors: probes } = await embedOffTopicProbes(embedder);
  const { dimension } = embedder.info;
  return rowCount(vectors) >= WORKER_MIN_SENTENCES
    ? calibrateInWorker(papers, vectors, dimension, probes)
    : calibrate(papers, vectors, dimension, probes);
}

/** Papers per call when the sentences after the window are made: progress is told per call. */
const REST_BATCH = 256;

/**
 * The second step of a transformer index: the vectors `index` still lacks (`pending`: the sentences
 * after each paper's first window), made from those windows alone (`embedWithPieces(…, 'rest')`), so
 * each is what one pass over all of a paper's windows gives. `papers` are the index's papers, in
 * its order. The BM25 part is kept; the calibration is measured again on the complete vectors.
 * @example const complete = await completeSentenceIndex(partial, papers, embedder);
 */
export async function completeSentenceIndex(
  index: SentenceIndex,
  papers: readonly SentenceSource[],
  embedder: Embedder,
  onProgress?: EmbedProgress,
): Promise<SentenceIndex> {
  const { dimension } = index;
  if (!embedder.embedWithPieces || !sameEmbedder(embedder.info, index.embedder))
    throw new PaperscopeError('INTERNAL', `The sentence index of ${index.embedder.model} cannot be completed with ${embedder.info.model}.`);
  const vectors = allocateRows(index.size, dimension, true);
  copyRows(index.vectors, vectors, 0, dimension);
  const waiting = index.papers.flatMap((entry, position) => {
    if (papers[position]?.id !== entry.id)
      throw new PaperscopeError('INTERNAL', `Paper ${position} of the sentence index is ${entry.id}, not ${papers[position]?.id}.`);
    for (let sentence = entry.first; sentence < entry.first + entry.count; sentence++)
      if (isPendingRow(vectors, sentence)) return [position];
    return [];
  });
  for (let done = 0; done < waiting.length; done += REST_BATCH) {
    const batch = waiting.slice(done, done + REST_BATCH);
    const split = batch.map((position) => documentPieces(papers[position] as SentenceSource));
    const embedded = await embedder.embedWithPieces(
      split.map(({ pieces }) => pieces),
      undefined,
      'rest',
    );
    batch.forEach((position, row) => {
      const entry = index.papers[position] as SentencePaper;
      const { sentences } = split[row] as { sentences: number[] };
      if (sentences.length !== entry.count)
        throw new PaperscopeError(
          'INTERNAL',
          `Paper ${entry.id} has ${sentences.length} sentences, not the ${entry.count} its index holds.`,
        );
      const pieces = (embedded[row] as { pieces: Float32Array }).pieces;
      sentences.forEach((piece, sentence) => {
        const vector = pieces.subarray(piece * dimension, (piece + 1) * dimension);
        if (isPendingRow(vectors, entry.first + sentence) && !Number.isNaN(vector[0]))
          quantizeInto(vector, dimension, vectors, entry.first + sentence);
      });
    });
    onProgress?.(Math.min(done + REST_BATCH, waiting.length), waiting.length);
  }
  return new SentenceIndex({
    tableVersion: index.tableVersion,
    embedder: index.embedder,
    pooling: index.pooling,
    papers: [...index.papers],
    offsets: index.offsets,
    vectors,
    lexical: index.lexical,
    calibration: await measureCalibration(index.papers, vectors, embedder),
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

function reusableRanges(previous: SentenceVectors | undefined, embedder: Embedder, pooling: SentencePooling) {
  const ranges = new Map<string, { index: SentenceVectors; paper: SentencePaper }>();
  const same = previous && sameEmbedder(previous.embedder, embedder.info) && previous.pooling === pooling;
  if (same) for (const paper of previous.papers) ranges.set(`${paper.id}\n${paper.hash}`, { index: previous, paper });
  return ranges;
}
