import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';

/** One line of the memory trace: what is alive after a full collection, at the end of a stage. */
export interface MemoryPoint {
  stage: string;
  /** Megabytes: the process's RSS (every thread), this thread's live heap, and its buffers outside the heap. */
  rssMb: number;
  heapUsedMb: number;
  externalMb: number;
  arrayBuffersMb: number;
}

let sink: ((point: MemoryPoint) => void) | undefined;
let collect: (() => void) | undefined;

/**
 * A diagnostic (PAPERSCOPE_MEMORY_TRACE): from now on, each pipeline stage of this thread ends
 * with a full collection and a `MemoryPoint` for `report`, so what a stage holds is told apart from
 * the garbage V8 has not yet collected in a large heap (RSS alone cannot). Costs a full
 * collection a stage: seconds at a million papers. `undefined` disarms it.
 */
export function armMemoryTrace(report: ((point: MemoryPoint) => void) | undefined): void {
  if (report && !collect) {
    // The same collector --expose-gc gives, without restarting Node with that flag.
    v8.setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as () => void;
  }
  sink = report;
}

/** Reports what is alive at the end of `stage` when the trace is armed; a no-op otherwise. */
export function traceMemory(stage: string): void {
  if (!sink || !collect) return;
  // The second collection waits for the first one's sweep of freed buffers, which runs in the background.
  collect();
  collect();
  const usage = process.memoryUsage();
  const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
  sink({
    stage,
    rssMb: mb(usage.rss),
    heapUsedMb: mb(usage.heapUsed),
    externalMb: mb(usage.external),
    arrayBuffersMb: mb(usage.arrayBuffers),
  });
}
