import path from 'node:path';
import { PaperscopeError } from '../core/errors.js';
import { plural } from '../core/plural.js';
import type { ParseIssue } from './parse/index.js';

/** A stored paper as removal sees it: its id and the file it was read from. */
export interface StoredSource {
  id: string;
  sourceFile: string;
}

/**
 * The ids asked for, each checked against the stored ones: an unknown id is a mistake to name
 * (nothing is removed), not one to skip. Repeated ids count once. `publishedIds` are those of the
 * index as last published, when a run that was cut short left the table ahead of it: an id gone
 * from the table but still published was removed by that run, and asking again publishes it.
 */
export function papersToRemove(
  requested: readonly string[],
  storedIds: ReadonlySet<string>,
  publishedIds: ReadonlySet<string> = new Set(),
): string[] {
  const ids = [...new Set(requested)];
  const unknown = ids.filter((id) => !storedIds.has(id) && !publishedIds.has(id));
  if (unknown.length > 0) {
    const named = unknown.map((id) => `"${id}"`).join(', ');
    throw new PaperscopeError('NOT_FOUND', `No paper ${named} in the index; nothing was removed ("paperscope search" shows the ids).`, {
      ids: unknown,
      parameter: 'id',
    });
  }
  return ids;
}

export interface PruneChoice {
  /** Stored papers read from the given paths that the paths no longer hold. */
  ids: string[];
  /** Files under the given paths with records that could not be read: their stored papers are kept. */
  sparedFiles: string[];
}

/**
 * The stored papers `index --prune` drops: those whose source file is one of `paths` or lies under
 * one of them (a file since deleted included) and whose id was not read this time. A file with a
 * record that could not be read keeps all its papers, since the unreadable record may be one of
 * them: bad input never loses indexed papers. Paths compare resolved against `cwd`, so papers
 * from other files, fetched or posted ones are never touched.
 */
export function papersToPrune(
  stored: Iterable<StoredSource>,
  read: { ids: ReadonlySet<string>; issues: readonly ParseIssue[] },
  paths: readonly string[],
  cwd = process.cwd(),
): PruneChoice {
  const roots = paths.map((given) => path.resolve(cwd, given));
  const within = (file: string) => roots.some((root) => file === root || file.startsWith(`${root}${path.sep}`));
  const unreadable = new Set(read.issues.filter((issue) => !issue.kept).map((issue) => path.resolve(cwd, issue.file)));
  const ids: string[] = [];
  // Keyed by the resolved file, named as first stored.
  const spared = new Map<string, string>();
  for (const { id, sourceFile } of stored) {
    const file = path.resolve(cwd, sourceFile);
    if (read.ids.has(id) || !within(file)) continue;
    if (unreadable.has(file)) spared.set(file, spared.get(file) ?? sourceFile);
    else ids.push(id);
  }
  return { ids, sparedFiles: [...spared.values()] };
}

/** "3 papers (a, b, c)", listing at most `shown` ids. */
export function describeIds(ids: readonly string[], shown = 10): string {
  const listed = ids.slice(0, shown).join(', ');
  return `${plural(ids.length, 'paper')} (${listed}${ids.length > shown ? ', …' : ''})`;
}
