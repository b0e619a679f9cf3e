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
  // Each paper's words as numbered words and counts, all papers in one pair of growing arrays: a Map
  // per paper cost ≈ 5 KB each, 5 GB at a million papers (the related-papers view's worker fits this).
  const wordIds = new Map<string, number>();
  const words: string[] = [];
  const starts = new Int32Array(docs.length + 1);
  let ids = new Int32Array(1_024);
  let counts = new Int32Array(1_024);
  let used = 0;
  const tally = new Map<string, number>();
  for (let doc = 0; doc < docs.length; doc++) {
    const { title, abstract } = docs[doc] as { title: string; abstract: string };
    tally.clear();
    for (const match of `${title}\n${abstract}`.toLowerCase().matchAll(TOKEN)) {
      const word = match[0];
      if (!STOP_WORDS.has(word)) tally.set(word, (tally.get(word) ?? 0) + 1);
    }
    if (used + tally.size > ids.length) {
      const size = Math.max(ids.length * 2, used + tally.size);
      ids = grown(ids, size);
      counts = grown(counts, size);
    }
    for (const [word, count] of tally) {
      let id = wordIds.get(word);
      if (id === undefined) {
        id = words.push(word) - 1;
        wordIds.set(word, id);
      }
      ids[used] = id;
      counts[used++] = count;
    }
    starts[doc + 1] = used;
  }
  const documentFrequency = new Int32Array(words.length);
  for (let entry = 0; entry < used; entry++)
    documentFrequency[ids[entry] as number] = (documentFrequency[ids[entry] as number] as number) + 1;
  const vocabulary = words.filter((_, id) => (documentFrequency[id] as number) >= 2).sort();
  const column = new Int32Array(words.length).fill(-1);
  vocabulary.forEach((word, index) => {
    column[wordIds.get(word) as number] = index;
  });
  const n = docs.length;
  // Each kept word's idf, once: a row then costs a look-up per word and a sort of its columns.
  const idf = Float64Array.from(
    vocabulary,
    (word) => Math.log((1 + n) / (1 + (documentFrequency[wordIds.get(word) as number] as number))) + 1,
  );
  // A row's count of each of its columns, read back once they are sorted: one look-up per word, not two.
  const countOf = new Float64Array(vocabulary.length);
  const rows = Array.from({ length: n }, (_, doc) => {
    const counted: number[] = [];
    for (let entry = starts[doc] as number; entry < (starts[doc + 1] as number); entry++) {
      const index = column[ids[entry] as number] as number;
      if (index < 0) continue;
      counted.push(index);
      countOf[index] = counts[entry] as number;
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

function grown(array: Int32Array<ArrayBuffer>, size: number): Int32Array<ArrayBuffer> {
  const larger = new Int32Array(size);
  larger.set(array);
  return larger;
}
