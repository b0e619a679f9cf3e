import { describe, expect, it } from 'vitest';
import { cpuStage, measureCost, recordStage, type StageTimings, threadCpuMs, timeStage } from '../../indexer/timings.js';

/** Keeps this thread busy for `ms` of wall time. */
function spin(ms: number): number {
  const until = performance.now() + ms;
  let sum = 0;
  while (performance.now() < until) sum += Math.sqrt(sum + 1);
  return sum;
}

describe('stage timings', () => {
  it("reads this thread's CPU time, which grows while the thread works", () => {
    const before = threadCpuMs();
    expect(before).toBeGreaterThanOrEqual(0);
    // Busy until the clock moves (a loaded machine may give 60 ms of wall less than one CPU tick),
    // for at most 5 s: a clock that never grows fails.
    const until = performance.now() + 5_000;
    while ((threadCpuMs() as number) <= (before as number) && performance.now() < until) spin(20);
    expect(threadCpuMs()).toBeGreaterThan(before as number);
  });

  it('records wall and CPU time of a synchronous stage and of an asynchronous one', async () => {
    const timings: StageTimings = {};
    expect(timeStage(timings, 'busy', () => spin(30) >= 0)).toBe(true);
    await timeStage(timings, 'waiting', () => new Promise((resolve) => setTimeout(resolve, 30)));
    expect(timings.busy).toBeGreaterThanOrEqual(30);
    expect(timings[cpuStage('busy')]).toBeGreaterThanOrEqual(0);
    expect(timings.waiting).toBeGreaterThanOrEqual(25);
    // Waiting costs this thread (almost) nothing: far less than the wall time it took.
    expect(timings[cpuStage('waiting')]).toBeLessThan(25);
  });

  it('adds what a worker measured of itself to the stage', () => {
    const timings: StageTimings = { map: 5 };
    const { result, cost } = measureCost(() => 'laid out');
    expect(result).toBe('laid out');
    recordStage(timings, 'map', { wallMs: 100, cpuMs: 80 });
    recordStage(timings, 'hnsw', { wallMs: 7 });
    expect(timings).toEqual({ map: 105, [cpuStage('map')]: 80, hnsw: 7 });
    expect(cost.wallMs).toBeGreaterThanOrEqual(0);
  });
});
