import type { QualityReport } from '../../indexer/cluster/index.js';
import type { PaperBrief } from '../../indexer/store/index.js';
import { type SubtopicsResponse, subtopicsOf, trendOf } from '../topics/index.js';
import type { EngineState } from './state.js';

export function clusters(state: EngineState): { clusters: Array<ReturnType<typeof cluster>> } {
  return { clusters: state.topics.topics.map((topic) => cluster(state, topic.id)) };
}

export function cluster(state: EngineState, id: number) {
  const topic = state.topic(id);
  const members = state.memberPositions(id).map((position) => state.papers.at(position) as PaperBrief);
  return {
    id: topic.id,
    label: topic.label,
    size: members.length,
    keywords: topic.keywords,
    representatives: topic.representatives.filter((paperId) => state.positionById.has(paperId)).map((paperId) => state.reference(paperId)),
    first: topic.first,
    last: topic.last,
    median: topic.median,
    months: topic.months,
    papers: members.map((paper) => ({ id: paper.id, title: paper.title })),
  };
}

/** The topic's sub-topics: stored with the topics, or (older index files) computed once and kept in `cache`. */
export function subtopics(state: EngineState, cache: Map<number, Promise<SubtopicsResponse>>, id: number): Promise<SubtopicsResponse> {
  const topic = state.topic(id);
  let response = cache.get(topic.id);
  if (!response) {
    const stored = state.topics.subtopics?.[String(topic.id)];
    // A stored second level needs only the members' titles; without one the members are clustered now.
    const members = state
      .memberPositions(id)
      .map((position) =>
        stored ? { ...(state.papers.at(position) as PaperBrief), abstract: '', vector: [] } : state.withVector(position),
      );
    response = subtopicsOf(members, state.topics.seed, stored);
    // A failure is not kept: the next request tries again.
    response.catch(() => cache.delete(topic.id));
    cache.set(topic.id, response);
  }
  return response;
}

export function trend(state: EngineState, id: number) {
  return trendOf(state.topic(id));
}

/** Clustering quality of the indexed papers, beside a TF-IDF baseline and against hand labels. */
export async function topicReport(
  state: EngineState,
  options: { clusters?: 'auto' | number; handLabels?: Record<string, string> },
): Promise<QualityReport> {
  // The clustering code loads only when asked: a server's start does not need it.
  const { qualityReport } = await import('../../indexer/cluster/index.js');
  return qualityReport(
    state.papers.ids.map((_id, position) => state.withVector(position)),
    { k: options.clusters ?? state.topics.requested, seed: state.topics.seed, handLabels: options.handLabels },
  );
}
