import { copyFile, link, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { readSettings } from '../core/config.js';
import { cacheFilePath } from '../indexer/embed/word-vectors/cache.js';
import { ensureWordVectorCache } from '../indexer/embed/word-vectors/index.js';
import { buildCli, cliBuildDir } from './helpers/cli-build.js';

/**
 * One scratch root for the whole run, removed at the end: the tests' cache dir (so object-storage
 * working copies and model downloads never land in the user's) and their temporary dir (TMPDIR, which
 * the test workers and the CLI processes they start inherit), so no data dir outlives the run even when
 * a test cannot remove its own (the sample index each test file shares).
 *
 * The word vectors are converted once per machine into the user's cache dir, as a user's first index
 * would, and linked (or copied) into the scratch cache. The root is given to the tests as `scratchRoot`
 * (what every test file would otherwise build again is built there once, test/helpers/once-per-run.ts).
 * The CLI the tests spawn is transpiled here too, once per run (test/helpers/cli-build.ts).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const vectors = await ensureWordVectorCache(readSettings().cacheDir);
  const root = await mkdtemp(path.join(os.tmpdir(), 'paperscope-tests-'));
  const cacheDir = path.join(root, 'cache');
  const tmp = path.join(root, 'tmp');
  const scratchVectors = cacheFilePath(cacheDir);
  await mkdir(path.dirname(scratchVectors), { recursive: true });
  await mkdir(tmp);
  await link(vectors, scratchVectors).catch(() => copyFile(vectors, scratchVectors));
  process.env.PAPERSCOPE_CACHE_DIR = cacheDir;
  process.env.TMPDIR = tmp;
  project.provide('scratchRoot', root);
  // The CLI transpiled for this run's child processes (test/reliability/cli.ts spawns it).
  await buildCli(root);
  return async () => {
    await Promise.all([rm(root, { recursive: true, force: true }), rm(cliBuildDir(root), { recursive: true, force: true })]);
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** The run's scratch root (its cache dir and TMPDIR are inside). */
    scratchRoot: string;
  }
}
