import { spawn } from 'node:child_process';
import os from 'node:os';
import v8 from 'node:v8';

/** Commands that build every derived index over all papers: what a million papers hold passes V8's default heap. */
const HEAVY_COMMANDS = new Set(['index', 'remove']);
/** The share of the machine's memory the indexer's JavaScript heap may grow to (its workers and buffers live beside it). */
const HEAP_SHARE = 0.75;
/** Set in the relaunched process, so that it never relaunches again. */
export const RELAUNCHED_VARIABLE = 'PAPERSCOPE_HEAP_RELAUNCHED';
const MB = 1024 * 1024;

export interface HeapSituation {
  /** `process.argv`: node, the script, then the command line. */
  argv: readonly string[];
  execArgv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  /** V8's current old-space limit, in MB. */
  heapLimitMb: number;
  /** The machine's memory, or the container's limit when lower, in bytes. */
  memoryBytes: number;
}

/**
 * The Node flag a heavy command should run with, or undefined when it runs as it is: V8's default
 * heap limit (≈ 4 GB on 64-bit Node 20) is what stopped a million-paper index, not the machine's
 * memory. The heap is sized from the memory (`HEAP_SHARE` of it), and a limit the user set
 * (`--max-old-space-size` in NODE_OPTIONS or the node flags) is left alone.
 * @example heapFlag({ argv: ['node', 'main.js', 'index', 'papers/'], execArgv: [], env: {}, heapLimitMb: 4144, memoryBytes: 24 * 2 ** 30 }) // → '--max-old-space-size=18432'
 */
export function heapFlag(situation: HeapSituation): string | undefined {
  const command = situation.argv.slice(2).find((argument) => !argument.startsWith('-'));
  if (command === undefined || !HEAVY_COMMANDS.has(command)) return undefined;
  if (situation.env[RELAUNCHED_VARIABLE]) return undefined;
  const userSet = [...situation.execArgv, situation.env.NODE_OPTIONS ?? ''].some((flag) => flag.includes('--max-old-space-size'));
  if (userSet) return undefined;
  const wanted = Math.floor((situation.memoryBytes * HEAP_SHARE) / MB);
  return wanted > situation.heapLimitMb ? `--max-old-space-size=${wanted}` : undefined;
}

/** This process's situation, for `heapFlag`. */
export function currentHeapSituation(): HeapSituation {
  const constrained = process.constrainedMemory?.() || Number.POSITIVE_INFINITY;
  return {
    argv: process.argv,
    execArgv: process.execArgv,
    env: process.env,
    heapLimitMb: Math.floor(v8.getHeapStatistics().heap_size_limit / MB),
    memoryBytes: Math.min(os.totalmem(), constrained),
  };
}

/**
 * Runs this command line again in a Node with `flag`, passing signals on and exiting as it exits.
 * The caller runs nothing else.
 */
export function relaunchWith(flag: string): void {
  const child = spawn(process.execPath, [...process.execArgv, flag, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, [RELAUNCHED_VARIABLE]: '1' },
  });
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const signal of signals) process.on(signal, forward(signal));
  child.on('error', (error) => {
    process.stderr.write(`paperscope: could not run the indexer with a larger heap (${error.message})\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    if (signal) {
      for (const name of signals) process.removeAllListeners(name);
      process.kill(process.pid, signal);
      return;
    }
    process.exit(code ?? 1);
  });
}
