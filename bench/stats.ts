import os from 'node:os';

/** The value below which `fraction` of the samples fall (nearest rank). */
export function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))] as number;
}

export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  /** Operations per second, run back to back on one thread. */
  perSecond: number;
}

export function summarize(millis: readonly number[]): LatencySummary {
  const sorted = [...millis].sort((a, b) => a - b);
  const total = sorted.reduce((sum, value) => sum + value, 0);
  return {
    count: sorted.length,
    p50: round(percentile(sorted, 0.5), 3),
    p95: round(percentile(sorted, 0.95), 3),
    p99: round(percentile(sorted, 0.99), 3),
    mean: round(total / Math.max(1, sorted.length), 3),
    perSecond: round((sorted.length / total) * 1000, 1),
  };
}

/** Runs `run` once per item and returns the time of each call in milliseconds. */
export async function timeEach<T>(items: readonly T[], run: (item: T) => unknown): Promise<number[]> {
  const times: number[] = [];
  for (const item of items) {
    const started = performance.now();
    await run(item);
    times.push(performance.now() - started);
  }
  return times;
}

/** The 1-minute load average: other work on the machine skews every figure. */
export function loadAverage(): number {
  return round(os.loadavg()[0] ?? 0, 2);
}

export function round(value: number, digits = 1): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** Fraction of `expected` ids that `found` contains (recall@k with k = expected.length). */
export function recall(found: readonly (string | number)[], expected: readonly (string | number)[]): number {
  if (expected.length === 0) return 1;
  const wanted = new Set(expected);
  return found.filter((id) => wanted.has(id)).length / expected.length;
}
