/**
 * A vocabulary's row of each word: open addressing over FNV-1a hashes in one Int32Array. Building
 * it for the 341k-word vocabulary takes ≈ 65 ms against ≈ 165 ms for a `Map`, time every command
 * that loads the embedder (a server's cold start included) pays.
 *
 * @example new WordIndex(['the', 'reward', 'the']).get('the') // → 0 (a repeated word keeps its first, most frequent, row)
 */
export class WordIndex {
  readonly #words: Words;
  readonly #slots: Int32Array;
  readonly #mask: number;
  readonly #checkSlots: CheckRange | undefined;

  /** `slots`, checked by `WordIndex.restore`: those of an index of the same `words`, used as they are. */
  constructor(words: Words, slots?: Int32Array, checkSlots?: CheckRange) {
    this.#words = words;
    this.#slots = slots ?? new Int32Array(slotCount(words.length)).fill(-1);
    this.#mask = this.#slots.length - 1;
    this.#checkSlots = checkSlots;
    if (slots) return;
    for (let row = 0; row < words.length; row++) {
      const word = words.at(row) as string;
      const slot = this.#find(word);
      if (this.#slots[slot] === -1) this.#slots[slot] = row;
    }
  }

  /**
   * The index of `words` from the slots an index of them had (`slots`), as the word-vector cache
   * stores them: the server's cold start skips hashing 341k words. `checkSlots` is called before a
   * slot is read (the cache's blocks are read and checked on first use). Undefined when the slots
   * are not as many as an index of `words` has; a slot found to hold no row of `words` throws when read.
   */
  static restore(words: Words, slots: Int32Array, checkSlots?: CheckRange): WordIndex | undefined {
    return slots.length === slotCount(words.length) ? new WordIndex(words, slots, checkSlots) : undefined;
  }

  /** What `restore` takes back. */
  get slots(): Int32Array {
    return this.#slots;
  }

  get(word: string): number | undefined {
    const row = this.#slots[this.#find(word)] as number;
    return row === -1 ? undefined : row;
  }

  /** The slot holding `word`, or the empty slot where it would go. */
  #find(word: string): number {
    let slot = fnv1a(word) & this.#mask;
    for (let probes = 0; probes <= this.#mask; probes++) {
      this.#checkSlots?.(slot, slot + 1);
      const row = this.#slots[slot] as number;
      if (row === -1 || this.#holds(row, word)) return slot;
      slot = (slot + 1) & this.#mask;
    }
    throw new Error('the word index has no empty slot');
  }

  #holds(row: number, word: string): boolean {
    if (!(row >= 0 && row < this.#words.length))
      throw new Error(`the word index holds row ${row}, not one of its ${this.#words.length} words`);
    const words = this.#words;
    return words instanceof Vocabulary ? words.holds(row, word) : words.at(row) === word;
  }
}

/**
 * Called before elements `start` to `end` (exclusive) of an array are read, when the array is a
 * view of the word-vector cache read block by block: reads the blocks holding them and checks their
 * checksums (core/block-file.ts), throwing on a mismatch.
 */
export type CheckRange = (start: number, end: number) => void;

/** A vocabulary's words by row: an array of them, or a `Vocabulary` read from the cache. */
export interface Words {
  readonly length: number;
  at(row: number): string | undefined;
}

/**
 * The words of the word-vector cache as its UTF-8 bytes, one word per line, a word made a string
 * only when asked for: splitting them into 341k strings cost every start ≈ 0.15–0.3 s of CPU on
 * the team's VM (and the garbage collector's copying of them), where a server looks up a few.
 */
export class Vocabulary implements Words {
  readonly #bytes: Buffer;
  /** Where each row's word starts, and one past the end (as if the last line ended in a newline). */
  readonly #starts: Int32Array;
  readonly #checkStarts: CheckRange | undefined;
  readonly #checkBytes: CheckRange | undefined;

  /**
   * The words of `bytes` at `starts` (`encodeVocabulary`'s); `checkStarts` and `checkBytes`, when
   * given, are called before a range of either is read. A row whose starts fall outside the bytes throws when read.
   */
  constructor(bytes: Buffer, starts: Int32Array, checkStarts?: CheckRange, checkBytes?: CheckRange) {
    this.#bytes = bytes;
    this.#starts = starts;
    this.#checkStarts = checkStarts;
    this.#checkBytes = checkBytes;
  }

  get length(): number {
    return this.#starts.length - 1;
  }

  at(row: number): string | undefined {
    if (!(row >= 0 && row < this.length)) return undefined;
    this.#check(row);
    return this.#bytes.toString('utf8', this.#starts[row], (this.#starts[row + 1] as number) - 1);
  }

  /** Whether row `row` is `word`: compared byte by byte while both are ASCII, without making the row a string. */
  holds(row: number, word: string): boolean {
    this.#check(row);
    const start = this.#starts[row] as number;
    const length = (this.#starts[row + 1] as number) - 1 - start;
    const bytes = this.#bytes;
    for (let i = 0; i < word.length; i++) {
      const code = word.charCodeAt(i);
      if (code >= 0x80) return this.at(row) === word;
      // A byte of 0x80 or more starts a character above ASCII in the row's word, which then differs here.
      if (i >= length || bytes[start + i] !== code) return false;
    }
    return length === word.length;
  }

  /** Checks row `row`'s starts, that its word lies within the bytes, and the word's bytes. */
  #check(row: number): void {
    this.#checkStarts?.(row, row + 2);
    const start = this.#starts[row] as number;
    const end = (this.#starts[row + 1] as number) - 1;
    if (!(start >= 0 && end >= start && end <= this.#bytes.length)) throw new Error(`the vocabulary's row ${row} lies outside its bytes`);
    this.#checkBytes?.(start, end);
  }
}

/** The bytes (UTF-8, one word per line) and row starts a `Vocabulary` of `words` reads. */
export function encodeVocabulary(words: readonly string[]): { bytes: Buffer; starts: Int32Array } {
  const bytes = Buffer.from(words.join('\n'), 'utf8');
  const starts = new Int32Array(words.length + 1);
  for (let row = 0; row < words.length; row++) starts[row + 1] = (starts[row] as number) + Buffer.byteLength(words[row] as string) + 1;
  return { bytes, starts };
}

/** A power of two, at least twice the words: at most half full, so that probe runs stay short. */
function slotCount(words: number): number {
  let size = 1;
  while (size < words * 2) size <<= 1;
  return size;
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
