/**
 * Load on the HTTP API of the built server (`npm run bench:load`):
 *   1. 50 connections for 30 s on /api/search, cycling through 100 distinct queries, so that after
 *      the first round the server's response cache answers (`"cached": true`);
 *   2. the same with every request distinct (see `pathOf` in http.ts), so the response cache never helps;
 *   3. the repeated queries again while papers are added through POST /api/papers (the real
 *      indexer, then a reload, which starts a new, empty response cache);
 *   4. with --soak <seconds>, instead, a long run (after a warm-up) on the server of bench/soak-server.ts,
 *      sampling its RSS and its heap after a forced GC every --sample seconds: heapUsed after GC
 *      is what the server still holds, so it tells a leak (it keeps growing) from the allocator
 *      settling (RSS grows, the live heap stays flat). --snapshots <dir> also writes heap snapshots
 *      after the warm-up and at the end, to compare in Chrome DevTools. --mix distinct makes every
 *      soak request distinct, so the whole search path runs each time instead of the cache.
 * Options: --duration <s> (30), --connections <n> (50), --papers <n> (2000, the index size),
 * --soak <s>, --mix repeated|distinct (repeated), --warm-up <s> (60), --sample <s> (60),
 * --snapshots <dir>. The rate limit is turned
 * off for the run: the point is the server, not the limiter.
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { createRandom } from '../core/random.js';
import { outcomeOf, serverUrl, spawnCli } from '../test/reliability/cli.js';
import { syntheticPapers } from '../test/reliability/corpus.js';
import { memoryOf } from './child.js';
import { pathOf, type QueryMix } from './http.js';
import type { SoakMemory } from './soak-server.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '30' },
    connections: { type: 'string', default: '50' },
    papers: { type: 'string', default: '2000' },
    soak: { type: 'string' },
    mix: { type: 'string', default: 'repeated' },
    'warm-up': { type: 'string', default: '60' },
    sample: { type: 'string', default: '60' },
    snapshots: { type: 'string' },
  },
});
if (values.mix !== 'repeated' && values.mix !== 'distinct') throw new Error(`--mix takes "repeated" or "distinct", got "${values.mix}"`);
const soakMix: QueryMix = values.mix;
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

async function hammer(url: URL, searches: string[], seconds: number, mix: QueryMix = 'repeated'): Promise<Figures> {
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
            setupRequest: (request) => ({ ...request, path: pathOf(searches, next++, mix) }),
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
      `errors ${figures.errors}, timeouts ${figures.timeouts}, non-2xx ${figures.non2xx}, 5xx ${figures.serverErrors} ` +
      `(load average ${os
        .loadavg()
        .map((value) => value.toFixed(2))
        .join(' ')})`,
  );
}

/** The soak: warm-up, then `seconds` of load with the server's memory sampled after a forced GC. */
async function soak(dataDir: string, searches: string[], seconds: number): Promise<void> {
  const server = fork(path.join(import.meta.dirname, 'soak-server.ts'), [dataDir], {
    execArgv: ['--expose-gc', '--import', 'tsx/esm'],
    env: { ...process.env, PAPERSCOPE_RATE_LIMIT: '0' },
  });
  const replies: Array<(message: Record<string, unknown>) => void> = [];
  server.on('message', (message) => replies.shift()?.(message as Record<string, unknown>));
  const ask = <T>(request: unknown): Promise<T> =>
    new Promise((resolve) => {
      replies.push((message) => resolve(Object.values(message)[0] as T));
      if (request !== undefined) server.send(request as string);
    });
  const url = new URL(await ask<string>(undefined));
  if (values.snapshots) await mkdir(values.snapshots, { recursive: true });
  const snapshot = async (name: string) => {
    if (values.snapshots)
      console.log(`heap snapshot ${await ask<string>({ snapshot: path.join(values.snapshots, `${name}.heapsnapshot`) })}`);
  };
  const samples: Array<{ at: number } & SoakMemory> = [];
  const sample = async (at: number) => {
    const memory = await ask<SoakMemory>('memory');
    samples.push({ at, ...memory });
    console.log(
      `  ${String(at).padStart(5)} s: RSS ${memory.rss} MB, heap used ${memory.heapUsed} MB of ${memory.heapTotal}, external ${memory.external} MB (array buffers ${memory.arrayBuffers})`,
    );
  };
  console.log(
    `Server ${url.origin} (pid ${server.pid}), ${connections} connections, ${soakMix === 'distinct' ? 'every request distinct' : `${searches.length} queries in turn`}`,
  );
  await sample(0);
  const warmUp = Number(values['warm-up']);
  show(`warm-up ${warmUp} s`, await hammer(url, searches, warmUp, soakMix));
  await sample(warmUp);
  await snapshot('after-warm-up');
  const every = Number(values.sample) * 1000;
  const started = performance.now();
  let pending = Promise.resolve();
  const timer = setInterval(() => {
    pending = pending.then(() => sample(warmUp + Math.round((performance.now() - started) / 1000)));
  }, every);
  const figures = await hammer(url, searches, seconds, soakMix);
  clearInterval(timer);
  await pending;
  if ((samples.at(-1)?.at ?? 0) < warmUp + seconds) await sample(warmUp + seconds);
  await snapshot('end');
  show(`soak ${seconds} s`, figures);
  const first = samples.find((entry) => entry.at === warmUp);
  const last = samples.at(-1);
  if (first && last) {
    const growth = (from: number, to: number) => `${from} → ${to} MB (${(((to - from) / from) * 100).toFixed(1)}%)`;
    console.log(
      `From the end of the warm-up to the end: RSS ${growth(first.rss, last.rss)}, heap used after GC ${growth(first.heapUsed, last.heapUsed)}`,
    );
    console.log(`RSS at start (before any request) ${samples[0]?.rss} MB; peak ${await memoryOf(server.pid ?? 0, 'VmHWM')} MB`);
  }
  const exited = new Promise((resolve) => server.once('exit', resolve));
  server.kill('SIGTERM');
  await exited;
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

  const searches = queries(papers);
  if (values.soak !== undefined) await soak(dataDir, searches, Number(values.soak));
  else {
    const server = spawnCli(['serve', '--data-dir', dataDir, '--port', '0', '--offline'], {
      PAPERSCOPE_RATE_LIMIT: '0',
      PAPERSCOPE_ADMIN_TOKEN: token,
    });
    const exited = outcomeOf(server);
    const url = await serverUrl(server);
    const pid = server.pid ?? 0;
    console.log(`Server ${url.origin} (pid ${pid}), ${connections} connections, ${searches.length} distinct queries`);
    show(`search, repeated queries (response cache warm), ${duration} s`, await hammer(url, searches, duration, 'repeated'));
    show(`search, all requests distinct (response cache useless), ${duration} s`, await hammer(url, searches, duration, 'distinct'));
    const load = hammer(url, searches, duration);
    const writes = await addPapersDuring(url, load);
    show(`search while adding papers, ${duration} s`, await load);
    console.log(
      `meanwhile: ${writes.posts} POST /api/papers, ${writes.added} papers added, ${writes.failures.length} failed${writes.failures.length ? `: ${writes.failures.slice(0, 3).join(' | ')}` : ''}`,
    );
    console.log(`RSS ${await memoryOf(pid, 'VmRSS')} MB, peak ${await memoryOf(pid, 'VmHWM')} MB`);
    server.kill('SIGTERM');
    await exited;
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
