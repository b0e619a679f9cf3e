/**
 * Load on the HTTP API of the built server (`npm run bench:load`):
 *   1. 50 connections for 30 s on /api/search, cycling through 100 distinct queries;
 *   2. the same while papers are added through POST /api/papers (the real indexer, then a reload);
 *   3. with --soak <seconds>, a long run reporting the server's RSS at start and end.
 * Options: --duration <s> (30), --connections <n> (50), --papers <n> (2000, the index size),
 * --soak <s>. The rate limit is turned off for the run: the point is the server, not the limiter.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { createRandom } from '../core/random.js';
import { outcomeOf, serverUrl, spawnCli } from '../test/reliability/cli.js';
import { syntheticPapers } from '../test/reliability/corpus.js';
import { memoryOf } from './child.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '30' },
    connections: { type: 'string', default: '50' },
    papers: { type: 'string', default: '2000' },
    soak: { type: 'string' },
  },
});
const duration = Number(values.duration);
const connections = Number(values.connections);
const paperCount = Number(values.papers);
const token = randomBytes(16).toString('hex');

/** 100 distinct two- and three-word queries from the corpus vocabulary (seeded). */
function queries(papers: ReturnType<typeof syntheticPapers>): string[] {
  const words = [...new Set(papers.flatMap((paper) => paper.abstract.toLowerCase().match(/[a-z]{5,}/g) ?? []))];
  const random = createRandom(7);
  const chosen = new Set<string>();
  while (chosen.size < 100) {
    const length = 2 + Math.floor(random() * 2);
    chosen.add(Array.from({ length }, () => words[Math.floor(random() * words.length)]).join(' '));
  }
  return [...chosen];
}

interface Figures {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  serverErrors: number;
}

async function hammer(url: URL, searches: string[], seconds: number): Promise<Figures> {
  let next = 0;
  let serverErrors = 0;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: url.origin,
        connections,
        duration: seconds,
        requests: [
          {
            method: 'GET',
            setupRequest: (request) => ({
              ...request,
              path: `/api/search?q=${encodeURIComponent(searches[next++ % searches.length] ?? '')}`,
            }),
          },
        ],
      },
      (error, finished) => (error ? reject(error) : resolve(finished)),
    );
    instance.on('response', (_client, status) => {
      if (status >= 500) serverErrors++;
    });
  });
  return {
    requests: result.requests.total,
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    serverErrors,
  };
}

/** Posts batches of new papers until `until` resolves; returns how many were added. */
async function addPapersDuring(url: URL, until: Promise<unknown>): Promise<{ added: number; posts: number; failures: string[] }> {
  let done = false;
  void until.then(() => {
    done = true;
  });
  let added = 0;
  let posts = 0;
  const failures: string[] = [];
  for (let batch = 0; !done; batch++) {
    const papers = syntheticPapers(25, 1_000 + batch, `added-${batch}`);
    const response = await fetch(new URL('/api/papers', url), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      body: JSON.stringify(papers),
    });
    posts++;
    if (response.ok) added += ((await response.json()) as { added: number }).added;
    else failures.push(`${response.status} ${await response.text()}`);
  }
  return { added, posts, failures };
}

function show(label: string, figures: Figures): void {
  console.log(
    `${label}: ${figures.requests} requests, ${figures.rps} req/s, latency p50 ${figures.p50} ms p99 ${figures.p99} ms, ` +
      `errors ${figures.errors}, timeouts ${figures.timeouts}, non-2xx ${figures.non2xx}, 5xx ${figures.serverErrors}`,
  );
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'paperscope-load-'));
try {
  const papers = syntheticPapers(paperCount, 42);
  const input = path.join(dir, 'papers.json');
  await writeFile(input, JSON.stringify(papers));
  const dataDir = path.join(dir, 'index');
  console.log(`Indexing ${paperCount} synthetic papers…`);
  const indexed = await outcomeOf(spawnCli(['index', '--data-dir', dataDir, '--embedder', 'word-vectors', '--offline', input]));
  if (indexed.code !== 0) throw new Error(`indexing failed: ${indexed.stderr}`);

  const server = spawnCli(['serve', '--data-dir', dataDir, '--port', '0', '--offline'], {
    PAPERSCOPE_RATE_LIMIT: '0',
    PAPERSCOPE_ADMIN_TOKEN: token,
  });
  const exited = outcomeOf(server);
  const url = await serverUrl(server);
  const pid = server.pid ?? 0;
  const searches = queries(papers);
  console.log(`Server ${url.origin} (pid ${pid}), ${connections} connections, ${searches.length} distinct queries`);

  if (values.soak !== undefined) {
    const seconds = Number(values.soak);
    await hammer(url, searches, 10); // warm-up: caches, JIT, the allocator's working set
    const start = (await memoryOf(pid, 'VmRSS')) ?? 0;
    const soak = await hammer(url, searches, seconds);
    const end = (await memoryOf(pid, 'VmRSS')) ?? 0;
    show(`soak ${seconds} s`, soak);
    console.log(
      `RSS after warm-up ${start} MB, at the end ${end} MB, peak ${await memoryOf(pid, 'VmHWM')} MB: growth ${(((end - start) / start) * 100).toFixed(1)}%`,
    );
  } else {
    show(`search, ${duration} s`, await hammer(url, searches, duration));
    const load = hammer(url, searches, duration);
    const writes = await addPapersDuring(url, load);
    show(`search while adding papers, ${duration} s`, await load);
    console.log(
      `meanwhile: ${writes.posts} POST /api/papers, ${writes.added} papers added, ${writes.failures.length} failed${writes.failures.length ? `: ${writes.failures.slice(0, 3).join(' | ')}` : ''}`,
    );
    console.log(`RSS ${await memoryOf(pid, 'VmRSS')} MB, peak ${await memoryOf(pid, 'VmHWM')} MB`);
  }
  server.kill('SIGTERM');
  await exited;
} finally {
  await rm(dir, { recursive: true, force: true });
}
