import type { CorpusTerms } from '../lexical/index.js';
import type { SubtopicSet } from '../store/topics-file.js';
import { assignToNearest } from './assign.js';
import { labelledPapers } from './labels.js';
import { sampleIndices } from './random.js';
import { selectTerms } from './text-view.js';
import { topicTimeline } from './timeline.js';
import { MIN_SUBTOPIC_PAPERS, splitTopic, type TopicDoc } from './topics.js';

/**
 * A topic is split on at most this many of its papers (seeded); the others join the nearest
 * sub-topic. Splitting costs about as much as clustering the topic's papers afresh, so on a large
 * corpus an unbounded second level would cost a dozen top-level clusterings; 100 papers give five
 * sub-topics twenty papers each to be labelled from (SciFact's 12 topics: 16 s CPU unbounded,
 * 9.4 s at 500 papers a topic, ≈ 3.5 s at 150). Sub-topics are not stable enough for more to pay:
 * on SciFact, split from 150 papers with the seed moved by one they agree with the seed's own at a
 * mean NMI of 0.26 per topic, and split from 100 papers at 0.35.
 */
const SPLIT_SAMPLE_SIZE = 100;

/**
 * A topic's second level: its papers split into 2–5 sub-topics labelled against each other, with
 * paper ids; a topic of fewer than six papers is not split and gets a reason instead. `labelled`:
 * the members (indices into `members`, ascending) the first level's labels read, whose phrases are
 * then known: the split's sample is drawn from them first (`splitSample`).
 *
 * @example describeSubtopics(members, 42).clusters[0].label // → "text-to-image / reward hacking"
 */
export function describeSubtopics(
  members: readonly TopicDoc[],
  seed: number,
  counted?: (sampled: readonly number[]) => CorpusTerms,
  labelled: readonly number[] = [],
): SubtopicSet {
  if (members.length < MIN_SUBTOPIC_PAPERS) {
    return { clusters: [], reason: `The topic has ${members.length} papers; topics of fewer than ${MIN_SUBTOPIC_PAPERS} are not split.` };
  }
  const sampled = splitSample(members.length, labelled, seed);
  const model = splitTopic(
    sampled.map((index) => members[index] as TopicDoc),
    seed,
    counted?.(sampled),
  );
  const centroids = model.topics.map((topic) => topic.centroid);
  const fitted = new Map(sampled.map((index, row) => [index, model.assignments[row] as number]));
  const assignments = members.map((member, index) => fitted.get(index) ?? assignToNearest(member.vector, centroids));
  const timelines = topicTimeline(
    members.map((member) => member.date),
    assignments,
    model.topics.length,
  );
  const ids = members.map((member) => member.id);
  const sampledIds = sampled.map((index) => ids[index] as string);
  return {
    clusters: model.topics.map((topic, id) => {
      const papers = ids.filter((_, index) => assignments[index] === id);
      return {
        id,
        label: topic.label,
        size: papers.length,
        keywords: topic.keywords,
        representatives: topic.representatives.map((index) => sampledIds[index] as string),
        months: timelines[id]?.months ?? [],
        papers,
      };
    }),
  };
}

/**
 * The `SPLIT_SAMPLE_SIZE` members (ascending) a topic of `size` papers is split on, seeded: drawn
 * from `labelled` (ascending) first, topped up from the others. The sub-topics' labels extract the
 * phrases of every sampled paper, about half of the second level's cost, and the first level's
 * labels have extracted those of a hundred or more of each topic's papers (`labelledPapers`) on the
 * thread that describes the topics: a sample of them costs it no extraction.
 *
 * @example splitSample(300, [0, 5, 9], 42).slice(0, 3) // → [0, 5, 9]
 */
export function splitSample(size: number, labelled: readonly number[], seed: number): number[] {
  if (labelled.length >= SPLIT_SAMPLE_SIZE) {
    return sampleIndices(labelled.length, SPLIT_SAMPLE_SIZE, seed).map((row) => labelled[row] as number);
  }
  if (labelled.length === 0) return sampleIndices(size, SPLIT_SAMPLE_SIZE, seed);
  const taken = new Set(labelled);
  const others = Array.from({ length: size }, (_, row) => row).filter((row) => !taken.has(row));
  const topUp = sampleIndices(others.length, SPLIT_SAMPLE_SIZE - labelled.length, seed).map((row) => others[row] as number);
  return [...labelled, ...topUp].sort((a, b) => a - b);
}

/**
 * The second level of every topic, keyed by topic id. `counted`: the papers' term counts, when
 * known (for BM25), so that the topics' papers are not tokenized again.
 */
export function secondLevel(
  papers: readonly TopicDoc[],
  assignments: Readonly<Record<string, number>>,
  seed: number,
  counted?: CorpusTerms,
): Record<string, SubtopicSet> {
  const topics = papers.map((paper) => assignments[paper.id]);
  const labelled = labelledPapers(topics.map((topic) => topic ?? -1));
  const groups = topicMembers(topics);
  return Object.fromEntries(groups.map((group) => [String(group.topic), splitGroup(papers, group, seed, counted, labelled)]));
}

/** A topic's papers, as indices into the corpus. */
interface TopicGroup {
  topic: number;
  members: number[];
}

/**
 * The second level of the topics that `claim` hands this thread, keyed by topic id: `claim()`
 * returns the position of the next topic to split in a fixed order (largest first) until it passes
 * the last, so that two threads taking turns through one shared counter split each topic once and
 * finish together, the last ones being the smallest. Each topic's split is seeded by itself, so
 * which thread splits it does not change it. `topics[p]`: paper p's topic id.
 */
export function claimSecondLevel(
  papers: readonly TopicDoc[],
  topics: ReadonlyArray<number | undefined>,
  seed: number,
  counted: CorpusTerms | undefined,
  claim: () => number,
): Record<string, SubtopicSet> {
  const order = topicMembers(topics).sort((a, b) => b.members.length - a.members.length || a.topic - b.topic);
  const labelled = labelledPapers(topics.map((topic) => topic ?? -1));
  const split: Record<string, SubtopicSet> = {};
  for (let next = claim(); next < order.length; next = claim()) {
    const group = order[next] as TopicGroup;
    split[String(group.topic)] = splitGroup(papers, group, seed, counted, labelled);
  }
  return split;
}

/** The second levels two threads split (`claimSecondLevel`), as `secondLevel` orders them: by topic id. */
export function mergeSecondLevels(...parts: ReadonlyArray<Record<string, SubtopicSet>>): Record<string, SubtopicSet> {
  const entries = parts.flatMap((part) => Object.entries(part));
  return Object.fromEntries(entries.sort((a, b) => Number(a[0]) - Number(b[0])));
}

/** Each topic's papers, by topic id. */
function topicMembers(topics: ReadonlyArray<number | undefined>): TopicGroup[] {
  const members = new Map<number, number[]>();
  topics.forEach((topic, index) => {
    if (topic === undefined) return;
    const list = members.get(topic);
    if (list) list.push(index);
    else members.set(topic, [index]);
  });
  return [...members].sort((a, b) => a[0] - b[0]).map(([topic, indices]) => ({ topic, members: indices }));
}

function splitGroup(
  papers: readonly TopicDoc[],
  { members }: TopicGroup,
  seed: number,
  counted: CorpusTerms | undefined,
  labelled: ReadonlySet<number>,
): SubtopicSet {
  return describeSubtopics(
    members.map((index) => papers[index] as TopicDoc),
    seed,
    counted &&
      ((sampled) =>
        selectTerms(
          counted,
          sampled.map((row) => members[row] as number),
        )),
    members.flatMap((index, row) => (labelled.has(index) ? [row] : [])),
  );
}
