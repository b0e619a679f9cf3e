import type { TaskOutput } from '../../core/worker.js';
import { measureCost, type StageCost } from '../timings.js';
import { type ChoiceJob, fillChoiceRuns, sampleOf } from './choice-job.js';
import { prepareChoiceRuns } from './kmeans.js';

/** Takes the runs of 'auto' the clustering thread has not begun (`shareChoiceRuns`), on the lane while it waits for the partition. */
export default function choiceTask(job: ChoiceJob): TaskOutput<StageCost> {
  const { cost } = measureCost(() => fillChoiceRuns(job, () => prepareChoiceRuns(sampleOf(job))));
  return { result: cost };
}
