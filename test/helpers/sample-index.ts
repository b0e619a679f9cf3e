import { cp, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import { readSettings } from '../../core/config.js';
import { PROJECT_ROOT } from '../../core/version.js';
import { type IndexEvent, type IndexSummary, runIndex } from '../../indexer/index.js';
import { SearchEngine } from '../../server/engine/index.js';

export const SAMPLE_FILE = path.join(PROJECT_ROOT, 'data', 'hf-daily-papers-reward-noise.txt');
/** Year-less dates in the sample are read as this year, so tests do not change on New Year's Day. */
export const SAMPLE_YEAR = 2026;

export async function temporaryDir(prefix = 'paperscope-test-'): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Indexes the sample with the offline embedder into `dataDir`. */
export async function indexSample(
  dataDir: string,
  overrides: { clusters?: 'auto' | number; paths?: string[] } = {},
): Promise<IndexSummary> {
  const settings = readSettings();
  return runIndex({
    paths: overrides.paths ?? [SAMPLE_FILE],
    dataDir,
    cacheDir: settings.cacheDir,
    objectStore: settings.objectStore,
    offline: true,
    embedder: 'word-vectors',
    clusters: overrides.clusters ?? 'auto',
    year: SAMPLE_YEAR,
  });
}

/**
 * A data dir of its own holding the 62 sample papers: a copy of the index built once for the whole
 * run (indexing the sample in every test file that needs it cost the suite more than any test did).
 */
export async function buildSampleIndex(): Promise<string> {
  const shared = await runSampleIndex();
  const { dir } = await temporaryDir('paperscope-sample-');
  await cp(shared, dir, { recursive: true });
  return dir;
}

/**
 * The run's sample index, in its scratch root: the first file to ask builds it (files that ask at
 * the same time may each build one; the first to finish is kept, and the others are removed).
 */
function runSampleIndex(): Promise<string> {
  runSample ??= findOrBuildRunSample();
  return runSample;
}

let runSample: Promise<string> | undefined;

async function findOrBuildRunSample(): Promise<string> {
  const shared = path.join(inject('scratchRoot'), 'sample-index');
  const built = await stat(path.join(shared, 'manifest.json')).then(
    () => true,
    () => false,
  );
  if (built) return shared;
  const { dir, remove } = await temporaryDir('paperscope-sample-build-');
  await indexSample(dir);
  // A rename is atomic: another file sees either no index there or a whole one.
  await rename(dir, shared).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
    await remove();
  });
  return shared;
}

/** Opens the index in `dataDir` offline, collecting every event its loading emits (warnings of repairs among them). */
export async function openCollectingEvents(dataDir: string): Promise<{ engine: SearchEngine; events: IndexEvent[] }> {
  const events: IndexEvent[] = [];
  const engine = await SearchEngine.open({
    dataDir,
    cacheDir: readSettings().cacheDir,
    offline: true,
    onEvent: (event) => events.push(event),
  });
  return { engine, events };
}
