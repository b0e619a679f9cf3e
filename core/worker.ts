import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { type ResourceLimits, Worker } from 'node:worker_threads';

/**
 * Starts the worker module `relativePath` (without extension) next to the caller (`callerUrl`,
 * its import.meta.url): the compiled .js under dist/, or, when the caller runs from TypeScript
 * source (vitest, tsx), the .ts file with tsx registered inside the worker first, since Node 20
 * ignores `--import` in a worker's execArgv. `preload` packages ([name, subpath]) are imported
 * before tsx's hooks, which would slow large bundles down. `resourceLimits` size the worker's heap.
 */
export function startModuleWorker(
  callerUrl: string,
  relativePath: string,
  workerData: unknown,
  preload: Array<[string, string]> = [],
  resourceLimits?: ResourceLimits,
): Worker {
  if (!callerUrl.endsWith('.ts'))
    return new Worker(workerModuleUrl(new URL(`${relativePath}.js`, callerUrl)), { workerData, resourceLimits });
  const imports = [...preload.map(([pkg, subpath]) => esmEntry(callerUrl, pkg, subpath)), esmEntry(callerUrl, 'tsx', './esm/api')];
  const entry = new URL(`${relativePath}.ts`, callerUrl).href;
  const chain = imports.map((url) => `.then(() => import(${JSON.stringify(url)}))`).join('');
  const boot = `Promise.resolve()${chain}.then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { eval: true, workerData, resourceLimits });
}

/** The folder, beside `core/`, where `npm run build` bundles each worker module (scripts/bundle-cli.ts). */
export const WORKER_BUNDLES = 'workers';

/** The file name of the bundle of the worker module at `relative` (its path from the build's root, with `/`). */
export function workerBundleName(relative: string): string {
  return relative.split('/').join('-');
}

const buildRoot = new URL('../', import.meta.url);
const bundledUrls = new Map<string, URL>();

/**
 * The bundle of the compiled worker module at `url` when the build made one (`WORKER_BUNDLES`), else
 * `url`: a worker then reads a few files, its modules' shared code in common chunks, rather than
 * resolving, reading and linking each of hundreds of modules (the topics' description loads 466).
 */
export function workerModuleUrl(url: URL): URL {
  let found = bundledUrls.get(url.href);
  if (!found) {
    const bundled = url.href.startsWith(buildRoot.href)
      ? new URL(`${WORKER_BUNDLES}/${workerBundleName(url.href.slice(buildRoot.href.length))}`, buildRoot)
      : undefined;
    found = bundled && existsSync(bundled) ? bundled : url;
    bundledUrls.set(url.href, found);
  }
  return found;
}

/**
 * Runs the worker module `relativePath` (see `startModuleWorker`) to completion: resolves with the
 * first message it posts, then ends it; rejects if it fails or exits before posting. A worker that
 * starts on `workerData` at once and needs `next` to finish gets it posted once it resolves (its own
 * work overlaps the caller's meanwhile); if `next` rejects, the worker is stopped and the run rejects.
 */
export async function runModuleWorker<T>(
  callerUrl: string,
  relativePath: string,
  workerData: unknown,
  next?: Promise<unknown>,
): Promise<T> {
  const worker = startModuleWorker(callerUrl, relativePath, workerData);
  try {
    const finished = new Promise<T>((resolve, reject) => {
      worker.once('message', (message: T) => resolve(message));
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the worker ${relativePath} exited with code ${code} before finishing`)));
    });
    if (next) {
      // Observed at once: the worker may fail while `next` is awaited.
      finished.catch(() => {});
      worker.postMessage(await next);
    }
    return await finished;
  } finally {
    await worker.terminate();
  }
}

/** What a task module (run on a `WorkerLane`) returns: its result, and the buffers handed over rather than copied. */
export interface TaskOutput<R> {
  result: R;
  transfer?: ArrayBuffer[];
}

/**
 * A task module's default export: it starts on `data` at once and may await `next`, a value the
 * caller sends later (the tasks after it run meanwhile), and `share` a value with the caller before
 * it finishes (its `onShare`), handing `transfer` over rather than copying it.
 */
export type LaneTask<D, N, R> = (
  data: D,
  next: Promise<N>,
  share: (value: unknown, transfer?: ArrayBuffer[]) => void,
) => TaskOutput<R> | Promise<TaskOutput<R>>;

export type LaneRequest = { type: 'run'; id: number; module: string; data: unknown } | { type: 'next'; id: number; value: unknown };
export type LaneReply =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: string }
  | { id: number; shared: unknown };

/**
 * The young generation of a lane's heap, in MB: three times its semi-space (V8's default semi-space is
 * 16 MB). The stages on a lane allocate hundreds of MB of short-lived arrays and strings: with
 * 64 MB semi-spaces fewer of them live through two scavenges into the old space, where the
 * concurrent marking has to trace them again (on SciFact the GC's share of the process' CPU samples
 * fell from 15.7 % to 11.1 % with 64 MB semi-spaces; docs/scaling.md). A lane runs below 50,000
 * papers only, so its larger young generation (≤ 128 MB more) never meets the large builds' peaks.
 */
export const LANE_YOUNG_GENERATION_MB = 192;

/**
 * One worker thread that runs task modules one after another (`run`): several stages in one isolate,
 * so the modules they share are loaded, parsed and optimized once, not once per worker, and the
 * second core runs one thread. The thread holds the process open only while a task is pending;
 * `release` ends it once the last one settles.
 */
export class WorkerLane {
  readonly #worker: Worker;
  readonly #pending = new Map<
    number,
    { resolve: (value: unknown) => void; reject: (error: unknown) => void; onShare?: (value: unknown) => void }
  >();
  #nextId = 0;
  #released = false;

  constructor() {
    this.#worker = startModuleWorker(import.meta.url, './lane-worker', undefined, [], {
      maxYoungGenerationSizeMb: LANE_YOUNG_GENERATION_MB,
    });
    this.#worker.unref();
    this.#worker.on('message', (reply: LaneReply) => {
      const task = this.#pending.get(reply.id);
      if (!task) return;
      if ('shared' in reply) task.onShare?.(reply.shared);
      else if (reply.ok) task.resolve(reply.result);
      else task.reject(new Error(reply.error));
    });
    this.#worker.on('error', (error) => this.#failAll(error));
    this.#worker.on('exit', (code) => this.#failAll(new Error(`the worker lane exited with code ${code} before finishing`)));
  }

  /**
   * Runs the task module `relativePath` (see `startModuleWorker`) on `data`; `next`, once it resolves,
   * is sent to it. If `next` rejects, the run rejects with its error (the task is left waiting and ends with the lane).
   * `onShare` hears what the task shares before it finishes.
   */
  run<T>(callerUrl: string, relativePath: string, data: unknown, next?: Promise<unknown>, onShare?: (value: unknown) => void): Promise<T> {
    if (this.#released) throw new Error('The worker lane was released.');
    const id = this.#nextId++;
    const module = callerUrl.endsWith('.ts')
      ? new URL(`${relativePath}.ts`, callerUrl).href
      : workerModuleUrl(new URL(`${relativePath}.js`, callerUrl)).href;
    const settled = new Promise<unknown>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, onShare });
    });
    const done = (async () => {
      try {
        this.#worker.postMessage({ type: 'run', id, module, data } satisfies LaneRequest);
        this.#worker.ref();
        if (next) {
          // Observed at once: the task may fail while `next` is awaited.
          settled.catch(() => {});
          this.#worker.postMessage({ type: 'next', id, value: await next } satisfies LaneRequest);
        }
        return (await settled) as T;
      } finally {
        this.#pending.delete(id);
        if (this.#pending.size === 0) this.#idle();
      }
    })();
    return done;
  }

  /** No more tasks: the thread ends once the pending ones settle. */
  release(): void {
    this.#released = true;
    if (this.#pending.size === 0) this.#idle();
  }

  #idle(): void {
    if (this.#released) void this.#worker.terminate();
    else this.#worker.unref();
  }

  #failAll(error: unknown): void {
    for (const task of this.#pending.values()) task.reject(error);
  }
}

/** `lane.run(…)` on `lane`, or on a lane of its own, ended once it settles. */
export async function runTask<T>(
  lane: WorkerLane | undefined,
  callerUrl: string,
  relativePath: string,
  data: unknown,
  next?: Promise<unknown>,
  onShare?: (value: unknown) => void,
): Promise<T> {
  const own = lane ?? new WorkerLane();
  try {
    return await own.run<T>(callerUrl, relativePath, data, next, onShare);
  } finally {
    if (!lane) own.release();
  }
}

/** A promise with its settling functions, for a value another step produces later. */
export interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

/** A promise with its settling functions, for a value another step produces later. */
export function deferred<T>(): Deferred<T> {
  let settle: { resolve: (value: T) => void; reject: (error: unknown) => void } | undefined;
  const promise = new Promise<T>((resolve, reject) => {
    settle = { resolve, reject };
  });
  return { promise, ...(settle as { resolve: (value: T) => void; reject: (error: unknown) => void }) };
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
