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

  /** `slots`, checked by `WordIndex.restore`: those of an index of the same `words`, used as they are. */
  constructor(words: Words, slots?: Int32Array) {
    this.#words = words;
    this.#slots = slots ?? new Int32Array(slotCount(words.length)).fill(-1);
    this.#mask = this.#slots.length - 1;
    if (slots) return;
    for (let row = 0; row < words.length; row++) {
      const word = words.at(row) as string;
      const slot = this.#find(word);
      if (this.#slots[slot] === -1) this.#slots[slot] = row;
    }
  }

  /**
   * The index of `words` from the slots an index of them had (`slots`), as the word-vector cache
   * stores them: the server's cold start skips hashing 341k words. Undefined when they cannot be an
   * index of `words` (wrong size, a row out of range, no empty slot to end a probe).
   */
  static restore(words: Words, slots: Int32Array): WordIndex | undefined {
    if (slots.length !== slotCount(words.length)) return undefined;
    let empty = 0;
    for (let slot = 0; slot < slots.length; slot++) {
      const row = slots[slot] as number;
      if (row === -1) empty++;
      else if (row < 0 || row >= words.length) return undefined;
    }
    return empty > 0 ? new WordIndex(words, slots) : undefined;
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
    for (;;) {
      const row = this.#slots[slot] as number;
      if (row === -1 || this.#holds(row, word)) return slot;
      slot = (slot + 1) & this.#mask;
    }
  }

  #holds(row: number, word: string): boolean {
    const words = this.#words;
    return words instanceof Vocabulary ? words.holds(row, word) : words.at(row) === word;
  }
}

/** A vocabulary's words by row: an array of them, or a `Vocabulary` read from the cache. */
export interface Words {
  readonly length: number;
  at(row: number): string | undefined;
}

const NEWLINE = 0x0a;

/**
 * The words of the word-vector cache as its UTF-8 bytes, one word per line, a word made a string
 * only when asked for: splitting them into 341k strings cost every start ≈ 0.15–0.3 s of CPU on
 * the team's VM (and the garbage collector's copying of them), where a server looks up a few.
 */
export class Vocabulary implements Words {
  readonly #bytes: Buffer;
  /** Where each row's word starts, and one past the end (as if the last line ended in a newline). */
  readonly #starts: Int32Array;

  private constructor(bytes: Buffer, starts: Int32Array) {
    this.#bytes = bytes;
    this.#starts = starts;
  }

  /** The `rows` words of `bytes` (one per line, no newline after the last), or undefined if it holds another count. */
  static read(bytes: Buffer, rows: number): Vocabulary | undefined {
    const starts = new Int32Array(rows + 1);
    let row = 1;
    for (let at = 0; at < bytes.length; at++) {
      if (bytes[at] !== NEWLINE) continue;
      if (row === rows) return undefined;
      starts[row++] = at + 1;
    }
    if (row !== rows) return undefined;
    starts[rows] = bytes.length + 1;
    return new Vocabulary(bytes, starts);
  }

  get length(): number {
    return this.#starts.length - 1;
  }

  at(row: number): string | undefined {
    if (!(row >= 0 && row < this.length)) return undefined;
    return this.#bytes.toString('utf8', this.#starts[row], (this.#starts[row + 1] as number) - 1);
  }

  /** Whether row `row` is `word`: compared byte by byte while both are ASCII, without making the row a string. */
  holds(row: number, word: string): boolean {
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
