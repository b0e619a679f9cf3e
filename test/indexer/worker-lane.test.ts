import { threadId } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { deferred, LANE_YOUNG_GENERATION_MB, runTask, WorkerLane } from '../../core/worker.js';
import { startEarlyStages } from '../../indexer/derive.js';

type Echo = { thread: number; limits: { maxYoungGenerationSizeMb?: number }; data: { wait: boolean; buffer: Float32Array }; next?: string };
const TASK = '../fixtures/lane/echo-task';

describe('WorkerLane', () => {
  it('runs several tasks in one worker thread; one waiting for its next value does not hold up those after it', async () => {
    const lane = new WorkerLane();
    const later = deferred<string>();
    const waiting = lane.run<Echo>(import.meta.url, TASK, { wait: true }, later.promise);
    const first = await lane.run<Echo>(import.meta.url, TASK, { wait: false });
    later.resolve('topic count');
    const second = await waiting;
    lane.release();
    expect(second.next).toBe('topic count');
    expect(first.thread).toBe(second.thread);
    expect(first.thread).not.toBe(threadId);
    // The lane's heap has the larger young generation its stages' short-lived arrays want.
    expect(first.limits.maxYoungGenerationSizeMb).toBe(LANE_YOUNG_GENERATION_MB);
    expect(LANE_YOUNG_GENERATION_MB).toBeGreaterThan(48);
    // Handed over, not lost on the way.
    expect(Array.from(first.data.buffer)).toEqual([1, 2, 3]);
    // Tasks without a lane each get a worker of their own.
    const [own, other] = await Promise.all([
      runTask<Echo>(undefined, import.meta.url, TASK, { wait: false }),
      runTask<Echo>(undefined, import.meta.url, TASK, { wait: false }),
    ]);
    expect(new Set([own.thread, other.thread, first.thread]).size).toBe(3);
  });

  it("rejects a failed task's run with its error and goes on with the others; a rejected next value rejects its run", async () => {
    const lane = new WorkerLane();
    await expect(lane.run(import.meta.url, TASK, { wait: false, fail: 'bad input at row 3' })).rejects.toThrow('bad input at row 3');
    const never = deferred<string>();
    const stopped = lane.run(import.meta.url, TASK, { wait: true }, never.promise);
    never.reject(new Error('clustering failed'));
    await expect(stopped).rejects.toThrow('clustering failed');
    await expect(lane.run<Echo>(import.meta.url, TASK, { wait: false })).resolves.toMatchObject({ data: { wait: false } });
    lane.release();
    expect(() => lane.run(import.meta.url, TASK, { wait: false })).toThrow('released');
  });

  it('runs the stages that need only the texts early, and stops them when the run fails so the lane can end', async () => {
    const lane = new WorkerLane();
    // 2,000 papers: the size from which the topics are described on a worker.
    const docs = Array.from({ length: 2_000 }, (_, n) => ({
      title: `Reward noise ${n % 17}`,
      abstract: `Noisy rewards ${n % 29} hurt policies.`,
    }));
    const early = await startEarlyStages(docs, { lane });
    expect(early.related).toBeDefined();
    expect(early.describing).toBeDefined();
    const failure = new Error('embedding failed');
    early.stop(failure);
    await expect(early.related?.view).rejects.toBe(failure);
    await expect(early.describing?.describing.topics).rejects.toBe(failure);
    // Nothing waits on the lane any more: released, its thread ends, and a task that runs meanwhile still finishes.
    await expect(lane.run<Echo>(import.meta.url, TASK, { wait: false })).resolves.toMatchObject({ data: { wait: false } });
    lane.release();
  });
});
