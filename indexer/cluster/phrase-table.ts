/**
 * Label phrases as integer ids: a word's stem, or two stems joined by a space (a bigram), each
 * interned once. Labelling counts phrases by id in typed arrays; a bigram is found from its two
 * word ids in an open-addressed table, so no key string is built or hashed for a phrase seen before.
 * Ids follow first use and mean nothing else: callers order phrases by their keys, never by id.
 *
 * @example const table = new PhraseTable(); table.keyOf(table.pair(table.word('reward'), table.word('nois'))) // → "reward nois"
 */
export class PhraseTable {
  /** Each id's key: "reward" or "reward nois". */
  readonly #keys: string[] = [];
  readonly #words = new Map<string, number>();
  /** Per id: the bigram's first and second word ids (-1 for a word). */
  #first = new Int32Array(1024);
  #second = new Int32Array(1024);
  /** Open addressing over bigrams: an id, or -1 for an empty slot. */
  #slots = new Int32Array(1 << 12).fill(-1);
  #bigrams = 0;

  /** How many phrases have ids: every id is below it. */
  get size(): number {
    return this.#keys.length;
  }

  keyOf(id: number): string {
    return this.#keys[id] as string;
  }

  isBigram(id: number): boolean {
    return (this.#second[id] as number) >= 0;
  }

  /** The id of a word's stem. */
  word(term: string): number {
    const known = this.#words.get(term);
    if (known !== undefined) return known;
    const id = this.#add(term, -1, -1);
    this.#words.set(term, id);
    return id;
  }

  /** The id of the bigram of two word ids. */
  pair(first: number, second: number): number {
    const mask = this.#slots.length - 1;
    let slot = pairHash(first, second) & mask;
    for (let id = this.#slots[slot] as number; id !== -1; id = this.#slots[slot] as number) {
      if (this.#first[id] === first && this.#second[id] === second) return id;
      slot = (slot + 1) & mask;
    }
    const id = this.#add(`${this.keyOf(first)} ${this.keyOf(second)}`, first, second);
    this.#slots[slot] = id;
    // At most half full, so that a probe ends soon.
    if (++this.#bigrams * 2 > this.#slots.length) this.#rehash();
    return id;
  }

  #add(key: string, first: number, second: number): number {
    const id = this.#keys.length;
    if (id === this.#first.length) {
      this.#first = grown(this.#first);
      this.#second = grown(this.#second);
    }
    this.#keys.push(key);
    this.#first[id] = first;
    this.#second[id] = second;
    return id;
  }

  #rehash(): void {
    const slots = new Int32Array(this.#slots.length * 2).fill(-1);
    const mask = slots.length - 1;
    for (let id = 0; id < this.#keys.length; id++) {
      if ((this.#second[id] as number) < 0) continue;
      let slot = pairHash(this.#first[id] as number, this.#second[id] as number) & mask;
      while (slots[slot] !== -1) slot = (slot + 1) & mask;
      slots[slot] = id;
    }
    this.#slots = slots;
  }
}

function pairHash(first: number, second: number): number {
  const mixed = Math.imul(first ^ Math.imul(second, 0x9e3779b1), 0x85ebca6b);
  return mixed ^ (mixed >>> 15);
}

function grown(array: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const bigger = new Int32Array(array.length * 2);
  bigger.set(array);
  return bigger;
}
