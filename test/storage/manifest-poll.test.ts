import { readFile, rm, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSettings } from '../../core/config.js';
import { dataDirLayout, openDataDir, replaceFileAtomically } from '../../indexer/store/index.js';
import { INDEX_SAMPLE_MS } from '../helpers/limits.js';
import { buildSampleIndex, temporaryDir } from '../helpers/sample-index.js';

/** `serve` polls the manifest every few seconds: a local one is parsed again only when its file changed. */
describe("a local data dir's manifest, read again and again", () => {
  let dataDir: string;
  let scratch: { dir: string; remove: () => Promise<void> };

  beforeAll(async () => {
    scratch = await temporaryDir('paperscope-manifest-poll-');
    dataDir = await buildSampleIndex(scratch.dir);
  }, INDEX_SAMPLE_MS);
  afterAll(async () => scratch?.remove());

  const open = () => openDataDir(dataDir, { cacheDir: readSettings().cacheDir, role: 'serve' });

  it('is not parsed again while the file is unchanged', async () => {
    const watched = open();
    const first = await watched.readManifest();
    expect(first?.count).toBe(62);
    expect(await watched.readManifest()).toBe(first);
  });

  it('is read again once the file is replaced or rewritten in place', async () => {
    const watched = open();
    const file = dataDirLayout(dataDir).manifest;
    const first = await watched.readManifest();
    const text = await readFile(file, 'utf8');
    const builtAt = '2031-01-02T03:04:05.000Z';
    const wrapped = JSON.parse(text) as { payload: { builtAt: string } };
    await replaceFileAtomically(file, (temporary) => writeFile(temporary, JSON.stringify({ ...wrapped.payload, builtAt })));
    const replaced = await watched.readManifest();
    expect(replaced).not.toBe(first);
    expect(replaced?.builtAt).toBe(builtAt);
    // The same length written into the same file: only its times tell.
    await writeFile(file, JSON.stringify({ ...wrapped.payload, builtAt: builtAt.replace('2031', '2032') }));
    expect((await watched.readManifest())?.builtAt).toBe('2032-01-02T03:04:05.000Z');
  });

  it('is undefined once the file is gone', async () => {
    const watched = open();
    expect(await watched.readManifest()).toBeDefined();
    await rm(dataDirLayout(dataDir).manifest);
    expect(await watched.readManifest()).toBeUndefined();
  });
});
