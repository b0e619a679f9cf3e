import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSettings } from '../../core/config.js';
import { PaperscopeError } from '../../core/errors.js';
import { runIndex } from '../../indexer/index.js';
import { MAX_COUNT } from '../../indexer/parse/index.js';
import { parseListing } from '../../indexer/parse/parse.js';
import { dataDirLayout, PapersTable } from '../../indexer/store/index.js';
import { INDEX_SAMPLE_MS } from '../helpers/limits.js';
import { temporaryDir } from '../helpers/sample-index.js';
import { storedPaper } from '../helpers/stored-paper.js';

const RECORDS = [
  { title: 'Upvoted beyond 32 bits', abstract: 'A paper with three billion upvotes.', upvotes: 3_000_000_000 },
  { title: 'Upvoted just enough', abstract: 'A paper with the largest count stored.', upvotes: MAX_COUNT },
];

describe('counts larger than a stored count can hold', () => {
  let scratch: { dir: string; remove: () => Promise<void> };

  beforeAll(async () => {
    scratch = await temporaryDir('paperscope-counts-');
  });
  afterAll(async () => scratch?.remove());

  it('are refused with the file, line and field, the paper kept without them: never wrapped', () => {
    const csv = ['title,abstract,upvotes', ...RECORDS.map((record) => `${record.title},${record.abstract},${record.upvotes ?? 0}`)].join(
      '\n',
    );
    const { papers, issues } = parseListing(csv, { file: 'counts.csv' });
    expect(papers.map((paper) => paper.upvotes)).toEqual([0, MAX_COUNT]);
    expect(issues).toEqual([
      {
        file: 'counts.csv',
        line: 2,
        field: 'upvotes',
        kept: true,
        message: expect.stringContaining('3000000000 is more than the largest count stored'),
      },
    ]);
  });

  it(
    'never reach the table as wrapped numbers',
    async () => {
      const file = path.join(scratch.dir, 'counts.jsonl');
      await writeFile(file, RECORDS.map((record) => JSON.stringify(record)).join('\n'));
      const page = path.join(scratch.dir, 'crowd.txt');
      await writeFile(
        page,
        ['Written by a crowd', '', 'A paper with a huge author count.', '', '  • 99999999999 authors', '·', 'May 28, 2025 2', ''].join(
          '\n',
        ),
      );
      const dataDir = path.join(scratch.dir, 'index');
      const summary = await runIndex({
        paths: [file, page],
        dataDir,
        cacheDir: readSettings().cacheDir,
        offline: true,
        embedder: 'word-vectors',
        clusters: 1,
      });
      expect(summary.issues.map(({ file: where, line, field }) => ({ where, line, field }))).toEqual([
        { where: file, line: 1, field: 'upvotes' },
        { where: page, line: 1, field: 'authorsCount' },
      ]);
      const table = await PapersTable.open(dataDirLayout(dataDir));
      const briefs = (await table?.readRecords())?.briefs.all() ?? [];
      const counts = Object.fromEntries(briefs.map((brief) => [brief.title, [brief.upvotes, brief.authorsCount]]));
      expect(counts).toEqual({
        'Upvoted beyond 32 bits': [0, null],
        'Written by a crowd': [2, null],
        'Upvoted just enough': [MAX_COUNT, null],
      });

      // The table itself refuses rather than wraps, whatever writes to it.
      const failure = await table
        ?.upsert([storedPaper(1, { upvotes: 2 ** 31, vector: new Float32Array(100) })])
        .catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(PaperscopeError);
      expect((failure as PaperscopeError).message).toContain('field "upvotes"');
    },
    INDEX_SAMPLE_MS,
  );
});
