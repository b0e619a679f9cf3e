import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { inject } from 'vitest';
import { PROJECT_ROOT } from '../../core/version.js';

/** Node with tsx's ESM loader, for TypeScript helpers run in a child (its CommonJS hook mis-resolves an ESM-only dependency of the BibTeX parser). */
export const TSX_COMMAND = [process.execPath, '--import', 'tsx/esm'] as const;

/** The folders the CLI is made of, transpiled for `spawnCli`. */
const CLI_SOURCES = ['core', 'indexer', 'server', 'cli'];

/**
 * The CLI from the current sources as plain JavaScript: transpiled once per run (the first spawn
 * does it) into `.test-cli/<run>` in the repository (git-ignored, removed at the end of the run),
 * where it finds node_modules, package.json and the project root as the sources do. Under tsx's
 * loader every spawn spent more CPU resolving modules than many commands spend working.
 */
export function cliEntry(): string {
  const built = path.join(PROJECT_ROOT, '.test-cli', path.basename(inject('scratchRoot')));
  const entry = path.join(built, 'cli', 'main.js');
  if (existsSync(entry)) return entry;
  // Built aside and renamed: a file that spawns at the same time sees no build or a whole one.
  const building = `${built}.${process.pid}`;
  for (const folder of CLI_SOURCES) transpileFolder(path.join(PROJECT_ROOT, folder), path.join(building, folder));
  try {
    renameSync(building, built);
  } catch {
    rmSync(building, { recursive: true, force: true });
  }
  return entry;
}

function transpileFolder(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    if (entry.isDirectory()) transpileFolder(source, path.join(to, entry.name));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
      const { outputText } = ts.transpileModule(readFileSync(source, 'utf8'), {
        fileName: source,
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      });
      writeFileSync(path.join(to, entry.name.replace(/\.ts$/, '.js')), outputText);
    }
  }
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
