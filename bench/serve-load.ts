/**
 * The serving figures of one index, alone: `serve` started on it, timed to its first answer (wall
 * and CPU), then loaded with distinct searches at 50 connections, reading the server's CPU per
 * request (every process of it, workers included) from /proc. For before/after comparisons on a
 * shared machine, where CPU time moves less than req/s.
 *   npx tsx bench/serve-load.ts --datasets DIR --data-dir INDEX [--cli dist/cli/main.js] [--workers N]
 *     [--requests 6000] [--connections 50] [--mix bench|fresh] [--warm-up once|spread] [--client autocannon|wrk]
 *     [--profile DIR] [--runs 1] [--ask]
 * `--mix bench`: the bench's 100 queries each with a number appended (see `pathOf`); `fresh`: as
 * many different queries as requests, so no per-query work can be reused. `--ask`: one question
 * before the load, as the bench's HTTP stage asks (it loads the sentence index: the peak RSS then
 * includes it). `--warm-up once` (the default) sends the 100 queries once, one after another, on
 * one keep-alive connection: with `--workers` that warms one worker only. `spread` sends them ten
 * times over the load's own connections, so every worker has seen each query before the clock starts.
 * `--client autocannon` (the default, so earlier figures compare) loads from a Node process; `wrk`
 * (Debian's package) sends the same paths in the same order from C, with a fraction of the CPU,
 * which on a 2-core machine the server gets instead (see `bench/wrk.ts`). `reqPerS` is autocannon's
 * mean of per-second counts (the run's seconds rounded up), or wrk's answers over its duration;
 * `ratePerS` is the answers over the duration for both.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { RELAUNCHED_VARIABLE } from '../cli/heap.js';
import { childrenOf, exited, treeCpuMs, treeMemoryMb } from './child.js';
import { askFirst, pathOf } from './http.js';
import { benchQueries } from './queries.js';
import { readDatasets } from './realistic-corpus.js';
import { loadAverage, round } from './stats.js';
import { runWrk, wrkPaths } from './wrk.js';

const { values } = parseArgs({
  options: {
    datasets: { type: 'string' },
    'data-dir': { type: 'string' },
    cli: { type: 'string', default: 'dist/cli/main.js' },
    workers: { type: 'string' },
    requests: { type: 'string', default: '6000' },
    connections: { type: 'string', default: '50' },
    mix: { type: 'string', default: 'bench' },
    'warm-up': { type: 'string', default: 'once' },
    client: { type: 'string', default: 'autocannon' },
    profile: { type: 'string' },
    runs: { type: 'string', default: '1' },
    ask: { type: 'boolean', default: false },
  },
});
if (!values.datasets || !values['data-dir']) throw new Error('give --datasets DIR and --data-dir INDEX');
const requests = Number(values.requests);
if (values['warm-up'] !== 'once' && values['warm-up'] !== 'spread')
  throw new Error(`--warm-up takes "once" or "spread", got "${values['warm-up']}"`);
if (values.client !== 'autocannon' && values.client !== 'wrk')
  throw new Error(`--client takes "autocannon" or "wrk", got "${values.client}"`);
const connections = Number(values.connections);
const sources = [...(await readDatasets(values.datasets)).values()].flat();
const queries = benchQueries(sources, values.mix === 'fresh' ? requests + 200 : 100, 7);
const warmUp = queries.slice(0, 100);

/**
 * The main thread's CPU of the process that serves: `serve` may run itself again in a child (cli/heap.ts's
 * `relaunchWith`, for huge pages: cli/huge-pages.ts), which its environment tells apart from a cluster worker.
 */
async function mainThreadCpuMs(spawned: number): Promise<number> {
  const [child] = await childrenOf(spawned);
  const environ = child === undefined ? '' : await readFile(`/proc/${child}/environ`, 'latin1').catch(() => '');
  const pid = environ.split('\0').includes(`${RELAUNCHED_VARIABLE}=1`) ? (child as number) : spawned;
  const stat = await readFile(`/proc/${pid}/task/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

interface LoadRun {
  total: number;
  durationS: number;
  reqPerS: number;
  p50: number;
  p99: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  /** The load generator's CPU time over the run, ms. */
  clientCpuMs: number;
}

/**
 * `count` requests to `base`, the `n`th to `pathAt(n)`, over the load's connections, with the
 * chosen client. wrk's requests past `count` (see `wrkPaths`) take `pathAt` from `spare` on.
 */
async function sendLoad(base: string, pathAt: (n: number) => string, count: number, spare: number): Promise<LoadRun> {
  const ownBefore = process.cpuUsage();
  const ownCpuMs = () => {
    const used = process.cpuUsage(ownBefore);
    return (used.user + used.system) / 1000;
  };
  if (values.client === 'wrk') {
    const workDir = await mkdtemp(path.join(tmpdir(), 'serve-load-'));
    try {
      const paths = wrkPaths(pathAt, count, connections, spare);
      const figures = await runWrk({ url: base, paths, count, connections, workDir });
      return { ...figures, reqPerS: Math.round(figures.total / figures.durationS), clientCpuMs: figures.clientCpuMs + ownCpuMs() };
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
  }
  let next = 0;
  const result = await autocannon({
    url: base,
    connections,
    amount: count,
    requests: [{ setupRequest: (request) => ({ ...request, path: pathAt(next++) }) }],
  });
  return {
    total: result.requests.total,
    durationS: result.duration,
    reqPerS: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    clientCpuMs: ownCpuMs(),
  };
}

for (let run = 0; run < Number(values.runs); run++) {
  const port = 20_000 + Math.floor(Math.random() * 40_000);
  const base = `http://127.0.0.1:${port}`;
  const flags = values.profile ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(values.profile)}`] : [];
  const workers = values.workers ? ['--workers', values.workers] : [];
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [...flags, values.cli, 'serve', '--data-dir', values['data-dir'], '--host', '127.0.0.1', '--port', String(port), ...workers],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, PAPERSCOPE_RATE_LIMIT: '0' } },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk;
  });
  const gone = exited(child);
  const pid = child.pid ?? 0;
  let coldMs = 0;
  while (coldMs === 0) {
    if (child.exitCode !== null) throw new Error('the server exited');
    const ok = await fetch(`${base}/api/search?q=${encodeURIComponent(queries[0] ?? '')}&k=10`).then(
      (response) => response.ok && response.arrayBuffer().then(() => true),
      () => false,
    );
    if (ok) coldMs = performance.now() - started;
    else await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const coldCpuMs = await treeCpuMs(pid);
  // The main thread's share: on idle cores the other threads (GC, file reads, the HNSW load) run beside it.
  const coldMainMs = await mainThreadCpuMs(pid);
  if (requests === 0) {
    // --requests 0: the start alone (a profile then covers start-up to the first answer).
    const rssMb = await treeMemoryMb(pid, 'VmRSS');
    child.kill('SIGINT');
    await gone;
    console.log(
      JSON.stringify({ coldStartMs: Math.round(coldMs), coldCpuMs: Math.round(coldCpuMs), coldMainMs, rssMb, load: loadAverage() }),
    );
    continue;
  }
  // Every worker loaded before the load test.
  while (Number(values.workers ?? 1) > 1 && !/All \d+ workers answer/.test(stderr)) await new Promise((resolve) => setTimeout(resolve, 50));
  let rssAfterAskMb: number | undefined;
  let firstAskMs: number | undefined;
  if (values.ask) {
    firstAskMs = await askFirst(base, `what is known about ${queries[0]}?`);
    rssAfterAskMb = await treeMemoryMb(pid, 'VmRSS');
  }
  if (values['warm-up'] === 'spread') {
    // Numbered past the measured requests, so no warm-up response is one the load asks for.
    const warmUpCount = warmUp.length * 10;
    await sendLoad(base, (n) => pathOf(warmUp, requests + n, 'distinct'), warmUpCount, requests + warmUpCount + connections);
  } else for (const q of warmUp) await fetch(`${base}/api/search?q=${encodeURIComponent(`${q} warm`)}&k=10`).then((r) => r.arrayBuffer());
  const cpuBefore = await treeCpuMs(pid);
  const result = await sendLoad(
    base,
    (n) => (values.mix === 'fresh' ? pathOf(queries, n, 'repeated') : pathOf(queries, n, 'distinct')),
    requests,
    requests + warmUp.length * 10,
  );
  const cpuMs = (await treeCpuMs(pid)) - cpuBefore;
  const peakMb = await treeMemoryMb(pid, 'VmHWM');
  const rssMb = await treeMemoryMb(pid, 'VmRSS');
  child.kill('SIGINT');
  await gone;
  console.log(
    JSON.stringify({
      coldStartMs: Math.round(coldMs),
      coldCpuMs: Math.round(coldCpuMs),
      coldMainMs,
      firstAskMs,
      rssAfterAskMb,
      rssAfterLoadMb: rssMb,
      peakRssMb: peakMb,
      client: values.client,
      reqPerS: result.reqPerS,
      ratePerS: Math.round(result.total / result.durationS),
      p50: result.p50,
      p99: result.p99,
      errors: result.errors,
      timeouts: result.timeouts,
      non2xx: result.non2xx,
      cpuMsPerRequest: round(cpuMs / Math.max(1, result.total), 3),
      // The load generator runs on the same cores: its CPU is what the server cannot have.
      loaderCpuMsPerRequest: round(result.clientCpuMs / Math.max(1, result.total), 3),
      load: loadAverage(),
    }),
  );
}
