/**
 * Stable vectors for words the vocabulary lacks ("grpo", "text-to-image", "dp^2o-sr"): the sum of
 * fixed pseudo-random vectors of the word's character 3-, 4- and 5-grams (with "<" and ">" marking
 * the word's ends), hashed with FNV-1a into a seeded table. The same word always gets the same
 * vector, and words sharing most n-grams ("qwen-2.5-7b", "qwen2.5-7b") get close ones.
 */
const BUCKETS = 1 << 14;
const SEED = 0x5eed_0001;
const MIN_GRAM = 3;
const MAX_GRAM = 5;
const BEGIN = 0x3c; // "<"
const END = 0x3e; // ">"

/** Deterministic table of BUCKETS × dimension values, uniform in [-1, 1) (mulberry32). */
export function createNgramTable(dimension: number): Float32Array {
  const table = new Float32Array(BUCKETS * dimension);
  let state = SEED;
  for (let i = 0; i < table.length; i++) {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    table[i] = ((t ^ (t >>> 14)) >>> 0) / 2 ** 31 - 1;
  }
  return table;
}

/** The unit-length n-gram vector of `word`, of the table's `dimension`. */
export function hashedVector(word: string, table: Float32Array, dimension: number): Float32Array {
  const vector = new Float32Array(dimension);
  const length = word.length + 2;
  for (let n = MIN_GRAM; n <= Math.min(MAX_GRAM, length); n++) {
    for (let start = 0; start + n <= length; start++) {
      let hash = 0x811c9dc5;
      for (let i = start; i < start + n; i++) {
        const code = i === 0 ? BEGIN : i === length - 1 ? END : word.charCodeAt(i - 1);
        hash = Math.imul(hash ^ code, 0x01000193);
      }
      const offset = ((hash >>> 0) % BUCKETS) * dimension;
      for (let j = 0; j < dimension; j++) vector[j] = (vector[j] ?? 0) + (table[offset + j] ?? 0);
    }
  }
  let norm = 0;
  for (let j = 0; j < dimension; j++) norm += (vector[j] ?? 0) ** 2;
  norm = Math.sqrt(norm);
  if (norm > 0) for (let j = 0; j < dimension; j++) vector[j] = (vector[j] ?? 0) / norm;
  return vector;
}
