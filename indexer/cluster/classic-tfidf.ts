import { STOP_WORDS } from '../text/index.js';
import type { TermMatrix } from './text-view.js';

/**
 * scikit-learn's default token pattern, `\b\w\w+\b`: runs of two or more of [A-Za-z0-9_] (`\w` and
 * `\b` are ASCII in JavaScript). Scanned by hand: a regex' match objects were a quarter of the view's cost.
 */
function forEachToken(text: string, visit: (token: string) => void): void {
  let start = -1;
  for (let i = 0; i <= text.length; i++) {
    const code = i < text.length ? text.charCodeAt(i) : 0;
    const word = (code >= 97 && code <= 122) || (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || code === 95;
    if (word) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      if (i - start >= 2) visit(text.slice(start, i));
      start = -1;
    }
  }
}

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
  // A stop word's id is −1: one look-up per word tells both.
  const wordIds = new Map<string, number>();
  const words: string[] = [];
  const starts = new Int32Array(docs.length + 1);
  let ids = new Int32Array(1_024);
  let counts = new Int32Array(1_024);
  let used = 0;
  // The paper's count of each word id, and its ids in order of first use.
  let tally = new Int32Array(1_024);
  const present: number[] = [];
  const count = (word: string): void => {
    let id = wordIds.get(word);
    if (id === undefined) {
      id = STOP_WORDS.has(word) ? -1 : words.push(word) - 1;
      wordIds.set(word, id);
      if (id >= tally.length) tally = grown(tally, tally.length * 2);
    }
    if (id < 0) return;
    if (tally[id] === 0) present.push(id);
    tally[id] = (tally[id] as number) + 1;
  };
  for (let doc = 0; doc < docs.length; doc++) {
    const { title, abstract } = docs[doc] as { title: string; abstract: string };
    present.length = 0;
    forEachToken(`${title}\n${abstract}`.toLowerCase(), count);
    if (used + present.length > ids.length) {
      const size = Math.max(ids.length * 2, used + present.length);
      ids = grown(ids, size);
      counts = grown(counts, size);
    }
    for (const id of present) {
      ids[used] = id;
      counts[used++] = tally[id] as number;
      tally[id] = 0;
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
    const first = starts[doc] as number;
    const found = new Int32Array((starts[doc + 1] as number) - first);
    let kept = 0;
    for (let entry = first; entry < (starts[doc + 1] as number); entry++) {
      const index = column[ids[entry] as number] as number;
      if (index < 0) continue;
      found[kept++] = index;
      countOf[index] = counts[entry] as number;
    }
    const columns = found.slice(0, kept).sort();
    const raw = new Float64Array(columns.length);
    for (let entry = 0; entry < columns.length; entry++) {
      const index = columns[entry] as number;
      raw[entry] = (1 + Math.log(countOf[index] as number)) * (idf[index] as number);
    }
    let squares = 0;
    for (const weight of raw) squares += weight * weight;
    const norm = Math.sqrt(squares) || 1;
    const weights = new Float32Array(raw.length);
    for (let entry = 0; entry < raw.length; entry++) weights[entry] = (raw[entry] as number) / norm;
    return { columns, weights };
  });
  return { vocabularySize: vocabulary.length, rows, terms: vocabulary };
}

function grown(array: Int32Array<ArrayBuffer>, size: number): Int32Array<ArrayBuffer> {
  const larger = new Int32Array(size);
  larger.set(array);
  return larger;
}
