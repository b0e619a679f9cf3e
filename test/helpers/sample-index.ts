import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import { readSettings } from '../../core/config.js';
import { PROJECT_ROOT } from '../../core/version.js';
import { type IndexEvent, type IndexOptions, type IndexSummary, runIndex } from '../../indexer/index.js';
import { SearchEngine } from '../../server/engine/index.js';
import { builtOncePerRun } from './once-per-run.js';

export const SAMPLE_FILE = path.join(PROJECT_ROOT, 'data', 'hf-daily-papers-reward-noise.txt');
/** Year-less dates in the sample are read as this year, so tests do not change on New Year's Day. */
export const SAMPLE_YEAR = 2026;

export async function temporaryDir(prefix = 'paperscope-test-'): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** What the tests index with: the offline word vectors, the run's cache dir, topics chosen automatically. */
export function offlineIndexOptions(dataDir: string, extra: Partial<IndexOptions> = {}): IndexOptions {
  return { paths: [], dataDir, cacheDir: readSettings().cacheDir, offline: true, embedder: 'word-vectors', clusters: 'auto', ...extra };
}

/** Options that index the sample into `dataDir` with the transformer of a generated model folder, offline. */
export function transformerSampleOptions(dataDir: string, modelDir: string, extra: Partial<IndexOptions> = {}): IndexOptions {
  return offlineIndexOptions(dataDir, { paths: [SAMPLE_FILE], modelDir, embedder: 'transformer', year: SAMPLE_YEAR, ...extra });
}

/** Indexes the sample with the offline embedder into `dataDir`. */
export async function indexSample(
  dataDir: string,
  overrides: { clusters?: 'auto' | number; paths?: string[]; onEvent?: IndexOptions['onEvent'] } = {},
): Promise<IndexSummary> {
  return runIndex(
    offlineIndexOptions(dataDir, {
      paths: overrides.paths ?? [SAMPLE_FILE],
      objectStore: readSettings().objectStore,
      clusters: overrides.clusters ?? 'auto',
      year: SAMPLE_YEAR,
      onEvent: overrides.onEvent,
    }),
  );
}

/**
 * A data dir of its own holding the 62 sample papers: a copy of the index built once for the whole
 * run (indexing the sample in every test file that needs it cost the suite more than any test did),
 * made at `into`, or else in the run's scratch root, which the run removes at its end.
 */
export async function buildSampleIndex(into?: string): Promise<string> {
  const shared = await builtOncePerRun('sample-index', async (dir) => {
    await indexSample(dir);
  });
  const dir = into ?? (await mkdtemp(path.join(inject('scratchRoot'), 'sample-')));
  await cp(shared, dir, { recursive: true });
  return dir;
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
