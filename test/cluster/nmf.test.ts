import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRandom } from '../../core/random.js';
import {
  classicTfIdf,
  dominantTopics,
  foldIn,
  nmf,
  normalizedMutualInfo,
  sparseCosine,
  sparseKmeans,
  type TermMatrix,
} from '../../indexer/cluster/index.js';
import { STOP_WORDS } from '../../indexer/text/index.js';

/** Papers drawn from `blocks` disjoint vocabularies of 10 words each: a planted topic per block. */
function plantedMatrix(papers: number, blocks: number, seed: number): { matrix: TermMatrix; truth: number[] } {
  const random = createRandom(seed);
  const truth = Array.from({ length: papers }, (_, index) => index % blocks);
  const rows = truth.map((block) => {
    const entries: Array<[number, number]> = [];
    for (let word = 0; word < 10; word++) if (random() < 0.6 || word === 0) entries.push([block * 10 + word, 0.5 + random()]);
    const norm = Math.hypot(...entries.map(([, weight]) => weight));
    return { columns: Int32Array.from(entries, ([column]) => column), weights: Float32Array.from(entries, ([, weight]) => weight / norm) };
  });
  return { matrix: { vocabularySize: blocks * 10, rows }, truth };
}

/** Papers over 36 words whose five word groups overlap, plus one stray word each: factors that mix. */
function overlappingMatrix(papers: number, seed: number): TermMatrix {
  const random = createRandom(seed);
  const rows = Array.from({ length: papers }, (_, paper) => {
    const entries = new Map<number, number>();
    for (let word = 0; word < 12; word++) if (random() < 0.5) entries.set(((paper % 5) * 6 + word) % 36, 0.2 + random());
    entries.set((paper * 7) % 36, 0.1 + random());
    const sorted = [...entries].sort((a, b) => a[0] - b[0]);
    const norm = Math.hypot(...sorted.map(([, weight]) => weight));
    return { columns: Int32Array.from(sorted, ([column]) => column), weights: Float32Array.from(sorted, ([, weight]) => weight / norm) };
  });
  return { vocabularySize: 36, rows };
}

describe('nmf', () => {
  it('recovers planted topics, with non-negative factors, the same for the same seed', () => {
    const { matrix, truth } = plantedMatrix(90, 3, 7);
    const first = nmf(matrix, 3, { seed: 42 });
    expect(normalizedMutualInfo(truth, dominantTopics(first.weights))).toBeCloseTo(1, 6);
    for (const row of [...first.weights, ...first.components]) for (const value of row) expect(value).toBeGreaterThanOrEqual(0);
    expect(nmf(matrix, 3, { seed: 42 }).weights).toEqual(first.weights);
  });

  it("gives the factors of d2934b6's HALS to the bit (W and H in flat arrays since)", () => {
    const digest = (seed: number) => {
      const { weights, components, iterations } = nmf(overlappingMatrix(80, 4), 5, { seed, maxIterations: 12, tolerance: 0 });
      const hash = createHash('sha256');
      for (const row of [...weights, ...components]) hash.update(new Uint8Array(row.buffer, row.byteOffset, row.byteLength));
      return { iterations, sha256: hash.digest('hex') };
    };
    expect(digest(7)).toEqual({ iterations: 12, sha256: '6804dee26da6a63f5659a6fe7b1ba4d8ddda25e09a748330759c312f3098a5df' });
    // The start's seed reaches the factors: a wrong pin could not pass by accident.
    expect(digest(8).sha256).toBe('2cd3cba579d13bf5cd1e54fd1df850b489d198901a9c4e7ca15d574bcd330d61');
  });

  it('lowers the reconstruction error as it iterates', () => {
    const { matrix } = plantedMatrix(60, 4, 3);
    const error = (k: number, maxIterations: number) => {
      const { weights, components } = nmf(matrix, k, { seed: 1, maxIterations, tolerance: 0 });
      let sum = 0;
      matrix.rows.forEach(({ columns, weights: values }, i) => {
        const dense = new Float64Array(matrix.vocabularySize);
        columns.forEach((column, entry) => {
          dense[column] = values[entry] as number;
        });
        for (let column = 0; column < matrix.vocabularySize; column++) {
          let product = 0;
          for (let j = 0; j < k; j++)
            product += ((weights[i] as Float64Array)[j] as number) * ((components[j] as Float64Array)[column] as number);
          sum += ((dense[column] as number) - product) ** 2;
        }
      });
      return sum;
    };
    expect(error(4, 30)).toBeLessThan(error(4, 1));
  });
});

describe('foldIn', () => {
  it('gives papers the factorisation was not fitted on the topic weights of their own words', () => {
    const { matrix, truth } = plantedMatrix(120, 3, 5);
    const half = (parity: number) => ({
      vocabularySize: matrix.vocabularySize,
      rows: matrix.rows.filter((_, index) => index % 2 === parity),
    });
    const fitted = nmf(half(0), 3, { seed: 42 });
    const folded = foldIn(half(1), fitted.components);
    // Same planted topics as the fitted papers of each block, by the topic the fit gave that block.
    const blocksOf = (parity: number) => truth.filter((_, index) => index % 2 === parity);
    const topicOfBlock = new Map(blocksOf(0).map((block, row) => [block, dominantTopics(fitted.weights)[row]]));
    expect(new Set(topicOfBlock.values()).size).toBe(3);
    expect(dominantTopics(folded)).toEqual(blocksOf(1).map((block) => topicOfBlock.get(block)));
    for (const row of folded) for (const value of row) expect(value).toBeGreaterThanOrEqual(0);
  });

  it("is the pass-by-pass HALS of every row from zero, to the bit (each row's XHᵀ found once)", () => {
    const { matrix } = plantedMatrix(80, 4, 9);
    const { components } = nmf(matrix, 4, { seed: 3, maxIterations: 5 });
    const k = components.length;
    const gram = (a: number, b: number) => {
      let sum = 0;
      for (let column = 0; column < matrix.vocabularySize; column++)
        sum += ((components[a] as Float64Array)[column] as number) * ((components[b] as Float64Array)[column] as number);
      return sum;
    };
    const weights = matrix.rows.map(() => new Float64Array(k));
    for (let pass = 0; pass < 7; pass++) {
      matrix.rows.forEach(({ columns, weights: values }, i) => {
        const cross = new Float64Array(k);
        columns.forEach((column, e) => {
          for (let j = 0; j < k; j++)
            cross[j] = (cross[j] as number) + (values[e] as number) * ((components[j] as Float64Array)[column] as number);
        });
        const w = weights[i] as Float64Array;
        for (let j = 0; j < k; j++) {
          let product = 0;
          for (let l = 0; l < k; l++) product += (w[l] as number) * gram(l, j);
          w[j] = Math.max(1e-16, (w[j] as number) + ((cross[j] as number) - product) / gram(j, j));
        }
      });
    }
    expect(foldIn(matrix, components, 7)).toEqual(weights);
  });
});

describe('sparseKmeans', () => {
  it('recovers planted topics', () => {
    const { matrix, truth } = plantedMatrix(60, 4, 11);
    expect(normalizedMutualInfo(truth, sparseKmeans(matrix, 4, 42))).toBeCloseTo(1, 6);
  });
});

describe('classicTfIdf', () => {
  it('keeps words of two or more papers, drops stop words, weighs sublinearly and scales rows to unit length', () => {
    const matrix = classicTfIdf([
      { title: 'Reward noise', abstract: 'The reward reward reward is noisy.' },
      { title: 'Reward models', abstract: 'Noisy labels in the reward model.' },
      { title: 'Protein folding', abstract: 'Structures of proteins.' },
    ]);
    // "reward" and "noisy" are in two papers; "the", "is", "in" are stop words; the rest are in one paper.
    expect(matrix.vocabularySize).toBe(2);
    const [first, second, third] = matrix.rows as [TermMatrix['rows'][number], TermMatrix['rows'][number], TermMatrix['rows'][number]];
    expect(third.columns).toHaveLength(0);
    expect(Math.hypot(...first.weights)).toBeCloseTo(1, 6);
    // 4 × "reward" against 1 × "noisy" with equal idf: 1 + ln 4 against 1.
    const [noisy, reward] = [...first.weights];
    expect((reward as number) / (noisy as number)).toBeCloseTo(1 + Math.log(4), 5);
    expect(sparseCosine(first, second)).toBeGreaterThan(0.5);
  });

  it("reads scikit-learn's words (\\b\\w\\w+\\b of the lower-cased text) in any text", () => {
    const pieces = ['ab', 'Q', '_x', 'é', 'İ', 'K', '9', ' ', '-', '.', '\n', 'naïve', 'ŉ', '🙂', 'x_y', 'KELVIN'];
    const text = fc.array(fc.constantFrom(...pieces), { maxLength: 12 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(fc.array(text, { minLength: 2, maxLength: 4 }), (texts) => {
        const docs = [...texts, ...texts].map((abstract) => ({ title: 'x', abstract }));
        const { terms } = classicTfIdf(docs);
        const expected = new Set<string>();
        for (const doc of docs)
          for (const [word] of `${doc.title}\n${doc.abstract}`.toLowerCase().matchAll(/\b\w\w+\b/gu))
            if (!STOP_WORDS.has(word)) expected.add(word);
        expect(terms).toEqual([...expected].sort());
      }),
      { seed: 19, numRuns: 400 },
    );
  });

  it('counts each word once per paper among thousands of words, in any case, as the words of the lower-cased text', () => {
    // More distinct words than the word table's first slots: it grows and re-finds them all.
    const random = createRandom(7);
    const word = () => Array.from({ length: 2 + Math.floor(random() * 6) }, () => 'aBcDeFgHiJ'[Math.floor(random() * 10)]).join('');
    const docs = Array.from({ length: 400 }, () => ({ title: word(), abstract: Array.from({ length: 40 }, word).join(' ') }));
    const { terms, rows } = classicTfIdf(docs);
    const counts = docs.map((doc) => {
      const count = new Map<string, number>();
      for (const [found] of `${doc.title}\n${doc.abstract}`.toLowerCase().matchAll(/\b\w\w+\b/gu))
        if (!STOP_WORDS.has(found)) count.set(found, (count.get(found) ?? 0) + 1);
      return count;
    });
    const papersOf = new Map<string, number>();
    for (const count of counts) for (const found of count.keys()) papersOf.set(found, (papersOf.get(found) ?? 0) + 1);
    expect(terms).toEqual(
      [...papersOf]
        .filter(([, papers]) => papers >= 2)
        .map(([found]) => found)
        .sort(),
    );
    expect(papersOf.size).toBeGreaterThan(2_048);
    rows.forEach((row, paper) => {
      expect([...row.columns].map((column) => terms[column])).toEqual(
        [...(counts[paper] as Map<string, number>).keys()].filter((found) => terms.includes(found)).sort(),
      );
    });
  });
});
