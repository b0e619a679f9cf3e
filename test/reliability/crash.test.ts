import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CrashStage } from '../../core/config.js';
import { CRASH_TEST_MS } from '../helpers/limits.js';
import { temporaryDir } from '../helpers/sample-index.js';
import { type SyntheticPaper, syntheticPapers } from './corpus.js';
import { checkIndex, outcomeOf, spawnCli, storedIds, writeCorpus } from './harness.js';

/**
 * Few papers, written in small batches (PAPERSCOPE_WRITE_BATCH), so the first run leaves batches to
 * write after each of the two batch kills: each rebuild of the derived indexes (topics and map above
 * all) costs in proportion to the papers, and there are a dozen. Still long enough that each step's
 * work lasts well past the line announcing it.
 */
const PAPERS = 300;
const SEED = 20_251_128;
/** Papers per committed batch: three batches, the last one smaller. */
const BATCH = 120;

/**
 * Ten kills, each at a named point of the run, never after a number of milliseconds a faster
 * machine could outrun: five at fault-injection stages (the process kills itself there), five as
 * soon as the indexer reports reaching a step (the test kills it on that line of its output, with
 * the step's work still ahead). The two batch kills come first, while batches remain to be written;
 * no killed run writes the final manifest, so each restart rebuilds the derived indexes.
 */
type Kill = { stage: CrashStage } | { onOutput: RegExp };

const KILL_PLAN: Kill[] = [
  { stage: 'table-created' },
  { stage: 'batch-written' },
  { stage: 'batch-written' },
  { onOutput: /^Parsed [\d,]+ papers?/m },
  { onOutput: /^Embedder: /m },
  { stage: 'hnsw-write' },
  { onOutput: /^Building the search indexes/m },
  { stage: 'before-manifest' },
  { onOutput: /^(Clustering topics|Adding new papers to the existing topics)/m },
  { onOutput: /^Embedder: /m },
];

const INDEX_ARGS = ['--embedder', 'word-vectors', '--offline', '--clusters', '4'];
const env = { PAPERSCOPE_WRITE_BATCH: String(BATCH) };

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
      for (const [round, kill] of KILL_PLAN.entries()) {
        const child = spawnCli(args, 'stage' in kill ? { ...env, PAPERSCOPE_CRASH_AT: kill.stage } : env);
        if ('onOutput' in kill) {
          let output = '';
          child.stderr?.on('data', (chunk: Buffer) => {
            output += chunk.toString();
            if (kill.onOutput.test(output)) child.kill('SIGKILL');
          });
        }
        const outcome = await outcomeOf(child);
        const where = `round ${round} (${'stage' in kill ? kill.stage : String(kill.onOutput)})`;
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

      const final = await outcomeOf(spawnCli(args, env));
      expect(final.code, final.stderr).toBe(0);
      expect(await checkIndex(dataDir, papers, 25, SEED)).toBe(PAPERS);
      expect(new Set(await storedIds(dataDir))).toEqual(new Set(papers.map((paper) => paper.id)));
      // No lock and no half-written temporary file is left behind.
      expect((await readdir(dataDir)).filter((name) => name.endsWith('.tmp') || name === 'index.lock')).toEqual([]);
    },
    CRASH_TEST_MS,
  );
});
