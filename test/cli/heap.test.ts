import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type HeapSituation,
  heapFlags,
  INDEXING_INTERRUPT_BUDGET,
  indexingJitFlags,
  LARGE_WORKLOAD_BYTES,
  RELAUNCHED_VARIABLE,
  workloadBytes,
} from '../../cli/heap.js';
import { dataDirLayout } from '../../indexer/store/index.js';

const GIB = 2 ** 30;
const situation = (overrides: Partial<HeapSituation> = {}): HeapSituation => ({
  execArgv: [],
  env: {},
  heapLimitMb: 4144,
  memoryBytes: 24 * GIB,
  workloadBytes: 2 * GIB,
  ...overrides,
});

describe('the heap an index run gets', () => {
  it('is three quarters of the memory for a large workload, past V8’s default, collected when grown by a fifth', () => {
    const flags = ['--max-old-space-size=18432', '--heap-growing-percent=20'];
    expect(heapFlags(situation())).toEqual(flags);
    expect(heapFlags(situation({ workloadBytes: LARGE_WORKLOAD_BYTES }))).toEqual(flags);
  });

  it('leaves small workloads, small machines, a user’s own limit and a relaunched process alone', () => {
    expect(heapFlags(situation({ workloadBytes: LARGE_WORKLOAD_BYTES - 1 }))).toEqual([]);
    expect(heapFlags(situation({ memoryBytes: 4 * GIB }))).toEqual([]);
    expect(heapFlags(situation({ execArgv: ['--max-old-space-size=8000'] }))).toEqual([]);
    expect(heapFlags(situation({ env: { NODE_OPTIONS: '--max-old-space-size=8000' } }))).toEqual([]);
    expect(heapFlags(situation({ env: { [RELAUNCHED_VARIABLE]: '1' } }))).toEqual([]);
  });

  it('tiers an index run’s code up later than V8’s default budget, unless the user set a budget', () => {
    expect(INDEXING_INTERRUPT_BUDGET).toBeGreaterThan(67_584);
    expect(indexingJitFlags([])).toEqual([`--interrupt-budget=${INDEXING_INTERRUPT_BUDGET}`]);
    expect(indexingJitFlags(['--interrupt-budget=1000'])).toEqual([]);
    expect(indexingJitFlags([], '--trace-gc --interrupt-budget=1000')).toEqual([]);
  });

  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  it('weighs the input files, in folders too, and the papers already indexed (the records file)', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'paperscope-heap-'));
    dirs.push(dir);
    await mkdir(path.join(dir, 'corpus', 'part'), { recursive: true });
    await writeFile(path.join(dir, 'one.jsonl'), 'x'.repeat(100));
    await writeFile(path.join(dir, 'corpus', 'part', 'two.jsonl'), 'x'.repeat(50));
    const dataDir = path.join(dir, 'data');
    await mkdir(dataDir);
    await writeFile(dataDirLayout(dataDir).records, 'x'.repeat(7));
    expect(await workloadBytes([path.join(dir, 'one.jsonl'), path.join(dir, 'corpus'), path.join(dir, 'missing')], dataDir)).toBe(157);
    expect(await workloadBytes([], 's3://bucket/prefix')).toBe(0);
  });
});
