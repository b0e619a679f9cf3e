import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as lancedb from '@lancedb/lancedb';
import { AnnIndex, DEFAULT_ANN_OPTIONS } from '../indexer/ann/index.js';
import { type LatencySummary, loadAverage, recall, round, summarize, timeEach } from './stats.js';
import { type ClusteredVectors, clusteredVectors } from './vectors.js';

const K = 10;
/** An unindexed LanceDB scan takes up to a second per query at 100k: stop after this long. */
const LANCE_FLAT_BUDGET_MS = 20_000;
const LANCE_BATCH = 10_000;

export interface AnnContender {
  name: string;
  /** The LanceDB index type a tuned peer's row belongs to. */
  peer?: string;
  buildMs?: number;
  latency: LatencySummary;
  recallAt10: number;
  /** Queries per second relative to the exact scan in plain JS. */
  speedup: number;
  error?: string;
}

export interface AnnResult {
  n: number;
  /** The 1-minute load average when the comparison ended. */
  load: number;
  dimension: number;
  queries: number;
  contenders: AnnContender[];
}

/**
 * Side by side on the same clustered unit vectors and queries: exact top-10 in plain JS, LanceDB's
 * unindexed scan, LanceDB's IVF_PQ (over a sweep of its build too) and HNSW_SQ indexes over sweeps of
 * their search settings, and Paperscope's HNSW at its configured ef.
 */
export async function benchAnn(options: {
  n: number;
  dimension: number;
  queries: number;
  log: (line: string) => void;
}): Promise<AnnResult> {
  const { n, dimension, log } = options;
  const base = clusteredVectors({ count: n, dimension, clusters: 100, seed: 1 });
  const queries = clusteredVectors({ count: options.queries, dimension, clusters: 100, seed: 2 });
  const queryRows = Array.from({ length: queries.count }, (_, i) => queries.row(i));

  log(`  exact scan over ${n} × ${dimension}`);
  const exact: number[][] = [];
  const exactTimes = await timeEach(queryRows, (query) => exact.push(exactTopK(base, query, K)));
  const exactLatency = summarize(exactTimes);
  const contenders: AnnContender[] = [{ name: 'exact JS scan', latency: exactLatency, recallAt10: 1, speedup: 1 }];
  const contender = (name: string, times: number[], found: number[][], buildMs?: number): AnnContender => {
    const latency = summarize(times);
    const recalls = found.map((labels, q) => recall(labels, exact[q] ?? []));
    return {
      name,
      buildMs: buildMs === undefined ? undefined : Math.round(buildMs),
      latency,
      recallAt10: round(recalls.reduce((sum, value) => sum + value, 0) / Math.max(1, recalls.length), 4),
      speedup: round(latency.perSecond / exactLatency.perSecond, 1),
    };
  };

  log(`  HNSW build (M=${DEFAULT_ANN_OPTIONS.m}, efConstruction=${DEFAULT_ANN_OPTIONS.efConstruction})`);
  const rows = Array.from({ length: n }, (_, i) => base.row(i));
  const buildStarted = performance.now();
  const ann = AnnIndex.build(
    rows,
    rows.map((_, i) => String(i)),
    dimension,
  );
  const annBuildMs = performance.now() - buildStarted;
  const annFound: number[][] = [];
  for (const query of queryRows) ann.search(query, K); // warm-up
  const annTimes = await timeEach(queryRows, (query) => annFound.push(ann.search(query, K).map((hit) => hit.label)));
  contenders.push(contender(`Paperscope HNSW (ef=${DEFAULT_ANN_OPTIONS.efSearch})`, annTimes, annFound, annBuildMs));

  const dir = await mkdtemp(path.join(os.tmpdir(), 'paperscope-bench-lance-'));
  try {
    log('  LanceDB table write');
    const table = await writeLanceTable(dir, base);
    const search = (query: Float32Array) =>
      table.vectorSearch(Array.from(query)).distanceType('cosine').limit(K).select(['label', '_distance']).toArray();
    const labelsOf = (rowsFound: Array<{ label: number }>) => rowsFound.map((row) => Number(row.label));

    log('  LanceDB flat search (no index)');
    const flatFound: number[][] = [];
    const flatTimes: number[] = [];
    const flatStarted = performance.now();
    for (const query of queryRows) {
      if (performance.now() - flatStarted > LANCE_FLAT_BUDGET_MS) break;
      const started = performance.now();
      flatFound.push(labelsOf(await search(query)));
      flatTimes.push(performance.now() - started);
    }
    contenders.push(contender('LanceDB flat (no index)', flatTimes, flatFound));

    // Tuned as LanceDB's documentation recommends: every index trained and searched with the same
    // (cosine) distance; IVF_PQ over a sweep of its build (ivfPqBuilds) and of nprobes × refine factor
    // (the refine step re-ranks limit × refine factor candidates by their full vectors); HNSW_SQ with
    // one partition ("num_rows // 1,048,576") over a sweep of ef with a refine factor.
    for (const { kind, build, index, settings } of lanceBuilds(n, dimension)) {
      const label = build ? `${kind} ${build}` : kind;
      log(`  LanceDB ${label} index build`);
      try {
        const indexStarted = performance.now();
        await table.createIndex('vector', { config: index(), replace: true });
        const indexMs = performance.now() - indexStarted;
        for (const setting of settings) {
          const tunedSearch = (query: Float32Array) => {
            let search = table.vectorSearch(Array.from(query)).distanceType('cosine').limit(K);
            if (setting.nprobes !== undefined) search = search.nprobes(setting.nprobes);
            if (setting.ef !== undefined) search = search.ef(setting.ef);
            if (setting.refineFactor !== undefined) search = search.refineFactor(setting.refineFactor);
            return search.select(['label', '_distance']).toArray();
          };
          for (const query of queryRows.slice(0, 10)) await tunedSearch(query); // warm-up
          const found: number[][] = [];
          const times = await timeEach(queryRows, async (query) => found.push(labelsOf(await tunedSearch(query))));
          contenders.push({ ...contender(`LanceDB ${label} ${describe(setting)}`, times, found, indexMs), peer: kind });
        }
      } catch (error) {
        contenders.push({
          name: `LanceDB ${label}`,
          peer: kind,
          latency: summarize([]),
          recallAt10: 0,
          speedup: 0,
          error: (error as Error).message,
        });
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return { n, load: loadAverage(), dimension, queries: queries.count, contenders };
}

/** One LanceDB index build and the search settings swept over it. */
interface LanceBuild {
  kind: string;
  /** The build's parameters where the bench sweeps them. */
  build?: string;
  index: () => lancedb.Index;
  settings: QuerySettings[];
}

/**
 * IVF_PQ's builds as LanceDB's docs tune them. Partitions: `num_rows // 4096` (their starting
 * point) and N / 1024 (the older guide's "1K-4K rows" per partition, at its fine end). Sub-vectors:
 * dim / 8 (their starting point; 8 values each suit the SIMD kernels), then dim / 4 and dim / 2
 * ("increase for better recall") where the dimension divides, at the starting partitions only. The
 * default dim / 16 (or one sub-vector when 8 does not divide the dimension) left recall at
 * 0.06-0.67 whatever nprobes. Training PQ codebooks on 2-value sub-vectors took 7 minutes at
 * 20k × 384-d on the shared machine, so above 256 dimensions dim / 2 is left out.
 */
export function ivfPqBuilds(n: number, dimension: number): Array<{ numPartitions: number; numSubVectors: number }> {
  const partitions = [...new Set([n / 4096, n / 1024].map((p) => Math.max(1, Math.round(p))))];
  const widths = [8, 4, 2].filter((width) => dimension % width === 0 && (width > 2 || dimension <= 256));
  return widths.flatMap((width, i) =>
    (i === 0 ? partitions : partitions.slice(0, 1)).map((numPartitions) => ({
      numPartitions,
      numSubVectors: dimension / width,
    })),
  );
}

/**
 * The search settings swept over one IVF-based build: nprobes at 5, 10 and 15 % of the partitions
 * (the docs' "5-15% of the dataset") and 30 %, each with refine factor 10 (the docs' "try
 * refine_factor=10 to start") and 50 (100 gained nothing over 50 at 20k).
 */
export function ivfSettings(numPartitions: number): QuerySettings[] {
  const probes = [...new Set([0.05, 0.1, 0.15, 0.3].map((share) => Math.max(1, Math.ceil(share * numPartitions))))];
  return probes.flatMap((nprobes) => [10, 50].map((refineFactor) => ({ nprobes, refineFactor })));
}

function lanceBuilds(n: number, dimension: number): LanceBuild[] {
  const rqPartitions = Math.max(1, Math.round(n / 4096));
  return [
    ...ivfPqBuilds(n, dimension).map(({ numPartitions, numSubVectors }) => ({
      kind: 'IVF_PQ',
      build: `partitions=${numPartitions} subvectors=${numSubVectors}`,
      index: () => lancedb.Index.ivfPq({ distanceType: 'cosine', numPartitions, numSubVectors }),
      settings: ivfSettings(numPartitions),
    })),
    // The docs' pick for compression (RaBitQ, 1 bit a dimension), at their starting partitions;
    // LanceDB refuses it when 8 does not divide the dimension.
    ...(dimension % 8 === 0
      ? [
          {
            kind: 'IVF_RQ',
            build: `partitions=${rqPartitions}`,
            index: () => lancedb.Index.ivfRq({ distanceType: 'cosine', numPartitions: rqPartitions }),
            settings: ivfSettings(rqPartitions),
          },
        ]
      : []),
    {
      kind: 'IVF_HNSW_SQ',
      index: () => lancedb.Index.hnswSq({ distanceType: 'cosine', numPartitions: 1 }),
      settings: [{ ef: 15 }, ...[50, 100, 200, 400].map((ef) => ({ ef, refineFactor: 5 }))],
    },
  ];
}

/** A LanceDB vector query's search parameters. */
interface QuerySettings {
  nprobes?: number;
  ef?: number;
  refineFactor?: number;
}

function describe(setting: QuerySettings): string {
  return Object.entries(setting)
    .map(([key, value]) => `${key}=${value}`)
    .join(' ');
}

/**
 * For each tuned peer, its fastest setting that reaches `recall` (Paperscope's), else its most
 * accurate one: the peers compared at equal recall.
 */
export function atEqualRecall(contenders: readonly AnnContender[], recall: number): AnnContender[] {
  const peers = [...new Set(contenders.flatMap((c) => (c.peer ? [c.peer] : [])))];
  return peers.map((peer) => {
    const rows = contenders.filter((c) => c.peer === peer);
    const reaching = rows.filter((c) => c.recallAt10 >= recall).sort((a, b) => b.latency.perSecond - a.latency.perSecond);
    return reaching[0] ?? ([...rows].sort((a, b) => b.recallAt10 - a.recallAt10)[0] as AnnContender);
  });
}

/** The exact top-k rows by dot product (the vectors are unit length, so cosine), best first. */
export function exactTopK(base: ClusteredVectors, query: Float32Array, k: number): number[] {
  const { data, dimension, count } = base;
  const bestScores = new Float64Array(k).fill(Number.NEGATIVE_INFINITY);
  const bestRows = new Int32Array(k).fill(-1);
  for (let row = 0; row < count; row++) {
    const offset = row * dimension;
    let score = 0;
    for (let d = 0; d < dimension; d++) score += (data[offset + d] as number) * (query[d] as number);
    if (score <= (bestScores[k - 1] as number)) continue;
    let slot = k - 1;
    while (slot > 0 && score > (bestScores[slot - 1] as number)) {
      bestScores[slot] = bestScores[slot - 1] as number;
      bestRows[slot] = bestRows[slot - 1] as number;
      slot--;
    }
    bestScores[slot] = score;
    bestRows[slot] = row;
  }
  return Array.from(bestRows).filter((row) => row >= 0);
}

async function writeLanceTable(dir: string, base: ClusteredVectors): Promise<lancedb.Table> {
  const db = await lancedb.connect(dir);
  const batch = (start: number) =>
    Array.from({ length: Math.min(LANCE_BATCH, base.count - start) }, (_, i) => ({
      label: start + i,
      vector: Array.from(base.row(start + i)),
    }));
  const table = await db.createTable('vectors', batch(0));
  for (let start = LANCE_BATCH; start < base.count; start += LANCE_BATCH) await table.add(batch(start));
  return table;
}
