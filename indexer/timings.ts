import { readFileSync } from 'node:fs';
import { traceMemory } from '../core/memory-trace.js';

/**
 * Milliseconds per pipeline stage, filled in as the stages run (read by the benchmarks): the wall
 * time under the stage's name and, where it can be measured, the CPU time of the thread that ran it
 * under `cpuStage(name)`. On a shared machine the wall time says as much about the load as about the
 * stage; the CPU time does not.
 */
export type StageTimings = Record<string, number>;

/** The key of a stage's CPU time in `StageTimings`. */
export function cpuStage(stage: string): string {
  return `${stage} (CPU)`;
}

/** Linux counts thread CPU time in ticks of 1/100 s (USER_HZ). */
const MS_PER_TICK = 10;

/**
 * CPU milliseconds the calling thread (main or worker) has used, from /proc/thread-self/stat
 * (utime + stime, 10 ms resolution); undefined where there is no such file. `process.cpuUsage()`
 * would count every thread of the process, so a stage beside a worker would be charged for it.
 */
export function threadCpuMs(): number | undefined {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'latin1');
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks * MS_PER_TICK : undefined;
  } catch {
    return undefined;
  }
}

/** What a stage run elsewhere (a worker thread) reports of itself. */
export interface StageCost {
  wallMs: number;
  cpuMs?: number;
}

/** Measures `run` on this thread: what a worker sends back with its result. */
export function measureCost<T>(run: () => T): { result: T; cost: StageCost } {
  const started = performance.now();
  const cpu = threadCpuMs();
  const result = run();
  const used = threadCpuMs();
  return { result, cost: { wallMs: performance.now() - started, cpuMs: cpu === undefined || used === undefined ? undefined : used - cpu } };
}

/** Two parts of one stage's cost (a worker's work before and after what it waited for). */
export function addCosts(a: StageCost, b: StageCost): StageCost {
  return { wallMs: a.wallMs + b.wallMs, cpuMs: a.cpuMs === undefined || b.cpuMs === undefined ? undefined : a.cpuMs + b.cpuMs };
}

/** Adds a measured cost to `timings[stage]` (and its CPU time, when known). */
export function recordStage(timings: StageTimings | undefined, stage: string, cost: StageCost): void {
  if (!timings) return;
  timings[stage] = (timings[stage] ?? 0) + cost.wallMs;
  if (cost.cpuMs !== undefined) timings[cpuStage(stage)] = (timings[cpuStage(stage)] ?? 0) + cost.cpuMs;
}

/**
 * Runs `run` and adds its wall-clock time to `timings[stage]`, and this thread's CPU time meanwhile
 * to `timings[cpuStage(stage)]` (sync or async: the pipeline runs one stage at a time on its thread,
 * and the work of worker threads and native pools is not counted).
 * @example const papers = await timeStage(timings, 'parse', () => readListings(paths));
 */
export function timeStage<T>(timings: StageTimings | undefined, stage: string, run: () => T): T {
  if (!timings) return run();
  const started = performance.now();
  const cpu = threadCpuMs();
  const record = () => {
    const used = threadCpuMs();
    recordStage(timings, stage, {
      wallMs: performance.now() - started,
      cpuMs: used === undefined || cpu === undefined ? undefined : used - cpu,
    });
    traceMemory(stage);
  };
  const result = run();
  if (result instanceof Promise) return result.finally(record) as T;
  record();
  return result;
}
