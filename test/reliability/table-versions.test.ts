import { cp, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSettings } from '../../core/config.js';
import { PaperscopeError } from '../../core/errors.js';
import { runIndex } from '../../indexer/index.js';
import { dataDirLayout } from '../../indexer/store/index.js';
import { localVersions } from '../../indexer/store/version-fallback.js';
import { INDEX_SAMPLE_MS } from '../helpers/limits.js';
import { buildSampleIndex, offlineIndexOptions, temporaryDir } from '../helpers/sample-index.js';
import { outcomeOf, spawnCli } from './cli.js';

/** The newest version file of the papers table. */
async function newestVersionFile(dataDir: string): Promise<string> {
  const dataset = path.join(dataDirLayout(dataDir).database, 'papers.lance');
  const [newest] = await localVersions(dataset);
  if (!newest) throw new Error('no table versions');
  return path.join(dataset, '_versions', newest.file);
}

const DAMAGES = {
  'cut short': async (file: string) => truncate(file, 10),
  'zero-filled': async (file: string) => writeFile(file, Buffer.alloc((await stat(file)).size)),
};

describe('a papers table whose newest version file is damaged', () => {
  let scratch: { dir: string; remove: () => Promise<void> };
  let indexed: string;

  beforeAll(async () => {
    scratch = await temporaryDir('paperscope-versions-');
    indexed = path.join(scratch.dir, 'indexed');
    await buildSampleIndex(indexed);
    const extra = path.join(scratch.dir, 'extra.json');
    await writeFile(
      extra,
      JSON.stringify([{ title: 'A paper in the newest version only', abstract: 'Written by the last index run.', date: '2025-07-01' }]),
    );
    await runIndex({
      paths: [extra],
      dataDir: indexed,
      cacheDir: readSettings().cacheDir,
      offline: true,
      embedder: 'word-vectors',
      clusters: 'auto',
    });
  }, INDEX_SAMPLE_MS);
  afterAll(async () => scratch?.remove());

  for (const [name, damage] of Object.entries(DAMAGES)) {
    it(
      `(${name}) is read at the version before by status, with a warning, and named clearly by index`,
      async () => {
        const dataDir = path.join(scratch.dir, name);
        await cp(indexed, dataDir, { recursive: true });
        await damage(await newestVersionFile(dataDir));

        const status = await outcomeOf(spawnCli(['status', '--json', '--data-dir', dataDir]));
        expect(status.code, status.stderr).toBe(0);
        expect(JSON.parse(status.stdout)).toMatchObject({ papers: 62 });
        expect(status.stderr).toMatch(
          /warning: The newest version of the papers table in .* cannot be read .*; reading version \d+ instead/,
        );
        expect(status.stderr).not.toContain('no vector column');

        const failure = await runIndex(offlineIndexOptions(dataDir)).catch((error: unknown) => error);
        expect(failure).toBeInstanceOf(PaperscopeError);
        expect((failure as PaperscopeError).code).toBe('INDEX_DAMAGED');
        expect((failure as PaperscopeError).message).toContain('_versions');
        expect(await readFile(dataDirLayout(dataDir).manifest, 'utf8')).toContain('"count":63');
      },
      INDEX_SAMPLE_MS,
    );
  }
});
