import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ParseResult } from '../../indexer/parse/index.js';
import { parseListing } from '../../indexer/parse/parse.js';
import { failureOf } from '../helpers/failure.js';

const FIXTURES = 'test/fixtures/inputs';

function parseFixture(name: string): ParseResult {
  const file = `${FIXTURES}/${name}`;
  return parseListing(readFileSync(file, 'utf8'), { file });
}

describe('arXiv Atom feed', () => {
  it('reads entries with ids, dates, authors, categories and links', () => {
    const { papers, issues } = parseFixture('arxiv-feed.xml');
    expect(issues).toEqual([]);
    expect(papers.map((paper) => [paper.id, paper.date, paper.source.line])).toEqual([
      ['2305.18290', '2023-05-29', 10],
      ['2210.10760', '2022-10-19', 41],
      ['hep-th/9901001', '1999-01-01', 66],
    ]);
    expect(papers[0]).toMatchObject({
      title: 'Direct Preference Optimization: Your Language Model is Secretly a Reward Model',
      authors: ['Rafael Rafailov', 'Archit Sharma', 'Eric Mitchell'],
      authorsCount: 3,
      url: 'http://arxiv.org/abs/2305.18290v3',
      categories: ['cs.LG', 'cs.AI', 'cs.CL'],
      upvotes: 0,
      organization: null,
    });
    expect(papers[0]?.abstract).toMatch(
      /^While large-scale unsupervised .* classification loss & no sampling from the LM during fine-tuning\.$/,
    );
    expect(papers[1]?.abstract).toMatch(/Goodhart’s law\.$/);
    expect(papers[2]?.abstract).toBe('We study a toy model where <noise> enters the boundary conditions.');
  });

  it('reports an entry without a summary or with a bad date, and keeps the others', () => {
    const xml = [
      '<feed xmlns="http://www.w3.org/2005/Atom">', // 1
      '  <entry><id>http://arxiv.org/abs/2401.00001v1</id><title>Kept</title><summary>Fine.</summary></entry>',
      '  <entry>', // 3
      '    <id>http://arxiv.org/abs/2401.00002v1</id><title>No summary</title>',
      '  </entry>',
      '  <entry><title>Odd date</title><summary>Kept too.</summary><published>yesterday</published></entry>', // 6
      '</feed>',
    ].join('\n');
    const { papers, issues } = parseListing(xml, { file: 'feed.xml' });
    expect(papers.map((paper) => [paper.id, paper.date])).toEqual([
      ['2401.00001', null],
      ['odd-date', null],
    ]);
    expect(issues).toEqual([
      { file: 'feed.xml', line: 3, field: 'abstract', message: 'missing abstract' },
      { file: 'feed.xml', line: 6, field: 'published', message: 'not a date: "yesterday"', kept: true },
    ]);
  });

  it('fails on invalid XML, naming the file and line', () => {
    const error = failureOf(() => parseListing('<feed>\n<entry>\n<title>x</entry>\n</feed>', { file: 'bad.xml' }));
    expect(error.code).toBe('PARSE_FAILED');
    expect(error.message).toMatch(/^bad\.xml:3:\d+: invalid XML/);
    expect(error.details).toMatchObject({ file: 'bad.xml', line: 3 });
  });

  it('fails on well-formed XML that is not a feed', () => {
    expect(failureOf(() => parseListing('<rss><item/></rss>', { file: 'x.xml' })).message).toMatch(
      /^x\.xml:1: not an Atom feed: no <feed> element\. Paperscope reads /,
    );
  });
});

describe('BibTeX', () => {
  it('reads entries with an abstract, turning LaTeX into text', () => {
    const { papers } = parseFixture('papers.bib');
    expect(papers).toHaveLength(2);
    expect(papers[0]).toMatchObject({
      id: '2403.01234',
      title: 'Naïve Annotators, Robust Rewards: Learning from RLHF Préférences',
      abstract:
        'Preference data collected from naïve annotators is noisy. We show that reward models trained on it still rank policies correctly, with 95% agreement on held-out pairs.',
      authors: ['Jörg Müller', 'María García', 'François Dupont'],
      authorsCount: 3,
      // Year and month only: the day is not invented.
      date: '2024-03',
      url: 'https://arxiv.org/abs/2403.01234',
      categories: ['cs.LG', 'label noise', 'reward models'],
      source: { line: 4 },
    });
    // A non-arXiv DOI is a link, not an id: its digits must not be read as an arXiv id.
    expect(papers[1]).toMatchObject({
      id: 'scaling-laws-for-reward-model-overoptimization',
      url: 'https://doi.org/10.5555/3618408.3618845',
      // A year alone is a year, not 1 January.
      date: '2023',
      source: { line: 26 },
    });
  });

  it('reports the entry without an abstract', () => {
    expect(parseFixture('papers.bib').issues).toEqual([
      { file: `${FIXTURES}/papers.bib`, line: 19, field: 'abstract', message: 'missing abstract' },
    ]);
  });

  it('loses only the entry with unbalanced braces', () => {
    const bib = [
      '@article{first, title={First}, abstract={One.}}', // 1
      '',
      '@article{broken,', // 3
      '  title = {Broken {entry},',
      '  abstract = {Two.}',
      '}',
      '',
      '@article{last, title={Last}, abstract={Three.}, year={2021}, month={May}}', // 8
    ].join('\n');
    const { papers, issues } = parseListing(bib, { file: 'refs.bib' });
    expect(papers.map((paper) => [paper.title, paper.source.line, paper.date])).toEqual([
      ['First', 1, null],
      ['Last', 8, '2021-05'],
    ]);
    expect(issues).toEqual([
      { file: 'refs.bib', line: 3, message: 'entry skipped: Token mismatch, expected "}", found "@article{last, title"... in "article"' },
    ]);
  });
});

describe('CSV', () => {
  it('reads rows with case-insensitive headers, a summary column and a quoted multi-line abstract', () => {
    const { papers, issues } = parseFixture('papers.csv');
    expect(issues).toEqual([]);
    expect(papers.map((paper) => [paper.id, paper.source.line, paper.date, paper.upvotes])).toEqual([
      ['2503.11111', 2, '2025-03-14', 12],
      ['robust-rlhf-with-label-smoothing', 5, '2024-03-02', 0],
      ['noise-aware-preference-optimization', 7, '2024-11-30', 3],
    ]);
    expect(papers[0]).toMatchObject({
      abstract:
        'We measure how often reward models disagree with human raters, and find that "disagreement" grows with response length, even for frontier models.',
      authors: ['Ana Lopez', 'Wei Zhang'],
      categories: ['cs.CL', 'cs.LG'],
    });
    expect(papers[1]?.authors).toEqual(['Priya Nair', 'Tom Baker']);
  });

  it('reads TSV', () => {
    const { papers } = parseListing('title\tabstract\nA tab paper\tWith, commas.\n', { file: 'list.tsv' });
    expect(papers.map((paper) => [paper.title, paper.abstract])).toEqual([['A tab paper', 'With, commas.']]);
  });

  it('reports an unclosed quote, a short row and a missing title, and keeps the good rows', () => {
    const csv = [
      'title,abstract,date', // 1
      'Good One,First abstract.,2024-01-01',
      ',No title here.,2024-01-02', // 3
      'Short row,only two cells', // 4
      'Bad Date,Kept anyway.,not a date', // 5
      'Open Quote,"this never closes,2024-01-03', // 6
      'Good Two,Second abstract.,2024-01-04', // 7
    ].join('\n');
    const { papers, issues } = parseListing(csv, { file: 'list.csv' });
    expect(papers.map((paper) => [paper.title, paper.source.line, paper.date])).toEqual([
      ['Good One', 2, '2024-01-01'],
      ['Bad Date', 5, null],
      ['Good Two', 7, '2024-01-04'],
    ]);
    expect(issues).toEqual([
      { file: 'list.csv', line: 3, field: 'title', message: 'missing title' },
      { file: 'list.csv', line: 4, message: 'row has 2 cells but the header has 3' },
      { file: 'list.csv', line: 5, field: 'date', message: 'not a date: "not a date"', kept: true },
      { file: 'list.csv', line: 6, message: 'unclosed quote; this row is skipped' },
    ]);
  });

  it('reads a quote inside an unquoted cell as text', () => {
    const { papers, issues } = parseListing('title,abstract\nA 5" Display Study,Screens "in the wild".\n', { file: 'q.csv' });
    expect(issues).toEqual([]);
    expect(papers.map((paper) => [paper.title, paper.abstract])).toEqual([['A 5" Display Study', 'Screens "in the wild".']]);
  });

  it('fails without a usable header', () => {
    const error = failureOf(() => parseListing('name,text\nA,B\n', { file: 'h.csv' }));
    expect(error.code).toBe('PARSE_FAILED');
    expect(error.message).toMatch(/^h\.csv:1: the CSV header must name "title" and "abstract"/);
  });
});

describe('JSON', () => {
  it('reads a "papers" array with each object’s line', () => {
    const { papers, issues } = parseFixture('papers.json');
    expect(issues).toEqual([]);
    expect(papers.map((paper) => [paper.id, paper.source.line, paper.date])).toEqual([
      ['2501.00001', 4, '2025-01-02'],
      ['2406.54321', 15, '2024-06-30'],
      ['a-paper-with-a-plain-slug-id', 23, '2023-06-05'],
    ]);
    expect(papers[0]).toMatchObject({ upvotes: 7, organization: 'Example Lab', authorsCount: 2, categories: ['cs.LG', 'cs.CL'] });
    expect(papers[1]).toMatchObject({
      title: 'Reward Shaping for Sparse Tasks',
      abstract: 'Dense shaping rewards, derived from subgoals.',
      authors: ['Priya Nair', 'Tom Baker'],
      categories: ['cs.AI', 'cs.RO'],
    });
  });

  it('reads a bare array; reports bad records and fields by line and keeps the paper when only an optional field is bad', () => {
    const json = [
      '[', // 1
      '  {"title": "Good", "abstract": "Fine."},',
      '  {"title": "No abstract"},', // 3
      '  {"title": "Bad fields", "abstract": "Kept.", "date": "someday", "upvotes": -2, "authors": 5},', // 4
      '  "not an object",', // 5
      '  {"title": 42, "abstract": "Title is a number."}', // 6
      ']',
    ].join('\n');
    const { papers, issues } = parseListing(json, { file: 'list.json' });
    expect(papers.map((paper) => [paper.title, paper.source.line, paper.date, paper.upvotes, paper.authors])).toEqual([
      ['Good', 2, null, 0, []],
      ['Bad fields', 4, null, 0, []],
    ]);
    expect(issues).toEqual([
      { file: 'list.json', line: 3, record: 2, field: 'abstract', message: 'missing abstract' },
      { file: 'list.json', line: 4, record: 3, field: 'date', message: 'not a date: "someday"', kept: true },
      { file: 'list.json', line: 4, record: 3, field: 'authors', message: 'expected a list of strings or a string, found 5', kept: true },
      { file: 'list.json', line: 4, record: 3, field: 'upvotes', message: 'expected a whole number ≥ 0, found -2', kept: true },
      { file: 'list.json', line: 5, record: 4, message: 'expected a paper object, found a string' },
      { file: 'list.json', line: 6, record: 5, field: 'title', message: 'expected text, found 42' },
      { file: 'list.json', line: 6, record: 5, field: 'title', message: 'missing title' },
    ]);
  });

  it('fails on invalid JSON, naming the line and column', () => {
    const error = failureOf(() => parseListing('[\n  {"title": "A", "abstract": "B"},\n  {"title": tru}\n]', { file: 'bad.json' }));
    expect(error.code).toBe('PARSE_FAILED');
    expect(error.message).toMatch(/^bad\.json:3:13: invalid JSON/);
    expect(error.details).toMatchObject({ file: 'bad.json', line: 3, column: 13 });
  });

  it('fails on JSON that holds no papers array', () => {
    expect(failureOf(() => parseListing('{"items": []}', { file: 'x.json' })).message).toBe(
      'x.json:1: expected an array of papers or an object with a "papers" array',
    );
  });
});

describe('JSONL', () => {
  it('reads one object per line, with the abstract also called summary', () => {
    const { papers, issues } = parseFixture('papers.jsonl');
    expect(issues).toEqual([]);
    expect(papers.map((paper) => [paper.id, paper.source.line])).toEqual([
      ['2402.00002', 1],
      ['2310.99999', 2],
      ['calibrated-judges', 4],
    ]);
    expect(papers[0]).toMatchObject({ authors: ['Kenji Sato', 'Ana Lopez'], upvotes: 4, date: '2024-02-01' });
    expect(papers[1]?.categories).toEqual(['cs.LG', 'stat.ML']);
    expect(papers[2]).toMatchObject({ abstract: 'An abstract under its other name.', organization: 'Example Lab' });
  });

  it('reads BEIR corpus records: _id is the id and text the abstract', () => {
    const jsonl = '{"_id": "4983", "title": "Microstructural development", "text": "Alterations of white matter.", "metadata": {}}\r\n';
    const { papers, issues } = parseListing(jsonl, { file: 'corpus.jsonl' });
    expect(issues).toEqual([]);
    expect(papers).toMatchObject([{ id: '4983', title: 'Microstructural development', abstract: 'Alterations of white matter.' }]);
  });

  it('reports an invalid line and keeps the others', () => {
    const jsonl = '{"title": "A", "abstract": "One."}\n{"title": "B", "abstract": \n[1]\n{"title": "C", "abstract": "Three."}';
    const { papers, issues } = parseListing(jsonl, { file: 'list.jsonl' });
    expect(papers.map((paper) => [paper.title, paper.source.line])).toEqual([
      ['A', 1],
      ['C', 4],
    ]);
    expect(issues).toEqual([
      { file: 'list.jsonl', line: 2, message: expect.stringMatching(/^invalid JSON: /) },
      { file: 'list.jsonl', line: 3, message: 'expected a paper object, found an array' },
    ]);
  });
});
