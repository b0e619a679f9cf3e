import { invalid } from './errors.js';

/** How many values `PackedStrings.equals` compares at a time. */
const EQUALS_RUN = 4096;

/**
 * Strings packed as UTF-8 in one buffer, string `i` at `bytes[offsets[i] .. offsets[i + 1])`: read
 * in place from the BM25 file and decoded when used. A million papers' terms, surfaces and ids as
 * JS strings (parsed from JSON) were ≈ 40 % of a server's start and ≈ 150 MB of heap.
 */
export class PackedStrings {
  readonly bytes: Buffer;
  readonly offsets: Uint32Array;

  constructor(bytes: Uint8Array, offsets: Uint32Array) {
    this.bytes = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.offsets = offsets;
  }

  static pack(values: readonly string[]): PackedStrings {
    const offsets = new Uint32Array(values.length + 1);
    for (let i = 0; i < values.length; i++) offsets[i + 1] = (offsets[i] as number) + Buffer.byteLength(values[i] as string);
    const bytes = Buffer.allocUnsafe(offsets[values.length] as number);
    for (let i = 0; i < values.length; i++) bytes.write(values[i] as string, offsets[i] as number, 'utf8');
    return new PackedStrings(bytes, offsets);
  }

  get length(): number {
    return this.offsets.length - 1;
  }

  at(index: number): string {
    return this.bytes.toString('utf8', this.offsets[index], this.offsets[index + 1]);
  }

  all(): string[] {
    const values = new Array<string>(this.length);
    for (let i = 0; i < values.length; i++) values[i] = this.at(i);
    return values;
  }

  /**
   * Whether these are the `count` values `valueAt` gives, in order, without decoding them one by one:
   * the BM25 ids against the papers' (a million of them at a server's start).
   */
  equals(count: number, valueAt: (index: number) => string): boolean {
    if (count !== this.length) return false;
    const { offsets } = this;
    // A run of values at a time: one string of a million pieces took ≈ 0.2-0.4 s to flatten and encode.
    for (let from = 0; from < count; from += EQUALS_RUN) {
      const to = Math.min(count, from + EQUALS_RUN);
      let joined = '';
      for (let i = from; i < to; i++) {
        const value = valueAt(i);
        const length = (offsets[i + 1] as number) - (offsets[i] as number);
        // Cut at the same places: an ASCII value's byte length is its length, else it is counted.
        if (value.length !== length && Buffer.byteLength(value) !== length) return false;
        joined += value;
      }
      if (Buffer.from(joined).compare(this.bytes, offsets[from], offsets[to]) !== 0) return false;
    }
    return true;
  }

  /** Offsets that start at 0, never decrease and end at the bytes' length; else INDEX_MISMATCH naming `field`. */
  check(field: string): void {
    const { offsets } = this;
    if (offsets[0] !== 0 || offsets[offsets.length - 1] !== this.bytes.length)
      throw invalid(field, `its offsets must run from 0 to its ${this.bytes.length} bytes`);
    for (let i = 0; i < this.length; i++)
      if ((offsets[i + 1] as number) <= (offsets[i] as number)) throw invalid(field, `entry ${i} is empty or out of place`);
  }
}

/** Lookups remembered (term → id, -1 for none) before the memo starts over: queries repeat their words. */
const LOOKUP_MEMO = 50_000;

/**
 * The index's vocabulary: the terms in the byte order of their UTF-8 (so a term is found by binary
 * search, and the terms that extend a stem are one range), each term's id at its place (`order`)
 * and each id's place (`rank`), and each id's readable surface form. No map of the million terms
 * is built at start; the sorted texts are checked with one sequential pass.
 */
export class TermTable {
  /** The terms, in byte order. */
  readonly sorted: PackedStrings;
  /** By term id. */
  readonly surfaces: PackedStrings;
  /** The term id at each place of `sorted`. */
  readonly order: Uint32Array;
  /** The place in `sorted` of each term id. */
  readonly rank: Uint32Array;
  /** The query term's bytes, reused from lookup to lookup. */
  #scratch = Buffer.allocUnsafe(256);
  readonly #memo = new Map<string, number>();

  constructor(sorted: PackedStrings, surfaces: PackedStrings, order: Uint32Array, rank: Uint32Array) {
    this.sorted = sorted;
    this.surfaces = surfaces;
    this.order = order;
    this.rank = rank;
  }

  /** The table of `terms` (id = position) and their `surfaces`; INDEX_MISMATCH when a term is listed twice. */
  static build(terms: readonly string[], surfaces: readonly string[]): TermTable {
    const order = new Uint32Array(terms.length);
    for (let i = 0; i < order.length; i++) order[i] = i;
    // UTF-16 order is the code points' (so UTF-8's) unless a string holds a character from U+D800 on.
    const compare = terms.some((term) => HIGH_UNITS.test(term)) ? compareCodePoints : compareUnits;
    order.sort((a, b) => compare(terms[a] as string, terms[b] as string));
    const rank = new Uint32Array(terms.length);
    const sorted = new Array<string>(terms.length);
    for (let place = 0; place < order.length; place++) {
      rank[order[place] as number] = place;
      sorted[place] = terms[order[place] as number] as string;
    }
    const table = new TermTable(PackedStrings.pack(sorted), PackedStrings.pack(surfaces), order, rank);
    table.check();
    return table;
  }

  get size(): number {
    return this.order.length;
  }

  /**
   * That the parts agree: one surface per term, none empty, the terms strictly ascending (so none
   * twice), and `order` and `rank` each other's inverse. Passes over typed arrays: ≈ 20 ms at a
   * million terms.
   */
  check(): void {
    const { sorted, surfaces, order, rank } = this;
    sorted.check('terms');
    surfaces.check('surfaces');
    if (surfaces.length !== sorted.length) throw invalid('surfaces', `has ${surfaces.length} entries for ${sorted.length} terms`);
    if (order.length !== sorted.length || rank.length !== sorted.length)
      throw invalid('termOrder', `has ${order.length} and ${rank.length} entries for ${sorted.length} terms`);
    const { bytes, offsets } = sorted;
    for (let place = 1; place < order.length; place++) {
      const compared = compareBytes(
        bytes,
        offsets[place - 1] as number,
        offsets[place] as number,
        bytes,
        offsets[place] as number,
        offsets[place + 1] as number,
      );
      if (compared === 0) throw invalid('terms', `contains duplicates ("${sorted.at(place)}")`);
      if (compared > 0) throw invalid('terms', `are not in byte order at place ${place}`);
    }
    for (let place = 0; place < order.length; place++) {
      const id = order[place] as number;
      if (id >= rank.length || rank[id] !== place) throw invalid('termOrder', `does not match termRank at place ${place}`);
    }
  }

  term(id: number): string {
    return this.sorted.at(this.rank[id] as number);
  }

  surface(id: number): string {
    return this.surfaces.at(id);
  }

  /** The id of `term`, -1 when the corpus lacks it. */
  idOf(term: string): number {
    let id = this.#memo.get(term);
    if (id !== undefined) return id;
    const length = this.#encode(term);
    const place = this.#lowerBound(length);
    const { bytes, offsets } = this.sorted;
    id =
      place < this.order.length &&
      compareBytes(this.#scratch, 0, length, bytes, offsets[place] as number, offsets[place + 1] as number) === 0
        ? (this.order[place] as number)
        : -1;
    if (this.#memo.size >= LOOKUP_MEMO) this.#memo.clear();
    this.#memo.set(term, id);
    return id;
  }

  /** The ids of the terms that start with `prefix` (itself included, when a term), in byte order. */
  withPrefix(prefix: string): number[] {
    const length = this.#encode(prefix);
    const scratch = this.#scratch;
    const { bytes, offsets } = this.sorted;
    const found: number[] = [];
    for (let place = this.#lowerBound(length); place < this.order.length; place++) {
      const start = offsets[place] as number;
      if ((offsets[place + 1] as number) - start < length || compareBytes(scratch, 0, length, bytes, start, start + length) !== 0) break;
      found.push(this.order[place] as number);
    }
    return found;
  }

  /** The first place whose term is not below the `length` bytes in the scratch buffer. */
  #lowerBound(length: number): number {
    const scratch = this.#scratch;
    const { bytes, offsets } = this.sorted;
    let low = 0;
    let high = this.order.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (compareBytes(bytes, offsets[middle] as number, offsets[middle + 1] as number, scratch, 0, length) < 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** Writes `text` as UTF-8 into the scratch buffer (grown when short); its byte length. */
  #encode(text: string): number {
    // Three bytes per UTF-16 unit at most.
    if (this.#scratch.length < 3 * text.length) this.#scratch = Buffer.allocUnsafe(3 * text.length);
    return this.#scratch.write(text, 0, 'utf8');
  }
}

const HIGH_UNITS = /[\uD800-\uFFFF]/;

function compareUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Code point order: UTF-16 order but for surrogates (U+10000 on), which sort after U+E000–U+FFFF. */
function compareCodePoints(a: string, b: string): number {
  const shorter = Math.min(a.length, b.length);
  for (let i = 0; i < shorter; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const lift = (unit: number) => (unit >= 0xd800 && unit < 0xe000 ? unit + 0x2000 : unit >= 0xe000 ? unit - 0x800 : unit);
    return lift(x) - lift(y);
  }
  return a.length - b.length;
}

/** Byte order (that of the code points) of `a[aStart .. aEnd)` against `b[bStart .. bEnd)`: negative, 0 or positive. */
function compareBytes(a: Uint8Array, aStart: number, aEnd: number, b: Uint8Array, bStart: number, bEnd: number): number {
  const aLength = aEnd - aStart;
  const bLength = bEnd - bStart;
  const shorter = Math.min(aLength, bLength);
  for (let i = 0; i < shorter; i++) {
    const difference = (a[aStart + i] as number) - (b[bStart + i] as number);
    if (difference !== 0) return difference;
  }
  return aLength - bLength;
}
