import { runTask, type WorkerLane } from '../../core/worker.js';
import { recordStage, type StageCost, type StageTimings } from '../timings.js';
import {
  type ChoiceOutcome,
  type ChoiceRun,
  type ChoiceRunner,
  type ChoiceSample,
  measureChoiceRun,
  type PreparedChoiceSample,
  prepareChoiceRuns,
} from './kmeans.js';

/** 'auto''s runs on one sample, in shared memory, claimed by two threads through one counter (`fillChoiceRuns`). */
export interface ChoiceJob {
  /** The sample's unit vectors, row after row (Float32). */
  points: SharedArrayBuffer;
  /** Their cosine distance matrix, row after row (Float32). */
  distances: SharedArrayBuffer;
  count: number;
  dimension: number;
  runs: ChoiceRun[];
  seed: number;
  /** Int32s: the number of runs claimed so far, then each run's state (`RunState`). */
  claims: SharedArrayBuffer;
  /** Each run's silhouette (Float64). */
  silhouettes: SharedArrayBuffer;
  /** Each run's clusters, `count` Int32s a run. */
  clusters: SharedArrayBuffer;
}

/** A run's state in `ChoiceJob.claims` (after the counter). */
const RunState = { pending: 0, done: 1, failed: 2 } as const;

/**
 * How long this thread waits for a run the lane claimed before running it itself: a run takes tens
 * of milliseconds, so only a stalled lane takes this long, and a run gives the same outcome on either thread.
 */
const CLAIMED_RUN_WAIT_MS = 5_000;

/**
 * A `ChoiceRunner` that splits the runs with `lane`: the lane takes the runs this thread has not
 * begun, from the largest k down, while this thread does the same; this thread then waits for the
 * lane's runs in progress. If the lane is busy with another task, this thread runs them all. Each run
 * is seeded by itself, so the outcomes (and the chosen k) are the same whichever thread ran them. The
 * lane's time goes into `timings.clustering`. `queued` is called once the runs are on the lane, to
 * queue behind them what can wait for them.
 */
export function shareChoiceRuns(lane: WorkerLane, timings?: StageTimings, queued?: () => void): ChoiceRunner {
  return (sample, runs, seed) => {
    const job = choiceJob(sample, runs, seed);
    const laneRan = runTask<StageCost>(lane, import.meta.url, './choice-task', job).then((cost) =>
      recordStage(timings, 'clustering', cost),
    );
    // Its outcomes are read from the shared memory; a failure there only means this thread runs its claims again.
    laneRan.catch(() => {});
    queued?.();
    fillChoiceRuns(job, () => prepareChoiceRuns(sample));
    return collectChoiceRuns(job, sample);
  };
}

/** The job's view of the sample: its rows as Float32Arrays over the shared memory. */
export function sampleOf(job: ChoiceJob): ChoiceSample {
  const rows = new Float32Array(job.points);
  return {
    points: Array.from({ length: job.count }, (_, row) => rows.subarray(row * job.dimension, (row + 1) * job.dimension)),
    distances: new Float32Array(job.distances),
  };
}

/**
 * Runs the job's runs this thread claims until none is left (`prepare`d on the first claim) and
 * publishes each outcome; says how many it ran. The largest k first: the costliest runs are spread
 * over both threads and the last ones claimed are short, so the threads finish close together.
 */
export function fillChoiceRuns(job: ChoiceJob, prepare: () => PreparedChoiceSample): number {
  const claims = new Int32Array(job.claims);
  const silhouettes = new Float64Array(job.silhouettes);
  const clusters = new Int32Array(job.clusters);
  let prepared: PreparedChoiceSample | undefined;
  let ran = 0;
  for (let claimed = Atomics.add(claims, 0, 1); claimed < job.runs.length; claimed = Atomics.add(claims, 0, 1)) {
    const index = job.runs.length - 1 - claimed;
    try {
      prepared ??= prepare();
      const outcome = measureChoiceRun(prepared, job.runs[index] as ChoiceRun, job.seed);
      clusters.set(outcome.clusters, index * job.count);
      silhouettes[index] = outcome.silhouette;
      Atomics.store(claims, 1 + index, RunState.done);
    } catch (error) {
      Atomics.store(claims, 1 + index, RunState.failed);
      throw error;
    } finally {
      Atomics.notify(claims, 1 + index);
    }
    ran++;
  }
  return ran;
}

/** The shared memory of `runs` on `sample`, none claimed yet. */
export function choiceJob(sample: ChoiceSample, runs: readonly ChoiceRun[], seed: number): ChoiceJob {
  const count = sample.points.length;
  const dimension = sample.points[0]?.length ?? 0;
  const points = new SharedArrayBuffer(count * dimension * Float32Array.BYTES_PER_ELEMENT);
  const rows = new Float32Array(points);
  sample.points.forEach((point, row) => {
    rows.set(point, row * dimension);
  });
  const distances = new SharedArrayBuffer(sample.distances.byteLength);
  new Float32Array(distances).set(sample.distances);
  return {
    points,
    distances,
    count,
    dimension,
    runs: [...runs],
    seed,
    claims: new SharedArrayBuffer((1 + runs.length) * Int32Array.BYTES_PER_ELEMENT),
    silhouettes: new SharedArrayBuffer(runs.length * Float64Array.BYTES_PER_ELEMENT),
    clusters: new SharedArrayBuffer(runs.length * count * Int32Array.BYTES_PER_ELEMENT),
  };
}

/** Every run's outcome, in the job's order: waits for the runs the lane claimed, runs here those it could not finish. */
export function collectChoiceRuns(job: ChoiceJob, sample: ChoiceSample): ChoiceOutcome[] {
  const claims = new Int32Array(job.claims);
  const silhouettes = new Float64Array(job.silhouettes);
  const clusters = new Int32Array(job.clusters);
  let prepared: PreparedChoiceSample | undefined;
  return job.runs.map((run, index) => {
    if (Atomics.load(claims, 1 + index) === RunState.pending) Atomics.wait(claims, 1 + index, RunState.pending, CLAIMED_RUN_WAIT_MS);
    if (Atomics.load(claims, 1 + index) !== RunState.done) {
      prepared ??= prepareChoiceRuns(sample);
      return measureChoiceRun(prepared, run, job.seed);
    }
    return {
      clusters: Array.from(clusters.subarray(index * job.count, (index + 1) * job.count)),
      silhouette: silhouettes[index] as number,
    };
  });
}
