/**
 * A vocabulary's row of each word: open addressing over FNV-1a hashes in one Int32Array. Building
 * it for the 341k-word vocabulary takes ≈ 65 ms against ≈ 165 ms for a `Map`, time every command
 * that loads the embedder (a server's cold start included) pays.
 *
 * @example new WordIndex(['the', 'reward', 'the']).get('the') // → 0 (a repeated word keeps its first, most frequent, row)
 */
export class WordIndex {
  readonly #words: readonly string[];
  readonly #slots: Int32Array;
  readonly #mask: number;

  /** `slots`, checked by `WordIndex.restore`: those of an index of the same `words`, used as they are. */
  constructor(words: readonly string[], slots?: Int32Array) {
    this.#words = words;
    this.#slots = slots ?? new Int32Array(slotCount(words.length)).fill(-1);
    this.#mask = this.#slots.length - 1;
    if (slots) return;
    for (let row = 0; row < words.length; row++) {
      const word = words[row] as string;
      const slot = this.#find(word);
      if (this.#slots[slot] === -1) this.#slots[slot] = row;
    }
  }

  /**
   * The index of `words` from the slots an index of them had (`slots`), as the word-vector cache
   * stores them: the server's cold start skips hashing 341k words. Undefined when they cannot be an
   * index of `words` (wrong size, a row out of range, no empty slot to end a probe).
   */
  static restore(words: readonly string[], slots: Int32Array): WordIndex | undefined {
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
      if (row === -1 || this.#words[row] === word) return slot;
      slot = (slot + 1) & this.#mask;
    }
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
