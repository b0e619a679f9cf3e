import { createHash } from 'node:crypto';
import { copyFile, mkdir, readdir, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const U64_MAX = 2n ** 64n - 1n;

/**
 * The versions of a local Lance dataset, newest first, from its `_versions` folder: Lance itself
 * cannot list them, nor open any, while the newest version's file is cut short.
 * Names are `<version>.manifest`, or `<u64 max - version>.manifest` in the newer scheme.
 */
export async function localVersions(dataset: string): Promise<Array<{ version: number; file: string }>> {
  const names = await readdir(path.join(dataset, '_versions')).catch(() => []);
  return names
    .flatMap((file) => {
      const match = /^(\d+)\.manifest$/.exec(file);
      if (!match?.[1]) return [];
      const value = BigInt(match[1]);
      return [{ version: Number(value > 2n ** 63n ? U64_MAX - value : value), file }];
    })
    .sort((a, b) => b.version - a.version);
}

/**
 * A read-only view of a local Lance dataset whose newest version is `version`: a folder in the
 * temporary directory that links to the dataset's folders but holds only the versions up to it, so
 * Lance opens that one as the latest. Returns the database folder to connect to.
 */
export async function datasetUpTo(database: string, tableName: string, version: number): Promise<string> {
  const dataset = path.join(database, `${tableName}.lance`);
  const view = path.join(os.tmpdir(), `paperscope-version-${createHash('sha256').update(dataset).digest('hex').slice(0, 12)}-${version}`);
  const viewDataset = path.join(view, `${tableName}.lance`);
  await rm(view, { recursive: true, force: true });
  await mkdir(path.join(viewDataset, '_versions'), { recursive: true });
  for (const entry of await readdir(dataset, { withFileTypes: true })) {
    if (entry.name !== '_versions') await symlink(path.join(dataset, entry.name), path.join(viewDataset, entry.name));
  }
  for (const { version: kept, file } of await localVersions(dataset)) {
    // Copied, not linked: Lance reads a link's own size. Version files are small.
    if (kept <= version) await copyFile(path.join(dataset, '_versions', file), path.join(viewDataset, '_versions', file));
  }
  return view;
}
