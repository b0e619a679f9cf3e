import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../core/version.js';

/** A stage folder (`indexer/embed`, `server/engine`…), or the file itself for a top folder's own modules (`indexer/events.ts`, `core/errors.ts`). */
function folderOf(file: string): string {
  const parts = file.replace(/\.js$/, '.ts').split('/');
  return parts.length > 2 ? parts.slice(0, 2).join('/') : parts.join('/');
}

async function importGraph(): Promise<Map<string, Set<string>>> {
  const graph = new Map<string, Set<string>>();
  for (const top of ['core', 'indexer', 'server', 'cli']) {
    const entries = await readdir(path.join(PROJECT_ROOT, top), { recursive: true, withFileTypes: true });
    for (const entry of entries.filter((each) => each.isFile() && /\.tsx?$/.test(each.name))) {
      const file = path.relative(PROJECT_ROOT, path.join(entry.parentPath, entry.name));
      const from = folderOf(file);
      const text = await readFile(path.join(PROJECT_ROOT, file), 'utf8');
      for (const [, specifier] of text.matchAll(/(?:from|import\()\s*'(\.{1,2}\/[^']+)'/g)) {
        const to = folderOf(path.relative(PROJECT_ROOT, path.resolve(path.dirname(path.join(PROJECT_ROOT, file)), specifier as string)));
        if (to !== from) graph.set(from, (graph.get(from) ?? new Set()).add(to));
      }
    }
  }
  return graph;
}

/** Every pair of folders that import each other, directly or through others. */
function cycles(graph: Map<string, Set<string>>): string[] {
  const reaches = (from: string, to: string): boolean => {
    const seen = new Set<string>();
    const stack = [...(graph.get(from) ?? [])];
    while (stack.length) {
      const next = stack.pop() as string;
      if (next === to) return true;
      if (seen.has(next)) continue;
      seen.add(next);
      stack.push(...(graph.get(next) ?? []));
    }
    return false;
  };
  return [...graph.keys()].flatMap((from) => [...(graph.get(from) ?? [])].filter((to) => reaches(to, from)).map((to) => `${from} ⇄ ${to}`));
}

describe('folders', () => {
  it('import one way: no two stages (or top-level modules) depend on each other', async () => {
    const graph = await importGraph();
    expect(graph.size).toBeGreaterThan(10);
    expect(cycles(graph)).toEqual([]);
  });
});
