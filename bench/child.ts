import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

/** The built CLI the benchmarks drive, as a user would. */
export const CLI = 'dist/cli/main.js';
const RSS_SAMPLE_MS = 100;
const RSS_LOG_MS = 30_000;

/** A field of /proc/<pid>/status in MB (VmRSS: now, VmHWM: peak), or undefined once the process is gone. */
export async function memoryOf(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kilobytes = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1];
    return kilobytes === undefined ? undefined : Math.round(Number(kilobytes) / 1024);
  } catch {
    return undefined;
  }
}

/** CPU time (user + system) a process has used so far, in ms, or undefined once it is gone. */
export async function cpuMsOf(pid: number): Promise<number | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the whole line, in clock ticks (100 per second on Linux).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}
const CLOCK_TICKS = 100;

/** The processes a process started (`serve --workers`' workers), from /proc. */
export async function childrenOf(pid: number): Promise<number[]> {
  const children = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  return children.split(' ').filter(Boolean).map(Number);
}

/** CPU time of a process and of every process below it, in ms (0 once gone). */
export async function treeCpuMs(pid: number): Promise<number> {
  let total = (await cpuMsOf(pid)) ?? 0;
  for (const child of await childrenOf(pid)) total += await treeCpuMs(child);
  return total;
}

/** A memory field (`memoryOf`) summed over a process and every process below it, in MB. */
export async function treeMemoryMb(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number> {
  let total = (await memoryOf(pid, field)) ?? 0;
  for (const child of await childrenOf(pid)) total += await treeMemoryMb(child, field);
  return total;
}

/** Node flags for the child processes, e.g. --cpu-prof when profiling. */
export function nodeFlags(profileDir: string | undefined): string[] {
  return profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
}

/**
 * Runs the CLI to completion and returns its stdout, wall time and peak RSS (sampled from
 * /proc, since the peak of a child is not otherwise visible to the parent). With `logFile`, its
 * stderr and RSS go there as they come, each line timed: a run of hours that is cut short still
 * tells which stage it reached and what that stage held.
 */
export async function runCli(
  args: string[],
  options: { profileDir?: string; logFile?: string } = {},
): Promise<{ stdout: string; wallMs: number; peakRssMb: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, [...nodeFlags(options.profileDir), CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk;
  });
  const { logFile } = options;
  const logLine = (line: string) => {
    if (logFile) appendFileSync(logFile, `${new Date().toISOString()} ${line}\n`);
  };
  logLine(`paperscope ${args.join(' ')}`);
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk;
    logLine(chunk.toString().trimEnd());
  });
  let peakRssMb = 0;
  const sampler = setInterval(() => {
    // The tree: `index` runs itself again in a Node with a larger heap (cli/heap.ts).
    if (child.pid) void treeMemoryMb(child.pid, 'VmHWM').then((mb) => (peakRssMb = Math.max(peakRssMb, mb)));
  }, RSS_SAMPLE_MS);
  const rssLog = setInterval(() => {
    const pid = child.pid;
    if (pid)
      void Promise.all([treeMemoryMb(pid, 'VmRSS'), treeCpuMs(pid)]).then(([mb, cpuMs]) =>
        logLine(`RSS ${mb} MB (peak ${peakRssMb} MB), CPU ${Math.round(cpuMs / 1000)} s`),
      );
  }, RSS_LOG_MS);
  const code = await exited(child);
  clearInterval(sampler);
  clearInterval(rssLog);
  logLine(`exited with ${code} after ${Math.round(performance.now() - started)} ms, peak RSS ${peakRssMb} MB`);
  if (code !== 0) throw new Error(`paperscope ${args.join(' ')} exited with ${code}:\n${stderr.slice(-2000)}`);
  return { stdout, wallMs: performance.now() - started, peakRssMb };
}

export function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => resolve(code));
  });
}
