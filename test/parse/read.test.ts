import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PaperscopeError } from '../../core/errors.js';
import { readListings } from '../../indexer/parse/index.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'paperscope-parse-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function write(name: string, content: string | Buffer): Promise<string> {
  const file = path.join(dir, name);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
  return file;
}

const jsonl = (...titles: string[]) => titles.map((title) => JSON.stringify({ title, abstract: `About ${title}.` })).join('\n');

describe('readListings', () => {
  it('reads files and directories recursively, skipping hidden files and unknown extensions', async () => {
    await write('a.jsonl', jsonl('Alpha'));
    await write('nested/deeper/b.csv', 'title,abstract\nBeta,About beta.\n');
    await write('.hidden.jsonl', jsonl('Hidden'));
    await write('.git/c.jsonl', jsonl('In a hidden directory'));
    await write('nested/notes.pdf', 'not a listing');
    const single = await write('other/feed', '<feed><entry><title>Gamma</title><summary>About gamma.</summary></entry></feed>');

    const { papers, issues } = await readListings([dir, single]);
    expect(issues).toEqual([]);
    expect(papers.map((paper) => paper.title)).toEqual(['Alpha', 'Beta', 'Gamma']);
    expect(papers[1]?.source).toEqual({ file: path.join(dir, 'nested/deeper/b.csv'), line: 2 });
  });

  it('keeps the first of two papers with the same id and reports the second', async () => {
    const first = await write('1.jsonl', jsonl('Same Title', 'Other'));
    const second = await write('2.jsonl', jsonl('Same   title!'));
    const { papers, issues } = await readListings([first, second]);
    expect(papers.map((paper) => paper.source)).toEqual([
      { file: first, line: 1 },
      { file: first, line: 2 },
    ]);
    expect(issues).toEqual([
      { file: second, line: 1, field: 'id', message: `duplicate paper "same-title", first read at ${first}:1; skipped` },
    ]);
  });

  it('strips a UTF-8 byte order mark', async () => {
    const file = await write('bom.json', `\uFEFF${JSON.stringify([{ title: 'Bom', abstract: 'Marked.' }])}`);
    const { papers, issues } = await readListings([file]);
    expect(issues).toEqual([]);
    expect(papers[0]?.title).toBe('Bom');
  });

  it('reports invalid UTF-8 with its line and still reads the file', async () => {
    const bytes = Buffer.concat([
      Buffer.from(`${jsonl('Fine')}\n{"title": "Bad `),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('", "abstract": "Bytes."}\n'),
    ]);
    const file = await write('latin.jsonl', bytes);
    const { papers, issues } = await readListings([file]);
    expect(issues).toEqual([{ file, line: 2, message: expect.stringMatching(/^invalid UTF-8 on 1 line\(s\) \(2\)/), kept: true }]);
    expect(papers.map((paper) => paper.title)).toEqual(['Fine', 'Bad \uFFFD(']);
  });

  it('turns a file that cannot be read at all into an issue, and reads the others', async () => {
    const broken = await write('broken.json', '[\n{"title": }\n]');
    const good = await write('good.jsonl', jsonl('Good'));
    const { papers, issues } = await readListings([broken, good]);
    expect(papers.map((paper) => paper.title)).toEqual(['Good']);
    expect(issues).toEqual([{ file: broken, line: 2, message: 'column 11: invalid JSON: ValueExpected' }]);
  });

  it('throws with every issue listed in strict mode', async () => {
    const file = await write('s.jsonl', `${jsonl('Kept')}\n{"title": "No abstract"}`);
    const error = await readListings([file], { strict: true }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PaperscopeError);
    expect((error as PaperscopeError).code).toBe('PARSE_FAILED');
    expect((error as PaperscopeError).message).toContain(`${file}:2 (field "abstract"): missing abstract`);
    expect((error as PaperscopeError).details?.issues).toHaveLength(1);
    await expect(readListings([await write('ok.jsonl', jsonl('Fine'))], { strict: true })).resolves.toMatchObject({ issues: [] });
  });

  it('passes the year on to year-less dates', async () => {
    const file = await write('page.txt', 'A Paper\n\nAn abstract.\n\n  • 2 authors\n·\nJan 12 3');
    const { papers } = await readListings([file], { year: 2031 });
    expect(papers[0]).toMatchObject({ date: '2031-01-12', upvotes: 3, authorsCount: 2 });
  });

  it("dates a year-less day by the file's modification time, not by today", async () => {
    const file = await write('old-page.txt', ['A Paper', '', 'Its abstract.', '', '  • 2 authors', '·', 'Dec 30 3'].join('\n'));
    const saved = new Date('2021-01-05T12:00:00Z');
    await utimes(file, saved, saved);
    const { papers } = await readListings([file]);
    expect(papers[0]?.date).toBe('2020-12-30');
  });

  it('reports a named file whose format cannot be told, naming it', async () => {
    const file = await write('notes.bin', 'plain words, no structure');
    const { papers, issues } = await readListings([file]);
    expect(papers).toEqual([]);
    expect(issues).toEqual([{ file, line: 1, message: expect.stringContaining(`Cannot tell the format of ${file}`) }]);
  });

  it('fails on a path that does not exist, naming it', async () => {
    const missing = path.join(dir, 'nope.json');
    await expect(readListings([missing])).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining(missing) });
  });
});
