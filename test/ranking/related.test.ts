import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateRelated } from '../../cli/eval.js';
import { readSettings } from '../../core/config.js';
import { PROJECT_ROOT } from '../../core/version.js';
import { buildRelatedView, readRelatedFile } from '../../indexer/related/index.js';
import { dataDirLayout } from '../../indexer/store/index.js';
import { SearchEngine } from '../../server/engine/index.js';
import { loadEngine } from '../../server/engine/load.js';
import { relatedPapers } from '../../server/engine/similar.js';
import { RelatedPapers } from '../../server/ranking/index.js';
import { readHandLabels } from '../../server/topics/index.js';
import { INDEX_SAMPLE_MS, UNIT_TEST_MS } from '../helpers/limits.js';
import { indexSample, SAMPLE_FILE, temporaryDir } from '../helpers/sample-index.js';

const OUTLIER = path.join(PROJECT_ROOT, 'test', 'fixtures', 'outlier-paper.json');
const LABELS = path.join(PROJECT_ROOT, 'test', 'fixtures', 'topic-labels.json');

describe('related papers on the sample with a protein-folding abstract added (offline embedder)', () => {
  let engine: SearchEngine;
  let dataDir: string;
  let remove: () => Promise<void>;

  beforeAll(async () => {
    const temporary = await temporaryDir();
    remove = temporary.remove;
    dataDir = temporary.dir;
    await indexSample(temporary.dir, { paths: [SAMPLE_FILE, OUTLIER] });
    engine = await SearchEngine.open({ dataDir: temporary.dir, cacheDir: readSettings().cacheDir, offline: true });
  }, INDEX_SAMPLE_MS);
  afterAll(async () => {
    await engine?.close();
    await remove?.();
  });

  it(
    'shares the hand-labelled topic at least 1.15 times as often as TF-IDF cosine does',
    async () => {
      const report = await evaluateRelated(engine, await readHandLabels(LABELS));
      expect(report.papers).toBe(62);
      // The target; TF-IDF and the word vectors alone reached 1.05×, the soft topic view 1.18×.
      expect(report.ours.precision).toBeGreaterThanOrEqual(1.15 * report.baseline.precision);
      // Every paper of the sample has papers of its theme: only the protein-folding abstract gets none.
      expect(report.ours.withNone).toBe(0);
    },
    UNIT_TEST_MS * 3,
  );

  it('shows no related paper, and says so, when nothing is close', async () => {
    const response = await engine.similar('protein-1', 10);
    expect(response.results).toEqual([]);
    expect(response.note).toMatch(/No paper in this index is close/);
  });

  it(
    'reads the view the indexer saved, and ranks with it exactly as with the view computed from the papers in memory',
    async () => {
      const { state, loadRelated } = await loadEngine({ dataDir, cacheDir: readSettings().cacheDir, offline: true });
      try {
        // Saved by the indexer: read, not fitted again.
        const expected = { tableVersion: state.manifest.tableVersion, count: state.papers.length, topicCount: state.topics.topics.length };
        expect('view' in (await readRelatedFile(dataDirLayout(dataDir), expected))).toBe(true);
        const docs = state.papers.all().map(({ title }, position) => ({ title, abstract: state.recordAt(position).abstract }));
        const inMemory = buildRelatedView(docs, state.topics.topics.length);
        const saved = await loadRelated();
        expect(saved).toEqual(inMemory);
        const fromFile = relatedPapers(state, saved);
        const computed = relatedPapers(state, inMemory);
        for (const position of state.papers.ids.keys()) expect(fromFile.of(position, 10)).toEqual(computed.of(position, 10));
      } finally {
        await state.embedder.close();
      }
    },
    UNIT_TEST_MS * 3,
  );

  it('explains each related paper by the terms it shares', async () => {
    const [first] = engine.map().points;
    const response = await engine.similar(first?.id as string, 5);
    expect(response.results.length).toBeGreaterThan(0);
    for (const hit of response.results) {
      expect(hit.id).not.toBe(first?.id);
      expect(hit.shared_terms.length).toBeGreaterThan(0);
    }
  });
});

describe('RelatedPapers', () => {
  const docs = [
    { title: 'Reward models for RLHF', abstract: 'Reward models trained on human preference pairs guide RLHF of language models.' },
    { title: 'Preference reward models', abstract: 'We train reward models on preference pairs for RLHF of language models.' },
    { title: 'RLHF with reward ensembles', abstract: 'Ensembles of reward models reduce reward hacking in RLHF on preference data.' },
    { title: 'Image diffusion guidance', abstract: 'Classifier-free guidance steers image diffusion models toward prompts.' },
    { title: 'Diffusion image editing', abstract: 'Image diffusion models edit photos with guidance from text prompts.' },
    { title: 'Guidance for diffusion samplers', abstract: 'Sampler guidance improves image diffusion models on prompts.' },
    // Papers on subjects of their own, as most random pairs of a real corpus are.
    ...[
      'galaxy rotation curves',
      'soil nitrogen cycles',
      'bond market liquidity',
      'glacier melt rates',
      'traffic signal timing',
      'coral reef bleaching',
    ].map((subject) => ({ title: `A study of ${subject}`, abstract: `Measurements of ${subject} over a decade.` })),
  ];
  const vectors = docs.map((_, index) => {
    const vector = new Float32Array(10);
    vector[index < 3 ? 0 : index < 6 ? 1 : index - 4] = 1;
    vector[9] = index * 0.01;
    return vector;
  });
  const related = new RelatedPapers({
    view: buildRelatedView(docs, 2),
    vector: (position) => vectors[position] as Float32Array,
    nearestByVector: (position, k) =>
      docs
        .map((_, other) => other)
        .sort((a, b) => Math.abs(a - position) - Math.abs(b - position))
        .slice(0, k),
    embeddingWeight: 0.3,
  });

  it('ranks papers of the same subject first, and is the same every time', () => {
    const hits = related.of(0, 2);
    expect(hits.map((hit) => hit.position).sort()).toEqual([1, 2]);
    expect(related.of(0, 2)).toEqual(hits);
    expect(
      related
        .of(4, 2)
        .map((hit) => hit.position)
        .sort(),
    ).toEqual([3, 5]);
  });
});
