import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../core/version.js';
import { WORKER_MODULES } from '../../scripts/bundle-cli.js';

/** The calls that start a worker module (core/worker.ts), with the module's path relative to the caller's file. */
const STARTS = [
  /\b(?:startModuleWorker|runModuleWorker)(?:<[^>]*>)?\(\s*import\.meta\.url,\s*'([^']+)'/g,
  /\brunTask(?:<[^>]*>)?\(\s*[\w.]+,\s*import\.meta\.url,\s*'([^']+)'/g,
];

async function sourceFiles(folder: string): Promise<string[]> {
  const entries = await readdir(path.join(PROJECT_ROOT, folder), { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts'))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

describe('the worker bundles (scripts/bundle-cli.ts)', () => {
  it('hold every module the sources start a worker or a lane task on, and only modules that exist', async () => {
    const started = new Set<string>();
    for (const file of (await Promise.all(['core', 'indexer', 'server', 'cli'].map(sourceFiles))).flat()) {
      const source = await readFile(file, 'utf8');
      for (const pattern of STARTS)
        for (const [, relative] of source.matchAll(pattern))
          started.add(
            path
              .relative(PROJECT_ROOT, path.resolve(path.dirname(file), relative as string))
              .split(path.sep)
              .join('/'),
          );
    }
    // The lane's own worker, started by core/worker.ts.
    expect(started).toContain('core/lane-worker');
    expect(started).toContain('indexer/cluster/describe-worker');
    expect([...started].filter((module) => !WORKER_MODULES.includes(module))).toEqual([]);
    expect(WORKER_MODULES.filter((module) => !existsSync(path.join(PROJECT_ROOT, `${module}.ts`)))).toEqual([]);
  });
});
