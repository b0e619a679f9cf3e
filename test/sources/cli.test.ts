import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INDEX_SAMPLE_MS } from '../helpers/limits.js';
import { temporaryDir } from '../helpers/sample-index.js';
import { outcomeOf, serverUrl, spawnCli } from '../reliability/cli.js';
import { type StandIn, startStandIn } from './stand-in.js';

/**
 * The "done when", end to end through the CLI: both live sources against a local stand-in
 * that answers each API's first request with 503 + Retry-After: 1 and pages arXiv two entries at a time.
 */
describe('paperscope fetch and sync', () => {
  let scratch: { dir: string; remove: () => Promise<void> };
  let standIn: StandIn;
  const embed = ['--embedder', 'word-vectors', '--offline'];

  beforeAll(async () => {
    scratch = await temporaryDir('paperscope-fetch-');
    standIn = await startStandIn();
  });
  afterAll(async () => {
    await standIn.close();
    await scratch.remove();
  });

  const env = () => ({ PAPERSCOPE_ARXIV_API: `${standIn.url}/api/query`, HF_ENDPOINT: standIn.url, PAPERSCOPE_FETCH_PAUSE_MS: '50' });

  async function paperscope(...args: string[]) {
    const outcome = await outcomeOf(spawnCli([...args, '--data-dir', scratch.dir], env()));
    expect(outcome.code, outcome.stderr).toBe(0);
    return outcome;
  }

  async function papers(): Promise<number> {
    return JSON.parse((await paperscope('status', '--json')).stdout).papers;
  }

  it(
    'reads 3 arXiv entries and 2 daily papers, one of them the same paper, into 4 records',
    async () => {
      const arxiv = await paperscope('fetch', 'arxiv', '--query', 'cat:cs.CL', '--max', '3', '--json', ...embed);
      expect(JSON.parse(arxiv.stdout)).toMatchObject({ fetched: 3, requests: 2, index: { added: 3, total: 3 } });
      expect(arxiv.stderr).toMatch(/arXiv: HTTP 503; retrying in 1\.0 s/);
      // The 503, then two pages of at most two entries.
      expect(standIn.requests.filter((request) => request.startsWith('/api/query'))).toHaveLength(3);

      const daily = await paperscope('fetch', 'hf-daily', '--date', '2026-01-12', '--json', ...embed);
      expect(JSON.parse(daily.stdout)).toMatchObject({ fetched: 2, index: { added: 1, updated: 1, total: 4 } });
      expect(await papers()).toBe(4);
      // Only the daily paper arXiv did not have is new after that fetch.
      expect(JSON.parse((await paperscope('status', '--json')).stdout).new_papers.ids).toEqual(['2601.00009']);

      const again = await paperscope('fetch', 'arxiv', '--query', 'cat:cs.CL', '--max', '3', '--json', ...embed);
      expect(JSON.parse(again.stdout)).toMatchObject({ fetched: 3, index: { added: 0, total: 4 } });
      expect(await papers()).toBe(4);

      // The shared paper kept its upvotes from Hugging Face when arXiv was read again.
      const found = JSON.parse((await paperscope('search', 'sparse reward shaping label noise', '--json', '-k', '1')).stdout);
      expect(found.results[0]).toMatchObject({ id: '2601.00002', upvotes: 42 });
    },
    INDEX_SAMPLE_MS,
  );

  it(
    'sync reads both remembered sources again without adding anything',
    async () => {
      const before = standIn.requests.length;
      const sync = await paperscope('sync', '--json', ...embed);
      const summaries = JSON.parse(sync.stdout);
      expect(summaries.map((summary: { spec: { kind: string } }) => summary.spec.kind)).toEqual(['hf-daily', 'arxiv']);
      expect(summaries.every((summary: { index: { added: number } }) => summary.index.added === 0)).toBe(true);
      expect(standIn.requests.length).toBe(before + 3);
      expect(await papers()).toBe(4);
    },
    INDEX_SAMPLE_MS,
  );

  it(
    'serve --sync-every syncs in the background: a new daily paper is served, in a topic, without a restart',
    async () => {
      standIn.daily.push({
        paper: {
          id: '2601.00010',
          title: 'Wombat attention for streaming translation',
          summary: 'Wombat attention streams speech translation with half the latency.',
          upvotes: 3,
        },
      });
      const child = spawnCli(['serve', '--data-dir', scratch.dir, '--port', '0', '--offline', '--sync-every', '6h'], {
        ...env(),
        PAPERSCOPE_RELOAD_INTERVAL_MS: '200',
        PAPERSCOPE_RATE_LIMIT: '0',
      });
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      const exited = outcomeOf(child);
      try {
        const url = await serverUrl(child);
        for (let tries = 0; tries < 600 && !/Sync: .*arXiv/.test(stderr); tries++) await sleep(100);
        expect(stderr).toMatch(
          /Sync: Fetched 3 papers from Hugging Face daily papers \(2026-01-12\) in 1 request: 1 added, 0 updated, 2 unchanged; 5 papers in the index\./,
        );
        expect(stderr).toMatch(/Sync: Fetched 3 papers from arXiv \(cat:cs.CL\) in 2 requests: 0 added/);
        let papers = 0;
        for (let tries = 0; tries < 100 && papers < 5; tries++) {
          await sleep(100);
          papers = ((await (await fetch(new URL('/api/status', url))).json()) as { papers: number }).papers;
        }
        expect(papers).toBe(5);
        const paper = await (await fetch(new URL('/api/papers/2601.00010', url))).json();
        expect(paper).toMatchObject({ id: '2601.00010', upvotes: 3, cluster: { id: expect.any(Number) } });
      } finally {
        child.kill('SIGTERM');
      }
      expect((await exited).code).toBe(0);
    },
    INDEX_SAMPLE_MS,
  );
});
