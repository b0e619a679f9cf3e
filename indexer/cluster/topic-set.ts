import { PaperscopeError } from '../../core/errors.js';
import type { CorpusTerms } from '../lexical/index.js';
import type { TopicsFile } from '../store/topics-file.js';
import { assignToNearest } from './assign.js';
import type { ChoiceRunner } from './kmeans.js';
import { secondLevel } from './subtopics.js';
import { clusterTopics, type DescribedTopic, describeTopics, matchTopicIds, type TopicDoc } from './topics.js';

export interface TopicPolicy {
  clusters: 'auto' | number;
  seed: number;
  /** Re-cluster even when the previous topics could take the new papers. */
  recluster?: boolean;
  /** Re-cluster when the corpus has grown by more than this share since the last clustering. */
  reclusterGrowth?: number;
}

/** The topics part of the topics file: everything but the table version and the map. */
export type TopicSet = Omit<TopicsFile, 'tableVersion' | 'map'>;

export const DEFAULT_RECLUSTER_GROWTH = 0.2;

/**
 * Why the papers must be clustered afresh rather than added to the previous topics, or undefined
 * when the previous topics can take them.
 *
 * @example reclusterReason(previous, papers, { clusters: 'auto', seed: 42 }) // → "the corpus grew by 25% (> 20%) since the last clustering"
 */
export function reclusterReason(previous: TopicSet | undefined, papers: readonly TopicDoc[], policy: TopicPolicy): string | undefined {
  const growth = policy.reclusterGrowth ?? DEFAULT_RECLUSTER_GROWTH;
  if (!(growth >= 0))
    throw new PaperscopeError('INVALID_PARAMETER', `reclusterGrowth must be a share ≥ 0, got ${growth}`, { field: 'reclusterGrowth' });
  if (!previous || previous.topics.length === 0) return 'there are no topics yet';
  if (policy.recluster) return 'a re-clustering was asked for';
  if (previous.requested !== policy.clusters) return `the number of topics asked for changed (${previous.requested} → ${policy.clusters})`;
  if (previous.seed !== policy.seed) return 'the clustering seed changed';
  const dimension = papers[0]?.vector.length ?? 0;
  if (previous.centroids.some((centroid) => centroid.length !== dimension)) return 'the embedding dimension changed';
  const grown = previous.clusteredCount === 0 ? Number.POSITIVE_INFINITY : papers.length / previous.clusteredCount - 1;
  if (grown > growth) return `the corpus grew by ${Math.round(grown * 100)}% (> ${Math.round(growth * 100)}%) since the last clustering`;
  return undefined;
}

/**
 * The topics for `papers`: the previous topics extended when the policy allows (papers they do
 * not know join the nearest topic; labels, keywords, representatives and timelines are refreshed
 * for the new membership), else a fresh clustering whose topics keep the ids of the old topics
 * they match. Deterministic for the same papers, previous topics and policy. `prepared` holds
 * `countCorpusTerms(papers)` and `clusterVectors(papers, policy.seed)` when the caller has them already.
 */
export function updateTopics(
  papers: readonly TopicDoc[],
  policy: TopicPolicy,
  previous?: TopicSet,
  prepared: PreparedViews = {},
): TopicSet {
  return describePartition(papers, partitionTopics(papers, policy, previous, prepared), prepared.counted);
}

/**
 * What the caller computed already: the terms counted for BM25, the view the map is laid out on; and
 * where 'auto' may run its k-means runs (a worker lane's share, `shareChoiceRuns`).
 */
export interface PreparedViews {
  counted?: CorpusTerms;
  vectors?: readonly Float32Array[];
  runChoices?: ChoiceRunner;
}

/**
 * The papers' topics before they are described: `local[p]` is paper p's topic, `ids[t]` topic t's id.
 * Describing them (labels, second level) is most of the cost and can run elsewhere (`describePartition`).
 */
export interface TopicPartition {
  local: number[];
  ids: number[];
  meta: Pick<TopicSet, 'silhouette' | 'seed' | 'requested' | 'clusteredCount' | 'nextId'>;
}

/** The first half of `updateTopics`: the previous topics extended, or a fresh clustering matched to their ids. */
export function partitionTopics(
  papers: readonly TopicDoc[],
  policy: TopicPolicy,
  previous?: TopicSet,
  prepared: PreparedViews = {},
): TopicPartition {
  return reclusterReason(previous, papers, policy) === undefined && previous
    ? extendPartition(papers, previous)
    : reclusterPartition(papers, policy, previous, prepared);
}

/**
 * The second half of `updateTopics`: labels, keywords, representatives and timelines of the
 * partition's topics, and each one's second level (precomputed so that the Topics view and the map
 * show it without clustering on request). `counted`: the papers' term counts, when known.
 */
export function describePartition(papers: readonly TopicDoc[], partition: TopicPartition, counted?: CorpusTerms): TopicSet {
  const first = describeFirstLevel(papers, partition);
  return { ...first, subtopics: secondLevel(papers, first.assignments, partition.meta.seed, counted) };
}

/** `describePartition` without the second level, which two threads may split between them (`claimSecondLevel`). */
export function describeFirstLevel(papers: readonly TopicDoc[], partition: TopicPartition): Omit<TopicSet, 'subtopics'> {
  const { local, ids, meta } = partition;
  return assemble(papers, describeTopics(papers, local, ids.length), local, ids, meta);
}

function reclusterPartition(
  papers: readonly TopicDoc[],
  policy: TopicPolicy,
  previous: TopicSet | undefined,
  prepared: PreparedViews,
): TopicPartition {
  const clustering = clusterTopics(papers, { k: policy.clusters, seed: policy.seed, ...prepared });
  const { ids, nextId } = matchTopicIds(
    new Map(Object.entries(previous?.assignments ?? {})),
    papers.map((paper) => paper.id),
    clustering.assignments,
    previous?.nextId ?? 0,
  );
  return {
    local: clustering.assignments,
    ids,
    meta: { silhouette: clustering.silhouette, seed: policy.seed, requested: policy.clusters, clusteredCount: papers.length, nextId },
  };
}

function extendPartition(papers: readonly TopicDoc[], previous: TopicSet): TopicPartition {
  const known = new Set(previous.topics.map((topic) => topic.id));
  const topicIds = papers.map((paper) => {
    const kept = previous.assignments[paper.id];
    if (kept !== undefined && known.has(kept)) return kept;
    return previous.topics[assignToNearest(paper.vector, previous.centroids)]?.id as number;
  });
  // Topics left without papers (their papers were removed) are dropped.
  const ids = [...new Set(topicIds)].sort((a, b) => a - b);
  const local = new Map(ids.map((id, index) => [id, index]));
  return {
    local: topicIds.map((id) => local.get(id) as number),
    ids,
    meta: {
      silhouette: previous.silhouette,
      seed: previous.seed,
      requested: previous.requested,
      clusteredCount: previous.clusteredCount,
      nextId: previous.nextId,
    },
  };
}

/**
 * The topic set with topics ordered largest first (then by id); `ids[i]` is the id of described
 * topic i and `local[p]` the described topic of paper p.
 */
function assemble(
  papers: readonly TopicDoc[],
  described: readonly DescribedTopic[],
  local: readonly number[],
  ids: readonly number[],
  meta: Pick<TopicSet, 'silhouette' | 'seed' | 'requested' | 'clusteredCount' | 'nextId'>,
): Omit<TopicSet, 'subtopics'> {
  const order = described
    .map((_, index) => index)
    .sort(
      (a, b) => (described[b] as DescribedTopic).size - (described[a] as DescribedTopic).size || (ids[a] as number) - (ids[b] as number),
    );
  const assignments = Object.fromEntries(papers.map((paper, index) => [paper.id, ids[local[index] as number] as number]));
  return {
    k: described.length,
    ...meta,
    centroids: order.map((index) => (described[index] as DescribedTopic).centroid),
    topics: order.map((index) => {
      const {
        centroid: _centroid,
        coverage: _coverage,
        distinctiveness: _distinctiveness,
        representatives,
        ...topic
      } = described[index] as DescribedTopic;
      return { id: ids[index] as number, ...topic, representatives: representatives.map((paper) => papers[paper]?.id ?? '') };
    }),
    assignments,
  };
}
