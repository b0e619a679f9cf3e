import { open } from 'node:fs/promises';
import type { Neighbour } from './index.js';

/**
 * hnswlib's file header: offsetLevel0, maxElements, element count, bytes per element, the label's
 * and the vector's offsets in an element (u64 LE each), then the levels, entry point, M's and
 * efConstruction (`HierarchicalNSW::saveIndex`). The level-0 block follows: per element its links,
 * its vector (unit length, for the cosine space) and its label, at a fixed stride.
 */
export const GRAPH_FILE_HEADER_BYTES = 96;
/** hnswlib's file opens with offsetLevel0, maxElements, the element count and the bytes per element (u64 LE each). */
export const GRAPH_HEADER_BYTES = 32;
const LABEL_BYTES = 8;

/**
 * Whether hnswlib's file header (its first `GRAPH_HEADER_BYTES`: level-0 offset, capacity, element
 * count and bytes per element, u64 LE each) describes `expected`'s graph in a file of `size` bytes.
 */
export function graphHeaderFits(header: Buffer, size: number, expected: { dimension: number; count: number }): boolean {
  if (header.length < GRAPH_HEADER_BYTES) return false;
  const field = (at: number) => Number(header.readBigUInt64LE(at));
  const [capacity, count, elementBytes] = [field(8), field(16), field(24)];
  return (
    field(0) === 0 &&
    count === expected.count &&
    capacity === Math.max(1, count) &&
    elementBytes > expected.dimension * Float32Array.BYTES_PER_ELEMENT &&
    count * elementBytes < size
  );
}

export interface Level0Layout {
  count: number;
  elementBytes: number;
  /** Byte offsets in an element. */
  vectorAt: number;
  labelAt: number;
}

/**
 * Where the vectors and labels are in a graph file of `size` bytes whose header is `header`, when
 * it is the graph `expected` describes (`graphHeaderFits`) and its element is laid
 * out as hnswlib lays it (links, then `dimension` floats, then a u64 label); undefined otherwise.
 */
export function level0Layout(header: Buffer, size: number, expected: { dimension: number; count: number }): Level0Layout | undefined {
  if (header.length < GRAPH_FILE_HEADER_BYTES || !graphHeaderFits(header, size, expected)) return undefined;
  const field = (at: number) => Number(header.readBigUInt64LE(at));
  const [elementBytes, labelAt, vectorAt, maxM0] = [field(24), field(32), field(40), field(64)];
  const { count, dimension } = expected;
  const laidOut =
    vectorAt === Uint32Array.BYTES_PER_ELEMENT * (1 + maxM0) &&
    labelAt === vectorAt + dimension * Float32Array.BYTES_PER_ELEMENT &&
    elementBytes === labelAt + LABEL_BYTES &&
    elementBytes % Float32Array.BYTES_PER_ELEMENT === 0 &&
    // Each element's link-list size (u32) follows the level-0 block.
    GRAPH_FILE_HEADER_BYTES + count * (elementBytes + Uint32Array.BYTES_PER_ELEMENT) <= size;
  return laidOut ? { count, elementBytes, vectorAt, labelAt } : undefined;
}

/**
 * The vectors of a graph file's level-0 block, read as they lie there (a stride apart, no copy),
 * searched by comparing every one: what a server answers from while hnswlib loads the graph.
 */
export class Level0Vectors {
  readonly dimension: number;
  readonly #floats: Float32Array;
  /** Floats per element, and the vector's first float in one. */
  readonly #stride: number;
  readonly #offset: number;
  /** Element → label, and label → element. */
  readonly #labels: Uint32Array;
  readonly #elements: Int32Array;

  private constructor(floats: Float32Array, layout: Level0Layout, dimension: number, labels: Uint32Array, elements: Int32Array) {
    this.dimension = dimension;
    this.#floats = floats;
    this.#stride = layout.elementBytes / Float32Array.BYTES_PER_ELEMENT;
    this.#offset = layout.vectorAt / Float32Array.BYTES_PER_ELEMENT;
    this.#labels = labels;
    this.#elements = elements;
  }

  /**
   * The vectors of `block` (the level-0 block, starting at a multiple of 4 bytes), laid out as
   * `layout` says; undefined when a label is out of range or repeated, which no graph hnswlib wrote has.
   */
  static of(block: Buffer, layout: Level0Layout, dimension: number): Level0Vectors | undefined {
    const { count, elementBytes, labelAt } = layout;
    if (block.length !== count * elementBytes || block.byteOffset % Float32Array.BYTES_PER_ELEMENT !== 0) return undefined;
    const words = new Uint32Array(block.buffer, block.byteOffset, block.length / Uint32Array.BYTES_PER_ELEMENT);
    const labels = new Uint32Array(count);
    const elements = new Int32Array(count).fill(-1);
    const stride = elementBytes / Uint32Array.BYTES_PER_ELEMENT;
    for (let element = 0, at = labelAt / Uint32Array.BYTES_PER_ELEMENT; element < count; element++, at += stride) {
      // A u64: its high word is 0 for any label below 2³².
      const label = words[at] as number;
      if (words[at + 1] !== 0 || label >= count || elements[label] !== -1) return undefined;
      labels[element] = label;
      elements[label] = element;
    }
    return new Level0Vectors(new Float32Array(words.buffer, words.byteOffset, words.length), layout, dimension, labels, elements);
  }

  /**
   * The level-0 vectors of the graph file, read on the libuv pool a large piece at a time (this
   * thread only checks the labels); undefined when the file is not laid out as hnswlib lays out
   * `expected`'s graph. The caller checks the file's checksum before trusting them.
   */
  static async read(file: string, expected: { dimension: number; count: number }): Promise<Level0Vectors | undefined> {
    const handle = await open(file, 'r');
    try {
      const header = Buffer.alloc(GRAPH_FILE_HEADER_BYTES);
      const { size } = await handle.stat();
      if ((await handle.read(header, 0, GRAPH_FILE_HEADER_BYTES, 0)).bytesRead < GRAPH_FILE_HEADER_BYTES) return undefined;
      const layout = level0Layout(header, size, expected);
      if (!layout) return undefined;
      // Its own allocation: the float view over it starts at byte 0.
      const block = Buffer.allocUnsafeSlow(layout.count * layout.elementBytes);
      for (let at = 0; at < block.length; at += READ_BYTES) {
        const length = Math.min(READ_BYTES, block.length - at);
        if ((await handle.read(block, at, length, GRAPH_FILE_HEADER_BYTES + at)).bytesRead < length) return undefined;
      }
      return Level0Vectors.of(block, layout, expected.dimension);
    } finally {
      await handle.close();
    }
  }

  /** The vector of `label`, a copy. */
  vector(label: number): Float32Array {
    const from = (this.#elements[label] as number) * this.#stride + this.#offset;
    return this.#floats.slice(from, from + this.dimension);
  }

  /**
   * The `k` labels nearest to `query` by cosine, every vector compared (labels `accept` refuses
   * skipped), nearest first, ties by label: what the graph's search approximates. The query is
   * normalised and the distance rounded to a float as hnswlib does, so a label both find has the
   * same similarity up to the sum's order.
   */
  nearest(query: Float32Array, k: number, accept?: (label: number) => boolean): Neighbour[] {
    const unit = unitQuery(query);
    const floats = this.#floats;
    const { dimension } = this;
    const count = this.#labels.length;
    const best = new TopK(Math.min(k, count));
    for (let element = 0, at = this.#offset; element < count; element++, at += this.#stride) {
      let dot = 0;
      for (let d = 0; d < dimension; d++) dot += (floats[at + d] as number) * (unit[d] as number);
      if (best.admits(dot)) {
        const label = this.#labels[element] as number;
        if (!accept || accept(label)) best.add(label, dot);
      }
    }
    return best.sorted().map(({ label, dot }) => ({ label, similarity: 1 - Math.fround(1 - Math.fround(dot)) }));
  }
}

/** Bytes of the level-0 block per read: few calls, each on the libuv pool. */
const READ_BYTES = 64 * 1024 * 1024;

/** The query over its norm, in floats as hnswlib's `normalizePoint` makes it. */
function unitQuery(query: Float32Array): Float32Array {
  let squares = 0;
  for (const value of query) squares = Math.fround(squares + Math.fround(value * value));
  const norm = Math.fround(Math.sqrt(squares));
  return norm > 0 ? query.map((value) => value / norm) : query;
}

/** The k largest dots seen, in a min-heap: a row below the k-th is refused with one comparison. */
class TopK {
  readonly #k: number;
  readonly #labels: Int32Array;
  readonly #dots: Float64Array;
  #size = 0;

  constructor(k: number) {
    this.#k = k;
    this.#labels = new Int32Array(k);
    this.#dots = new Float64Array(k);
  }

  admits(dot: number): boolean {
    return this.#k > 0 && (this.#size < this.#k || dot > (this.#dots[0] as number));
  }

  add(label: number, dot: number): void {
    if (this.#size < this.#k) {
      let at = this.#size++;
      // Sift up.
      while (at > 0) {
        const parent = (at - 1) >> 1;
        if ((this.#dots[parent] as number) <= dot) break;
        this.#labels[at] = this.#labels[parent] as number;
        this.#dots[at] = this.#dots[parent] as number;
        at = parent;
      }
      this.#labels[at] = label;
      this.#dots[at] = dot;
      return;
    }
    // Replace the root, sift down.
    let at = 0;
    for (;;) {
      const left = 2 * at + 1;
      if (left >= this.#size) break;
      const right = left + 1;
      const child = right < this.#size && (this.#dots[right] as number) < (this.#dots[left] as number) ? right : left;
      if ((this.#dots[child] as number) >= dot) break;
      this.#labels[at] = this.#labels[child] as number;
      this.#dots[at] = this.#dots[child] as number;
      at = child;
    }
    this.#labels[at] = label;
    this.#dots[at] = dot;
  }

  sorted(): Array<{ label: number; dot: number }> {
    return Array.from({ length: this.#size }, (_, index) => ({
      label: this.#labels[index] as number,
      dot: this.#dots[index] as number,
    })).sort((a, b) => b.dot - a.dot || a.label - b.label);
  }
}
