import { AnnIndex } from './ann/index.js';
import { assignToNearest, layoutMap, type TopicPolicy, updateTopics } from './cluster/index.js';
import type { Embedder, EmbedProgress } from './embed/index.js';
import { readFile, writeFile } from 'node:fs/promises';
import { buildLexicalIndex, type LexicalIndex, loadLexicalFile } from './lexical/index.js';
import { buildSentenceIndex, loadSentenceIndex, type SentenceIndex, saveSentenceIndex } from './sentences/index.js';
import { type DataDirLayout, type PaperRecord, readTopicsFile, replaceFileAtomically, type StoredPaper, type TopicsFile, writeTopicsFile } from './store/index.js';
import { type StageTimings, timeStage } from './timings.js';

/**
 * The indexes derived from the papers table: the HNSW graph, the BM25 index and the topics.
 * Each records the table version it was built from, so a stale one is rebuilt, never trusted.
 */
export interface DerivedIndexes {
  ann: AnnIndex;
  lexical: LexicalIndex;
  topics: TopicsFile;
}

export interface TopicOptions extends TopicPolicy {
  /** The topics built before: extended, or their ids kept across a re-clustering. */
  previous?: TopicsFile;
  /** Filled with the time of each build stage, when given. */
  timings?: StageTimings;
}

/**
 * The topics file for `papers`: the previous topics extended with new papers, or a fresh
 * clustering (keeping the ids of matching topics) when `reclusterReason` says so.
 */
export function buildTopics(papers: readonly StoredPaper[], tableVersion: number, options: TopicOptions): TopicsFile {
  const topics = timeStage(options.timings, 'clustering', () => updateTopics(papers, options, options.previous));
  const positions = timeStage(options.timings, 'map', () => layoutMap(papers.map((paper) => paper.vector), { seed: options.seed }));
  return {
    tableVersion,
    ...topics,
    map: papers.map((paper, index) => ({ id: paper.id, x: positions[index]?.x ?? 0, y: positions[index]?.y ?? 0 })),
  };
}

/** The topic id of a paper; one that arrived after the topics were built joins the nearest topic. */
export function topicOf(topics: TopicsFile, paper: StoredPaper): number {
  return topics.assignments[paper.id] ?? topics.topics[assignToNearest(paper.vector, topics.centroids)]?.id ?? 0;
}

/** Builds the derived indexes, except those in `current` (loaded, and valid for `tableVersion`), which are kept. */
export function buildDerivedIndexes(
  papers: readonly StoredPaper[],
  tableVersion: number,
  dimension: number,
  options: TopicOptions,
  current: Partial<DerivedIndexes> = {},
): DerivedIndexes {
  return {
    ann:
      current.ann ??
      timeStage(options.timings, 'hnsw', () =>
        AnnIndex.build(
          papers.map((paper) => paper.vector),
          papers.map((paper) => paper.id),
          dimension,
        ),
      ),
    lexical: current.lexical ?? timeStage(options.timings, 'bm25', () => buildLexicalIndex(papers)),
    topics: current.topics ?? buildTopics(papers, tableVersion, options),
  };
}

/** The HNSW file goes last: after a crash while writing it, the costlier topics (the map) are already saved. */
export async function saveDerivedIndexes(layout: DataDirLayout, derived: DerivedIndexes, tableVersion: number): Promise<void> {
  const lexical = derived.lexical.toFile(tableVersion);
  await replaceFileAtomically(layout.lexical, (temporary) => writeFile(temporary, lexical));
  await writeTopicsFile(layout, derived.topics);
  await derived.ann.save(layout, tableVersion);
}

/**
 * Loads whichever derived indexes are valid for `tableVersion`; the caller rebuilds the rest.
 * `problems` says why each missing one was not loaded.
 */
export async function loadDerivedIndexes(
  layout: DataDirLayout,
  expected: { dimension: number; count: number; tableVersion: number },
): Promise<{ ann?: AnnIndex; lexical?: LexicalIndex; topics?: TopicsFile; previousTopics?: TopicsFile; problems: string[] }> {
  const problems: string[] = [];
  const annResult = await AnnIndex.load(layout, expected);
  const ann = 'index' in annResult ? annResult.index : undefined;
  if ('problem' in annResult) problems.push(`HNSW index: ${annResult.problem}`);

  let lexical: LexicalIndex | undefined;
  try {
    const saved = loadLexicalFile(await readFile(layout.lexical));
    if (saved.tableVersion !== expected.tableVersion) problems.push(`BM25 index: built from table version ${saved.tableVersion}, not ${expected.tableVersion}`);
    else if (saved.index.size !== expected.count) problems.push(`BM25 index: holds ${saved.index.size} papers, not ${expected.count}`);
    else lexical = saved.index;
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    problems.push(`BM25 index: ${missing ? 'missing' : (error as Error).message}`);
  }

  const saved = await readTopicsFile(layout);
  const topics = saved?.tableVersion === expected.tableVersion ? saved : undefined;
  if (!topics) problems.push('topics: missing or built from another table version');
  // Stale topics still seed the rebuild: their ids and membership carry over.
  return { ann, lexical, topics, previousTopics: saved, problems };
}

/**
 * The sentence index for `tableVersion`: the saved one when it is current, else rebuilt with the
 * index's embedder (reusing the saved vectors of unchanged papers) and saved. A save failure is
 * reported through `onWarning` and does not stop a read-only server.
 */
export async function sentenceIndexFor(
  layout: DataDirLayout,
  papers: readonly PaperRecord[],
  tableVersion: number,
  embedder: Embedder,
  events: { onProgress?: EmbedProgress; onWarning?: (message: string) => void } = {},
): Promise<SentenceIndex> {
  const saved = await loadSentenceIndex(layout, embedder.info);
  const previous = 'index' in saved ? saved.index : undefined;
  const current = previous?.tableVersion === tableVersion && previous.papers.length === papers.length && previous.papers.every((entry, position) => entry.id === papers[position]?.id && entry.hash === papers[position]?.contentHash);
  if (previous && current) return previous;
  if ('problem' in saved && saved.problem !== 'its file is missing or invalid') events.onWarning?.(`Rebuilding the sentence index: ${saved.problem}`);
  const index = await buildSentenceIndex(papers, tableVersion, embedder, { previous, onProgress: events.onProgress });
  await saveSentenceIndex(layout, index).catch((error: unknown) => events.onWarning?.(`Could not save the sentence index: ${(error as Error).message}`));
  return index;
}
