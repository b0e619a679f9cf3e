import { mkdtemp, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { inject } from 'vitest';

const built = new Map<string, Promise<string>>();

/**
 * The folder `name` in the run's scratch root, made by `build` the first time a test file asks:
 * for what every file would otherwise make again (the sample index, the web page). Files that ask
 * at the same time may each build it; the first to finish is kept, the others' removed. Read it,
 * or copy it to change it.
 */
export function builtOncePerRun(name: string, build: (dir: string) => Promise<void>): Promise<string> {
  let folder = built.get(name);
  if (!folder) {
    folder = findOrBuild(path.join(inject('scratchRoot'), name), build);
    built.set(name, folder);
  }
  return folder;
}

async function findOrBuild(target: string, build: (dir: string) => Promise<void>): Promise<string> {
  const exists = await stat(target).then(
    () => true,
    () => false,
  );
  if (exists) return target;
  const dir = await mkdtemp(`${target}.building-`);
  await build(dir);
  // A rename is atomic: another file sees no folder there or a whole one.
  await rename(dir, target).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
    await rm(dir, { recursive: true, force: true });
  });
  return target;
}
