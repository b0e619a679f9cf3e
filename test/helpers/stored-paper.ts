import type { StoredPaper } from '../../indexer/store/index.js';

/** Stored paper `n` with a 3-d vector and non-ASCII text, every field set unless overridden. */
export const storedPaper = (n: number, overrides: Partial<StoredPaper> = {}): StoredPaper => ({
  id: `2501.${String(n).padStart(5, '0')}`,
  title: `Paper ${n}`,
  abstract: `Abstract ${n}: noisy rewards — naïve “quotes” and ünïcödé.`,
  authors: [`Author ${n}`, `Co-author ${n}`],
  authorsCount: 2,
  organization: `Lab ${n}`,
  date: `2025-01-${String(n + 1).padStart(2, '0')}`,
  upvotes: n,
  url: `https://example.org/${n}`,
  categories: ['cs.LG'],
  sourceFile: 'papers.jsonl',
  sourceLine: n + 1,
  contentHash: `hash-${n}`,
  vector: Float32Array.from([n, 1, 0]),
  ...overrides,
});

/**
 * `count` stored papers whose titles and abstracts draw words from `subjects` in turn (paper n from
 * subject n mod subjects), with random 8-d vectors: topics a test can tell apart by their words.
 */
export function subjectPapers(
  subjects: readonly (readonly string[])[],
  count: number,
  abstractWords: number,
  random: () => number,
): StoredPaper[] {
  return Array.from({ length: count }, (_, n) => {
    const words = subjects[n % subjects.length] as readonly string[];
    const pick = () => words[Math.floor(random() * words.length)] as string;
    return storedPaper(n, {
      title: `${pick()} ${pick()} study ${n}`,
      abstract: Array.from({ length: abstractWords }, pick).join(' '),
      date: null,
      vector: Float32Array.from({ length: 8 }, () => random() - 0.5),
    });
  });
}
