import { readFile, rm, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DataDirLayout, dataDirLayout, PapersTable, readRecordsFile, writeRecordsFile } from '../../indexer/store/index.js';
import { temporaryDir } from '../helpers/sample-index.js';
import { storedPaper } from '../helpers/stored-paper.js';

describe('records file', () => {
  let scratch: { dir: string; remove: () => Promise<void> };
  let layout: DataDirLayout;
  let table: PapersTable;
  const papers = [
    storedPaper(0),
    storedPaper(1, { authors: [], authorsCount: null, organization: null, url: null, date: null, categories: [] }),
    storedPaper(2, { authors: ['Solo'], categories: ['cs.CL', 'cs.AI', 'stat.ML'], abstract: '' }),
  ];

  beforeAll(async () => {
    scratch = await temporaryDir('paperscope-records-');
    layout = dataDirLayout(scratch.dir);
    const opened = await PapersTable.open(layout, 3);
    if (!opened) throw new Error('no table');
    table = opened;
    await table.upsert(papers);
  });
  afterAll(async () => scratch.remove());

  const everything = (records: Awaited<ReturnType<PapersTable['readRecords']>>) =>
    records.briefs.map((brief, row) => ({ ...brief, ...records.details(row) }));

  it('gives back exactly what the table gives, for its table version and count', async () => {
    const version = await table.version();
    await writeRecordsFile(layout, await table.readAll(), version);
    const snapshot = await readRecordsFile(layout, { tableVersion: version, count: papers.length });
    if (!('records' in snapshot)) throw new Error(snapshot.problem.message);
    expect(everything(snapshot.records)).toEqual(everything(await table.readRecords()));
  });

  it('says why a missing, stale, damaged or foreign file cannot be used', async () => {
    const version = await table.version();
    const expected = { tableVersion: version, count: papers.length };
    await writeRecordsFile(layout, await table.readAll(), version);
    const good = await readFile(layout.records);
    const problem = async () => {
      const result = await readRecordsFile(layout, expected);
      return 'problem' in result ? `${result.problem.kind}: ${result.problem.message}` : 'usable';
    };
    expect(await readRecordsFile(layout, { ...expected, tableVersion: version + 1 })).toEqual({
      problem: { kind: 'stale', message: `built from table version ${version}, not ${version + 1}` },
    });
    expect(await readRecordsFile(layout, { ...expected, count: 4 })).toEqual({
      problem: { kind: 'stale', message: 'holds 3 papers, not 4' },
    });
    const flipped = Buffer.from(good);
    flipped[flipped.length - 40] = (flipped[flipped.length - 40] as number) ^ 0xff;
    await writeFile(layout.records, flipped);
    expect(await problem()).toBe('damaged: it does not match its checksum: damaged or cut short');
    await writeFile(layout.records, good.subarray(0, good.length - 1));
    expect(await problem()).toBe('damaged: it does not match its checksum: damaged or cut short');
    await writeFile(layout.records, 'not an Arrow file');
    expect(await problem()).toBe('damaged: not a Paperscope records file');
    await rm(layout.records);
    expect(await problem()).toBe('missing: missing');
    await writeFile(layout.records, good);
    expect(await problem()).toBe('usable');
  });
});
