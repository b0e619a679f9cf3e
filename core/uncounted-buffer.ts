/**
 * A buffer of `size` bytes in shared memory, for large buffers a thread makes and keeps a while. V8
 * counts an ArrayBuffer's bytes as the isolate's external memory and starts marking the whole heap
 * each time they have grown 64 MB past what its last full collection left (a constant, no flag);
 * a SharedArrayBuffer's bytes it does not count. A 100k build's table write and records file made
 * ≈ 1 GB of ArrayBuffers on the indexer's thread: a full collection of its ≈ 500 MB heap every
 * ≈ 5,000 papers, each freeing under 5 % (docs/scaling.md, h24t and h25g). Like any buffer, it is
 * freed by the first full collection after it is dropped.
 * @example uncountedBuffer(8 << 20).length // → 8388608
 */
export function uncountedBuffer(size: number): Buffer {
  return Buffer.from(new SharedArrayBuffer(size));
}
