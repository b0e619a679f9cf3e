import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { transformWithOxc } from 'vite';
import { PROJECT_ROOT } from '../../core/version.js';
import { bundleCli } from '../../scripts/bundle-cli.js';

/** The folders the CLI is made of. */
const CLI_SOURCES = ['core', 'indexer', 'server', 'cli'];

/** Where the run whose scratch root is `scratchRoot` keeps its transpiled CLI. */
export function cliBuildDir(scratchRoot: string): string {
  return path.join(PROJECT_ROOT, '.test-cli', path.basename(scratchRoot));
}

/**
 * Transpiles the CLI's sources to JavaScript in `cliBuildDir(scratchRoot)`, types stripped file by
 * file with Vite's Oxc transform (a sixth of the CPU TypeScript's `transpileModule` took; the
 * type check is `npm run typecheck`'s), then bundles `cli/main.js` over them as `npm run build`
 * does, so the tests run the CLI users run (its workers are the per-file modules beside it).
 */
export async function buildCli(scratchRoot: string): Promise<void> {
  const built = cliBuildDir(scratchRoot);
  await Promise.all(CLI_SOURCES.map((folder) => transpileFolder(path.join(PROJECT_ROOT, folder), path.join(built, folder))));
  await bundleCli(PROJECT_ROOT, built);
}

async function transpileFolder(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const entry of await readdir(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    if (entry.isDirectory()) await transpileFolder(source, path.join(to, entry.name));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
      const { code } = await transformWithOxc(await readFile(source, 'utf8'), source, { target: 'es2022', sourcemap: false });
      await writeFile(path.join(to, entry.name.replace(/\.ts$/, '.js')), code);
    }
  }
}
