import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataDirLayout, PapersTable, type StoredPaper } from '../../indexer/store/index.js';
import { temporaryDir } from '../helpers/sample-index.js';

const paper = (n: number, overrides: Partial<StoredPaper> = {}): StoredPaper => ({
  id: `2501.${String(n).padStart(5, '0')}`,
  title: `Paper ${n}`,
  abstract: `Abstract ${n}: noisy rewards — naïve “quotes” and ünïcödé.`,
  authors: [`Author ${n}`, `Co-author ${n}`],
  authorsCount: 2,
  organization: `Lab ${n}`,
  date: `2025-01-${String(n + 1).padStart(2, '0')}`,
  upvotes: n,
  url: `https://example.org/${n}`,
  categories: ['cs.LG'],
  sourceFile: 'papers.jsonl',
  sourceLine: n + 1,
  contentHash: `hash-${n}`,
  vector: Float32Array.from([n, 1, 0]),
  ...overrides,
});

describe('PapersTable.readRecords', () => {
  let scratch: { dir: string; remove: () => Promise<void> };
  const papers = [
    paper(0),
    paper(1, { authors: [], authorsCount: null, organization: null, url: null, date: null, categories: [] }),
    paper(2, { authors: ['Solo'], categories: ['cs.CL', 'cs.AI', 'stat.ML'] }),
    paper(3),
    paper(4, { abstract: '' }),
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
    const read = records.briefs.map((brief, row) => ({ ...brief, ...records.details(row) }));
    const stored = (await table?.readAll())?.map(({ vector, ...rest }) => rest);
    expect(read).toEqual(stored);
    expect(read.map((record) => record.id).sort()).toEqual(papers.map((record) => record.id));
    expect(read.find((record) => record.id === papers[1]?.id)).toMatchObject({ authors: [], organization: null, url: null, categories: [] });
  });
});
