import type { Citation } from '../ranking/index.js';

const MARKER = /\s*\[(\d+(?:\s*,\s*\d+)*)\]/g;

/**
 * Makes a generated answer's citations consistent: markers that name no evidence are removed,
 * the evidence actually cited is kept in order of first mention, and the markers are renumbered to
 * it, so `[n]` refers to `citations[n - 1]` as in extractive answers. `[1, 3]` becomes `[1][2]`.
 * @example resolveCitations('Robust [2]. Also [9].', evidence) // { answer: 'Robust [1]. Also.', citations: [evidence[1]] }
 */
export function resolveCitations(answer: string, evidence: readonly Citation[]): { answer: string; citations: Citation[] } {
  const order: number[] = [];
  const rewritten = answer.replace(MARKER, (whole, list: string) => {
    const valid = list
      .split(',')
      .map((part) => Number.parseInt(part.trim(), 10))
      .filter((n) => n >= 1 && n <= evidence.length);
    if (valid.length === 0) return '';
    const leading = /^\s/.test(whole) ? ' ' : '';
    return (
      leading +
      valid
        .map((n) => {
          if (!order.includes(n)) order.push(n);
          return `[${order.indexOf(n) + 1}]`;
        })
        .join('')
    );
  });
  return { answer: rewritten.trim(), citations: order.map((n) => evidence[n - 1] as Citation) };
}
