import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fitHeaps, readDatasets, realisticCorpus } from '../../bench/realistic-corpus.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/datasets-mini', import.meta.url));
const WORD = /[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu;

describe('realistic corpus', async () => {
  const datasets = await readDatasets(FIXTURE);
  const sources = [...datasets.values()].flat();
  const sourceWords = new Set(sources.flatMap((paper) => `${paper.title} ${paper.abstract}`.match(WORD) ?? []).map((w) => w.toLowerCase()));

  it('reads SciFact and arXiv files of a datasets folder, and names what it looked for when there is none', async () => {
    expect([...datasets.keys()]).toEqual(['scifact', 'arxiv-2007']);
    expect(datasets.get('scifact')?.[0]).toMatchObject({ id: '100', title: expect.stringMatching(/^Macrophage/) });
    expect(datasets.get('arxiv-2007')?.[1]?.abstract).toMatch(/^Dwarf spheroidal/);
    await expect(readDatasets(fileURLToPath(new URL('.', import.meta.url)))).rejects.toThrow(/scifact\/corpus\.jsonl or arxiv-2007/);
  });

  it('is the same for the same seed, with unique ids', () => {
    const first = [...realisticCorpus(sources, 300, 4)];
    expect([...realisticCorpus(sources, 300, 4)]).toEqual(first);
    expect([...realisticCorpus(sources, 300, 5)]).not.toEqual(first);
    expect(new Set(first.map((paper) => paper.id)).size).toBe(300);
  });

  it('grows its vocabulary as Heaps’ law fitted to the sources says, with new forms made of source words', () => {
    const heaps = fitHeaps(sources.map((paper) => `${paper.title} ${paper.abstract}`));
    expect(heaps.beta).toBeGreaterThan(0.3);
    expect(heaps.beta).toBeLessThan(1);
    const vocabulary = { tokens: 0, distinct: 0, invented: 0 };
    const seen = new Set<string>();
    let tokens = 0;
    for (const paper of realisticCorpus(sources, 1000, 1, vocabulary)) {
      for (const word of `${paper.title} ${paper.abstract}`.match(WORD) ?? []) {
        const lower = word.toLowerCase();
        tokens++;
        seen.add(lower);
      }
    }
    // A coined form holds a source word: a prefix on it, two compounded, or a number after it.
    const known = [...sourceWords];
    const coined = [...seen].filter((word) => !sourceWords.has(word));
    expect(coined.length).toBe(vocabulary.invented);
    for (const word of coined)
      expect(
        word.split(/-|(?<=\p{L})(?=\d)/u).some((part) => known.some((w) => part.endsWith(w))),
        word,
      ).toBe(true);
    expect(vocabulary.tokens).toBe(tokens);
    expect(seen.size).toBeGreaterThan(sourceWords.size * 3);
    // Recombined sentences alone would stop at the sources' vocabulary; the coined forms keep it on the curve.
    const predicted = heaps.k * tokens ** heaps.beta;
    expect(seen.size / predicted).toBeGreaterThan(0.85);
    expect(seen.size / predicted).toBeLessThan(1.15);
  });
});
