import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INDEX_SAMPLE_MS } from '../helpers/limits.js';
import { SAMPLE_FILE, SAMPLE_YEAR, temporaryDir } from '../helpers/sample-index.js';
import { outcomeOf, serverUrl, spawnCli } from '../reliability/cli.js';

/** Resolves with the progress URL `serve --index-if-missing` prints as soon as its port is open. */
function progressUrl(child: ReturnType<typeof spawnCli>): Promise<string> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /indexing .*; (http:\/\/\S+) shows the progress/.exec(stderr);
      if (match?.[1]) resolve(match[1]);
    });
    child.once('exit', () => reject(new Error(`the server exited: ${stderr}`)));
  });
}

describe('serve --index-if-missing', () => {
  let scratch: Awaited<ReturnType<typeof temporaryDir>>;
  beforeAll(async () => {
    scratch = await temporaryDir('paperscope-first-run-');
  });
  afterAll(() => scratch.remove());

  it(
    'opens its port before indexing, answering /api/status, then serves the new index',
    async () => {
      const args = ['serve', '--index-if-missing', SAMPLE_FILE, '--year', String(SAMPLE_YEAR), '--embedder', 'word-vectors', '--port', '0'];
      const child = spawnCli([...args, '--data-dir', scratch.dir], { PAPERSCOPE_RELOAD_INTERVAL_MS: '0' });
      const outcome = outcomeOf(child);
      try {
        const url = await progressUrl(child);
        const early = await fetch(`${url}/api/status`);
        expect(early.status).toBe(200);
        const status = (await early.json()) as { ready?: boolean; summary?: string; papers?: number };
        // Almost always still indexing; on a very fast machine the app may already be up.
        if (status.ready === false) expect(typeof status.summary).toBe('string');
        const ready = await serverUrl(child);
        expect(ready.origin).toBe(new URL(url).origin);
        expect(((await (await fetch(`${url}/api/status`)).json()) as { papers: number }).papers).toBe(62);
      } finally {
        child.kill('SIGTERM');
        await outcome;
      }
    },
    INDEX_SAMPLE_MS,
  );
});
