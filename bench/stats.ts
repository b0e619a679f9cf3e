import os from 'node:os';
import type { MapPoint } from '../indexer/cluster/index.js';
import { sampleIndices } from '../indexer/cluster/random.js';

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

/** Mean silhouette of 2-D map points by label, Euclidean, on a seeded sample of 2,000. */
export function silhouette2d(points: readonly MapPoint[], labels: readonly number[]): number {
  const chosen = sampleIndices(points.length, 2_000, 7);
  const k = Math.max(...labels) + 1;
  let total = 0;
  for (const i of chosen) {
    const sums = new Float64Array(k);
    const counts = new Float64Array(k);
    for (const j of chosen) {
      if (i === j) continue;
      const a = points[i] as MapPoint;
      const b = points[j] as MapPoint;
      const label = labels[j] as number;
      sums[label] = (sums[label] as number) + Math.hypot(a.x - b.x, a.y - b.y);
      counts[label] = (counts[label] as number) + 1;
    }
    const own = labels[i] as number;
    if ((counts[own] as number) === 0) continue;
    const inside = (sums[own] as number) / (counts[own] as number);
    let nearest = Number.POSITIVE_INFINITY;
    for (let c = 0; c < k; c++)
      if (c !== own && (counts[c] as number) > 0) nearest = Math.min(nearest, (sums[c] as number) / (counts[c] as number));
    total += (nearest - inside) / Math.max(inside, nearest);
  }
  return total / chosen.length;
}
