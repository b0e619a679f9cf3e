import { describe, expect, it } from 'vitest';
import { runTask, WorkerLane } from '../../core/worker.js';
import { choiceJob, collectChoiceRuns, shareChoiceRuns } from '../../indexer/cluster/choice-job.js';
import { clusterPapers } from '../../indexer/cluster/index.js';
import { type ChoiceRun, measureChoiceRun, prepareChoiceRuns } from '../../indexer/cluster/kmeans.js';
import { cosineDistanceMatrix } from '../../indexer/cluster/metrics.js';
import { normalizeVectors } from '../../indexer/cluster/vectors.js';
import { gaussianBlobs } from './helpers.js';

// Overlapping blobs: each run's clusters depend on its own k-means++ seeds.
const { vectors } = gaussianBlobs(6, 40, 16, 2, 21);
const points = normalizeVectors(vectors, 'vectors');
const sample = { points, distances: cosineDistanceMatrix(points) };
const runs: ChoiceRun[] = [3, 4, 5].flatMap((k) => [0, 1, 2].map((run) => ({ k, run })));

describe("auto k's runs shared with a worker lane", () => {
  it('reads the outcomes the lane published, equal to those run here, and chooses the same topics with its share', async () => {
    const prepared = prepareChoiceRuns(sample);
    const here = runs.map((run) => measureChoiceRun(prepared, run, 5));
    const job = choiceJob(sample, runs, 5);
    const lane = new WorkerLane();
    try {
      // The lane claims every run before this thread collects: each outcome comes from the shared memory.
      await runTask(lane, new URL('../../indexer/cluster/choice-job.ts', import.meta.url).href, './choice-task', job);
      expect(new Int32Array(job.claims)[0]).toBeGreaterThanOrEqual(runs.length);
      expect(collectChoiceRuns(job, sample)).toEqual(here);
      // What waits for the runs (the indexer's graph) is queued on the lane behind them, once.
      let queued = 0;
      const shared = clusterPapers({ vectors, k: 'auto', seed: 5, runChoices: shareChoiceRuns(lane, undefined, () => queued++) });
      expect(shared).toEqual(clusterPapers({ vectors, k: 'auto', seed: 5 }));
      expect(queued).toBe(1);
    } finally {
      lane.release();
    }
  });
});
