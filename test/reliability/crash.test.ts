import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CrashStage } from '../../core/config.js';
import { createRandom } from '../../core/random.js';
import { CRASH_TEST_MS } from '../helpers/limits.js';
import { temporaryDir } from '../helpers/sample-index.js';
import { type SyntheticPaper, syntheticPapers } from './corpus.js';
import { checkIndex, outcomeOf, spawnCli, storedIds, writeCorpus } from './harness.js';

/** Over 2,500, so the map's UMAP runs 200 epochs, not 500 (indexer/cluster/layout.ts): each rebuild costs about half. */
const PAPERS = 2_600;
const SEED = 20_251_128;
/** Papers per committed batch in the pipeline (indexer/index.ts: at least 1,024, so here exactly that). */
const BATCH = 1_024;

/**
 * Ten kills: five at named stages (fault injection), five at seeded random moments. The two
 * batch kills come first, while batches remain to be written; random moments fall within the first
 * 2.5 s, sooner than any run can finish, since no killed run writes the final manifest and each
 * restart therefore rebuilds the derived indexes.
 */
type Kill = { stage: CrashStage } | { afterMs: number };

function killPlan(seed: number): Kill[] {
  const random = createRandom(seed);
  const moment = (): Kill => ({ afterMs: Math.round(300 + random() * 2_200) });
  return [
    { stage: 'table-created' },
    { stage: 'batch-written' },
    { stage: 'batch-written' },
    moment(),
    moment(),
    { stage: 'hnsw-write' },
    moment(),
    { stage: 'before-manifest' },
    moment(),
    moment(),
  ];
}

const INDEX_ARGS = ['--embedder', 'word-vectors', '--offline', '--clusters', '4'];

describe('kill -9 during indexing', () => {
  let dir: string;
  let remove: () => Promise<void>;
  let input: string;
  let papers: SyntheticPaper[];

  beforeAll(async () => {
    ({ dir, remove } = await temporaryDir('paperscope-crash-'));
    papers = syntheticPapers(PAPERS, SEED);
    input = path.join(dir, 'papers.json');
    await writeCorpus(input, papers);
  });
  afterAll(async () => remove());

  it(
    'loses no committed batch, never duplicates, always reopens, and finishes with every paper',
    async () => {
      const dataDir = path.join(dir, 'index');
      const args = ['index', '--data-dir', dataDir, ...INDEX_ARGS, input];
      let committed = 0;
      let previousIds = new Set<string>();
      for (const [round, kill] of killPlan(SEED).entries()) {
        const child = spawnCli(args, 'stage' in kill ? { PAPERSCOPE_CRASH_AT: kill.stage } : {});
        const timer = 'afterMs' in kill ? setTimeout(() => child.kill('SIGKILL'), kill.afterMs) : undefined;
        const outcome = await outcomeOf(child);
        clearTimeout(timer);
        const where = `round ${round} (${JSON.stringify(kill)})`;
        // Every planned kill lands: no run may finish before its kill.
        expect(outcome.signal, `${where}: ${outcome.stderr}`).toBe('SIGKILL');

        const ids = await storedIds(dataDir);
        expect(ids.length, `${where}: the count went down`).toBeGreaterThanOrEqual(committed);
        const present = new Set(ids);
        expect(
          [...previousIds].filter((id) => !present.has(id)),
          `${where}: committed papers were lost`,
        ).toEqual([]);
        if ('stage' in kill && kill.stage === 'batch-written') {
          // Killed right after a batch committed: exactly that batch is there.
          expect(ids.length, where).toBe(Math.min(PAPERS, committed + BATCH));
        }
        committed = await checkIndex(dataDir, papers, 10, SEED + round);
        previousIds = new Set(ids);
      }

      const final = await outcomeOf(spawnCli(args));
      expect(final.code, final.stderr).toBe(0);
      expect(await checkIndex(dataDir, papers, 25, SEED)).toBe(PAPERS);
      expect(new Set(await storedIds(dataDir))).toEqual(new Set(papers.map((paper) => paper.id)));
      // No lock and no half-written temporary file is left behind.
      expect((await readdir(dataDir)).filter((name) => name.endsWith('.tmp') || name === 'index.lock')).toEqual([]);
    },
    CRASH_TEST_MS,
  );
});
