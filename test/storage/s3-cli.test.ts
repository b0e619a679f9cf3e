import type { ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INDEX_SAMPLE_MS } from '../helpers/limits.js';
import { getJson, type LocalS3, seededCacheDir, startLocalS3 } from '../helpers/local-s3.js';
import { SAMPLE_FILE, SAMPLE_YEAR, temporaryDir } from '../helpers/sample-index.js';
import { type ChildOutcome, outcomeOf, serverUrl, spawnCli } from '../reliability/cli.js';

const BUCKET = 'paperscope';
const URI = `s3://${BUCKET}/cli/v1`;
const NEW_PAPER = {
  title: 'Wombat dropout: burrow-shaped masks for long-context retrieval',
  abstract:
    'We introduce wombat dropout, a masking scheme that keeps long-context retrieval models calibrated. Wombat dropout halves retrieval drift.',
};

/**
 * `paperscope index` and `paperscope serve` as separate processes, as a deployment runs them: each
 * with its own cache dir (so its own working copy), sharing only the s3rver bucket, whose AWS_*
 * variables the children inherit from `startLocalS3`.
 */
describe('paperscope index and serve as processes on an s3:// data dir', () => {
  let scratch: { dir: string; remove: () => Promise<void> };
  let s3: LocalS3 | undefined;
  const children: ChildProcess[] = [];
  let server: { child: ChildProcess; url: string; exited: Promise<ChildOutcome> } | undefined;

  beforeAll(async () => {
    scratch = await temporaryDir('paperscope-s3-cli-');
    s3 = await startLocalS3(path.join(scratch.dir, 's3'), BUCKET);
  }, INDEX_SAMPLE_MS);

  afterAll(async () => {
    // A failed test can leave a child running: kill it so the file's worker can end.
    const running = children.filter((child) => child.exitCode === null && child.signalCode === null);
    await Promise.all(
      running.map((child) => {
        const closed = new Promise((resolve) => child.once('close', resolve));
        child.kill('SIGKILL');
        return closed;
      }),
    );
    await s3?.close();
    await scratch?.remove();
  });

  const cacheDir = (name: string) => seededCacheDir(path.join(scratch.dir, name));

  function start(args: string[], env: Record<string, string>): ChildProcess {
    const child = spawnCli(args, env);
    children.push(child);
    return child;
  }

  /** Runs `paperscope index <paths> --json` to the end and returns its summary. */
  async function index(paths: string[], cache: string): Promise<{ added: number; total: number }> {
    const args = ['index', ...paths, '--data-dir', URI, '--embedder', 'word-vectors', '--offline', '--year', String(SAMPLE_YEAR), '--json'];
    const outcome = await outcomeOf(start(args, { PAPERSCOPE_CACHE_DIR: await cacheDir(cache) }));
    expect(outcome.code, outcome.stderr).toBe(0);
    return JSON.parse(outcome.stdout);
  }

  it(
    'indexes data/ into s3:// from the CLI',
    async () => {
      expect(await index(['data/'], 'indexer-1')).toMatchObject({ added: 62, total: 62 });
    },
    INDEX_SAMPLE_MS,
  );

  it(
    'serves the sample from s3:// in another process',
    async () => {
      const child = start(['serve', '--data-dir', URI, '--port', '0', '--offline'], {
        PAPERSCOPE_CACHE_DIR: await cacheDir('server'),
        PAPERSCOPE_RELOAD_INTERVAL_MS: '200',
        PAPERSCOPE_RATE_LIMIT: '0',
      });
      const exited = outcomeOf(child);
      const url = await serverUrl(child).catch(async (error: Error) => {
        throw new Error(`${error.message}: ${(await exited).stderr}`);
      });
      server = { child, url: url.origin, exited };
      expect((await getJson(`${server.url}/api/status`)).papers).toBe(62);
      const { results } = await getJson(`${server.url}/api/search?q=reward%20noise&k=5`);
      expect(results).toHaveLength(5);
      const sample = await readFile(SAMPLE_FILE, 'utf8');
      for (const result of results) expect(sample).toContain(result.title);
    },
    INDEX_SAMPLE_MS,
  );

  it(
    'the running server picks up a paper added by a second index process, without a restart',
    async () => {
      if (!server) throw new Error('the server did not start');
      const input = path.join(scratch.dir, 'new.jsonl');
      await writeFile(input, `${JSON.stringify(NEW_PAPER)}\n`);
      // A second indexer with an empty cache dir: it works from the bucket alone.
      expect(await index([input], 'indexer-2')).toMatchObject({ added: 1, total: 63 });
      // A bound for a hung reload, not a speed check: the server looks every 200 ms.
      const deadline = Date.now() + 20_000;
      while ((await getJson(`${server.url}/api/status`)).papers !== 63 && Date.now() < deadline) await sleep(100);
      expect((await getJson(`${server.url}/api/status`)).papers).toBe(63);
      const { results } = await getJson(`${server.url}/api/search?q=wombat%20dropout&k=1`);
      expect(results[0]?.title).toBe(NEW_PAPER.title);
    },
    INDEX_SAMPLE_MS,
  );

  it(
    'exits with code 0 on SIGINT',
    async () => {
      if (!server) throw new Error('the server did not start');
      server.child.kill('SIGINT');
      const outcome = await server.exited;
      expect(outcome.code, outcome.stderr).toBe(0);
      expect(outcome.stderr).toContain('Shutting down');
    },
    INDEX_SAMPLE_MS,
  );
});
