import { readSettings } from '../../core/config.js';
import { createIndexer } from '../../indexer/index.js';
import { type FetchContext, fetchSource } from '../../indexer/sources/index.js';
import { openDataDir } from '../../indexer/store/index.js';
import type { StandIn } from './stand-in.js';

/** The daily paper the second fetch finds: the only one new after it. */
export const LATE_PAPER = {
  id: '2601.00010',
  title: 'Wombat attention for streaming translation',
  summary: 'Wombat attention streams speech translation with half the latency.',
  upvotes: 3,
};

export const DAILY = { kind: 'hf-daily' as const, date: '2026-01-12' };

/** A fetch context on `dataDir` (local or s3://) with the word-vector embedder a server can reopen, as the CLI makes it. */
export function fetchContext(standIn: StandIn, dataDir: string): FetchContext {
  const { cacheDir, objectStore } = readSettings();
  const opened = openDataDir(dataDir, { cacheDir, role: 'index', objectStore });
  return {
    settings: { arxivApi: `${standIn.url}/api/query`, hfEndpoint: standIn.url, pauseMs: 10, timeoutMs: 2_000 },
    sourcesFile: opened.layout.sources,
    sourcesCopy: opened,
    indexer: createIndexer(),
    pipeline: { dataDir, cacheDir, objectStore, offline: true, embedder: 'word-vectors', clusters: 'auto' },
  };
}

/** Fetches the stand-in's daily papers into `dataDir`, then again once `LATE_PAPER` has joined them. */
export async function fetchTwice(standIn: StandIn, dataDir: string): Promise<void> {
  await fetchSource(DAILY, fetchContext(standIn, dataDir));
  standIn.daily.push({ paper: LATE_PAPER });
  await fetchSource(DAILY, fetchContext(standIn, dataDir));
}
