import { readFile, rm, writeFile } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type DataDirLayout,
  dataDirLayout,
  PaperBriefs,
  PapersTable,
  readRecordsFile,
  recordsBody,
  sealFile,
  writeRecordsFile,
} from '../../indexer/store/index.js';
import { temporaryDir } from '../helpers/sample-index.js';
import { storedPaper } from '../helpers/stored-paper.js';

describe('records file', () => {
  let scratch: { dir: string; remove: () => Promise<void> };
  let layout: DataDirLayout;
  let table: PapersTable;
  const papers = [
    // Non-ASCII text is decoded per value; ASCII columns are decoded whole and sliced.
    storedPaper(0, { title: 'Über α-helices: a naïve view' }),
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
    records.briefs.all().map((brief, row) => ({ ...brief, ...records.details(row) }));

  /** The file's records, or why it cannot be used; closed after `use`. */
  async function withRecords<T>(
    expected: { tableVersion: number; count: number },
    use: (records: Awaited<ReturnType<PapersTable['readRecords']>>) => T,
  ) {
    const result = await readRecordsFile(layout, expected);
    if (!('records' in result)) return `${result.problem.kind}: ${result.problem.message}`;
    try {
      return await use(result.records);
    } finally {
      await result.records.close?.();
    }
  }

  it('gives back exactly what the table gives, for its table version and count, details read by offset', async () => {
    const version = await table.version();
    await writeRecordsFile(layout, await table.readAll(), version);
    const expected = everything(await table.readRecords());
    expect(await withRecords({ tableVersion: version, count: papers.length }, everything)).toEqual(expected);
    const briefs = papers.map(({ id, title, authorsCount, date, upvotes, sourceLine, contentHash }) => ({
      id,
      title,
      authorsCount,
      date,
      upvotes,
      sourceLine,
      contentHash,
    }));
    expect(await withRecords({ tableVersion: version, count: papers.length }, (records) => records.briefs.all())).toEqual(briefs);
    // In any order, any number of times: each read is at the paper's own offset.
    expect(
      await withRecords({ tableVersion: version, count: papers.length }, (records) =>
        [2, 0, 2, 1].map((row) => ({ ...records.briefs.at(row), ...records.details(row) })),
      ),
    ).toEqual([2, 0, 2, 1].map((row) => expected[row]));
  });

  it('makes each brief from the columns when asked: the same fields from the file, the table and briefs given', async () => {
    const version = await table.version();
    await writeRecordsFile(layout, await table.readAll(), version);
    const fromTable = (await table.readRecords()).briefs;
    const given = PaperBriefs.of(fromTable.all());
    const fields = (briefs: PaperBriefs) =>
      [...briefs.ids.keys()].map((row) => [
        briefs.at(row),
        briefs.title(row),
        briefs.contentHash(row),
        briefs.date(row),
        briefs.upvotes(row),
      ]);
    const fromFile = await withRecords({ tableVersion: version, count: papers.length }, (records) => fields(records.briefs));
    expect(fromFile).toEqual(fields(fromTable));
    expect(fromFile).toEqual(fields(given));
    expect(fromFile[0]?.[0]).toMatchObject({ title: 'Über α-helices: a naïve view' });
    expect(fromFile[1]).toEqual([
      expect.objectContaining({ date: null, authorsCount: null }),
      papers[1]?.title,
      papers[1]?.contentHash,
      null,
      papers[1]?.upvotes,
    ]);
    // Past the papers: no brief.
    expect(
      await withRecords({ tableVersion: version, count: papers.length }, (records) => records.briefs.at(papers.length)),
    ).toBeUndefined();
  });

  it('says why a missing, stale, damaged or foreign file cannot be used', async () => {
    const version = await table.version();
    const expected = { tableVersion: version, count: papers.length };
    await writeRecordsFile(layout, await table.readAll(), version);
    const good = await readFile(layout.records);
    const problem = () => withRecords(expected, () => 'usable');
    expect(await readRecordsFile(layout, { ...expected, tableVersion: version + 1 })).toEqual({
      problem: { kind: 'stale', message: `built from table version ${version}, not ${version + 1}` },
    });
    expect(await readRecordsFile(layout, { ...expected, count: 4 })).toEqual({
      problem: { kind: 'stale', message: 'holds 3 papers, not 4' },
    });
    const flipped = Buffer.from(good);
    // Past the header: the briefs, read and checked at open.
    flipped[400] = (flipped[400] as number) ^ 0xff;
    await writeFile(layout.records, flipped);
    expect(await problem()).toBe('damaged: its papers do not match their checksum: damaged or cut short');
    await writeFile(layout.records, good.subarray(0, good.length - 1));
    expect(await problem()).toBe('damaged: its size is not what its header says: cut short or extended');
    await writeFile(layout.records, 'not an Arrow file');
    expect(await problem()).toBe('damaged: not a Paperscope records file');
    // The format before the details were read by offset (one Arrow file) is rewritten, not trusted.
    await writeFile(
      layout.records,
      Buffer.concat(sealFile('PSRC', { format: 'paperscope-records', version: 1, tableVersion: version, count: 3 }, [])),
    );
    expect(await problem()).toBe('stale: written in format 1, not 2');
    await rm(layout.records);
    expect(await problem()).toBe('missing: missing');
    await writeFile(layout.records, good);
    expect(await problem()).toBe('usable');
  });

  it('keeps recently read details decoded: a paper shown again is not read again', async () => {
    const version = await table.version();
    await writeRecordsFile(layout, await table.readAll(), version);
    const good = await readFile(layout.records);
    const outcome = await withRecords({ tableVersion: version, count: papers.length }, async (records) => {
      const first = records.details(2);
      // Damaged under the open file: a second read from it would fail its checksum.
      const damaged = Buffer.from(good);
      damaged[damaged.length - 5] = (damaged[damaged.length - 5] as number) ^ 0x01;
      await writeFile(layout.records, damaged);
      return records.details(2) === first;
    });
    await writeFile(layout.records, good);
    expect(await outcome).toBe(true);
  });

  it('names the paper and the file when the details read for it are damaged, and reads the others', async () => {
    const version = await table.version();
    await writeRecordsFile(layout, await table.readAll(), version);
    const damaged = await readFile(layout.records);
    // The last bytes are the last paper's details.
    damaged[damaged.length - 5] = (damaged[damaged.length - 5] as number) ^ 0x01;
    await writeFile(layout.records, damaged);
    const outcome = await withRecords({ tableVersion: version, count: papers.length }, (records) => {
      const readable = records.details(0).abstract;
      try {
        records.details(2);
        return { readable, error: undefined };
      } catch (error) {
        return { readable, error: { code: (error as { code?: string }).code, message: (error as Error).message } };
      }
    });
    expect(outcome).toEqual({
      readable: papers[0]?.abstract,
      error: {
        code: 'INDEX_DAMAGED',
        message: `The records file ${layout.records} is damaged: the details of paper "2501.00002" (row 2) do not match their checksum. Run "paperscope index" again to rewrite it (the papers table is not affected).`,
      },
    });
  });
  it("holds each paper's details as its JSON, one after another, with a paper larger than a chunk whole in its own", async () => {
    // A chunk is 8 MB: the second paper does not fit beside the first, and is larger than a chunk itself.
    const sizes = [5 << 20, 9 << 20, 100];
    const some = sizes.map((size, n) => storedPaper(n, { abstract: 'a'.repeat(size) }));
    const body = await recordsBody(some);
    const json = some.map(({ abstract, authors, categories, organization, url, sourceFile }) =>
      JSON.stringify({ abstract, authors, categories, organization, url, sourceFile }),
    );
    expect(Buffer.concat(body.chunks).toString()).toBe(json.join(''));
    expect(body.chunks.map((chunk) => chunk.length)).toEqual([json[0]?.length, json[1]?.length, json[2]?.length]);
    const [, offsets, checksums] = body.head;
    const ends = json.map((_, row) => json.slice(0, row + 1).join('').length);
    expect([...new Float64Array((offsets as Uint8Array).slice().buffer)]).toEqual([0, ...ends]);
    expect(new Uint32Array((checksums as Uint8Array).slice().buffer)[1]).toBe(crc32(Buffer.from(json[1] as string)));
    // Shared memory, which V8 does not count as external: the chunks start no full collections (`uncountedBuffer`).
    for (const chunk of body.chunks) expect(chunk.buffer).toBeInstanceOf(SharedArrayBuffer);
  });
  it('writes the same file from a body made beforehand, which gives way to the event loop between chunks', async () => {
    const version = await table.version();
    // ≈ 21 MB of details: three chunks of the file's writes.
    const many = Array.from({ length: 5_000 }, (_, n) => storedPaper(n, { abstract: `${n} ${'noisy rewards '.repeat(300)}` }));
    await writeRecordsFile(layout, many, version);
    const direct = await readFile(layout.records);
    let turns = 0;
    const ticking = setInterval(() => turns++, 0);
    const body = recordsBody(many);
    // The event loop turned while the body was made: a table's write beside it goes on.
    const made = await body;
    clearInterval(ticking);
    expect(turns).toBeGreaterThan(0);
    await writeRecordsFile(layout, made, version);
    expect((await readFile(layout.records)).equals(direct)).toBe(true);
  });
});
