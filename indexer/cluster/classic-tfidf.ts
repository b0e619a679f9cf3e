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
  // A row's count of each of its columns, read back once they are sorted: one look-up per word, not two.
  const countOf = new Float64Array(vocabulary.length);
  const rows = counts.map((tally) => {
    const counted: number[] = [];
    for (const [word, count] of tally) {
      const index = column.get(word);
      if (index === undefined) continue;
      counted.push(index);
      countOf[index] = count;
    }
    const columns = Int32Array.from(counted).sort();
    const raw = new Float64Array(columns.length);
    for (let entry = 0; entry < columns.length; entry++) {
      const index = columns[entry] as number;
      raw[entry] = (1 + Math.log(countOf[index] as number)) * (idf[index] as number);
    }
    let squares = 0;
    for (const weight of raw) squares += weight * weight;
    const norm = Math.sqrt(squares) || 1;
    return { columns, weights: Float32Array.from(raw, (weight) => weight / norm) };
  });
  return { vocabularySize: vocabulary.length, rows, terms: vocabulary };
}
