import { describe, expect, it } from 'vitest';
import { deferred, WorkerLane } from '../../core/worker.js';
import {
  describeInWorker,
  matchTopicIds,
  partitionTopics,
  reclusterReason,
  secondLevel,
  type TopicDoc,
  type TopicSet,
  updateTopics,
} from '../../indexer/cluster/index.js';
import { countCorpusTerms } from '../../indexer/lexical/index.js';
import { expectCleanLabels } from '../cluster/helpers.js';
import { readSample, tfIdfVectors } from '../cluster/sample.js';

/** The sample with TF-IDF vectors standing in for embeddings, so these tests need no embedder. */
function sampleDocs(): TopicDoc[] {
  const docs = readSample();
  const vectors = tfIdfVectors(docs.map((doc) => `${doc.title} ${doc.abstract}`));
  return docs.map((doc, index) => ({ id: `paper-${index}`, ...doc, vector: vectors[index] as Float32Array }));
}

const policy = { clusters: 'auto' as const, seed: 42 };

const BLOCK = '../fixtures/lane/block-task';

function jaccard(a: string[], b: string[]): number {
  const shared = a.filter((item) => b.includes(item)).length;
  return shared / (a.length + b.length - shared);
}

function membersOf(topics: TopicSet): Map<number, string[]> {
  const members = new Map<number, string[]>();
  for (const [paper, topic] of Object.entries(topics.assignments)) members.set(topic, [...(members.get(topic) ?? []), paper]);
  return members;
}

describe('topic sets', () => {
  const docs = sampleDocs();
  let reference: TopicSet | undefined;
  /** `updateTopics(docs, policy)`, computed once for the tests that compare with it. */
  const referenceTopics = (): TopicSet => {
    reference ??= updateTopics(docs, policy);
    return reference;
  };

  it('gives the same topics, labels and ids for the same input and seed, with or without the terms counted for BM25', () => {
    const first = referenceTopics();
    expect(updateTopics(docs, policy)).toEqual(first);
    // With the counts, the sub-topics take their topic's rows instead of tokenizing its papers again.
    expect(secondLevel(docs, first.assignments, policy.seed, countCorpusTerms(docs, { positions: true }))).toEqual(first.subtopics);
    expect(first.clusteredCount).toBe(62);
    expect(first.topics.map((topic) => topic.id).sort((a, b) => a - b)).toEqual(first.topics.map((_, index) => index));
    expect(first.nextId).toBe(first.k);
  });

  it('describes a partition on a worker thread (labels, second level) as updateTopics does', async () => {
    const counted = countCorpusTerms(docs, { positions: true });
    const timings: Record<string, number> = {};
    // The worker starts before the partition and the term counts are known (it extracts the label
    // sample's phrases meanwhile); both come later.
    const partition = Promise.resolve().then(() => partitionTopics(docs, policy, undefined, { counted }));
    const described = await describeInWorker(
      docs,
      partition,
      partition.then(() => counted),
      timings,
    ).topics;
    expect(described).toEqual(referenceTopics());
    expect(timings['labels, second level']).toBeGreaterThan(0);
  });

  it('splits the second level on this thread while the worker is busy, into the same topics', async () => {
    const counted = countCorpusTerms(docs, { positions: true });
    const partition = partitionTopics(docs, policy, undefined, { counted });
    // The lane first runs a task that holds it, as the map or the related view may.
    const lane = new WorkerLane();
    const gate = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
    const holding = deferred<void>();
    const held = lane.run(import.meta.url, BLOCK, { gate: gate.buffer }, undefined, () => holding.resolve());
    await holding.promise;
    const timings: Record<string, number> = {};
    const build = describeInWorker(docs, Promise.resolve(partition), counted, timings, lane);
    // Once the partition has come (a turn of the event loop), this thread may split.
    await new Promise((resolve) => setTimeout(resolve, 0));
    // Every topic is split here; the worker, once free, labels the first level and finds none left.
    expect(build.splitHere(docs)).toBe(Object.keys(referenceTopics().subtopics ?? {}).length);
    expect(build.splitHere(docs)).toBe(0);
    expect(timings['labels, second level']).toBeGreaterThan(0);
    Atomics.store(gate, 0, 1);
    Atomics.notify(gate, 0);
    await held;
    expect(await build.topics).toEqual(referenceTopics());
    lane.release();
  });

  it('stops the describing worker when the partition it waits for fails', async () => {
    const failure = new Error('clustering failed');
    await expect(describeInWorker(docs, Promise.reject(failure)).topics).rejects.toBe(failure);
  });

  it('labels topics without stop words, single characters or duplicates across topics', () => {
    const topics = updateTopics(docs, policy);
    expectCleanLabels(topics.topics);
    const phrases = topics.topics.flatMap((topic) => topic.label.toLowerCase().split(' / '));
    expect(new Set(phrases).size).toBe(phrases.length);
  });

  it('adds a few new papers to the nearest existing topics without re-clustering', () => {
    const before = updateTopics(docs.slice(0, 59), policy);
    expect(reclusterReason(before, docs, policy)).toBeUndefined();
    const after = updateTopics(docs, policy, before);
    expect(after.clusteredCount).toBe(59);
    expect(after.silhouette).toBe(before.silhouette);
    const ids = new Set(before.topics.map((topic) => topic.id));
    for (const doc of docs.slice(0, 59)) expect(after.assignments[doc.id]).toBe(before.assignments[doc.id]);
    for (const doc of docs.slice(59)) expect(ids.has(after.assignments[doc.id] as number)).toBe(true);
    expect(after.topics.reduce((sum, topic) => sum + topic.size, 0)).toBe(62);
    // Descriptions follow the new membership: sizes count the added papers.
    for (const topic of after.topics) expect(topic.size).toBe(Object.values(after.assignments).filter((id) => id === topic.id).length);
    expectCleanLabels(after.topics);
  });

  it('re-clusters once the corpus grew by more than the allowed share, keeping the ids of matching topics', () => {
    const before = updateTopics(docs.slice(0, 50), policy);
    expect(reclusterReason(before, docs, policy)).toMatch(/grew by 24% \(> 20%\)/);
    expect(reclusterReason(before, docs, { ...policy, reclusterGrowth: 0.3 })).toBeUndefined();
    expect(reclusterReason(before, docs.slice(0, 50), { ...policy, recluster: true })).toMatch(/asked for/);
    const after = updateTopics(docs, policy, before);
    expect(after.clusteredCount).toBe(62);
    const oldMembers = membersOf(before);
    const newMembers = membersOf(after);
    // The best-overlapping pair of old and new topics is always matched.
    const pairs = [...newMembers].flatMap(([id, papers]) =>
      [...oldMembers].map(([oldId, old]) => ({ id, oldId, overlap: jaccard(papers, old) })),
    );
    const best = pairs.sort((a, b) => b.overlap - a.overlap)[0];
    expect(best?.overlap).toBeGreaterThanOrEqual(0.2);
    expect(best?.id).toBe(best?.oldId);
    for (const id of newMembers.keys()) if (!oldMembers.has(id)) expect(id).toBeGreaterThanOrEqual(before.nextId);
    expect(after.nextId).toBeGreaterThanOrEqual(before.nextId);
  });

  it('matches topic ids by member overlap and gives unmatched topics fresh ids', () => {
    const previous = new Map([
      ['a', 7],
      ['b', 7],
      ['c', 3],
    ]);
    expect(matchTopicIds(previous, ['a', 'b', 'c', 'd'], [1, 1, 0, 0], 9)).toEqual({ ids: [3, 7], nextId: 9 });
    expect(matchTopicIds(previous, ['a', 'b', 'c'], [1, 1, 0], 9)).toEqual({ ids: [3, 7], nextId: 9 });
    expect(matchTopicIds(previous, ['x', 'y', 'a'], [0, 0, 1], 9)).toEqual({ ids: [9, 7], nextId: 10 });
  });
});
