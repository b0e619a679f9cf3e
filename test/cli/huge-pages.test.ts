import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RELAUNCHED_VARIABLE } from '../../cli/heap.js';
import {
  currentHugePageSituation,
  HUGE_PAGES_MIN_GRAPH_BYTES,
  type HugePageSituation,
  hugePagesEnv,
  selectedThpMode,
} from '../../cli/huge-pages.js';
import { dataDirLayout } from '../../indexer/store/index.js';

const situation = (overrides: Partial<HugePageSituation> = {}): HugePageSituation => ({
  env: { PATH: '/bin' },
  graphBytes: 548_565_344,
  thpMode: 'madvise',
  glibc: '2.36',
  ...overrides,
});

describe('serving a large graph with huge pages', () => {
  it('runs again with glibc’s tunable added for a graph from the threshold on', () => {
    expect(hugePagesEnv(situation())).toEqual({ PATH: '/bin', GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1' });
    expect(hugePagesEnv(situation({ graphBytes: HUGE_PAGES_MIN_GRAPH_BYTES }))?.GLIBC_TUNABLES).toBe('glibc.malloc.hugetlb=1');
    expect(hugePagesEnv(situation({ glibc: '2.35' }))?.GLIBC_TUNABLES).toBe('glibc.malloc.hugetlb=1');
    expect(hugePagesEnv(situation({ glibc: '3.0' }))?.GLIBC_TUNABLES).toBe('glibc.malloc.hugetlb=1');
  });

  it('keeps the tunables a user set, and leaves a hugetlb setting of theirs alone', () => {
    const env = { GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' };
    expect(hugePagesEnv(situation({ env }))?.GLIBC_TUNABLES).toBe('glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1');
    expect(hugePagesEnv(situation({ env: { GLIBC_TUNABLES: 'glibc.malloc.hugetlb=0' } }))).toBeUndefined();
  });

  it('runs as it is for a small graph, a kernel mode other than madvise, an older or other C library, or once relaunched', () => {
    expect(hugePagesEnv(situation({ graphBytes: HUGE_PAGES_MIN_GRAPH_BYTES - 1 }))).toBeUndefined();
    expect(hugePagesEnv(situation({ thpMode: 'always' }))).toBeUndefined();
    expect(hugePagesEnv(situation({ thpMode: 'never' }))).toBeUndefined();
    expect(hugePagesEnv(situation({ thpMode: undefined }))).toBeUndefined();
    expect(hugePagesEnv(situation({ glibc: '2.34' }))).toBeUndefined();
    expect(hugePagesEnv(situation({ glibc: '1.99' }))).toBeUndefined();
    expect(hugePagesEnv(situation({ glibc: undefined }))).toBeUndefined();
    expect(hugePagesEnv(situation({ env: { [RELAUNCHED_VARIABLE]: '1' } }))).toBeUndefined();
  });

  it('reads the kernel’s selected mode', () => {
    expect(selectedThpMode('always [madvise] never\n')).toBe('madvise');
    expect(selectedThpMode('[always] madvise never\n')).toBe('always');
    expect(selectedThpMode('')).toBeUndefined();
  });

  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  it('weighs the data dir’s HNSW file, and looks no further for a small one', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'paperscope-huge-pages-'));
    dirs.push(dataDir);
    expect(await currentHugePageSituation(dataDir, {})).toEqual({ env: {}, graphBytes: 0, thpMode: undefined, glibc: undefined });
    await writeFile(dataDirLayout(dataDir).annIndex, 'x'.repeat(10));
    expect((await currentHugePageSituation(dataDir, {})).graphBytes).toBe(10);
    await truncate(dataDirLayout(dataDir).annIndex, HUGE_PAGES_MIN_GRAPH_BYTES);
    expect((await currentHugePageSituation(dataDir, {})).graphBytes).toBe(HUGE_PAGES_MIN_GRAPH_BYTES);
    expect((await currentHugePageSituation('s3://bucket/prefix', {})).graphBytes).toBe(0);
  });
});
