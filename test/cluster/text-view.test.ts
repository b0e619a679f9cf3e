import { describe, expect, it } from 'vitest';
import { combineViews, latentSemanticVectors, tfIdfMatrix } from '../../indexer/cluster/index.js';
import { createRandom } from '../../indexer/cluster/random.js';
import { multiply, selectTerms } from '../../indexer/cluster/text-view.js';
import { countCorpusTerms } from '../../indexer/lexical/index.js';

const VOCABULARIES = [
  ['reward', 'noise', 'verifier', 'policy', 'rollout', 'advantage', 'rubric', 'math'],
  ['diffusion', 'image', 'denoiser', 'pixel', 'latent', 'sampler', 'texture', 'prompt'],
];

/** Papers of two topics with disjoint words; more of them than the LSA fits on. */
function twoTopicDocs(count: number, seed: number) {
  const random = createRandom(seed);
  return Array.from({ length: count }, (_, index) => {
    const words = VOCABULARIES[index % 2] as string[];
    const pick = () => words[Math.floor(random() * words.length)] as string;
    return { title: `${pick()} ${pick()}`, abstract: Array.from({ length: 12 }, pick).join(' ') };
  });
}

const cosine = (a: Float32Array, b: Float32Array) => a.reduce((sum, value, i) => sum + value * (b[i] as number), 0);

describe('text view', () => {
  it('gives unit TF-IDF rows over terms found in two papers and at most half of them', () => {
    const matrix = tfIdfMatrix(
      countCorpusTerms([
        { title: 'reward noise', abstract: 'noise hurts reward models' },
        { title: 'reward models', abstract: 'diffusion images' },
        { title: 'diffusion', abstract: 'noise in images' },
        { title: 'music', abstract: 'soundscape' },
      ]),
    );
    // "reward", "noise", "model", "diffusion", "imag" qualify; "music" is in one paper only.
    expect(matrix.vocabularySize).toBe(5);
    for (const row of matrix.rows.slice(0, 3)) expect(row.weights.reduce((sum, w) => sum + w * w, 0)).toBeCloseTo(1, 5);
    expect(matrix.rows[3]?.columns).toHaveLength(0);
  });

  it('projects every paper of a large corpus onto directions that separate its topics', () => {
    const docs = twoTopicDocs(6_000, 3);
    const vectors = latentSemanticVectors(tfIdfMatrix(countCorpusTerms(docs)), 4, 42);
    expect(vectors).toHaveLength(docs.length);
    for (const vector of vectors) expect(Math.hypot(...vector)).toBeCloseTo(1, 4);
    // Papers outside the fitted sample too sit with their own topic (even index: topic 0).
    vectors.forEach((vector, index) => {
      const own = cosine(vector, vectors[index % 2] as Float32Array);
      expect(own, `paper ${index}`).toBeGreaterThan(cosine(vector, vectors[1 - (index % 2)] as Float32Array) + 0.2);
    });
    expect(latentSemanticVectors(tfIdfMatrix(countCorpusTerms(docs)), 4, 42)).toEqual(vectors);
  });

  it('weights two views so that the result has unit length, and names bad input', () => {
    const [combined] = combineViews([Float32Array.of(3, 4)], [Float32Array.of(0, 2)], 0.25);
    expect(Math.hypot(...(combined as Float32Array))).toBeCloseTo(1, 6);
    expect(() => combineViews([Float32Array.of(1)], [], 0.5)).toThrow(/1 vectors in one view but 0/);
    expect(() => latentSemanticVectors(tfIdfMatrix(countCorpusTerms([])), 0, 1)).toThrow(/dimension must be a positive integer/);
  });

  it("gives some papers' TF-IDF from the corpus' counts as from counting them alone", () => {
    const docs = twoTopicDocs(40, 3);
    // Twenty papers of one topic and ten of the other, out of order: the second topic's words are in the vocabulary.
    const chosen = [...Array.from({ length: 10 }, (_, i) => 19 - 2 * i), ...Array.from({ length: 20 }, (_, i) => 2 * i)];
    const alone = countCorpusTerms(chosen.map((index) => docs[index] as (typeof docs)[number]));
    const selected = selectTerms(countCorpusTerms(docs, { positions: true }), chosen);
    expect(tfIdfMatrix(selected).vocabularySize).toBeGreaterThan(0);
    expect(tfIdfMatrix(selected)).toEqual(tfIdfMatrix(alone));
    expect(selected.titleLengths).toEqual(alone.titleLengths);
    expect(selected.abstractLengths).toEqual(alone.abstractLengths);
  });

  it('multiplies a sparse matrix by a dense one as the textbook loop does, to the bit', () => {
    const random = createRandom(5);
    const matrix = {
      vocabularySize: 7,
      rows: Array.from({ length: 9 }, (_, row) => {
        const columns = Int32Array.from([0, 2, 3, 6].filter((column) => (column + row) % 3 !== 0));
        return { columns, weights: Float32Array.from(columns, () => random()) };
      }),
    };
    const right = Array.from({ length: 7 }, () => Float64Array.from({ length: 4 }, () => random() - 0.5));
    const expected = matrix.rows.map(({ columns, weights }) => {
      const out = new Float64Array(4);
      columns.forEach((column, entry) => {
        for (let j = 0; j < 4; j++)
          out[j] = (out[j] as number) + (weights[entry] as number) * ((right[column] as Float64Array)[j] as number);
      });
      return out;
    });
    expect(multiply(matrix, right)).toEqual(expected);
  });
});
