/** A seeded uniform generator in [0, 1) (mulberry32): small, fast and identical on every platform. */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `size` distinct indices below `n`, chosen by seed and returned in ascending order. */
export function sampleIndices(n: number, size: number, seed: number): number[] {
  const all = Array.from({ length: n }, (_, index) => index);
  if (size >= n) return all;
  const random = createRandom(seed);
  // Partial Fisher–Yates: only the first `size` slots are shuffled.
  for (let i = 0; i < size; i++) {
    const j = i + Math.floor(random() * (n - i));
    const swap = all[i] as number;
    all[i] = all[j] as number;
    all[j] = swap;
  }
  return all.slice(0, size).sort((a, b) => a - b);
}
