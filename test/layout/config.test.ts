import { readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { quantizedFrom, readSettings } from '../../core/config.js';
import { PROJECT_ROOT } from '../../core/version.js';

/** The entry points, which read the environment once and pass the settings down. */
const ENTRY_POINTS = ['core/config.ts', 'cli/main.ts', 'server/index.ts'];
/** Not Paperscope's configuration: a default for the LanceDB native library's own log level, set before it loads. */
const NATIVE_LIBRARY_DEFAULTS = ['indexer/store/lance-log-level.ts'];

async function sources(folder: string): Promise<string[]> {
  const entries = await readdir(path.join(PROJECT_ROOT, folder), { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && /\.tsx?$/.test(entry.name))
    .map((entry) => path.relative(PROJECT_ROOT, path.join(entry.parentPath, entry.name)));
}

describe('configuration flows down', () => {
  it('is read from the environment only at the entry points', async () => {
    const files = (await Promise.all(['core', 'indexer', 'server', 'cli'].map(sources))).flat();
    const readers: string[] = [];
    for (const file of files) {
      if (ENTRY_POINTS.includes(file) || NATIVE_LIBRARY_DEFAULTS.includes(file)) continue;
      const text = await readFile(path.join(PROJECT_ROOT, file), 'utf8');
      if (/process\.env|readSettings\(/.test(text)) readers.push(file);
    }
    expect(files.length).toBeGreaterThan(50);
    expect(readers).toEqual([]);
  });
});

describe('the test run', () => {
  it('uses a scratch cache dir and temporary dir, beside each other under one root that is removed at the end', () => {
    const root = path.dirname(os.tmpdir());
    expect(path.basename(root)).toMatch(/^paperscope-tests-/);
    expect(readSettings().cacheDir).toBe(path.join(root, 'cache'));
  });
});

describe('PAPERSCOPE_PRECISION', () => {
  it("chooses the transformer's weights, int8 or fp32, unset meaning the int8 copy where offered", () => {
    expect(readSettings({}).precision).toBeUndefined();
    expect(readSettings({ PAPERSCOPE_PRECISION: 'fp32' }).precision).toBe('fp32');
    expect(quantizedFrom('fp32')).toBe(false);
    expect(quantizedFrom('int8')).toBe(true);
    expect(quantizedFrom(undefined)).toBeUndefined();
    expect(() => readSettings({ PAPERSCOPE_PRECISION: 'fp16' })).toThrow(/PAPERSCOPE_PRECISION/);
  });
});
