import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PaperscopeError } from '../../core/errors.js';
import { checkIndex } from '../../indexer/check.js';
import { type IndexEvent, type IndexOptions, runIndex } from '../../indexer/index.js';
import { parseListing } from '../../indexer/parse/parse.js';
import { dataDirLayout, PapersTable } from '../../indexer/store/index.js';
import { INDEX_SAMPLE_MS } from '../helpers/limits.js';
import { buildSampleIndex, offlineIndexOptions, SAMPLE_FILE, SAMPLE_YEAR } from '../helpers/sample-index.js';

async function dataFiles(dataDir: string): Promise<string[]> {
  const folder = path.join(dataDirLayout(dataDir).database, 'papers.lance', 'data');
  return (await readdir(folder)).map((name) => path.join(folder, name));
}

async function titleOf(dataDir: string, id: string): Promise<string | undefined> {
  const table = await PapersTable.open(dataDirLayout(dataDir));
  return (await table?.readRecords())?.briefs.all().find((brief) => brief.id === id)?.title;
}

describe('the papers table checked against its content hashes', () => {
  const options = (dataDir: string, paths: string[], events: IndexEvent[] = []): IndexOptions =>
    offlineIndexOptions(dataDir, { paths, year: SAMPLE_YEAR, onEvent: (event) => events.push(event) });

  it(
    'finds a flipped byte in a stored title, and index repairs it from the source file',
    async () => {
      const dataDir = await buildSampleIndex();
      // Read from the source, not the table: LanceDB caches what it read in this process.
      const { papers } = parseListing(await readFile(SAMPLE_FILE, 'utf8'), { file: SAMPLE_FILE, year: SAMPLE_YEAR });
      // A word of one title that occurs once in the table's data (long text is compressed): one letter of it is changed.
      const files = await dataFiles(dataDir);
      const bytes = await readFile(files[0] as string);
      let target: { id: string; title: string; offset: number } | undefined;
      for (const { id, title } of papers) {
        const word = title
          .match(/\b[A-Z][a-z]{5,}\b/g)
          ?.find((candidate) => bytes.indexOf(candidate) !== -1 && bytes.indexOf(candidate) === bytes.lastIndexOf(candidate));
        if (word) {
          target = { id, title, offset: bytes.indexOf(word) + 2 };
          break;
        }
      }
      if (!target) throw new Error('no word to damage');
      bytes[target.offset] = (bytes[target.offset] as number) ^ 0x02;
      await writeFile(files[0] as string, bytes);

      const found = await checkIndex(options(dataDir, []));
      expect(found.damaged.map(({ id }) => id)).toEqual([target.id]);
      expect(found.damaged[0]?.source.file).toBe(SAMPLE_FILE);
      expect(found.damage.join('\n')).toContain(target.id);

      const events: IndexEvent[] = [];
      const summary = await runIndex(options(dataDir, [SAMPLE_FILE], events));
      expect(summary).toMatchObject({ repaired: 1, added: 0, updated: 0, unchanged: 61, damaged: [] });
      expect(events.some((event) => event.type === 'warning' && event.message.includes(target.id))).toBe(true);
      expect(await titleOf(dataDir, target.id)).toBe(target.title);
      expect((await checkIndex(options(dataDir, []))).damage).toEqual([]);
    },
    INDEX_SAMPLE_MS,
  );

  it(
    'names the paper whose details in the records file are damaged (a server reads them by offset, checked on read)',
    async () => {
      const dataDir = await buildSampleIndex();
      const { records } = dataDirLayout(dataDir);
      const bytes = await readFile(records);
      // The file ends with the last paper's details.
      bytes[bytes.length - 5] = (bytes[bytes.length - 5] as number) ^ 0x01;
      await writeFile(records, bytes);
      const report = await checkIndex(options(dataDir, []));
      expect(report.damage).toEqual([]);
      expect(report.derived).toEqual([expect.stringMatching(/^records file: the details of 1 paper \(\S+\) do not match their checksum$/)]);
    },
    INDEX_SAMPLE_MS,
  );

  it(
    'names a deleted data file as damage, in check and in index, never as a raw storage error',
    async () => {
      const dataDir = await buildSampleIndex();
      for (const file of await dataFiles(dataDir)) await rm(file);
      const report = await checkIndex(options(dataDir, []));
      expect(report.damage).toHaveLength(1);
      expect(report.damage[0]).toMatch(
        /papers table: Could not read the papers of the papers table in .* a data file is missing or damaged/,
      );
      const failure = await runIndex(options(dataDir, [SAMPLE_FILE])).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(PaperscopeError);
      expect((failure as PaperscopeError).code).toBe('INDEX_DAMAGED');
    },
    INDEX_SAMPLE_MS,
  );
});
