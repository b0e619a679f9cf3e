import { spawn } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import { nodeFlagGiven } from '../core/process.js';
import { dataDirLayout } from '../indexer/store/files.js';

/**
 * From this much paper text (input files, plus the records file of the papers already indexed)
 * a run gets a larger heap: about 80,000 papers. 100,000 realistic papers peaked at 4.0 GB of
 * RSS, heap, workers and buffers together; V8's default heap (≈ 4 GB on 64-bit Node 20) is what
 * stopped a million.
 */
export const LARGE_WORKLOAD_BYTES = 128 * 1024 * 1024;
/** The share of the machine's memory the indexer's JavaScript heap may grow to (its workers and buffers live beside it). */
const HEAP_SHARE = 0.75;
/**
 * How far V8 lets the old space grow past what the last full collection left alive, in percent. Left
 * to itself, with a limit of 18 GB it lets it grow up to fourfold: the garbage of the stages before
 * piled up under each of the indexer's peaks. Collecting sooner costs little beside the stages' work.
 */
const HEAP_GROWING_PERCENT = 20;
/**
 * V8's interrupt budget for an `index` or `remove` run, in bytes of bytecode run between a
 * function's tier-up checks: eight times V8's default (67,584). At the default, the stages' long
 * loops are optimised (often on-stack) before their branches have run, deoptimised for the feedback
 * they lacked, and compiled again: on SciFact ≈ 620 TurboFan compiles in the main thread and the
 * lane, two thirds of their time spent after a function's first (`--trace-opt`), on V8's
 * background threads beside the stages. With more feedback first, fewer compiles (docs/scaling.md, h24s).
 */
export const INDEXING_INTERRUPT_BUDGET = 8 * 67_584;

/** The V8 flags an indexing run sets on itself (`v8.setFlagsFromString`, before its workers start): the budget above, unless the user set one. */
export function indexingJitFlags(execArgv: readonly string[], nodeOptions = ''): string[] {
  return nodeFlagGiven('--interrupt-budget', execArgv, nodeOptions) ? [] : [`--interrupt-budget=${INDEXING_INTERRUPT_BUDGET}`];
}

/** Set in the relaunched process, so that it never relaunches again. */
export const RELAUNCHED_VARIABLE = 'PAPERSCOPE_HEAP_RELAUNCHED';
const MB = 1024 * 1024;

export interface HeapSituation {
  execArgv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  /** V8's current old-space limit, in MB. */
  heapLimitMb: number;
  /** The machine's memory, or the container's limit when lower, in bytes. */
  memoryBytes: number;
  /** The bytes of paper text the run reads or holds (`workloadBytes`). */
  workloadBytes: number;
}

/**
 * The Node flags an `index` or `remove` run should run with, or none when it runs as it is: a
 * large workload gets a heap sized from the memory (`HEAP_SHARE` of it), collected when it has
 * grown by `HEAP_GROWING_PERCENT` since the last full collection. A limit the user set
 * (`--max-old-space-size` in NODE_OPTIONS or the node flags) is left alone.
 * @example heapFlags({ execArgv: [], env: {}, heapLimitMb: 4144, memoryBytes: 24 * 2 ** 30, workloadBytes: 2 ** 31 }) // → ['--max-old-space-size=18432', '--heap-growing-percent=20']
 */
export function heapFlags(situation: HeapSituation): string[] {
  if (situation.workloadBytes < LARGE_WORKLOAD_BYTES || situation.env[RELAUNCHED_VARIABLE]) return [];
  if (nodeFlagGiven('--max-old-space-size', situation.execArgv, situation.env.NODE_OPTIONS)) return [];
  const wanted = Math.floor((situation.memoryBytes * HEAP_SHARE) / MB);
  return wanted > situation.heapLimitMb ? [`--max-old-space-size=${wanted}`, `--heap-growing-percent=${HEAP_GROWING_PERCENT}`] : [];
}

/** The bytes of the files under `paths` (folders to a few levels) and of the local data dir's records file. */
export async function workloadBytes(paths: readonly string[], dataDir: string): Promise<number> {
  const sizeOf = async (target: string, depth: number): Promise<number> => {
    const info = await stat(target).catch(() => undefined);
    if (!info) return 0;
    if (!info.isDirectory()) return info.size;
    if (depth === 0) return 0;
    const entries = await readdir(target).catch(() => []);
    let total = 0;
    for (const entry of entries) total += await sizeOf(path.join(target, entry), depth - 1);
    return total;
  };
  let total = 0;
  for (const target of paths) total += await sizeOf(target, 3);
  if (!dataDir.includes('://')) total += await sizeOf(dataDirLayout(dataDir).records, 0);
  return total;
}

/** This process's situation, for `heapFlags`; `env` is the environment the entry point read. */
export function currentHeapSituation(workload: number, env: HeapSituation['env']): HeapSituation {
  const constrained = process.constrainedMemory?.() || Number.POSITIVE_INFINITY;
  return {
    execArgv: process.execArgv,
    env,
    heapLimitMb: Math.floor(v8.getHeapStatistics().heap_size_limit / MB),
    memoryBytes: Math.min(os.totalmem(), constrained),
    workloadBytes: workload,
  };
}

/**
 * Runs this command line again in a Node with `flags` and `env`, passing signals on and exiting as it exits;
 * never settles. A channel to the child lets it end itself if this process is killed outright
 * (`followParent`), as a signal cannot be passed on then.
 */
export function relaunchWith(flags: readonly string[], env: HeapSituation['env']): Promise<never> {
  const child = spawn(process.execPath, [...process.execArgv, ...flags, ...process.argv.slice(1)], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    env: { ...env, [RELAUNCHED_VARIABLE]: '1' },
  });
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const signal of signals) process.on(signal, () => child.kill(signal));
  return new Promise<never>((_, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal) {
        for (const name of signals) process.removeAllListeners(name);
        process.kill(process.pid, signal);
        return;
      }
      process.exit(code ?? 1);
    });
  });
}

/**
 * In a relaunched process: ends at once, as if killed too, when the process that started it is
 * gone (killed with SIGKILL, which it could not pass on), instead of indexing on unseen.
 */
export function followParent(env: HeapSituation['env']): void {
  if (!env[RELAUNCHED_VARIABLE] || !process.send) return;
  process.on('disconnect', () => process.kill(process.pid, 'SIGKILL'));
  // The channel alone must not keep this process alive once its work is done.
  process.channel?.unref();
}
