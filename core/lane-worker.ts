import { parentPort } from 'node:worker_threads';
import type { LaneReply, LaneRequest, LaneTask } from './worker.js';

// Runs task modules one after another in this one thread (see `WorkerLane`). A task's synchronous work
// runs as its message arrives; while it awaits its `next` value, the tasks that follow run.
const waiting = new Map<number, (value: unknown) => void>();
const early = new Map<number, unknown>();
// Tasks start in the order they were sent, whichever module loads first: a task may share what the
// caller takes over from the tasks after it (the related-papers view's prepared part).
let lastStarted: Promise<void> = Promise.resolve();

function nextOf(id: number): Promise<unknown> {
  if (early.has(id)) {
    const value = early.get(id);
    early.delete(id);
    return Promise.resolve(value);
  }
  return new Promise((resolve) => waiting.set(id, resolve));
}

async function run(id: number, moduleUrl: string, data: unknown): Promise<void> {
  const loading = import(moduleUrl) as Promise<{ default: LaneTask<unknown, unknown, unknown> }>;
  const previous = lastStarted;
  let started = () => {};
  lastStarted = new Promise((resolve) => {
    started = resolve;
  });
  try {
    await previous;
    const task = await loading;
    const share = (shared: unknown, transfer: ArrayBuffer[] = []) => parentPort?.postMessage({ id, shared } satisfies LaneReply, transfer);
    const running = task.default(data, nextOf(id), share);
    started();
    const { result, transfer = [] } = await running;
    parentPort?.postMessage({ id, ok: true, result } satisfies LaneReply, transfer);
  } catch (error) {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    parentPort?.postMessage({ id, ok: false, error: message } satisfies LaneReply);
  } finally {
    started();
  }
}

parentPort?.on('message', (request: LaneRequest) => {
  if (request.type === 'run') {
    void run(request.id, request.module, request.data);
    return;
  }
  const resolve = waiting.get(request.id);
  if (resolve) {
    waiting.delete(request.id);
    resolve(request.value);
  } else early.set(request.id, request.value);
});
