import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { formatIndexSummary, printResults } from '../../cli/print.js';
import { errorCatalog } from '../../core/errors.js';
import type { IndexSummary } from '../../indexer/index.js';
import { parseListing } from '../../indexer/parse/parse.js';
import type { SearchHit } from '../../server/engine/index.js';
import { INDEX_SAMPLE_MS } from '../helpers/limits.js';
import { buildSampleIndex } from '../helpers/sample-index.js';
import { outcomeOf, spawnCli } from '../reliability/cli.js';

/** What `print` wrote to stdout. */
function printed(print: () => void): string {
  const chunks: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    chunks.push(String(chunk));
    return true;
  });
  try {
    print();
  } finally {
    spy.mockRestore();
  }
  return chunks.join('');
}

const hit = (id: string): SearchHit => ({
  id,
  title: `Paper ${id}`,
  date: '2025-05-28',
  authors_count: 1,
  organization: null,
  upvotes: 1,
  url: null,
  arxiv_id: null,
  cluster: { id: 0, label: 'rewards' },
  score: 1,
  snippet: 'A snippet.',
  highlights: [],
});

describe('CLI wording', () => {
  afterEach(() => vi.restoreAllMocks());

  it('says "1 author", "1 upvote", and numbers a later page from offset + 1', () => {
    const text = printed(() => printResults([hit('a'), hit('b')], { total: 9, tookMs: 3, offset: 2 }));
    expect(text).toMatch(/^ 3\. Paper a$/m);
    expect(text).toMatch(/^ 4\. Paper b$/m);
    expect(text).toContain('1 author · 1 upvote · topic: rewards');
    expect(text).not.toMatch(/1 (authors|upvotes)/);
    expect(text).toContain('3–4 of 9 shown');
  });

  it('says when a page starts past the last result', () => {
    expect(printed(() => printResults([], { total: 9, tookMs: 3, offset: 20 }))).toContain('No results from 21 on: 9 results in all.');
  });

  it('says "at least" when the total is a lower bound (counting stopped at the cap)', () => {
    const summary = { total: 1000, totalRelation: 'gte', tookMs: 3, nextOffset: 2 } as const;
    expect(printed(() => printResults([hit('a'), hit('b')], summary))).toContain(
      '1–2 of at least 1,000 shown (3 ms); more with --offset 2',
    );
    expect(printed(() => printResults([], { ...summary, offset: 5000 }))).toContain('No results from 5001 on: 1,000+ results in all.');
  });

  it("prints the command's own note when nothing is listed, not search's hint", () => {
    const text = printed(() => printResults([], undefined, 'No paper in this index is close to this one.'));
    expect(text).toBe('No paper in this index is close to this one.\n');
  });

  it('counts the index summary in the singular and names skipped and kept records apart', () => {
    const summary = {
      total: 1,
      buildMs: 1200,
      added: 1,
      updated: 0,
      unchanged: 0,
      skipped: 7,
      kept: 1,
      topics: 1,
      embedder: { kind: 'word-vectors', model: 'wink', dimension: 100 },
    } as IndexSummary;
    expect(formatIndexSummary(summary)).toBe(
      'Indexed 1 paper in 1.2 s: 1 added, 0 updated, 0 unchanged, 7 skipped, 1 paper kept without a bad field; 1 topic; embedder word-vectors (wink).',
    );
    const repaired = { ...summary, rebuiltFiles: [{ file: 'sentence index', reason: 'it is of format version 5, not 6' }] } as IndexSummary;
    expect(formatIndexSummary(repaired)).toMatch(/; 1 topic; rebuilt from the table: sentence index; embedder word-vectors/);
  });
});

describe('CLI commands that used to answer the wrong question', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await buildSampleIndex();
  }, INDEX_SAMPLE_MS);

  it('numbers --offset 2 results from 3', async () => {
    const outcome = await outcomeOf(spawnCli(['search', 'reward', '--offset', '2', '-k', '2', '--data-dir', dataDir]));
    expect(outcome.code, outcome.stderr).toBe(0);
    expect(outcome.stdout.match(/^ ?\d+\./gm)).toEqual([' 3.', ' 4.']);
  });

  it('says there is no topic 99 rather than "No matching papers"', async () => {
    const outcome = await outcomeOf(spawnCli(['search', 'reward', '--topic', '99', '--data-dir', dataDir]));
    expect(outcome.code).toBe(errorCatalog.NOT_FOUND.exit);
    expect(outcome.stderr).toMatch(/^paperscope: No topic 99: the topics are 0, 1/);
    expect(outcome.stdout).not.toContain('No matching papers');
  });

  it('refuses clusters --clusters 3 without --report instead of ignoring it', async () => {
    const outcome = await outcomeOf(spawnCli(['clusters', '--clusters', '3', '--data-dir', dataDir]));
    expect(outcome.code).toBe(errorCatalog.INVALID_INPUT.exit);
    expect(outcome.stderr).toMatch(/--clusters only applies with --report.*paperscope index --clusters/);
  });

  it('exports a search as BibTeX that the indexer reads back', async () => {
    const search = await outcomeOf(spawnCli(['export', '--query', 'reward noise', '-k', '3', '--data-dir', dataDir]));
    expect(search.code, search.stderr).toBe(0);
    expect(search.stdout.match(/^@misc\{/gm)).toHaveLength(3);
    expect(parseListing(search.stdout, { file: 'export.bib' }).papers).toHaveLength(3);
  });
});
