/** Wall-clock milliseconds per pipeline stage, filled in as the stages run (read by the benchmarks). */
export type StageTimings = Record<string, number>;

/**
 * Runs `run` and adds its wall-clock time to `timings[stage]` (sync or async).
 * @example const papers = await timeStage(timings, 'parse', () => readListings(paths));
 */
export function timeStage<T>(timings: StageTimings | undefined, stage: string, run: () => T): T {
  const started = performance.now();
  const record = (): void => {
    if (timings) timings[stage] = (timings[stage] ?? 0) + performance.now() - started;
  };
  const result = run();
  if (result instanceof Promise) return result.finally(record) as T;
  record();
  return result;
}
