import { STOP_WORDS } from '../text/index.js';
import type { TermMatrix } from './text-view.js';

/**
 * The only characters whose lower case holds an ASCII word character (İ → "i̇", the Kelvin sign → "k"),
 * found by lower-casing every code point: a text without them has the words of its lower case
 * when its ASCII letters alone are lowered.
 */
const LOWERED_TO_ASCII = ['\u0130', '\u212a'];

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/**
 * The distinct words of texts, numbered in order of first use, each token found by its characters
 * in the text: a string sliced per token and looked up in a Map was over half the related-papers
 * view's cost at 100k papers. Open addressing over the words' FNV-1a hashes; a slot holds the hash
 * beside the number and the words' characters lie in one array, so a look-up reads two places.
 */
class WordNumbers {
  readonly words: string[] = [];
  /** Per slot its word's hash and number + 1 (0 when free); at most half the slots are used. */
  #slots = new Int32Array(2 * 4_096);
  /** The words' characters one after another; word w's are `#starts[w]` up to `#starts[w + 1]`. */
  #characters = new Uint16Array(16_384);
  #starts = new Int32Array(1_024);

  /**
   * Calls `visit` with the number of each word of `text` as scikit-learn's default token pattern
   * reads it: `\b\w\w+\b` of the lower-cased text, runs of two or more of [A-Za-z0-9_] (`\w` and
   * `\b` are ASCII in JavaScript).
   */
  forEachWord(raw: string, visit: (word: number) => void): void {
    const text = LOWERED_TO_ASCII.some((character) => raw.includes(character)) ? raw.toLowerCase() : raw;
    let start = -1;
    let hash = FNV_OFFSET;
    for (let i = 0; i <= text.length; i++) {
      let code = i < text.length ? text.charCodeAt(i) : 0;
      if (code >= 65 && code <= 90) code += 32;
      const word = (code >= 97 && code <= 122) || (code >= 48 && code <= 57) || code === 95;
      if (word) {
        if (start < 0) {
          start = i;
          hash = FNV_OFFSET;
        }
        hash = Math.imul(hash ^ code, FNV_PRIME);
      } else if (start >= 0) {
        if (i - start >= 2) visit(this.#numberOf(text, start, i, hash));
        start = -1;
      }
    }
  }

  #numberOf(text: string, start: number, end: number, hash: number): number {
    const slots = this.#slots;
    const mask = slots.length - 2;
    for (let slot = (hash << 1) & mask; ; slot = (slot + 2) & mask) {
      const found = (slots[slot + 1] as number) - 1;
      if (found < 0) return this.#add(text, start, end, hash, slot);
      if (slots[slot] === hash && this.#isWord(found, text, start, end)) return found;
    }
  }

  /** Whether `text[start, end)`, its ASCII letters lowered, is word `number`. */
  #isWord(number: number, text: string, start: number, end: number): boolean {
    const from = this.#starts[number] as number;
    if ((this.#starts[number + 1] as number) - from !== end - start) return false;
    const characters = this.#characters;
    for (let i = start; i < end; i++) {
      let code = text.charCodeAt(i);
      if (code >= 65 && code <= 90) code += 32;
      if (code !== characters[from + i - start]) return false;
    }
    return true;
  }

  #add(text: string, start: number, end: number, hash: number, slot: number): number {
    const word = text.slice(start, end).toLowerCase();
    const number = this.words.push(word) - 1;
    if (number + 2 > this.#starts.length) this.#starts = grown(this.#starts, this.#starts.length * 2);
    const from = this.#starts[number] as number;
    if (from + word.length > this.#characters.length) {
      const characters = new Uint16Array(Math.max(2 * this.#characters.length, from + word.length));
      characters.set(this.#characters);
      this.#characters = characters;
    }
    for (let i = 0; i < word.length; i++) this.#characters[from + i] = word.charCodeAt(i);
    this.#starts[number + 1] = from + word.length;
    this.#slots[slot] = hash;
    this.#slots[slot + 1] = number + 1;
    if (4 * this.words.length > this.#slots.length) this.#rehash(2 * this.#slots.length);
    return number;
  }

  #rehash(size: number): void {
    const old = this.#slots;
    const slots = new Int32Array(size);
    const mask = size - 2;
    for (let from = 0; from < old.length; from += 2) {
      if (old[from + 1] === 0) continue;
      let slot = ((old[from] as number) << 1) & mask;
      while (slots[slot + 1] !== 0) slot = (slot + 2) & mask;
      slots[slot] = old[from] as number;
      slots[slot + 1] = old[from + 1] as number;
    }
    this.#slots = slots;
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
  const numbers = new WordNumbers();
  const idOf: number[] = [];
  const words: string[] = [];
  const starts = new Int32Array(docs.length + 1);
  let ids = new Int32Array(1_024);
  let counts = new Int32Array(1_024);
  let used = 0;
  // The paper's count of each word id, and its ids in order of first use.
  let tally = new Int32Array(1_024);
  const present: number[] = [];
  const count = (number: number): void => {
    if (number === idOf.length) {
      const word = numbers.words[number] as string;
      const id = STOP_WORDS.has(word) ? -1 : words.push(word) - 1;
      idOf.push(id);
      if (id >= tally.length) tally = grown(tally, tally.length * 2);
    }
    const id = idOf[number] as number;
    if (id < 0) return;
    if (tally[id] === 0) present.push(id);
    tally[id] = (tally[id] as number) + 1;
  };
  for (let doc = 0; doc < docs.length; doc++) {
    const { title, abstract } = docs[doc] as { title: string; abstract: string };
    present.length = 0;
    // No word spans the line between them.
    numbers.forEachWord(title, count);
    numbers.forEachWord(abstract, count);
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
  // The kept words' ids in the words' order (they are distinct: no ties).
  const kept = Array.from(words.keys())
    .filter((id) => (documentFrequency[id] as number) >= 2)
    .sort((a, b) => ((words[a] as string) < (words[b] as string) ? -1 : 1));
  const vocabulary = kept.map((id) => words[id] as string);
  const column = new Int32Array(words.length).fill(-1);
  kept.forEach((id, index) => {
    column[id] = index;
  });
  const n = docs.length;
  // Each kept word's idf, once: a row then costs a look-up per word and a sort of its columns.
  const idf = Float64Array.from(kept, (id) => Math.log((1 + n) / (1 + (documentFrequency[id] as number))) + 1);
  // The rows in one pair of arrays (CSR), each row a view of its part: two arrays of its own per
  // row were ≈ a third of the view's preparation at 100k papers, in their allocation and collection.
  const offsets = new Int32Array(n + 1);
  let longest = 0;
  for (let doc = 0; doc < n; doc++) {
    let kept = 0;
    for (let entry = starts[doc] as number; entry < (starts[doc + 1] as number); entry++)
      if ((column[ids[entry] as number] as number) >= 0) kept++;
    offsets[doc + 1] = (offsets[doc] as number) + kept;
    longest = Math.max(longest, kept);
  }
  const columns = new Int32Array(offsets[n] as number);
  const weights = new Float32Array(columns.length);
  // A row's count of each of its columns, read back once they are sorted: one look-up per word, not two.
  const countOf = new Float64Array(vocabulary.length);
  const raw = new Float64Array(longest);
  for (let doc = 0; doc < n; doc++) {
    const first = offsets[doc] as number;
    let kept = first;
    for (let entry = starts[doc] as number; entry < (starts[doc + 1] as number); entry++) {
      const index = column[ids[entry] as number] as number;
      if (index < 0) continue;
      columns[kept++] = index;
      countOf[index] = counts[entry] as number;
    }
    columns.subarray(first, kept).sort();
    let squares = 0;
    for (let entry = first; entry < kept; entry++) {
      const index = columns[entry] as number;
      const weight = (1 + Math.log(countOf[index] as number)) * (idf[index] as number);
      raw[entry - first] = weight;
      squares += weight * weight;
    }
    const norm = Math.sqrt(squares) || 1;
    for (let entry = first; entry < kept; entry++) weights[entry] = (raw[entry - first] as number) / norm;
  }
  const rows = Array.from({ length: n }, (_, doc) => ({
    columns: columns.subarray(offsets[doc], offsets[doc + 1]),
    weights: weights.subarray(offsets[doc], offsets[doc + 1]),
  }));
  return { vocabularySize: vocabulary.length, rows, terms: vocabulary };
}

function grown(array: Int32Array<ArrayBuffer>, size: number): Int32Array<ArrayBuffer> {
  const larger = new Int32Array(size);
  larger.set(array);
  return larger;
}
