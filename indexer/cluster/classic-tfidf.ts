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
  // Each kept word's idf, once: a row then costs a look-up per word and a sort of its columns.
  const idf = Float64Array.from(vocabulary, (word) => Math.log((1 + n) / (1 + (documentFrequency.get(word) as number))) + 1);
  const rows = counts.map((tally) => {
    const counted: number[] = [];
    for (const word of tally.keys()) {
      const index = column.get(word);
      if (index !== undefined) counted.push(index);
    }
    const columns = Int32Array.from(counted).sort();
    const raw = Float64Array.from(
      columns,
      (index) => (1 + Math.log(tally.get(vocabulary[index] as string) as number)) * (idf[index] as number),
    );
    let squares = 0;
    for (const weight of raw) squares += weight * weight;
    const norm = Math.sqrt(squares) || 1;
    return { columns, weights: Float32Array.from(raw, (weight) => weight / norm) };
  });
  return { vocabularySize: vocabulary.length, rows, terms: vocabulary };
}
