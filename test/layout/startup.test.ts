import { readFile } from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatCount } from '../../core/plural.js';
import { PROJECT_ROOT } from '../../core/version.js';

/** The project files `entry` loads at start: static imports and re-exports, not `import type` nor `import()`. */
async function loadedAtStart(entry: string): Promise<Set<string>> {
  const seen = new Set<string>();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = await readFile(path.join(PROJECT_ROOT, file), 'utf8');
    for (const [, specifier] of text.matchAll(/^(?:import|export)(?!\s+type\b)[^;]*?\sfrom\s+'(\.{1,2}\/[^']+)'/gms)) {
      pending.push(
        path.relative(PROJECT_ROOT, path.resolve(path.dirname(path.join(PROJECT_ROOT, file)), specifier as string)).replace(/\.js$/, '.ts'),
      );
    }
  }
  return seen;
}

describe('server start', () => {
  it('loads no input parser: they are imported when papers are posted or sources read', async () => {
    const loaded = await loadedAtStart('server/index.ts');
    expect(loaded.has('server/engine/load.ts')).toBe(true);
    expect([...loaded].filter((file) => file.startsWith('indexer/parse/') && file !== 'indexer/parse/paper.ts')).toEqual([]);
  });

  it('loads not the MCP server: /mcp imports it on its first request', async () => {
    const loaded = await loadedAtStart('server/index.ts');
    expect(loaded.has('server/mcp/http.ts')).toBe(true);
    expect(loaded.has('server/mcp/server.ts')).toBe(false);
  });

  it("writes counts as toLocaleString('en') does, without Intl's number formatting", () => {
    for (const count of [0, 7, 999, 1000, 5183, -1234567, Number.MAX_SAFE_INTEGER, 1.5])
      expect(formatCount(count)).toBe(count.toLocaleString('en'));
    fc.assert(fc.property(fc.maxSafeInteger(), (count) => formatCount(count) === count.toLocaleString('en')));
  });
});

describe('index start', () => {
  it('indexing loads no format parser: readListings imports the one a file needs', async () => {
    const loaded = await loadedAtStart('indexer/index.ts');
    expect(loaded.has('indexer/parse/read.ts')).toBe(true);
    const parsers = ['atom', 'bibtex', 'csv', 'hf-page', 'json', 'parse'].map((name) => `indexer/parse/${name}.ts`);
    expect(parsers.filter((file) => loaded.has(file))).toEqual([]);
  });
});
