import { spawn } from 'node:child_process';
import { mkdir, symlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findDataDir } from '../../core/config.js';
import { errorCatalog } from '../../core/errors.js';
import { PROJECT_ROOT } from '../../core/version.js';
import { INDEX_SAMPLE_MS } from '../helpers/limits.js';
import { buildSampleIndex, temporaryDir } from '../helpers/sample-index.js';
import { outcomeOf } from '../reliability/cli.js';

/** `paperscope <args>` from source, run in `cwd` (tsx is resolved from here, not from `cwd`). */
function cliIn(cwd: string, args: string[]) {
  const tsx = createRequire(import.meta.url).resolve('tsx/esm');
  const { PAPERSCOPE_DATA_DIR: _ignored, ...env } = process.env;
  return outcomeOf(
    spawn(process.execPath, ['--import', tsx, path.join(PROJECT_ROOT, 'cli', 'main.ts'), ...args], {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
}

describe('the data dir', () => {
  let scratch: Awaited<ReturnType<typeof temporaryDir>>;
  let project: string;

  beforeAll(async () => {
    scratch = await temporaryDir('paperscope-data-dir-');
    project = path.join(scratch.dir, 'project');
    await mkdir(path.join(project, 'notes', 'deeper'), { recursive: true });
    await mkdir(path.join(scratch.dir, 'elsewhere'), { recursive: true });
    await symlink(await buildSampleIndex(), path.join(project, '.paperscope'));
  }, INDEX_SAMPLE_MS);
  afterAll(() => scratch.remove());

  it('is the nearest .paperscope in the directory or above it, else one in the directory', () => {
    expect(findDataDir(path.join(project, 'notes', 'deeper'))).toBe(path.join(project, '.paperscope'));
    expect(findDataDir(project)).toBe(path.join(project, '.paperscope'));
    expect(findDataDir(path.join(scratch.dir, 'elsewhere'))).toBe(path.join(scratch.dir, 'elsewhere', '.paperscope'));
  });

  it("finds the project's index from a subdirectory", async () => {
    const outcome = await cliIn(path.join(project, 'notes', 'deeper'), ['status']);
    expect(outcome.code, outcome.stderr).toBe(0);
    expect(outcome.stdout).toMatch(/^62 papers, \d+ topics/m);
  });

  it('says where it looked and how to point elsewhere when there is no index', async () => {
    const elsewhere = path.join(scratch.dir, 'elsewhere');
    const outcome = await cliIn(elsewhere, ['status']);
    expect(outcome.code).toBe(errorCatalog.NO_INDEX.exit);
    expect(outcome.stderr).toContain(`No index in ${path.join(elsewhere, '.paperscope')} (no .paperscope in ${elsewhere} or above it)`);
    expect(outcome.stderr).toMatch(/--data-dir <dir> or PAPERSCOPE_DATA_DIR=<dir>/);
    expect(outcome.stderr).not.toMatch(/^\s+at /m);
  });
});
