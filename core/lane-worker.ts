import { parentPort } from 'node:worker_threads';
import type { LaneReply, LaneRequest, LaneTask } from './worker.js';

// Runs task modules one after another in this one thread (see `WorkerLane`). A task's synchronous work
// runs as its message arrives; while it awaits its `next` value, the tasks that follow run.
const waiting = new Map<number, (value: unknown) => void>();
const early = new Map<number, unknown>();

function nextOf(id: number): Promise<unknown> {
  if (early.has(id)) {
    const value = early.get(id);
    early.delete(id);
    return Promise.resolve(value);
  }
  return new Promise((resolve) => waiting.set(id, resolve));
}

async function run(id: number, moduleUrl: string, data: unknown): Promise<void> {
  try {
    const task = (await import(moduleUrl)) as { default: LaneTask<unknown, unknown, unknown> };
    const { result, transfer = [] } = await task.default(data, nextOf(id));
    parentPort?.postMessage({ id, ok: true, result } satisfies LaneReply, transfer);
  } catch (error) {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    parentPort?.postMessage({ id, ok: false, error: message } satisfies LaneReply);
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
