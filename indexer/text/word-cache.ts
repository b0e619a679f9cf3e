/**
 * Analysed words by their text, found from a word's place in the text being read: no substring is
 * made or hashed for a word already seen (the regex' match strings and a Map keyed by them were
 * most of the tokenizer's time). Open addressing over FNV-1a hashes.
 *
 * Bounded, so a long-running server cannot grow it without limit. When full it keeps the words met
 * most often since the last time it was full (at most half of it) and drops the rest: a corpus'
 * common words stay analysed however many rare ones pass through. Emptied wholesale instead, it
 * analysed every common word again each time `limit` new words had been met: from ≈ 50,000 papers
 * of real text (250,000 distinct words at 100k) that was most of the tokenizer's time.
 */
export class WordCache<Word extends { readonly text: string }> {
  readonly #analyse: (text: string) => Word;
  readonly #limit: number;
  readonly #mask: number;
  readonly #slots: Int32Array;
  readonly #hashes: Int32Array;
  /** How often each word was found again since the cache was last full, up to 255; halved then, so old use fades. */
  readonly #uses: Uint8Array;
  readonly #words: Word[] = [];

  constructor(limit: number, analyse: (text: string) => Word) {
    this.#analyse = analyse;
    this.#limit = limit;
    // At most 40 % of the slots in use: linear probes stay short.
    const slots = 2 ** Math.ceil(Math.log2(limit * 2.5));
    this.#mask = slots - 1;
    this.#slots = new Int32Array(slots).fill(-1);
    this.#hashes = new Int32Array(limit);
    this.#uses = new Uint8Array(limit);
  }

  /** The analysed word `text.slice(start, end)`: the same object for each occurrence while it stays cached. */
  find(text: string, start: number, end: number): Word {
    let hash = 0x811c9dc5;
    for (let i = start; i < end; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
    const length = end - start;
    let slot = hash & this.#mask;
    for (let at = this.#slots[slot] as number; at !== -1; at = this.#slots[slot] as number) {
      const word = this.#words[at] as Word;
      if (this.#hashes[at] === hash && word.text.length === length && text.startsWith(word.text, start)) {
        const uses = this.#uses[at] as number;
        if (uses < 255) this.#uses[at] = uses + 1;
        return word;
      }
      slot = (slot + 1) & this.#mask;
    }
    const word = this.#analyse(text.slice(start, end));
    if (this.#words.length === this.#limit) {
      this.#keepMostUsed();
      slot = this.#freeSlot(hash);
    }
    this.#add(word, hash, 0, slot);
    return word;
  }

  #add(word: Word, hash: number, uses: number, slot: number): void {
    const at = this.#words.length;
    this.#slots[slot] = at;
    this.#words.push(word);
    this.#hashes[at] = hash;
    this.#uses[at] = uses;
  }

  #freeSlot(hash: number): number {
    let slot = hash & this.#mask;
    while (this.#slots[slot] !== -1) slot = (slot + 1) & this.#mask;
    return slot;
  }

  /** Keeps the words found again most often (never one not found again), at most half the limit, in their order. */
  #keepMostUsed(): void {
    const room = this.#limit >> 1;
    const byUses = new Uint32Array(256);
    for (const uses of this.#uses) byUses[uses] = (byUses[uses] as number) + 1;
    let least = 255;
    let kept = byUses[255] as number;
    while (least > 1 && kept + (byUses[least - 1] as number) <= room) kept += byUses[--least] as number;
    const words = this.#words.splice(0);
    const hashes = this.#hashes.slice();
    const uses = this.#uses.slice();
    this.#slots.fill(-1);
    for (let at = 0; at < words.length && this.#words.length < room; at++) {
      const wordUses = uses[at] as number;
      if (wordUses < least) continue;
      const hash = hashes[at] as number;
      this.#add(words[at] as Word, hash, wordUses >> 1, this.#freeSlot(hash));
    }
  }
}
