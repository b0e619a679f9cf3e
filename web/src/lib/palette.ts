/**
 * Okabe–Ito colours (distinguishable with the common colour-vision deficiencies), extended with
 * three of Paul Tol's muted colours; topics beyond ten reuse the list.
 */
export const PALETTE = [
  '#0072B2',
  '#E69F00',
  '#009E73',
  '#CC79A7',
  '#56B4E9',
  '#D55E00',
  '#F0E442',
  '#882255',
  '#44AA99',
  '#999933',
] as const;

export function clusterColor(cluster: number): string {
  const index = ((cluster % PALETTE.length) + PALETTE.length) % PALETTE.length;
  return PALETTE[index] ?? PALETTE[0];
}
