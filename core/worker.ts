import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * Starts the worker module `relativePath` (without extension) next to the caller (`callerUrl`,
 * its import.meta.url): the compiled .js under dist/, or, when the caller runs from TypeScript
 * source (vitest, tsx), the .ts file with tsx registered inside the worker first, since Node 20
 * ignores `--import` in a worker's execArgv. `preload` packages ([name, subpath]) are imported
 * before tsx's hooks, which would slow large bundles down.
 */
export function startModuleWorker(
  callerUrl: string,
  relativePath: string,
  workerData: unknown,
  preload: Array<[string, string]> = [],
): Worker {
  if (!callerUrl.endsWith('.ts')) return new Worker(new URL(`${relativePath}.js`, callerUrl), { workerData });
  const imports = [...preload.map(([pkg, subpath]) => esmEntry(callerUrl, pkg, subpath)), esmEntry(callerUrl, 'tsx', './esm/api')];
  const entry = new URL(`${relativePath}.ts`, callerUrl).href;
  const chain = imports.map((url) => `.then(() => import(${JSON.stringify(url)}))`).join('');
  const boot = `Promise.resolve()${chain}.then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { eval: true, workerData });
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

/** A promise with its settling functions, for a value another step produces later. */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
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
