import { STOP_WORDS } from '../text/index.js';
import type { TermMatrix } from './text-view.js';

/** scikit-learn's default token pattern: runs of two or more word characters. */
const TOKEN = /\b\w\w+\b/gu;

/**
 * The textbook TF-IDF that the baselines are measured against (scikit-learn's
 * `TfidfVectorizer(sublinear_tf=True, stop_words='english', min_df=2)` over title + abstract):
 * unstemmed lower-cased words, sublinear tf, smoothed idf ln((1 + n) / (1 + df)) + 1, terms in at
 * least two papers, rows at unit length. Deliberately independent of the product's own tokenizer.
 *
 * @example classicTfIdf([{ title: 'Reward noise', abstract: '…' }, …]).rows[0].columns // → Int32Array [4, 19, …]
 */
export function classicTfIdf(docs: ReadonlyArray<{ title: string; abstract: string }>): TermMatrix & { terms: string[] } {
  const counts = docs.map((doc) => {
    const tally = new Map<string, number>();
    for (const match of `${doc.title}\n${doc.abstract}`.toLowerCase().matchAll(TOKEN)) {
      const word = match[0];
      if (!STOP_WORDS.has(word)) tally.set(word, (tally.get(word) ?? 0) + 1);
    }
    return tally;
  });
  const documentFrequency = new Map<string, number>();
  for (const tally of counts) for (const word of tally.keys()) documentFrequency.set(word, (documentFrequency.get(word) ?? 0) + 1);
  const vocabulary = [...documentFrequency]
    .filter(([, df]) => df >= 2)
    .map(([word]) => word)
    .sort();
  const column = new Map(vocabulary.map((word, index) => [word, index]));
  const n = docs.length;
  const rows = counts.map((tally) => {
    const entries = [...tally]
      .flatMap(([word, count]) => {
        const index = column.get(word);
        if (index === undefined) return [];
        const idf = Math.log((1 + n) / (1 + (documentFrequency.get(word) as number))) + 1;
        return [[index, (1 + Math.log(count)) * idf] as const];
      })
      .sort((a, b) => a[0] - b[0]);
    const norm = Math.sqrt(entries.reduce((sum, [, weight]) => sum + weight * weight, 0)) || 1;
    return { columns: Int32Array.from(entries, ([index]) => index), weights: Float32Array.from(entries, ([, weight]) => weight / norm) };
  });
  return { vocabularySize: vocabulary.length, rows, terms: vocabulary };
}
