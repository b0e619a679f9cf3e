import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { INDEX_SAMPLE_MS } from '../helpers/limits.js';
import { buildSampleIndex } from '../helpers/sample-index.js';
import { outcomeOf, serverUrl, spawnCli } from '../reliability/cli.js';

describe('paperscope serve on SIGTERM', () => {
  it(
    'lets an in-flight request finish, then exits cleanly',
    async () => {
      const dataDir = await buildSampleIndex();
      const child = spawnCli(['serve', '--data-dir', dataDir, '--port', '0', '--offline'], { PAPERSCOPE_RATE_LIMIT: '0' });
      const exited = outcomeOf(child);
      const url = await serverUrl(child);

      // A slow client: half the body now, the rest after SIGTERM.
      const body = JSON.stringify({ text: 'robustness of reinforcement learning to reward noise', k: 2 });
      const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
        const request = http.request(
          {
            host: url.hostname,
            port: url.port,
            path: '/api/similar',
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            agent: false,
          },
          (res) => {
            let text = '';
            res.on('data', (chunk: Buffer) => {
              text += chunk.toString();
            });
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
          },
        );
        request.on('error', reject);
        request.write(body.slice(0, 20));
        setTimeout(() => {
          child.kill('SIGTERM');
          setTimeout(() => request.end(body.slice(20)), 500);
        }, 200);
      });

      const answered = await response;
      expect(answered.status).toBe(200);
      expect(JSON.parse(answered.body).results).toHaveLength(2);
      const outcome = await exited;
      expect(outcome.code, outcome.stderr).toBe(0);
      expect(outcome.stderr).toContain('Shutting down');
    },
    INDEX_SAMPLE_MS,
  );
});
