import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PaperscopeError } from '../../core/errors.js';
import { countIssues, formatIssue, readListings } from '../../indexer/parse/index.js';
import { parseListing } from '../../indexer/parse/parse.js';
import { postedPapers } from '../../server/routes/admin.js';
import { failureOf } from '../helpers/failure.js';
import { UNIT_TEST_MS } from '../helpers/limits.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'paperscope-hardening-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function write(name: string, content: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, content);
  return file;
}

const paper = (title: string) => JSON.stringify({ title, abstract: `About ${title}.` });

describe('input an adversary would write', () => {
  it('reports 130,000 problems in one file without overflowing the stack', async () => {
    const file = await write('many-problems.jsonl', 'not json\n'.repeat(130_000));
    const { issues } = await readListings([file]);
    expect(issues).toHaveLength(130_000);
    expect(issues[129_999]).toMatchObject({ file, line: 130_000 });
  });

  it(
    'refuses nested @string doubling at once instead of building gigabytes',
    () => {
      const definitions = ['@string{a0 = "xxxxxxxxxxxxxxxx"}'];
      for (let level = 1; level <= 40; level++) definitions.push(`@string{a${level} = a${level - 1} # a${level - 1}}`);
      const text = `${definitions.join('\n')}\n@article{k, title = {T}, abstract = a40}\n`;
      expect(text.length).toBeLessThan(1_500);
      const error = failureOf(() => parseListing(text, { file: 'doubling.bib' }));
      expect(error.code).toBe('PARSE_FAILED');
      expect(error.message).toMatch(/^doubling\.bib:\d+: @string a\d+ expands to more than [\d,]+ characters/);
    },
    UNIT_TEST_MS,
  );

  it('keeps macros that expand to reasonable text', () => {
    const text = '@string{jn = "Journal"}\n@string{full = jn # " of Things"}\n@article{k, title = {T}, abstract = {A.}, journal = full}\n';
    expect(parseListing(text, { file: 'ok.bib' }).papers).toHaveLength(1);
  });

  it('never indexes the text inside a broken @string as a paper', () => {
    const text = '@string{x = "unterminated @article{junk, title={Junk}, abstract={Junk text}}\n';
    const { papers, issues } = parseListing(text, { file: 'junk.bib' });
    expect(papers).toEqual([]);
    expect(issues.map((issue) => issue.message)).toEqual([
      expect.stringMatching(/^entry skipped: Unterminated quote-value/),
      'skipped: this "@article" is inside the broken entry of line 1',
    ]);
  });

  it('keeps an entry on its own line after a broken one', () => {
    const text = '@string{x = "unterminated\n@article{k, title={Kept}, abstract={Kept text}}\n';
    expect(parseListing(text, { file: 'kept.bib' }).papers.map((p) => p.title)).toEqual(['Kept']);
  });

  it('refuses a file too large to read, and still reads the other files', async () => {
    const big = await write('big.jsonl', `${paper('Big')}\n`.repeat(2_000));
    const small = await write('small.jsonl', paper('Small'));
    const { papers, issues } = await readListings([big, small], { maxFileBytes: 10_000 });
    expect(papers.map((p) => p.title)).toEqual(['Small']);
    expect(issues).toEqual([
      { file: big, line: 1, message: expect.stringMatching(/^file not read: .* MB is more than the .* MB a file may hold; split it/) },
    ]);
  });

  it('skips a file whose format cannot be told, and reads the others', async () => {
    const odd = await write('odd.dat', 'neither json nor anything else');
    const small = await write('also-small.jsonl', paper('Also small'));
    const { papers, issues } = await readListings([odd, small]);
    expect(papers.map((p) => p.title)).toEqual(['Also small']);
    expect(issues[0]).toMatchObject({ file: odd, message: expect.stringMatching(/Cannot tell the format/) });
  });

  it('refuses a posted paper nested 100,000 levels deep with a 400, not a stack overflow', async () => {
    const deep = JSON.parse(`{"title":"T","abstract":"A","authors":${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
    const error = await postedPapers([JSON.parse(paper('Fine')), deep]).catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(PaperscopeError);
    expect(error).toMatchObject({ code: 'INVALID_PARAMETER', status: 400, details: { parameter: 'papers[1]' } });
  });

  it('names the record of a single-line JSON array, not only "line 1"', () => {
    const text = JSON.stringify([{ title: 'A', abstract: 'a.' }, { title: 'B' }, { title: 'C', abstract: 'c.', date: 'soon' }]);
    const { issues } = parseListing(text, { file: 'one-line.json' });
    expect(issues.map(formatIssue)).toEqual([
      'one-line.json:1 (record 2, field "abstract"): missing abstract',
      'one-line.json:1 (record 3, field "date"): not a date: "soon"',
    ]);
  });

  it('reads an Atom feed whose CDATA quotes a DOCTYPE, and still refuses a real one', () => {
    const feed = '<feed><entry><title>T</title><summary><![CDATA[Quoting <!DOCTYPE html> in an abstract.]]></summary></entry></feed>';
    expect(parseListing(feed, { file: 'cdata.xml' }).papers.map((p) => p.abstract)).toEqual(['Quoting <!DOCTYPE html> in an abstract.']);
    expect(failureOf(() => parseListing(`<!DOCTYPE feed>${feed}`, { file: 'doctype.xml' })).message).toMatch(
      /DOCTYPE and ENTITY declarations/,
    );
  });

  it('tells a saved web page from a feed, naming the formats that are read', () => {
    const page = '<!DOCTYPE html>\n<html><head><title>Daily Papers</title></head><body>…</body></html>';
    const error = failureOf(() => parseListing(page, { file: 'daily.html' }));
    expect(error.message).toMatch(/a web page \(HTML\), not an Atom feed/);
    expect(error.message).toMatch(/HF Daily Papers pages saved as text.*JSON, JSONL, CSV, arXiv API Atom XML and BibTeX/);
  });

  it('counts records skipped apart from records kept with a bad field dropped', () => {
    const records = [
      { title: 'Fine', abstract: 'a.' },
      { title: 'No abstract 1' },
      { title: 'No abstract 2' },
      { title: 'No abstract 3' },
      { title: 'Bad date', abstract: 'b.', date: 'soon' },
      { title: 'Bad date and upvotes', abstract: 'c.', date: 'later', upvotes: -1 },
      { title: 'Bad date, no abstract', date: 'never' },
    ];
    const { papers, issues } = parseListing(records.map((record) => JSON.stringify(record)).join('\n'), { file: 'mixed.jsonl' });
    expect(papers).toHaveLength(3);
    expect(issues).toHaveLength(8);
    expect(countIssues(issues)).toEqual({ skipped: 4, kept: 2 });
  });
});
