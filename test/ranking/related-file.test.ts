import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deferred, WorkerLane } from '../../core/worker.js';
import { relatedViewFor } from '../../indexer/derive.js';
import {
  buildRelatedView,
  buildRelatedViewOffThread,
  type RelatedView,
  readRelatedFile,
  startRelatedView,
  writeRelatedFile,
} from '../../indexer/related/index.js';
import { prepareRelatedView, readSharedView, sharePreparedView } from '../../indexer/related/view.js';
import { type DataDirLayout, dataDirLayout } from '../../indexer/store/index.js';
import { temporaryDir } from '../helpers/sample-index.js';

const docs = [
  { title: 'Reward models for RLHF', abstract: 'Reward models trained on human preference pairs guide RLHF of language models.' },
  { title: 'Preference reward models', abstract: 'We train reward models on preference pairs for RLHF of language models.' },
  { title: 'RLHF with reward ensembles', abstract: 'Ensembles of reward models reduce reward hacking in RLHF on preference data.' },
  { title: 'Image diffusion guidance', abstract: 'Classifier-free guidance steers image diffusion models toward prompts.' },
  { title: 'Diffusion image editing', abstract: 'Image diffusion models edit photos with guidance from text prompts.' },
  { title: 'Guidance for diffusion samplers', abstract: 'Sampler guidance improves image diffusion models on prompts.' },
];
const expected = { tableVersion: 7, count: docs.length, topicCount: 2 };
/** A lane task that holds the lane (see the fixture). */
const BLOCK = '../fixtures/lane/block-task';

describe('the related-papers view file', () => {
  let layout: DataDirLayout;
  let view: RelatedView;
  let remove: () => Promise<void>;

  beforeAll(async () => {
    const temporary = await temporaryDir();
    remove = temporary.remove;
    layout = dataDirLayout(temporary.dir);
    view = buildRelatedView(docs, expected.topicCount);
  });
  afterAll(async () => {
    await remove?.();
  });

  it('reads back what was written', async () => {
    expect(view.mixtureSize).toBe(5);
    await writeRelatedFile(layout, view, expected.tableVersion);
    expect(await readRelatedFile(layout, expected)).toEqual({ view });
  });

  it('says why a file cannot be used: missing, stale (table version, papers, topic count) or damaged', async () => {
    const empty = dataDirLayout(`${layout.root}/nothing-here`);
    expect(await readRelatedFile(empty, expected)).toMatchObject({ problem: { kind: 'missing' } });
    await writeRelatedFile(layout, view, expected.tableVersion);
    expect(await readRelatedFile(layout, { ...expected, tableVersion: 8 })).toMatchObject({ problem: { kind: 'stale' } });
    // A file newer than the loaded index is an indexer's, not to be replaced by a server.
    expect(await readRelatedFile(layout, { ...expected, tableVersion: 6 })).toMatchObject({ problem: { kind: 'stale' }, newer: true });
    expect(await readRelatedFile(layout, { ...expected, count: 5 })).toMatchObject({ problem: { kind: 'stale' } });
    expect(await readRelatedFile(layout, { ...expected, topicCount: 3 })).toMatchObject({
      problem: { kind: 'stale', message: expect.stringMatching(/topics/) },
    });
    const bytes = await readFile(layout.related);
    bytes[bytes.length - 3] = (bytes[bytes.length - 3] as number) ^ 0x10;
    await writeFile(layout.related, bytes);
    expect(await readRelatedFile(layout, expected)).toMatchObject({ problem: { kind: 'damaged' } });
  });

  it('is fitted again when damaged or stale, with a warning, and saved for the next start', async () => {
    for (const spoil of [
      async () => {
        const bytes = await readFile(layout.related);
        await writeFile(layout.related, bytes.subarray(0, bytes.length - 8));
      },
      () => writeRelatedFile(layout, buildRelatedView(docs, 3), expected.tableVersion),
    ]) {
      await writeRelatedFile(layout, view, expected.tableVersion);
      await spoil();
      const warnings: string[] = [];
      const saves: string[] = [];
      const rebuilt = await relatedViewFor(layout, () => docs, expected, {
        onWarning: (message) => warnings.push(message),
        save: (write) => {
          saves.push('save');
          return write();
        },
      });
      expect(rebuilt).toEqual(view);
      expect(warnings).toEqual([expect.stringMatching(/^Rebuilding the related-papers view: /)]);
      expect(saves).toHaveLength(1);
      expect(await readRelatedFile(layout, expected)).toEqual({ view });
    }
  });
});

describe('the related-papers view on a worker thread', () => {
  // 2,000 papers: the size from which the view is fitted on a worker.
  const many = Array.from({ length: 2_000 }, (_, index) => {
    const { title, abstract } = docs[index % docs.length] as (typeof docs)[number];
    return { title: `${title} ${index % 13}`, abstract: `${abstract} ${index % 7}` };
  });

  // One lane for the tests that share it with other tasks: a worker's start is most of their time.
  let lane: WorkerLane;
  beforeAll(() => {
    lane = new WorkerLane();
  });
  afterAll(() => lane.release());

  it('starts before the topic count is known and gives the view this thread would fit', async () => {
    const timings: Record<string, number> = {};
    const view = await buildRelatedViewOffThread(
      many,
      Promise.resolve().then(() => 2),
      timings,
    );
    expect(view).toEqual(buildRelatedView(many, 2));
    expect(timings.related).toBeGreaterThan(0);
  });

  it('stops when the topic count it waits for fails', async () => {
    const failure = new Error('clustering failed');
    await expect(buildRelatedViewOffThread(many, Promise.reject(failure))).rejects.toBe(failure);
  });

  it('is fitted by this thread when the lane is still busy with the tasks before it, and is the same view', async () => {
    const topicCount = deferred<number>();
    const timings: Record<string, number> = {};
    const build = startRelatedView(many, topicCount.promise, { lane, mayFitHere: true, timings });
    // The lane then runs a task that holds it, as the topics' description does.
    const gate = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
    const holding = deferred<void>();
    const held = lane.run(import.meta.url, BLOCK, { gate: gate.buffer }, undefined, () => holding.resolve());
    // Its message comes after the view's prepared part.
    await holding.promise;
    topicCount.resolve(2);
    expect(await build.fitHereIfWaiting()).toBe(true);
    Atomics.store(gate, 0, 1);
    Atomics.notify(gate, 0);
    await held;
    expect(await build.view).toEqual(buildRelatedView(many, 2));
    expect(timings.related).toBeGreaterThan(0);
  });

  it('lets the tasks whose values came with the topic count run first, so this thread may take the fit over', async () => {
    const topicCount = deferred<number>();
    const build = startRelatedView(many, topicCount.promise, { lane, mayFitHere: true });
    const gate = (): Int32Array => new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
    const open = (held: Int32Array) => {
      Atomics.store(held, 0, 1);
      Atomics.notify(held, 0);
    };
    // A task waiting for the partition, as the topics' description does, then one holding the lane
    // while both values are sent: they arrive together, the count first.
    const [describing, holding] = [gate(), gate()];
    const partition = deferred<string>();
    const started = { describing: deferred<void>(), holding: deferred<void>() };
    const described = lane.run(import.meta.url, BLOCK, { gate: describing.buffer, wait: true }, partition.promise, () =>
      started.describing.resolve(),
    );
    const held = lane.run(import.meta.url, BLOCK, { gate: holding.buffer }, undefined, () => started.holding.resolve());
    await started.holding.promise;
    topicCount.resolve(3);
    partition.resolve('partition');
    await new Promise((resolve) => setTimeout(resolve, 50));
    open(holding);
    await started.describing.promise;
    expect(await build.fitHereIfWaiting()).toBe(true);
    open(describing);
    await Promise.all([held, described]);
    expect(await build.view).toEqual(buildRelatedView(many, 3));
  });

  /** A view on the lane whose prepared part is shared and whose fit this thread has claimed, its topic count now 2. */
  async function claimedBeforeTheCount() {
    const topicCount = deferred<number>();
    const build = startRelatedView(many, topicCount.promise, { lane, mayFitHere: true });
    // A task after it shares once the view's prepared part is shared (the lane runs its tasks in order).
    const gate = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
    Atomics.store(gate, 0, 1);
    const shared = deferred<void>();
    const after = lane.run(import.meta.url, BLOCK, { gate: gate.buffer }, undefined, () => shared.resolve());
    await shared.promise;
    await after;
    expect(build.claimFit()).toBe(true);
    topicCount.resolve(2);
    return build;
  }

  it('is fitted by this thread once it claims it before the topic count is known: the lane, free, leaves it', async () => {
    const build = await claimedBeforeTheCount();
    expect(await build.fitHereIfWaiting()).toBe(true);
    expect(await build.view).toEqual(buildRelatedView(many, 2));
    expect(build.claimFit()).toBe(true);
    expect(await build.fitHereIfWaiting()).toBe(false);
  });

  it("waits for this thread's fit when the lane's reply, leaving the fit, is read before the fit has run", async () => {
    const build = await claimedBeforeTheCount();
    // As a loaded machine can: this thread is held past the lane's wait before it fits the view.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await build.fitHereIfWaiting()).toBe(true);
    expect(await build.view).toEqual(buildRelatedView(many, 2));
  });

  it('is fitted by the lane when the lane is free first', async () => {
    const build = startRelatedView(many, 2, { lane, mayFitHere: true });
    const view = await build.view;
    expect(build.claimFit()).toBe(false);
    expect(await build.fitHereIfWaiting()).toBe(false);
    expect(view).toEqual(buildRelatedView(many, 2));
  });

  it('reads the prepared view from shared memory as it was made, with a fit sample and widespread terms apart', () => {
    // 2,500 papers over ≈ 5,000 words in two papers each or more: past the fit sample and the view's vocabulary.
    const wide = Array.from({ length: 2_500 }, (_, index) => ({
      title: `a${index >> 1} b${(index + 1) >> 1}`,
      abstract: `${docs[index % docs.length]?.abstract} c${index % 1_200} d${index % 1_250}`,
    }));
    const prepared = prepareRelatedView(wide);
    expect(prepared.topicRows).not.toBe(prepared.matrix);
    expect(prepared.sample.rows.length).toBeLessThan(wide.length);
    const shared = sharePreparedView(prepared);
    expect(shared.matrix.columns.buffer).toBeInstanceOf(SharedArrayBuffer);
    // The rows and their vocabulary's size; the words themselves (`terms`) are not read by the fit.
    const { vocabularySize, rows } = prepared.matrix;
    expect(readSharedView(shared)).toEqual({ ...prepared, matrix: { vocabularySize, rows } });
  });
});
