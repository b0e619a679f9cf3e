import path from 'node:path';
import { readSettings } from '../../core/config.js';
import { type EngineOptions, LiveEngine, SearchEngine } from '../../server/engine/index.js';
import { buildSampleIndex, temporaryDir } from './sample-index.js';

/** A private, writable copy of the sample index with a live engine on it, for tests that change the index. */
export async function liveSampleCopy(
  prefix: string,
): Promise<{ scratch: { dir: string; remove: () => Promise<void> }; options: EngineOptions; live: LiveEngine }> {
  const scratch = await temporaryDir(prefix);
  const dataDir = path.join(scratch.dir, 'index');
  await buildSampleIndex(dataDir);
  const options = { dataDir, cacheDir: readSettings().cacheDir, offline: true };
  return { scratch, options, live: new LiveEngine(await SearchEngine.open(options), options) };
}
