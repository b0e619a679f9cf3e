import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { IndexEvent } from '../../indexer/index.js';
import { runIndex } from '../../indexer/index.js';
import { dataDirLayout, replaceFileAtomically } from '../../indexer/store/index.js';
import { type EngineOptions, type LiveEngine, type ReloadWatch, watchForNewIndex } from '../../server/engine/index.js';
import { INDEX_SAMPLE_MS } from '../helpers/limits.js';
import { liveSampleCopy } from '../helpers/live-sample.js';
import { SAMPLE_YEAR } from '../helpers/sample-index.js';

/** A server's engine on a local data dir that a separate `paperscope index` run changes. */
describe('reloading a served local index when the manifest changes', () => {
  let scratch: { dir: string; remove: () => Promise<void> };
  let options: EngineOptions;
  let live: LiveEngine;
  let watch: ReloadWatch;
  const events: IndexEvent[] = [];

  beforeAll(async () => {
    ({ scratch, options, live } = await liveSampleCopy('paperscope-reload-'));
    watch = watchForNewIndex(live, { intervalMs: 100, onEvent: (event) => events.push(event) });
  }, INDEX_SAMPLE_MS);

  afterAll(async () => {
    await watch?.stop();
    await live?.close();
    await scratch?.remove();
  });

  it('leaves the engine alone while the manifest is unchanged', async () => {
    const before = live.current;
    expect(await watch.check()).toBe(false);
    expect(live.current).toBe(before);
  });

  it("does not read again, at a new watch's first check, the manifest the engine read", async () => {
    const fresh = watchForNewIndex(live, { intervalMs: 60_000 });
    const parse = vi.spyOn(JSON, 'parse');
    try {
      expect(await fresh.check()).toBe(false);
      expect(parse.mock.calls.filter(([text]) => typeof text === 'string' && text.includes('"builtAt"'))).toHaveLength(0);
    } finally {
      parse.mockRestore();
      await fresh.stop();
    }
  });

  it('reads a manifest written again after the engine read it, and keeps the engine when it names the same build', async () => {
    const manifestFile = dataDirLayout(options.dataDir).manifest;
    const before = live.current;
    // The same bytes in a new file: the stamp the engine took no longer matches, the build does.
    await replaceFileAtomically(manifestFile, async (temporary) => writeFile(temporary, await readFile(manifestFile)));
    const parse = vi.spyOn(JSON, 'parse');
    try {
      expect(await watch.check()).toBe(false);
      expect(parse.mock.calls.some(([text]) => typeof text === 'string' && text.includes('"builtAt"'))).toBe(true);
    } finally {
      parse.mockRestore();
    }
    expect(live.current).toBe(before);
  });

  it(
    'swaps in the new index within a few polls of an index run',
    async () => {
      const input = path.join(scratch.dir, 'new.jsonl');
      await writeFile(
        input,
        `${JSON.stringify({ title: 'Wombat attention: burrowing into long contexts', abstract: 'Wombat attention digs through long contexts in linear time.' })}\n`,
      );
      await runIndex({
        paths: [input],
        dataDir: options.dataDir,
        cacheDir: options.cacheDir,
        offline: true,
        embedder: 'word-vectors',
        clusters: 'auto',
        year: SAMPLE_YEAR,
      });
      const deadline = Date.now() + 10_000;
      // The swap is logged just after it: wait for both, so a slow machine does not read the log too early.
      const reloaded = () => events.some((event) => event.type === 'info' && /^Reloaded the index from .*: 63 papers/.test(event.message));
      while ((live.current.status().papers !== 63 || !reloaded()) && Date.now() < deadline) await sleep(50);
      expect(live.current.status().papers).toBe(63);
      expect(events).toContainEqual({ type: 'info', message: expect.stringMatching(/^Reloaded the index from .*: 63 papers/) });
    },
    INDEX_SAMPLE_MS,
  );

  it(
    'keeps serving the current index when the new one cannot be opened, and warns once',
    async () => {
      const manifestFile = dataDirLayout(options.dataDir).manifest;
      const good = await readFile(manifestFile, 'utf8');
      const served = live.current;
      const manifest = (JSON.parse(good) as { payload: { builtAt: string; embedder: { kind: string; model: string } } }).payload;
      // Replaced atomically, as the indexer does: the watcher polls every 100 ms and must never read half a manifest.
      const replaceManifest = (text: string) => replaceFileAtomically(manifestFile, (temporary) => writeFile(temporary, text));
      // A build whose model is not here: opening it fails offline.
      await replaceManifest(
        JSON.stringify({
          ...manifest,
          builtAt: new Date().toISOString(),
          embedder: { ...manifest.embedder, kind: 'transformer', model: 'nobody/missing-model' },
        }),
      );
      try {
        await watch.check();
        await watch.check();
        expect(live.current).toBe(served);
        const warnings = events.filter((event) => event.type === 'warning');
        expect(warnings).toHaveLength(1);
        expect(warnings[0]).toMatchObject({ message: expect.stringContaining('still serving the one built') });
      } finally {
        await replaceManifest(good);
      }
    },
    INDEX_SAMPLE_MS,
  );
});
