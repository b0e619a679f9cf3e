import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { inject } from 'vitest';
import { PROJECT_ROOT } from '../../core/version.js';
import { cliBuildDir } from '../helpers/cli-build.js';

/** Node with tsx's ESM loader, for TypeScript helpers run in a child (its CommonJS hook mis-resolves an ESM-only dependency of the BibTeX parser). */
export const TSX_COMMAND = [process.execPath, '--import', 'tsx/esm'] as const;

/**
 * The CLI from the current sources as plain JavaScript, in `.test-cli/<run>` in the repository
 * (git-ignored, where it finds node_modules, package.json and the project root as the sources do):
 * transpiled once per run by test/global-setup.ts (`buildCli`). Under tsx's loader every spawn spent
 * more CPU resolving modules than many commands spend working.
 */
export function cliEntry(): string {
  return path.join(cliBuildDir(inject('scratchRoot')), 'cli', 'main.js');
}

/** Starts `paperscope <args>` from source in a child process, with `env` added to ours. */
export function spawnCli(args: readonly string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, [cliEntry(), ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export interface ChildOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Waits for a child to end, collecting its output. */
export function outcomeOf(child: ChildProcess): Promise<ChildOutcome> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Resolves with the URL `paperscope serve` prints once it is ready. */
export function serverUrl(child: ChildProcess): Promise<URL> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /ready at (http:\/\/\S+)/.exec(stdout);
      if (match?.[1]) resolve(new URL(match[1]));
    });
    child.once('exit', () => reject(new Error('the server exited before it was ready')));
  });
}
