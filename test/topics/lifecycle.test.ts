import { cp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataDirLayout, readTopicsFile, type TopicsFile } from '../../indexer/store/index.js';
import { INDEX_SAMPLE_MS } from '../helpers/limits.js';
import { buildSampleIndex, SAMPLE_FILE, SAMPLE_YEAR, temporaryDir } from '../helpers/sample-index.js';
import { outcomeOf, spawnCli } from '../reliability/cli.js';

const NEW_PAPERS = [
  {
    title: 'Reward Noise in Code Generation',
    abstract: 'We study how noisy unit-test rewards affect reinforcement learning with verifiable rewards for code models.',
  },
  {
    title: 'Denoising Rewards for RLVR',
    abstract: 'Noisy verifier rewards in RLVR are filtered by a learned reward noise model before GRPO updates.',
  },
  {
    title: 'Soundscape Augmentation for Urban Parks',
    abstract: 'Listeners rated augmented soundscapes of urban parks; maskers improved soundscape pleasantness.',
  },
];

/** `paperscope index` from source, as a user runs it; fails the test with the CLI's output when it fails. */
async function index(dataDir: string, paths: string[], flags: string[] = []): Promise<TopicsFile> {
  const outcome = await outcomeOf(
    spawnCli([
      'index',
      ...paths,
      '--data-dir',
      dataDir,
      '--embedder',
      'word-vectors',
      '--offline',
      '--year',
      String(SAMPLE_YEAR),
      '--json',
      ...flags,
    ]),
  );
  expect(outcome.code, outcome.stderr).toBe(0);
  // The whole summary, though the run exits as soon as it is written (cli/main.ts's exitOnceWritten).
  expect(JSON.parse(outcome.stdout)).toMatchObject({ parsed: expect.any(Number), total: expect.any(Number) });
  return topicsOf(dataDir);
}

async function topicsOf(dataDir: string): Promise<TopicsFile> {
  const topics = await readTopicsFile(dataDirLayout(dataDir));
  if (!topics) throw new Error(`no topics file in ${dataDir}`);
  return topics;
}

function membersById(topics: TopicsFile): Map<number, Set<string>> {
  const members = new Map<number, Set<string>>();
  for (const [paper, topic] of Object.entries(topics.assignments)) members.set(topic, (members.get(topic) ?? new Set()).add(paper));
  return members;
}

describe('topics across index runs, through the CLI', () => {
  let dir: string;
  let remove: () => Promise<void>;
  let first: TopicsFile;
  let grown: TopicsFile;
  let extra: string;

  beforeAll(async () => {
    ({ dir, remove } = await temporaryDir());
    extra = path.join(dir, 'extra.jsonl');
    await writeFile(extra, NEW_PAPERS.map((paper) => JSON.stringify({ ...paper, date: '2026-11-01' })).join('\n'));
    // The sample as a first run indexes it (the run's shared copy), then a run through the CLI adds to it.
    first = await topicsOf(await buildSampleIndex(path.join(dir, 'data')));
    grown = await index(path.join(dir, 'data'), [SAMPLE_FILE, extra]);
  }, INDEX_SAMPLE_MS);
  afterAll(() => remove());

  /** A copy of the grown index for a test that changes it, so that each test runs alone or in any order. */
  async function grownCopy(name: string): Promise<string> {
    const copy = path.join(dir, name);
    await cp(path.join(dir, 'data'), copy, { recursive: true });
    return copy;
  }

  it('adds new papers to the nearest existing topics without re-clustering', () => {
    expect(first.clusteredCount).toBe(62);
    expect(grown.clusteredCount).toBe(62);
    const ids = (topics: TopicsFile) => topics.topics.map((topic) => topic.id).sort((a, b) => a - b);
    expect(ids(grown)).toEqual(ids(first));
    expect(Object.keys(grown.assignments)).toHaveLength(65);
    for (const topic of Object.values(grown.assignments)) expect(ids(grown)).toContain(topic);
    // Papers already there keep their topic.
    for (const [paper, topic] of Object.entries(first.assignments)) expect(grown.assignments[paper]).toBe(topic);
    expect(grown.topics.reduce((sum, topic) => sum + topic.size, 0)).toBe(65);
  });

  it('keeps the map where it was and places the new papers on it', () => {
    const before = new Map(first.map.map((point) => [point.id, point]));
    expect(grown.map).toHaveLength(65);
    for (const point of grown.map) {
      const known = before.get(point.id);
      if (known) expect(point).toEqual(known);
      else expect(Math.abs(point.x) <= 1 && Math.abs(point.y) <= 1).toBe(true);
    }
  });

  it(
    're-clusters on --recluster, keeping the ids of the topics that match',
    async () => {
      const reclustered = await index(await grownCopy('reclustered'), [SAMPLE_FILE, extra], ['--recluster']);
      expect(reclustered.clusteredCount).toBe(65);
      expect(reclustered.tableVersion).toBe(grown.tableVersion);
      const before = membersById(grown);
      const after = membersById(reclustered);
      let kept = 0;
      for (const [id, members] of after) {
        const previous = before.get(id);
        if (!previous) {
          // A fresh id is never one used before.
          expect(id).toBeGreaterThanOrEqual(grown.nextId);
          continue;
        }
        kept++;
        const shared = [...members].filter((paper) => previous.has(paper)).length;
        // A kept id names a topic that mostly holds the same papers (Jaccard ≥ 0.2).
        expect(shared / (members.size + previous.size - shared)).toBeGreaterThanOrEqual(0.2);
      }
      expect(kept).toBeGreaterThan(0);
    },
    INDEX_SAMPLE_MS,
  );

  it(
    're-clusters by itself once the corpus has grown past --recluster-growth',
    async () => {
      const more = path.join(dir, 'more.jsonl');
      await writeFile(
        more,
        JSON.stringify({ title: 'Music Preference Alignment', abstract: 'Music generation aligned with listener preference rewards.' }),
      );
      const data = await grownCopy('growing');
      // 66 papers, 62 of them clustered: grown by 6%, under the default 20%.
      const unchangedPolicy = await index(data, [SAMPLE_FILE, extra, more]);
      expect(unchangedPolicy.clusteredCount).toBe(grown.clusteredCount);
      // New vectors do not belong to the old centroids: --reembed re-clusters.
      const reembedded = await index(data, [SAMPLE_FILE, extra, more], ['--reembed']);
      expect(reembedded.clusteredCount).toBe(66);
      const newest = path.join(dir, 'newest.jsonl');
      await writeFile(
        newest,
        JSON.stringify({
          title: 'Label Noise in Relation Extraction',
          abstract: 'Noisy labels in relation classification datasets are detected and relabelled.',
        }),
      );
      const grownPast = await index(data, [SAMPLE_FILE, extra, more, newest], ['--recluster-growth', '0.01']);
      expect(grownPast.clusteredCount).toBe(67);
      expect(grownPast.map).toHaveLength(67);
    },
    INDEX_SAMPLE_MS,
  );

  it(
    'remembers --clusters N in later runs until another number is asked for',
    async () => {
      const data = path.join(dir, 'remembered');
      const four = await index(data, [SAMPLE_FILE], ['--clusters', '4']);
      expect(four.k).toBe(4);
      expect(four.requested).toBe(4);
      // A plain run adds papers to the 4 topics instead of re-clustering for 'auto'.
      const plain = await index(data, [SAMPLE_FILE, extra]);
      expect(plain.requested).toBe(4);
      expect(plain.k).toBe(4);
      expect(plain.clusteredCount).toBe(62);
      const auto = await index(data, [SAMPLE_FILE, extra], ['--clusters', 'auto']);
      expect(auto.requested).toBe('auto');
      expect(auto.clusteredCount).toBe(65);
    },
    INDEX_SAMPLE_MS,
  );
});
