import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { WorkerMessage, WorkerRequest, WorkerSetup } from './protocol.js';

export interface WorkerReady {
  dimension: number;
  windowTokens: number;
}

interface Job {
  texts: string[];
  prefix: string;
  resolve: (vectors: Float32Array[]) => void;
  reject: (error: Error) => void;
}

/**
 * Starts a worker from compiled JS (dist/…/worker.js) or, when this module runs from TypeScript
 * source (vitest, tsx), from worker.ts with tsx registered inside the worker first: Node 20 ignores
 * `--import` in a worker's execArgv. transformers.js is imported before tsx's hooks are registered,
 * because importing its 1 MB bundle through them takes over a second.
 */
function spawn(setup: WorkerSetup): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL('./worker.js', here), { workerData: setup });
  const [transformers, tsx] = [esmEntry(here, '@huggingface/transformers', '.'), esmEntry(here, 'tsx', './esm/api')];
  const entry = new URL('./worker.ts', here).href;
  const boot = `import(${JSON.stringify(transformers)})
    .then(() => import(${JSON.stringify(tsx)}))
    .then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { eval: true, workerData: setup });
}

/**
 * The file URL Node's ESM loader would pick for `pkg` + `subpath`, read from the package's export map
 * (require.resolve would pick CJS builds, and import.meta.resolve is missing under vitest).
 */
function esmEntry(from: string, pkg: string, subpath: string): string {
  // Not every package exports its package.json: find it above the entry require() resolves to.
  let dir = path.dirname(createRequire(from).resolve(pkg));
  while (!existsSync(path.join(dir, 'package.json')) || !dir.endsWith(path.join('node_modules', pkg))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`Cannot find the package.json of ${pkg}`);
    dir = parent;
  }
  const manifestPath = path.join(dir, 'package.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { exports?: Record<string, unknown> };
  const pick = (target: unknown): string | undefined => {
    if (typeof target === 'string') return target;
    if (target === null || typeof target !== 'object') return undefined;
    for (const [condition, value] of Object.entries(target)) {
      const found = ['node', 'import', 'default'].includes(condition) ? pick(value) : undefined;
      if (found) return found;
    }
    return undefined;
  };
  const exportsMap = manifest.exports ?? {};
  // An export map without "./…" keys is the conditions of "." itself.
  const subpaths = Object.keys(exportsMap).some((key) => key.startsWith('.')) ? exportsMap : { '.': exportsMap };
  const file = pick(subpaths[subpath]);
  if (!file) throw new Error(`${manifestPath} exports no ESM entry for ${subpath}`);
  return pathToFileURL(path.join(path.dirname(manifestPath), file)).href;
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

  run(texts: string[], prefix: string): Promise<Float32Array[]> {
    if (this.#closed) return Promise.reject(new Error('The embedder is closed'));
    return new Promise((resolve, reject) => {
      this.#queue.push({ texts, prefix, resolve, reject });
      this.#dispatch();
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const job of this.#queue.splice(0)) job.reject(new Error('The embedder was closed'));
    const workers = [...this.#slots.map((slot) => slot.worker), ...this.#starting];
    this.#starting.clear();
    await Promise.all(workers.map((worker) => worker.terminate()));
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
      const request: WorkerRequest = { id: slot.requestId, texts: job.texts, prefix: job.prefix };
      slot.worker.postMessage(request);
    }
  }
}
