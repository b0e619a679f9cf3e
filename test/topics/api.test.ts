import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSettings } from '../../core/config.js';
import { formatQualityReport } from '../../indexer/cluster/index.js';
import { dataDirLayout, readTopicsFile, type TopicsFile } from '../../indexer/store/index.js';
import { createApp, SearchEngine } from '../../server/index.js';
import { readHandLabels, subtopicsOf } from '../../server/topics/index.js';
import { INDEX_SAMPLE_MS, UNIT_TEST_MS } from '../helpers/limits.js';
import { buildSampleIndex, indexSample, temporaryDir } from '../helpers/sample-index.js';

const LABELS_FILE = path.join(import.meta.dirname, '..', 'fixtures', 'topic-labels.json');

interface Subtopic {
  id: number;
  label: string;
  size: number;
  keywords: Array<{ term: string }>;
  representatives: Array<{ id: string; title: string }>;
  months: Array<{ month: string; count: number }>;
  papers: Array<{ id: string; title: string }>;
}

const NEW_PAPERS = [
  {
    title: 'Robust Policy Optimization under Noisy Verifiable Rewards for Mathematical Reasoning',
    abstract:
      'Reinforcement learning with verifiable rewards trains large language models to reason, but verifiers make mistakes. We study how flipped rewards affect GRPO training on math problems and show that reasoning accuracy degrades gracefully with reward noise up to forty percent.',
    date: '2026-02-10',
  },
  {
    title: 'Reward Fine-Tuning of Text-to-Image Diffusion Models with Human Preference Feedback',
    abstract:
      'Text-to-image diffusion models often miss details of compositional prompts. We fine-tune diffusion models with a reward model trained on human preference data and reduce reward hacking with a regularized objective, improving image quality and prompt alignment.',
    date: '2026-02-11',
  },
  {
    title: 'Aligning Music Generation with Listener Preferences',
    abstract:
      'Text-to-music generation models produce audio whose musicality is hard to judge automatically. We collect listener ratings of generated music and soundscapes and fine-tune the music model with reinforcement learning from this human feedback.',
    date: '2026-02-12',
  },
];

describe('topics on the sample index', () => {
  let dataDir: string;
  let remove: () => Promise<void>;
  let engine: SearchEngine;
  let app: Hono;
  let initial: TopicsFile;

  const getJson = async (url: string) => {
    const response = await app.request(url);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    ({ dir: dataDir, remove } = await temporaryDir());
    await buildSampleIndex(dataDir);
    initial = (await readTopicsFile(dataDirLayout(dataDir))) as TopicsFile;
    engine = await SearchEngine.open({ dataDir, cacheDir: readSettings().cacheDir, offline: true });
    app = createApp({ engine });
  }, INDEX_SAMPLE_MS);
  afterAll(async () => {
    await engine.close();
    await remove();
  });

  it('splits a topic into labelled sub-topics with local ids that partition its papers', async () => {
    const largest = initial.topics[0] as TopicsFile['topics'][number];
    const { status, body } = await getJson(`/api/clusters/${largest.id}/subtopics`);
    expect(status).toBe(200);
    const clusters = body.clusters as Subtopic[];
    expect(clusters.length).toBeGreaterThanOrEqual(2);
    expect(clusters.length).toBeLessThanOrEqual(5);
    expect(clusters.map((cluster) => cluster.id)).toEqual(clusters.map((_, index) => index));
    const members = (await getJson(`/api/clusters/${largest.id}`)).body.papers as Array<{ id: string }>;
    const split = clusters.flatMap((cluster) => cluster.papers.map((paper) => paper.id));
    expect(split.sort()).toEqual(members.map((paper) => paper.id).sort());
    for (const cluster of clusters) {
      expect(cluster.size).toBe(cluster.papers.length);
      expect(cluster.label.length).toBeGreaterThan(1);
      for (const paper of cluster.representatives) expect(cluster.papers.map((member) => member.id)).toContain(paper.id);
      expect(cluster.months.reduce((sum, month) => sum + month.count, 0)).toBeLessThanOrEqual(cluster.size);
    }
    expect(new Set(clusters.map((cluster) => cluster.label)).size).toBe(clusters.length);
    // Computed once per topic: the same answer again.
    expect((await getJson(`/api/clusters/${largest.id}/subtopics`)).body).toEqual(body);
    // The second level was computed with the topics and stored beside them: every topic has one.
    expect(Object.keys(initial.subtopics ?? {}).sort()).toEqual(initial.topics.map((topic) => String(topic.id)).sort());
    expect(clusters.map((cluster) => cluster.label)).toEqual(
      initial.subtopics?.[String(largest.id)]?.clusters.map((cluster) => cluster.label),
    );
  });

  it('does not split a topic of fewer than six papers, and says why', async () => {
    const docs = Array.from({ length: 4 }, (_, index) => ({
      id: `p${index}`,
      title: `Paper ${index}`,
      abstract: 'About rewards.',
      date: null,
      vector: [1, index],
    }));
    const response = await subtopicsOf(docs, 42);
    expect(response.clusters).toEqual([]);
    expect(response.reason).toMatch(/4 papers.*fewer than 6/);
  });

  it('gives a topic trend as papers per month', async () => {
    const topic = initial.topics[0] as TopicsFile['topics'][number];
    const { status, body } = await getJson(`/api/clusters/${topic.id}/trend`);
    expect(status).toBe(200);
    expect(body).toEqual({ id: topic.id, label: topic.label, months: topic.months });
    const months = body.months as Array<{ month: string; count: number }>;
    expect(months.map((month) => month.month)).toEqual([...months.map((month) => month.month)].sort());
    // Papers without a date count towards no month.
    const dated = months.reduce((sum, month) => sum + month.count, 0);
    expect(dated).toBeGreaterThan(0);
    expect(dated).toBeLessThanOrEqual(topic.size);
  });

  it('answers 400 for a malformed topic id and 404 for an unknown one', async () => {
    for (const suffix of ['subtopics', 'trend']) {
      const bad = await getJson(`/api/clusters/abc/${suffix}`);
      expect(bad.status).toBe(400);
      expect(bad.body).toMatchObject({ error: { code: 'INVALID_PARAMETER', parameter: 'id' } });
      expect((await getJson(`/api/clusters/999/${suffix}`)).status).toBe(404);
    }
  });

  it(
    'reports clustering quality against the hand labels beside NMF and k-means on TF-IDF',
    async () => {
      const handLabels = await readHandLabels(LABELS_FILE);
      expect(Object.keys(handLabels)).toHaveLength(62);
      for (const clusters of ['auto', 5] as const) {
        const report = await engine.topicReport({ clusters, handLabels });
        expect(report.handLabels).toEqual({ matched: 62, unmatched: 0, classes: 7 });
        if (clusters === 5) expect(report.topics.k).toBe(5);
        else expect(report.topics.k).toBe(initial.k);
        expect(report.baselines.map((baseline) => baseline.method)).toEqual(['NMF on TF-IDF', 'k-means on TF-IDF']);
        for (const quality of [report.topics, ...report.baselines]) {
          expect(quality.k).toBe(report.topics.k);
          expect(quality.nmi).toBeGreaterThanOrEqual(0);
          expect(quality.nmi).toBeLessThanOrEqual(1);
          expect(quality.sizes.reduce((sum, size) => sum + size, 0)).toBe(62);
        }
        // The topics agree with the hand labels at least as well as the classic topic model, NMF.
        expect(report.topics.nmi).toBeGreaterThanOrEqual(report.baselines[0]?.nmi as number);
        expect(formatQualityReport(report)).toMatch(
          /NMI \d\.\d{3}, ARI -?\d\.\d{3}[\s\S]*labels: a phrase of the label in \d+% of a topic's papers on average\nbaseline: NMF on TF-IDF[\s\S]*baseline: k-means on TF-IDF/,
        );
      }
    },
    UNIT_TEST_MS * 3,
  );

  it(
    'adds three new papers to existing topics without re-clustering, ids unchanged',
    async () => {
      const file = path.join(dataDir, 'new-papers.json');
      await writeFile(file, JSON.stringify(NEW_PAPERS));
      const summary = await indexSample(dataDir, { paths: [file] });
      expect(summary.added).toBe(3);
      const after = (await readTopicsFile(dataDirLayout(dataDir))) as TopicsFile;
      expect(after.clusteredCount).toBe(62);
      expect(after.silhouette).toBe(initial.silhouette);
      expect(after.topics.map((topic) => topic.id).sort()).toEqual(initial.topics.map((topic) => topic.id).sort());
      for (const [paper, topic] of Object.entries(initial.assignments)) expect(after.assignments[paper]).toBe(topic);
      const added = Object.keys(after.assignments).filter((paper) => !(paper in initial.assignments));
      expect(added).toHaveLength(3);
      for (const paper of added) expect(initial.topics.map((topic) => topic.id)).toContain(after.assignments[paper]);
      expect(after.topics.reduce((sum, topic) => sum + topic.size, 0)).toBe(65);
    },
    INDEX_SAMPLE_MS,
  );
});
