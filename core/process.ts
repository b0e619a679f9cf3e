import { readFileSync } from 'node:fs';

/** Whether a process with this id is running, e.g. the holder of a lock or a temp file. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * When the process started, in clock ticks since boot (field 22 of /proc/<pid>/stat), or undefined
 * where there is no /proc. With the pid it names one process: a pid reused later has another start.
 */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its closing one.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/**
 * Whether the user gave a Node flag containing `name` (`--interrupt-budget`, `semi-space-size`…),
 * in the node flags or NODE_OPTIONS: the flags Paperscope sets for itself then stand aside.
 */
export function nodeFlagGiven(name: string, execArgv: readonly string[], nodeOptions = ''): boolean {
  return [...execArgv, nodeOptions].some((flag) => flag.includes(name));
}
