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
