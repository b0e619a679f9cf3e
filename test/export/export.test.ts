import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../core/version.js';
import { findArxivId, type Paper, readListings } from '../../indexer/parse/index.js';
import { parseListing } from '../../indexer/parse/parse.js';
import type { PaperDetail } from '../../server/engine/index.js';
import { citationKeys, exportPapers } from '../../server/export/index.js';

/** A paper as the API gives it, from a parsed one. */
function detail(paper: Paper): PaperDetail {
  return {
    id: paper.id,
    title: paper.title,
    abstract: paper.abstract,
    date: paper.date,
    authors: paper.authors,
    authors_count: paper.authorsCount,
    organization: paper.organization,
    upvotes: paper.upvotes,
    url: paper.url,
    categories: paper.categories,
    arxiv_id: findArxivId(paper.id, paper.url),
    cluster: { id: 0, label: 'a topic' },
  };
}

const TRICKY: PaperDetail = {
  id: '2505.22653',
  title: "Ünïcode {braces}, 50% & $math$ #1 under_score ~tilde^ and a back\\slash -- ``quoted'' a < b, c > d --- x",
  abstract: 'First line.\nSecond line with "quotes", commas, {nested {braces}} and 100% of it.',
  date: '2025-05-28',
  authors: ['Ang Lv', 'Ruobing Xie', 'van der Berg, Jan', 'Research and Development Team'],
  authors_count: 4,
  organization: 'Renmin University & Tencent',
  upvotes: 12,
  url: 'https://example.org/a_b%20c?x=1&y=~2',
  categories: ['cs.LG', 'cs.CL'],
  arxiv_id: '2505.22653',
  cluster: { id: 3, label: 'reward noise' },
};

/** The fields a BibTeX export carries, as our own reader gives them back. */
const bibliographic = (
  paper: Pick<Paper, 'id' | 'title' | 'abstract' | 'authors' | 'date' | 'url' | 'categories' | 'organization' | 'upvotes'> & {
    authors_count: number | null;
  },
) => ({
  id: paper.id,
  title: paper.title,
  abstract: paper.abstract,
  authors: paper.authors,
  date: paper.date,
  url: paper.url,
  categories: [paper.categories[0], ...paper.categories.slice(1).sort()],
  organization: paper.organization,
  upvotes: paper.upvotes,
  authors_count: paper.authors_count,
});

describe('exports', () => {
  it('writes BibTeX that our BibTeX reader reads back with nothing lost, special characters included', async () => {
    // Our reader takes about 0.1 s per abstract, so the sample's papers whose text LaTeX would change.
    const sample = (await readListings([path.join(PROJECT_ROOT, 'data')])).papers
      .map(detail)
      .filter((paper) => /--|``|''|[<>%\\{}~^_&$#]|[^ -~]/.test(paper.title + paper.abstract + paper.authors.join('')))
      .slice(0, 8);
    expect(sample).toHaveLength(8);
    const papers = [...sample, TRICKY];
    const { body } = exportPapers(papers, 'bibtex');
    const read = parseListing(body, { file: 'export.bib' });
    expect(read.issues).toEqual([]);
    expect(read.papers.map((paper) => bibliographic({ ...paper, authors_count: paper.authorsCount }))).toEqual(
      papers.map((paper) => bibliographic({ ...paper, abstract: paper.abstract.replace(/\s+/g, ' ') })),
    );
  });

  it("reads Paperscope's own upvotes and authors_count fields, and names one that is not a whole number", () => {
    const read = parseListing('@misc{a,\n  title = {T},\n  abstract = {A.},\n  upvotes = {many},\n  authors_count = {3}\n}\n', {
      file: 'x.bib',
    });
    expect(read.papers).toMatchObject([{ upvotes: 0, authorsCount: 3 }]);
    expect(read.issues).toEqual([{ file: 'x.bib', line: 1, field: 'upvotes', message: 'not a whole number: "many"', kept: true }]);
  });

  it('gives stable, distinct citation keys: author, year and first title word, collisions suffixed by id', () => {
    const twin = { ...TRICKY, id: '2505.00001' };
    const keys = citationKeys([TRICKY, twin]);
    expect(keys).toEqual(['lv2025unicodeb', 'lv2025unicodea']);
    expect(citationKeys([twin, TRICKY])).toEqual(['lv2025unicodea', 'lv2025unicodeb']);
    expect(citationKeys([{ ...TRICKY, authors: [], organization: null, date: null, title: 'The Climb Carves Wisdom' }])).toEqual([
      'anonclimb',
    ]);
  });

  it('writes RIS with one tag per line and one record per paper', () => {
    const { body } = exportPapers([TRICKY, { ...TRICKY, id: 'other', arxiv_id: null, date: '2024' }], 'ris');
    const records = body.split(/\r\nER {2}-\r\n/).filter((record) => record.trim() !== '');
    expect(records).toHaveLength(2);
    expect(body).toContain('AU  - van der Berg, Jan\r\n');
    expect(body).toContain('DA  - 2025/05/28/\r\n');
    expect(body).toContain('L1  - https://arxiv.org/pdf/2505.22653\r\n');
    expect(body).toContain('AB  - First line. Second line');
    expect(body).toContain('PY  - 2024\r\n');
  });

  it('writes CSV with a header that our CSV reader reads back, and JSON Lines of whole papers', () => {
    const { body } = exportPapers([TRICKY], 'csv');
    const rows = parseCsv(body, { columns: true }) as Array<Record<string, string>>;
    expect(Object.keys(rows[0] ?? {})).toContain('title');
    expect(rows[0]?.title).toBe(TRICKY.title);
    const read = parseListing(body, { file: 'export.csv' });
    expect(read.papers.map((paper) => [paper.id, paper.title, paper.abstract, paper.upvotes, paper.categories])).toEqual([
      [TRICKY.id, TRICKY.title, TRICKY.abstract.replace(/\s+/g, ' '), 12, ['cs.LG', 'cs.CL']],
    ]);
    const lines = exportPapers([TRICKY, TRICKY], 'jsonl').body.trimEnd().split('\n');
    expect(lines.map((line) => JSON.parse(line))).toEqual([TRICKY, TRICKY]);
  });
});
