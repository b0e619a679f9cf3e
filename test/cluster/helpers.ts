import { expect } from 'vitest';
import { createRandom } from '../../indexer/cluster/random.js';
import { BOILERPLATE_WORDS, STOP_WORDS, terms } from '../../indexer/text/index.js';

/** Well-separated Gaussian blobs: `perBlob` points around each of `blobs` random centres. */
export function gaussianBlobs(blobs: number, perBlob: number, dimension: number, spread: number, seed: number) {
  const random = createRandom(seed);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const centres = Array.from({ length: blobs }, () => Array.from({ length: dimension }, gaussian));
  const vectors: Float32Array[] = [];
  const truth: number[] = [];
  for (let i = 0; i < blobs * perBlob; i++) {
    const blob = i % blobs;
    const centre = centres[blob] as number[];
    vectors.push(Float32Array.from(centre, (value) => value + gaussian() * spread));
    truth.push(blob);
  }
  return { vectors, truth };
}

/** The rules every topic label must follow. */
export function expectCleanLabels(labels: ReadonlyArray<{ label: string; keywords: Array<{ term: string }> }>): void {
  expect(new Set(labels.map((topic) => topic.label.toLowerCase())).size).toBe(labels.length);
  for (const { label, keywords } of labels) {
    const phrases = label.split(' / ');
    expect(phrases.length).toBeGreaterThanOrEqual(1);
    expect(phrases.length).toBeLessThanOrEqual(3);
    const seen = new Set<string>();
    for (const phrase of phrases) {
      expect(phrase.length, label).toBeGreaterThan(1);
      for (const word of phrase.toLowerCase().split(' ')) {
        // The fallback name of a topic with no phrase of its own is "topic N".
        if (!/^\d+$/.test(word)) expect(word.length, label).toBeGreaterThan(1);
        expect(STOP_WORDS.has(word), `stop word "${word}" in "${label}"`).toBe(false);
        expect(BOILERPLATE_WORDS.has(word) && phrase === word, `boilerplate "${word}" in "${label}"`).toBe(false);
      }
      // No word twice in a label: not "reward noise / noise", not "reward reward".
      const phraseTerms = terms(phrase).filter((term) => !term.includes('-'));
      for (const term of phraseTerms) {
        expect(seen.has(term), `"${term}" repeated in "${label}"`).toBe(false);
        seen.add(term);
      }
    }
    expect(keywords.length).toBeLessThanOrEqual(10);
    for (const keyword of keywords) expect(STOP_WORDS.has(keyword.term.toLowerCase())).toBe(false);
  }
}
