import { describe, expect, it } from 'vitest';
import { syncInterval } from '../../cli/fetch.js';
import { readSettings } from '../../core/config.js';
import type { Paper } from '../../indexer/parse/index.js';
import {
  arxivPageUrl,
  daysBetween,
  parseArxivPage,
  parseDailyPapers,
  parseRetryAfter,
  reconcile,
  retryDelay,
  syncRequest,
} from '../../indexer/sources/index.js';
import { PaperBriefs, type PaperRecords } from '../../indexer/store/index.js';
import { ARXIV_ENTRIES, atomFeed, DAILY_PAPERS } from './stand-in.js';

const policy = { maxAttempts: 4, baseDelayMs: 3000, maxWaitMs: 120_000 };

describe('retry policy', () => {
  it('honours Retry-After in seconds or as an HTTP date', () => {
    const now = Date.parse('2026-01-12T10:00:00Z');
    expect(parseRetryAfter('1', now)).toBe(1000);
    expect(parseRetryAfter('Mon, 12 Jan 2026 10:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(retryDelay({ status: 503, retryAfter: '1' }, 1, policy, now)).toEqual({ waitMs: 1000 });
    expect(retryDelay({ status: 429, retryAfter: '7' }, 2, policy, now)).toEqual({ waitMs: 7000 });
  });

  it('doubles its own pause when the server names none, and retries a bounded number of times', () => {
    expect(retryDelay({ status: 'network' }, 1, policy, 0)).toEqual({ waitMs: 3000 });
    expect(retryDelay({ status: 'timeout' }, 3, policy, 0)).toEqual({ waitMs: 12_000 });
    expect(retryDelay({ status: 503, retryAfter: null }, 4, policy, 0)).toEqual({ giveUp: 'gave up after 4 attempts' });
  });

  it('does not retry answers a retry cannot change, nor wait longer than it allows', () => {
    expect(retryDelay({ status: 400, retryAfter: null }, 1, policy, 0)).toEqual({ giveUp: 'a retry would not change the answer' });
    expect(retryDelay({ status: 404, retryAfter: '1' }, 1, policy, 0)).toMatchObject({ giveUp: expect.any(String) });
    expect(retryDelay({ status: 429, retryAfter: '3600' }, 1, policy, 0)).toMatchObject({ giveUp: expect.stringContaining('3600 s') });
  });
});

describe('arXiv pages', () => {
  it('asks for a page of the newest submissions', () => {
    const url = new URL(arxivPageUrl('https://export.arxiv.org/api/query', 'cat:cs.CL AND abs:"reward noise"', 100, 50));
    expect(Object.fromEntries(url.searchParams)).toEqual({
      search_query: 'cat:cs.CL AND abs:"reward noise"',
      start: '100',
      max_results: '50',
      sortBy: 'submittedDate',
      sortOrder: 'descending',
    });
  });

  it('reads entries with the Atom parser, and the total for paging', () => {
    const page = parseArxivPage(atomFeed(ARXIV_ENTRIES.slice(0, 2), 3, 0), 'arxiv-page');
    expect(page).toMatchObject({ entries: 2, totalResults: 3, issues: [] });
    expect(page.papers.map((paper) => [paper.id, paper.date, paper.categories])).toEqual([
      ['2601.00003', '2026-01-12', ['cs.CL']],
      ['2601.00002', '2026-01-11', ['cs.LG']],
    ]);
    expect(parseArxivPage(atomFeed([], 3, 4), 'empty')).toMatchObject({ entries: 0, papers: [] });
  });

  it('fails naming arXiv on a truncated body or its error feed', () => {
    const feed = atomFeed(ARXIV_ENTRIES, 3, 0);
    expect(() => parseArxivPage(feed.slice(0, feed.length / 2), 'https://arxiv/p1')).toThrow(
      /^arXiv: https:\/\/arxiv\/p1: the answer is not a readable Atom feed/,
    );
    const apiError = `<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>http://arxiv.org/api/errors#incorrect_id_format</id><title>Error</title><summary>incorrect id format</summary></entry></feed>`;
    expect(() => parseArxivPage(apiError, 'u')).toThrow(/arXiv API error: incorrect id format/);
  });
});

describe('Hugging Face daily papers', () => {
  it('reads the items as papers with their arXiv id and upvotes', () => {
    const { papers, issues } = parseDailyPapers(JSON.stringify(DAILY_PAPERS), 'daily', 'https://huggingface.co');
    expect(issues).toEqual([]);
    expect(papers.map(({ id, upvotes, date, authors, url }) => ({ id, upvotes, date, authors, url }))).toEqual([
      { id: '2601.00002', upvotes: 42, date: '2026-01-11', authors: ['A. Author'], url: 'https://huggingface.co/papers/2601.00002' },
      { id: '2601.00009', upvotes: 7, date: '2026-01-12', authors: ['Grace Hopper'], url: 'https://huggingface.co/papers/2601.00009' },
    ]);
  });

  it('skips an item that is not a daily paper, naming the field, and keeps the rest', () => {
    const items = [{ paper: { id: '2601.00001', title: 'No summary' } }, ...DAILY_PAPERS];
    const { papers, issues } = parseDailyPapers(JSON.stringify(items), 'daily', 'https://hf.example/mirror/');
    expect(papers).toHaveLength(2);
    expect(issues).toEqual([{ file: 'daily', line: 1, field: 'paper.summary', message: expect.any(String) }]);
  });

  it('fails naming the source on a body cut short or not a list', () => {
    expect(() => parseDailyPapers(JSON.stringify(DAILY_PAPERS).slice(0, 80), 'u', 'https://hf')).toThrow(
      /^Hugging Face daily papers: u: the answer is not JSON, perhaps cut short/,
    );
    expect(() => parseDailyPapers('{"error":"Invalid date"}', 'u', 'https://hf')).toThrow(/expected a JSON list/);
  });

  it('lists the days of a --since fetch, and sync starts a few days before the last run', () => {
    expect(daysBetween('2025-12-30', '2026-01-02')).toEqual(['2025-12-30', '2025-12-31', '2026-01-01', '2026-01-02']);
    expect(daysBetween('2026-01-03', '2026-01-02')).toEqual([]);
    expect(syncRequest({ kind: 'hf-daily', since: '2025-12-01' }, '2026-01-12T08:00:00.000Z')).toEqual({
      kind: 'hf-daily',
      since: '2026-01-09',
    });
    expect(syncRequest({ kind: 'hf-daily', since: '2026-01-11' }, '2026-01-12T08:00:00.000Z')).toEqual({
      kind: 'hf-daily',
      since: '2026-01-11',
    });
  });
});

function paper(fields: Partial<Paper> & Pick<Paper, 'id' | 'title'>): Paper {
  return {
    abstract: 'An abstract.',
    authors: [],
    authorsCount: null,
    organization: null,
    date: null,
    upvotes: 0,
    url: null,
    categories: [],
    source: { file: 'test', line: 1 },
    ...fields,
  };
}

function records(papers: Paper[]): PaperRecords {
  return {
    briefs: PaperBriefs.of(
      papers.map(({ id, title, authorsCount, date, upvotes }) => ({
        id,
        title,
        authorsCount,
        date,
        upvotes,
        sourceLine: 1,
        contentHash: 'h',
      })),
    ),
    details: (row) => {
      const { abstract, authors, categories, organization, url } = papers[row] as Paper;
      return { abstract, authors, categories, organization, url, sourceFile: 'stored' };
    },
  };
}

describe('one paper, one record', () => {
  it('matches by arXiv id, keeping what the new copy lacks (upvotes) and taking what it brings', () => {
    const stored = records([
      paper({ id: '2601.00002', title: 'Sparse reward shaping', upvotes: 42, organization: 'Lab', url: 'https://hf/papers/2601.00002' }),
    ]);
    const fresh = paper({
      id: '2601.00002',
      title: 'Sparse reward shaping (v2)',
      categories: ['cs.LG'],
      url: 'http://arxiv.org/abs/2601.00002v2',
    });
    const [merged, ...rest] = reconcile([fresh], stored);
    expect(rest).toEqual([]);
    expect(merged).toMatchObject({
      id: '2601.00002',
      title: 'Sparse reward shaping (v2)',
      upvotes: 42,
      organization: 'Lab',
      categories: ['cs.LG'],
      url: 'https://hf/papers/2601.00002',
    });
    expect(reconcile([paper({ id: '2601.00002', title: 'Sparse reward shaping', upvotes: 50 })], stored)[0]?.upvotes).toBe(50);
  });

  it('matches by normalised title when ids differ, keeping the stored id', () => {
    const stored = records([paper({ id: 'tiny-vision-transformers-on-a-budget', title: 'Tiny vision transformers on a budget' })]);
    expect(
      reconcile([paper({ id: '2601.00009', title: 'Tiny Vision Transformers, on a Budget!' })], stored).map((merged) => merged.id),
    ).toEqual(['tiny-vision-transformers-on-a-budget']);
  });

  it('merges duplicates within one fetch, without an index yet', () => {
    const merged = reconcile(
      [
        paper({ id: '2601.00002', title: 'Sparse reward shaping', upvotes: 3 }),
        paper({ id: 'sparse-reward-shaping', title: 'Sparse Reward Shaping' }),
        paper({ id: '2601.00003', title: 'Other' }),
      ],
      undefined,
    );
    expect(merged.map(({ id, upvotes }) => ({ id, upvotes }))).toEqual([
      { id: '2601.00002', upvotes: 3 },
      { id: '2601.00003', upvotes: 0 },
    ]);
  });
});

describe('serve --sync-every', () => {
  it('reads intervals in seconds to days, within what a timer can hold', () => {
    expect(syncInterval('6h')).toBe(21_600_000);
    expect(syncInterval('30m')).toBe(1_800_000);
    expect(syncInterval('1.5s')).toBe(1_500);
    expect(() => syncInterval('6')).toThrow(/such as 6h/);
    expect(() => syncInterval('0s')).toThrow(/such as 6h/);
    expect(() => syncInterval('30d')).toThrow(/such as 6h/);
  });
});

describe('source settings', () => {
  it('default to the public APIs and the 3 s pause, and take only http(s) endpoints', () => {
    expect(readSettings({}).sources).toEqual({
      arxivApi: 'https://export.arxiv.org/api/query',
      hfEndpoint: 'https://huggingface.co',
      pauseMs: 3000,
      timeoutMs: 30_000,
    });
    expect(readSettings({ HF_ENDPOINT: 'http://127.0.0.1:9/', PAPERSCOPE_FETCH_PAUSE_MS: '0' }).sources).toMatchObject({
      hfEndpoint: 'http://127.0.0.1:9/',
      pauseMs: 0,
    });
    expect(() => readSettings({ PAPERSCOPE_ARXIV_API: 'file:///etc/passwd' })).toThrow(/PAPERSCOPE_ARXIV_API/);
    expect(() => readSettings({ HF_ENDPOINT: 'node:internal' })).toThrow(/HF_ENDPOINT/);
  });
});
