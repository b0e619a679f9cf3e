import { AnnIndex } from './ann/index.js';
import { assignToNearest, clusterPapers, labelTopics, layoutMap, representatives, topicTimeline } from './cluster/index.js';
import { buildLexicalIndex, type LexicalIndex, loadLexicalIndex } from './lexical/index.js';
import { type DataDirLayout, readJsonIfPresent, readTopicsFile, type StoredPaper, type TopicsFile, writeJsonAtomically, writeTopicsFile } from './store/index.js';

/**
 * The indexes derived from the papers table: the HNSW graph, the BM25 index and the topics.
 * Each records the table version it was built from, so a stale one is rebuilt, never trusted.
 */
export interface DerivedIndexes {
  ann: AnnIndex;
  lexical: LexicalIndex;
  topics: TopicsFile;
}

export interface TopicOptions {
  clusters: 'auto' | number;
  seed: number;
}

export function buildTopics(papers: readonly StoredPaper[], tableVersion: number, options: TopicOptions): TopicsFile {
  const vectors = papers.map((paper) => paper.vector);
  const clustering = clusterPapers({ vectors, k: options.clusters, seed: options.seed });
  const labels = labelTopics({ docs: papers, assignments: clustering.assignments, k: clustering.k });
  const closest = representatives(vectors, clustering.assignments, clustering.centroids, 3);
  const timelines = topicTimeline(papers.map((paper) => paper.date), clustering.assignments, clustering.k);
  const sizes = new Array<number>(clustering.k).fill(0);
  for (const topic of clustering.assignments) sizes[topic] = (sizes[topic] ?? 0) + 1;
  const positions = layoutMap(vectors, { seed: options.seed });
  return {
    tableVersion,
    k: clustering.k,
    silhouette: clustering.silhouette,
    seed: options.seed,
    centroids: clustering.centroids,
    topics: labels.map((label, id) => ({
      id,
      label: label.label,
      keywords: label.keywords,
      size: sizes[id] ?? 0,
      representatives: (closest[id] ?? []).map((index) => papers[index]?.id ?? ''),
      ...(timelines[id] ?? { first: null, last: null, median: null, months: [] }),
    })),
    assignments: Object.fromEntries(papers.map((paper, index) => [paper.id, clustering.assignments[index] ?? 0])),
    map: papers.map((paper, index) => ({ id: paper.id, x: positions[index]?.x ?? 0, y: positions[index]?.y ?? 0 })),
  };
}

/** The topic a paper that arrived after the last clustering belongs to. */
export function topicOf(topics: TopicsFile, paper: StoredPaper): number {
  return topics.assignments[paper.id] ?? assignToNearest(paper.vector, topics.centroids);
}

export function buildDerivedIndexes(
  papers: readonly StoredPaper[],
  tableVersion: number,
  dimension: number,
  options: TopicOptions,
): DerivedIndexes {
  return {
    ann: AnnIndex.build(
      papers.map((paper) => paper.vector),
      papers.map((paper) => paper.id),
      dimension,
    ),
    lexical: buildLexicalIndex(papers),
    topics: buildTopics(papers, tableVersion, options),
  };
}

export async function saveDerivedIndexes(layout: DataDirLayout, derived: DerivedIndexes, tableVersion: number): Promise<void> {
  await derived.ann.save(layout, tableVersion);
  await writeJsonAtomically(layout.lexical, { tableVersion, index: derived.lexical.toJSON() });
  await writeTopicsFile(layout, derived.topics);
}

/**
 * Loads whichever derived indexes are valid for `tableVersion`; the caller rebuilds the rest.
 * `problems` says why each missing one was not loaded.
 */
export async function loadDerivedIndexes(
  layout: DataDirLayout,
  expected: { dimension: number; count: number; tableVersion: number },
): Promise<{ ann?: AnnIndex; lexical?: LexicalIndex; topics?: TopicsFile; problems: string[] }> {
  const problems: string[] = [];
  const annResult = await AnnIndex.load(layout, expected);
  const ann = 'index' in annResult ? annResult.index : undefined;
  if ('problem' in annResult) problems.push(`HNSW index: ${annResult.problem}`);

  let lexical: LexicalIndex | undefined;
  try {
    const saved = (await readJsonIfPresent(layout.lexical)) as { tableVersion?: number; index?: unknown } | undefined;
    if (saved?.tableVersion === expected.tableVersion) lexical = loadLexicalIndex(saved.index);
    else problems.push('BM25 index: missing or built from another table version');
  } catch (error) {
    problems.push(`BM25 index: ${(error as Error).message}`);
  }

  const saved = await readTopicsFile(layout);
  const topics = saved?.tableVersion === expected.tableVersion ? saved : undefined;
  if (!topics) problems.push('topics: missing or built from another table version');
  return { ann, lexical, topics, problems };
}
