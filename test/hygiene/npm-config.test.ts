import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../core/version.js';

describe('installing', () => {
  it('gives npm no project config it does not know (npm warns, and its next major drops them)', async () => {
    // The user's own ~/.npmrc is left out: only what the repository sets is judged.
    const { stderr } = await promisify(execFile)('npm', ['config', 'get', 'registry', '--userconfig', os.devNull], {
      cwd: PROJECT_ROOT,
      env: Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_config_/i.test(name))),
    });
    expect(stderr).not.toMatch(/Unknown (project|env|cli|user) config/);
  });

  it("skips onnxruntime-node's CUDA download in CI with the package's own variable", async () => {
    const run = await readFile(path.join(PROJECT_ROOT, '.ci', 'run'), 'utf8');
    expect(run).toMatch(/^export ONNXRUNTIME_NODE_INSTALL=skip$/m);
    expect(run.indexOf('ONNXRUNTIME_NODE_INSTALL=skip')).toBeLessThan(run.indexOf('npm ci'));
  });

  it("denies onnxruntime-node's install script (a CUDA download) and allows the ones the build needs", async () => {
    const manifest = JSON.parse(await readFile(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
      allowScripts?: Record<string, boolean>;
    };
    expect(manifest.allowScripts).toMatchObject({ 'onnxruntime-node': false, 'hnswlib-node': true });
  });
});
