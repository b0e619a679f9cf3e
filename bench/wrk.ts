/**
 * `wrk` (C, one epoll loop per thread) as serve-load's load generator: autocannon is a Node
 * process that takes ≈ 0.14 ms of CPU per request from the same two cores the server runs on.
 * The requests are the paths autocannon would send, in the same order, read by a Lua script from a
 * file; wrk has no request count, so the script stops once that many answers came, and the caller
 * interrupts wrk's timer (it would sleep out its duration) when the script says so.
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { cpuMsOf, exited } from './child.js';

/** The line the script writes to stderr once it has every answer it waits for. */
export const WRK_DONE = 'paperscope-wrk-done';

/** A run's figures in serve-load's terms: latencies in ms, errors as autocannon counts them. */
export interface WrkFigures {
  total: number;
  durationS: number;
  p50: number;
  p99: number;
  errors: number;
  timeouts: number;
  non2xx: number;
}

/**
 * The paths of a closed loop of `count` requests at `connections` connections: request `n` is
 * `pathAt(n)`. A connection sends its next request before the last answers arrive, so up to
 * `connections - 1` requests go out past `count`; they take `pathAt` from `spare` on, so that they
 * stay distinct from the measured ones (and are answered after wrk's clock stops).
 */
export function wrkPaths(pathAt: (n: number) => string, count: number, connections: number, spare: number): string[] {
  const paths = Array.from({ length: count }, (_, n) => pathAt(n));
  for (let extra = 0; extra < connections; extra++) paths.push(pathAt(spare + extra));
  return paths;
}

/**
 * The Lua script: the paths file's lines in turn, then, once `count` answers came, the done line
 * and a stop; `done` prints the figures as one JSON line (latencies in µs, as wrk keeps them).
 */
export function wrkScript(pathsFile: string, count: number): string {
  return `local paths = {}
for line in io.lines(${JSON.stringify(pathsFile)}) do paths[#paths + 1] = line end
local sent, answered = 0, 0
request = function()
  sent = sent + 1
  return wrk.format("GET", paths[sent])
end
response = function(status, headers, body)
  answered = answered + 1
  if answered == ${count} then
    io.stderr:write("${WRK_DONE}\\n")
    io.stderr:flush()
    wrk.thread:stop()
  end
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"total":%d,"durationUs":%d,"p50Us":%d,"p99Us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout))
end
`;
}

/**
 * wrk's arguments: one thread (the lightest client; the server has the cores), the connections,
 * autocannon's 10-s timeout, and a duration far past any run (the script ends it).
 */
export function wrkArguments(url: string, connections: number, scriptFile: string): string[] {
  return ['--threads', '1', '--connections', String(connections), '--timeout', '10s', '--duration', '1h', '--script', scriptFile, url];
}

/** Reads the script's JSON line into serve-load's figures (ms, errors split as autocannon splits them). */
export function wrkFigures(line: string): WrkFigures {
  const raw = JSON.parse(line) as Record<string, number>;
  const field = (name: string): number => {
    const value = raw[name];
    if (typeof value !== 'number') throw new Error(`wrk's report lacks ${name}: ${line}`);
    return value;
  };
  return {
    total: field('total'),
    durationS: field('durationUs') / 1e6,
    p50: field('p50Us') / 1000,
    p99: field('p99Us') / 1000,
    errors: field('connect') + field('read') + field('write'),
    timeouts: field('timeout'),
    non2xx: field('status'),
  };
}

/**
 * Sends `paths` (from `wrkPaths`, `count` of them measured) to `url` over `connections` with wrk,
 * its files under `workDir`. Returns the figures and wrk's own CPU time (ms), read when its last
 * answer came.
 */
export async function runWrk(options: {
  url: string;
  paths: readonly string[];
  count: number;
  connections: number;
  workDir: string;
}): Promise<WrkFigures & { clientCpuMs: number }> {
  const { url, paths, count, connections, workDir } = options;
  const pathsFile = `${workDir}/wrk-paths.txt`;
  const scriptFile = `${workDir}/wrk-load.lua`;
  await writeFile(pathsFile, `${paths.join('\n')}\n`);
  await writeFile(scriptFile, wrkScript(pathsFile, count));
  const child = spawn('wrk', wrkArguments(url, connections, scriptFile), { stdio: ['ignore', 'pipe', 'pipe'] });
  const gone = exited(child);
  let stdout = '';
  let stderr = '';
  let clientCpuMs = 0;
  let interrupted = false;
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk;
    if (interrupted || !stderr.includes(WRK_DONE)) return;
    interrupted = true;
    // Read before the interrupt: afterwards the process may be gone.
    void cpuMsOf(child.pid ?? 0).then((cpuMs) => {
      clientCpuMs = cpuMs ?? 0;
      child.kill('SIGINT');
    });
  });
  await gone.catch((error: Error) => {
    throw new Error(`wrk did not run (${error.message}): install it (Debian: apt-get install wrk)`);
  });
  const line = stdout.split('\n').find((text) => text.startsWith('{'));
  if (!line) throw new Error(`wrk gave no figures:\n${stdout}\n${stderr}`);
  return { ...wrkFigures(line), clientCpuMs };
}
