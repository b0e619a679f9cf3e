import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../../../core/worker.js';
import type { PieceWindows } from '../types.js';
import type { WorkerMessage, WorkerRequest, WorkerSetup } from './protocol.js';

export interface WorkerReady {
  dimension: number;
  windowTokens: number;
}

interface Job {
  texts: string[][];
  prefix: string;
  pieces: PieceWindows | 'none';
  resolve: (vectors: Float32Array[]) => void;
  reject: (error: Error) => void;
}

/**
 * transformers.js is imported before tsx's hooks are registered, because importing its 1 MB bundle
 * through them takes over a second.
 */
function spawn(setup: WorkerSetup): Worker {
  return startModuleWorker(import.meta.url, './worker', setup, [['@huggingface/transformers', '.']]);
}

/** Resolves when the worker has loaded the model and run one forward pass. */
function whenReady(worker: Worker, onProgress: (file: string, loaded: number, total: number) => void): Promise<WorkerReady> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: WorkerMessage): void => {
      if (message.type === 'progress') onProgress(message.file, message.loaded, message.total);
      else if (message.type === 'ready') settle(() => resolve({ dimension: message.dimension, windowTokens: message.windowTokens }));
      else if (message.type === 'failed') settle(() => reject(new Error(message.message)));
    };
    const onError = (error: Error): void => settle(() => reject(error));
    const onExit = (code: number): void => settle(() => reject(new Error(`the inference worker exited with code ${code}`)));
    const settle = (finish: () => void): void => {
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
      finish();
    };
    worker.on('message', onMessage).on('error', onError).on('exit', onExit);
  });
}

/**
 * Ends a worker from inside, after its batch in flight or its model load (see the worker's 'stop').
 * Ref'd meanwhile: a process that exited first would end the thread mid-run just the same.
 */
function stop(worker: Worker): Promise<void> {
  if (worker.threadId === -1) return Promise.resolve();
  return new Promise((resolve) => {
    worker.once('exit', () => resolve());
    worker.ref();
    worker.postMessage({ type: 'stop' } satisfies WorkerRequest);
  });
}

interface Slot {
  worker: Worker;
  job: Job | undefined;
  requestId: number;
}

/**
 * A few inference workers sharing one queue of batches. The first worker is started alone (it may
 * download the model); the others load the same files from disk in the background and join the pool
 * as they become ready. Idle workers are unref'd so a forgotten close() never keeps the process alive.
 */
export class WorkerPool {
  readonly #slots: Slot[] = [];
  readonly #queue: Job[] = [];
  readonly #starting = new Set<Worker>();
  #closed = false;

  private constructor() {}

  static async start(
    first: WorkerSetup,
    rest: WorkerSetup,
    size: number,
    onProgress: (file: string, loaded: number, total: number) => void,
  ): Promise<{ pool: WorkerPool; ready: WorkerReady }> {
    const pool = new WorkerPool();
    const worker = spawn(first);
    let ready: WorkerReady;
    try {
      ready = await whenReady(worker, onProgress);
    } catch (error) {
      await worker.terminate();
      throw error;
    }
    pool.#add(worker);
    for (let i = 1; i < size; i++) pool.#startExtra(rest);
    return { pool, ready };
  }

  run(texts: string[][], prefix: string, pieces: PieceWindows | 'none'): Promise<Float32Array[]> {
    if (this.#closed) return Promise.reject(new Error('The embedder is closed'));
    return new Promise((resolve, reject) => {
      this.#queue.push({ texts, prefix, pieces, resolve, reject });
      this.#dispatch();
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const job of this.#queue.splice(0)) job.reject(new Error('The embedder was closed'));
    const workers = [...this.#slots.map((slot) => slot.worker), ...this.#starting];
    this.#starting.clear();
    await Promise.all(workers.map(stop));
  }

  #startExtra(setup: WorkerSetup): void {
    const worker = spawn(setup);
    worker.unref();
    this.#starting.add(worker);
    // The first worker already proved the model loads; an extra one failing (e.g. out of memory)
    // only means fewer workers, so it is dropped rather than failing the embedder.
    whenReady(worker, () => {}).then(
      () => {
        if (this.#starting.delete(worker)) this.#add(worker);
      },
      () => {
        if (this.#starting.delete(worker)) void worker.terminate();
      },
    );
  }

  #add(worker: Worker): void {
    const slot: Slot = { worker, job: undefined, requestId: 0 };
    this.#slots.push(slot);
    worker.on('message', (message: WorkerMessage) => {
      if ((message.type !== 'result' && message.type !== 'error') || message.id !== slot.requestId) return;
      const job = slot.job;
      slot.job = undefined;
      worker.unref();
      if (message.type === 'result') job?.resolve(message.vectors);
      else job?.reject(new Error(message.message));
      this.#dispatch();
    });
    const lost = (reason: Error): void => {
      const index = this.#slots.indexOf(slot);
      if (index < 0) return;
      this.#slots.splice(index, 1);
      slot.job?.reject(reason);
      if (this.#slots.length === 0 && this.#starting.size === 0) {
        for (const job of this.#queue.splice(0)) job.reject(reason);
      }
    };
    worker.on('error', lost);
    worker.on('exit', (code: number) => lost(new Error(`the inference worker exited with code ${code}`)));
    worker.unref();
    this.#dispatch();
  }

  #dispatch(): void {
    for (const slot of this.#slots) {
      if (slot.job) continue;
      const job = this.#queue.shift();
      if (!job) return;
      slot.job = job;
      slot.requestId += 1;
      slot.worker.ref();
      const request: WorkerRequest = { type: 'embed', id: slot.requestId, texts: job.texts, prefix: job.prefix, pieces: job.pieces };
      slot.worker.postMessage(request);
    }
  }
}
