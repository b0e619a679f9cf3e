import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataDirLayout, PapersTable } from '../../indexer/store/index.js';
import { temporaryDir } from '../helpers/sample-index.js';
import { storedPaper } from '../helpers/stored-paper.js';

describe('PapersTable.readRecords', () => {
  let scratch: { dir: string; remove: () => Promise<void> };
  const papers = [
    storedPaper(0),
    storedPaper(1, { authors: [], authorsCount: null, organization: null, url: null, date: null, categories: [] }),
    storedPaper(2, { authors: ['Solo'], categories: ['cs.CL', 'cs.AI', 'stat.ML'] }),
    storedPaper(3),
    storedPaper(4, { abstract: '' }),
  ];

  beforeAll(async () => {
    scratch = await temporaryDir('paperscope-table-');
    const table = await PapersTable.open(dataDirLayout(scratch.dir), 3);
    // Batches of two commit separately, so the read spans several Arrow chunks.
    await table?.upsert(papers, 2);
  });
  afterAll(async () => scratch.remove());

  it('gives every paper back: briefs decoded, details decoded per row from the Arrow buffers', async () => {
    const table = await PapersTable.open(dataDirLayout(scratch.dir));
    const records = await table?.readRecords();
    if (!records) throw new Error('no table');
    const read = records.briefs.all().map((brief, row) => ({ ...brief, ...records.details(row) }));
    const stored = (await table?.readAll())?.map(({ vector, ...rest }) => rest);
    expect(read).toEqual(stored);
    expect(read.map((record) => record.id).sort()).toEqual(papers.map((record) => record.id));
    expect(read.find((record) => record.id === papers[1]?.id)).toMatchObject({
      authors: [],
      organization: null,
      url: null,
      categories: [],
    });
  });
});

describe('PapersTable.upsert', () => {
  /** Runs `test` on a new empty table of 3-d vectors, removed afterwards. */
  async function withEmptyTable(test: (table: PapersTable) => Promise<void>): Promise<void> {
    const scratch = await temporaryDir('paperscope-upsert-');
    try {
      const table = await PapersTable.open(dataDirLayout(scratch.dir), 3);
      if (!table) throw new Error('no table');
      await test(table);
    } finally {
      await scratch.remove();
    }
  }

  it('appends into an empty table, then merges: updated papers replace their row, new ones are added', () =>
    withEmptyTable(async (table) => {
      await table.upsert([storedPaper(0), storedPaper(1), storedPaper(2)], 2);
      await table.upsert(
        [storedPaper(1, { title: 'Paper 1, revised', contentHash: 'hash-1b', vector: Float32Array.from([9, 9, 9]) }), storedPaper(3)],
        2,
      );
      const stored = new Map((await table.readAll()).map((row) => [row.id, row]));
      expect([...stored.keys()].sort()).toEqual([0, 1, 2, 3].map((n) => storedPaper(n).id));
      expect(stored.get(storedPaper(1).id)).toMatchObject({
        title: 'Paper 1, revised',
        contentHash: 'hash-1b',
        vector: Float32Array.from([9, 9, 9]),
      });
      expect(stored.get(storedPaper(2).id)).toEqual(storedPaper(2));
    }));

  it('refuses a vector of another dimension, naming the paper, and leaves the table as it was', () =>
    withEmptyTable(async (table) => {
      await table.upsert([storedPaper(0)]);
      await expect(table.upsert([storedPaper(1, { vector: Float32Array.from([1, 2]) })])).rejects.toThrow(
        /Paper "2501\.00001" has a 2-d vector; the papers table holds 3-d ones/,
      );
      expect((await table.readAll()).map((row) => row.id)).toEqual([storedPaper(0).id]);
    }));

  it('compacts a fragmented table past the threshold, pruning old versions and keeping every row', () =>
    withEmptyTable(async (table) => {
      const papers = [0, 1, 2, 3, 4].map((n) => storedPaper(n));
      // One paper per batch: five fragments, five versions beyond the empty table.
      await table.upsert(papers, 1);
      expect(await table.compact({ maxSmallFragments: 5, pruneBefore: new Date() })).toBeUndefined();
      const versions = await table.versionCount();
      const done = await table.compact({ maxSmallFragments: 2, pruneBefore: new Date() });
      expect(done?.fragmentsRemoved).toBe(5);
      expect(done?.versionsRemoved).toBeGreaterThan(0);
      expect(await table.versionCount()).toBeLessThan(versions);
      expect((await table.readAll()).sort((a, b) => (a.id < b.id ? -1 : 1))).toEqual(papers);
    }));
});

describe('PapersTable.mayExist', () => {
  it('is false only for a local data dir without a LanceDB folder: a new index is known without loading LanceDB', async () => {
    const scratch = await temporaryDir('paperscope-table-');
    try {
      const layout = dataDirLayout(scratch.dir);
      expect(await PapersTable.mayExist(layout)).toBe(false);
      await PapersTable.open(layout, 3);
      expect(await PapersTable.mayExist(layout)).toBe(true);
      const remote = { ...dataDirLayout(`${scratch.dir}/absent`), database: 's3://bucket/index/lancedb', storageOptions: {} };
      expect(await PapersTable.mayExist(remote)).toBe(true);
    } finally {
      await scratch.remove();
    }
  });
});
