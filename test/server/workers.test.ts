import type { ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { describe, expect, it, onTestFailed } from 'vitest';
import { readSettings } from '../../core/config.js';
import { SERVING_HEAP_GROWING_PERCENT, SERVING_INTERRUPT_BUDGET, SERVING_SEMI_SPACE_MB, servingNodeFlags } from '../../server/cluster.js';
import { INDEX_SAMPLE_MS } from '../helpers/limits.js';
import { buildSampleIndex } from '../helpers/sample-index.js';
import { outcomeOf, serverUrl, spawnCli } from '../reliability/cli.js';

async function workerPids(primary: number): Promise<number[]> {
  const children = await readFile(`/proc/${primary}/task/${primary}/children`, 'utf8').catch(() => '');
  return children.split(' ').filter(Boolean).map(Number);
}

function stderrMatching(child: ChildProcess, pattern: RegExp): Promise<void> {
  return new Promise((resolve) => {
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (pattern.test(stderr)) resolve();
    });
  });
}

const search = (url: URL) =>
  fetch(new URL('/api/search?q=reward%20noise&k=3', url), { headers: { connection: 'close' } }).then(async (response) => ({
    status: response.status,
    ids: ((await response.json()) as { results: Array<{ id: string }> }).results.map((hit) => hit.id),
  }));

describe('paperscope serve --workers', () => {
  it(
    'answers from two processes on one port, replaces a worker that dies, and stops them all on SIGTERM',
    async () => {
      const dataDir = await buildSampleIndex();
      const child = spawnCli(['serve', '--data-dir', dataDir, '--port', '0', '--offline', '--workers', '2'], {
        PAPERSCOPE_RATE_LIMIT: '0',
        PAPERSCOPE_RELOAD_INTERVAL_MS: '0',
      });
      const exited = outcomeOf(child);
      // A failed expectation must not leave the pool running.
      const stopAll = () => {
        child.kill('SIGTERM');
      };
      onTestFailed(stopAll);
      const allAnswer = stderrMatching(child, /All 2 workers answer/);
      const url = await serverUrl(child);
      await allAnswer;
      const pids = await workerPids(child.pid ?? 0);
      expect(pids).toHaveLength(2);
      // Each worker runs with the serving young generation (SERVING_SEMI_SPACE_MB).
      for (const pid of pids) expect((await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0')).toContain('--min-semi-space-size=32');
      const first = await search(url);
      expect(first.status).toBe(200);
      expect(first.ids).toHaveLength(3);

      const replaced = stderrMatching(child, /starting another/);
      process.kill(pids[0] as number, 'SIGKILL');
      await replaced;
      for (let attempt = 0; attempt < 6; attempt++) expect(await search(url)).toEqual(first);
      const running = await workerPids(child.pid ?? 0);
      expect(running).toHaveLength(2);
      expect(running).not.toContain(pids[0]);

      child.kill('SIGTERM');
      const outcome = await exited;
      expect(outcome.code, outcome.stderr).toBe(0);
      expect(outcome.stderr).toContain('from 2 workers');
      const alive = (pid: number) => {
        try {
          process.kill(pid, 0);
          return true;
        } catch {
          return false;
        }
      };
      expect(running.filter(alive)).toEqual([]);
    },
    INDEX_SAMPLE_MS,
  );

  it('refuses --mcp, whose sessions live in one process', async () => {
    const outcome = await outcomeOf(spawnCli(['serve', '--mcp', '--workers', '2', '--port', '0']));
    expect(outcome.code).not.toBe(0);
    expect(outcome.stderr).toContain('--mcp serves from one process');
  });

  it('gives workers a fixed young generation, a smaller interrupt budget and a fixed heap growth, each unless the user set it', () => {
    const budget = `--interrupt-budget=${SERVING_INTERRUPT_BUDGET}`;
    const growth = `--heap-growing-percent=${SERVING_HEAP_GROWING_PERCENT}`;
    expect(servingNodeFlags([])).toEqual([
      `--min-semi-space-size=${SERVING_SEMI_SPACE_MB}`,
      `--max-semi-space-size=${SERVING_SEMI_SPACE_MB}`,
      budget,
      growth,
    ]);
    expect(servingNodeFlags(['--max-semi-space-size=64'])).toEqual([budget, growth]);
    expect(servingNodeFlags([], '--max-old-space-size=4096 --max-semi-space-size=8')).toEqual([budget, growth]);
    expect(servingNodeFlags(['--max-old-space-size=4096'], '--trace-gc')).toHaveLength(4);
    expect(servingNodeFlags(['--heap-growing-percent=20'], '--max-semi-space-size=64')).toEqual([budget]);
    expect(servingNodeFlags(['--interrupt-budget=67584', '--max-semi-space-size=64', '--heap-growing-percent=50'])).toEqual([]);
  });

  it('reads PAPERSCOPE_WORKERS: a count, or "auto" for one per core; anything else is refused by name', () => {
    expect(readSettings({}).workers).toBe(1);
    expect(readSettings({ PAPERSCOPE_WORKERS: '3' }).workers).toBe(3);
    expect(readSettings({ PAPERSCOPE_WORKERS: 'auto' }).workers).toBe(os.availableParallelism());
    for (const bad of ['0', '-1', '1.5', 'two']) expect(() => readSettings({ PAPERSCOPE_WORKERS: bad })).toThrow(/PAPERSCOPE_WORKERS/);
  });
});
