import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../core/version.js';

/**
 * Absolute paths of one machine (its work tree, its home directories) make the suite or the docs
 * fail anywhere else; tests read files inside the repository only. The pattern's brackets keep
 * this file from matching itself.
 */
const MACHINE_PATH = '(^|[^A-Za-z0-9._~-])/(wor[k]|roo[t]|hom[e])/';

describe('the repository', () => {
  it('names no absolute path of this machine in any tracked file', async () => {
    const found = await promisify(execFile)('git', ['grep', '-n', '-I', '-E', MACHINE_PATH, '--', '.'], { cwd: PROJECT_ROOT }).then(
      ({ stdout }) => stdout.trim().split('\n'),
      // git grep exits with 1 when nothing matches.
      (error: { code?: number; stderr?: string }) =>
        error.code === 1 ? [] : Promise.reject(new Error(`git grep failed: ${error.stderr}`)),
    );
    expect(found).toEqual([]);
  });
});
