import { createRandom } from '../core/random.js';

/** The same seed gives the same corpus on every machine. */
export const seededRandom = createRandom;

/** A standard normal draw (Box–Muller) from a uniform source. */
export function gaussian(random: () => number): number {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}
