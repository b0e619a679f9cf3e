import { createRandom } from '../../core/random.js';

/** `count` random unit vectors of `dimension` floats, the same for a seed. */
export function unitVectors(count: number, dimension: number, seed: number): Float32Array[] {
  const random = createRandom(seed);
  return Array.from({ length: count }, () => {
    const vector = Float32Array.from({ length: dimension }, () => random() * 2 - 1);
    const norm = Math.hypot(...vector);
    return vector.map((value) => value / norm);
  });
}
