import { readFile, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { readSettings } from '../../core/config.js';
import { runIndex } from '../../indexer/index.js';
import { dataDirLayout } from '../../indexer/store/index.js';
import type { SearchEngine } from '../../server/engine/index.js';
import { INDEX_SAMPLE_MS } from '../helpers/limits.js';
import { buildSampleIndex, openCollectingEvents, SAMPLE_FILE, SAMPLE_YEAR } from '../helpers/sample-index.js';

async function flipByte(file: string, where: (size: number) => number): Promise<void> {
  const bytes = await readFile(file);
  const at = where(bytes.length);
  bytes[at] = (bytes[at] as number) ^ 0xff;
  await writeFile(file, bytes);
}

async function warningsOpening(dataDir: string, use: (engine: SearchEngine) => void = () => {}): Promise<string[]> {
  const { engine, events } = await openCollectingEvents(dataDir);
  try {
    use(engine);
  } finally {
    await engine.close();
  }
  return events.flatMap((event) => (event.type === 'warning' ? [event.message] : []));
}

/** Each paper's topic id, and each topic's id and label. */
function topicsOf(engine: SearchEngine) {
  return {
    papers: Object.fromEntries(engine.map().points.map((point) => [point.id, point.cluster])),
    topics: engine.clusters().clusters.map(({ id, label, size }) => ({ id, label, size })),
  };
}

describe('derived files rebuilt after damage', () => {
  it(
    'a damaged records file is written again: the warning comes once, not on every start',
    async () => {
      const dataDir = await buildSampleIndex();
      // A byte of the briefs, read and checked at start (a paper's details are checked as each is read).
      await flipByte(dataDirLayout(dataDir).records, () => 400);
      expect(await warningsOpening(dataDir)).toEqual([
        expect.stringMatching(/^Reading the papers from the table instead of the records file: /),
      ]);
      expect(await warningsOpening(dataDir)).toEqual([]);
    },
    INDEX_SAMPLE_MS,
  );

  it(
    'topics rebuilt after their file is damaged keep their ids, as a re-clustering does',
    async () => {
      const dataDir = await buildSampleIndex();
      // A history: re-clustered into 5 topics, whose ids are carried over from the first clustering.
      await runIndex({
        paths: [SAMPLE_FILE],
        dataDir,
        cacheDir: readSettings().cacheDir,
        offline: true,
        embedder: 'word-vectors',
        clusters: 5,
        year: SAMPLE_YEAR,
      });
      let before: ReturnType<typeof topicsOf> | undefined;
      expect(await warningsOpening(dataDir, (engine) => (before = topicsOf(engine)))).toEqual([]);
      // Not numbered afresh (0 to 4), which is what a clustering without the old topics gives.
      expect(before?.topics.map(({ id }) => id).sort()).not.toEqual([0, 1, 2, 3, 4]);

      await flipByte(dataDirLayout(dataDir).topics, (size) => Math.floor(size / 2));
      let after: ReturnType<typeof topicsOf> | undefined;
      const warnings = await warningsOpening(dataDir, (engine) => (after = topicsOf(engine)));
      expect(warnings).toEqual([expect.stringMatching(/^Rebuilding derived indexes from the papers table: .*topics/)]);
      expect(after).toEqual(before);
    },
    INDEX_SAMPLE_MS,
  );
});
