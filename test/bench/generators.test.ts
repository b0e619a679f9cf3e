import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exactTopK } from '../../bench/ann.js';
import { generateCorpus, writeCorpusFiles } from '../../bench/corpus.js';
import { benchQueries } from '../../bench/queries.js';
import { percentile, recall, summarize } from '../../bench/stats.js';
import { clusteredVectors } from '../../bench/vectors.js';
import { temporaryDir } from '../helpers/sample-index.js';

const sample = [
  {
    title: 'Noisy rewards in RLVR',
    abstract: 'Rewards are noisy. Policies still learn from them. We measure how much noise they tolerate.',
  },
  {
    title: 'Diffusion reward hacking',
    abstract: 'Text-to-image models exploit reward models. We propose a robust reward. It reduces hacking by half.',
  },
];

describe('synthetic corpus', () => {
  it('is written as files of at most the given number of papers, in order (a file may hold 500 MB)', async () => {
    const scratch = await temporaryDir('paperscope-corpus-');
    try {
      const papers = generateCorpus(sample, 7, 1);
      expect(await writeCorpusFiles(scratch.dir, papers, 3)).toBe(7);
      const files = (await readdir(scratch.dir)).sort();
      expect(files).toEqual(['part-00.jsonl', 'part-01.jsonl', 'part-02.jsonl']);
      const lines = await Promise.all(files.map(async (file) => (await readFile(path.join(scratch.dir, file), 'utf8')).trim().split('\n')));
      expect(lines.map((fileLines) => fileLines.length)).toEqual([3, 3, 1]);
      expect(lines.flat().map((line) => JSON.parse(line))).toEqual(papers);
    } finally {
      await scratch.remove();
    }
  });

  it('is the same for the same seed and differs for another', () => {
    expect(generateCorpus(sample, 50, 7)).toEqual(generateCorpus(sample, 50, 7));
    expect(generateCorpus(sample, 50, 8)).not.toEqual(generateCorpus(sample, 50, 7));
  });

  it('gives unique ids, valid dates and abstracts made of sample sentences', () => {
    const papers = generateCorpus(sample, 500, 1);
    const sentences = new Set([
      'Rewards are noisy.',
      'Policies still learn from them.',
      'We measure how much noise they tolerate.',
      'Text-to-image models exploit reward models.',
      'We propose a robust reward.',
      'It reduces hacking by half.',
    ]);
    expect(new Set(papers.map((paper) => paper.id)).size).toBe(500);
    for (const paper of papers) {
      expect(paper.date).toMatch(/^202[0-5]-(0[1-9]|1[0-2])-(0[1-9]|1\d|2[0-8])$/);
      expect(paper.title.length).toBeGreaterThan(0);
      expect(paper.abstract.split(/(?<=\.) /).every((sentence) => sentences.has(sentence))).toBe(true);
    }
  });

  it('refuses an empty sample and a negative count', () => {
    expect(() => generateCorpus([], 10, 1)).toThrow(/at least one sample paper/);
    expect(() => generateCorpus(sample, -1, 1)).toThrow(/non-negative integer/);
  });
});

describe('clustered vectors', () => {
  it('are deterministic unit vectors', () => {
    const a = clusteredVectors({ count: 200, dimension: 16, clusters: 4, seed: 3 });
    const b = clusteredVectors({ count: 200, dimension: 16, clusters: 4, seed: 3 });
    expect(a.data).toEqual(b.data);
    for (let i = 0; i < a.count; i++) expect(Math.hypot(...a.row(i))).toBeCloseTo(1, 5);
  });

  it('have an exact top-k that finds a vector itself first', () => {
    const base = clusteredVectors({ count: 300, dimension: 8, clusters: 3, seed: 5 });
    const top = exactTopK(base, base.row(42), 10);
    expect(top).toHaveLength(10);
    expect(top[0]).toBe(42);
  });
});

describe('queries and statistics', () => {
  it('makes distinct, seeded queries of 2–6 words', () => {
    const queries = benchQueries(sample, 20, 2);
    expect(queries).toEqual(benchQueries(sample, 20, 2));
    expect(new Set(queries).size).toBe(queries.length);
    for (const query of queries) expect(query.split(' ').length).toBeGreaterThanOrEqual(2);
  });

  it('computes nearest-rank percentiles and recall', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 0.5)).toBe(50);
    expect(percentile(values, 0.99)).toBe(99);
    expect(summarize(values).p95).toBe(95);
    expect(recall([1, 2, 3, 9], [1, 2, 3, 4])).toBe(0.75);
  });
});
