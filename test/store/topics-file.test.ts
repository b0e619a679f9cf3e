import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type DataDirLayout, dataDirLayout, readTopicsFile, type TopicsFile, writeTopicsFile } from '../../indexer/store/index.js';
import { temporaryDir } from '../helpers/sample-index.js';

const TOPICS: TopicsFile = {
  tableVersion: 3,
  k: 1,
  silhouette: 0.4,
  seed: 7,
  requested: 'auto',
  clusteredCount: 2,
  nextId: 1,
  centroids: [[0.6, 0.8]],
  topics: [{ id: 0, label: 'reward noise', keywords: [{ term: 'reward', weight: 1 }], size: 2, representatives: ['a'], first: '2025-01', last: '2025-02', median: '2025-01', months: [{ month: '2025-01', count: 2 }] }],
  assignments: { a: 0, b: 0 },
  map: [
    { id: 'a', x: 0.5, y: -1 },
    { id: 'b', x: 2, y: 3.25 },
  ],
};

describe('topics file', () => {
  let scratch: { dir: string; remove: () => Promise<void> };
  let layout: DataDirLayout;
  beforeEach(async () => {
    scratch = await temporaryDir('paperscope-topics-');
    layout = dataDirLayout(scratch.dir);
  });
  afterEach(async () => scratch.remove());

  it('reads back what was written', async () => {
    await writeTopicsFile(layout, TOPICS);
    expect(await readTopicsFile(layout)).toEqual(TOPICS);
  });

  // The per-paper fields are checked by hand-written loops rather than zod: each rule must still hold.
  it.each([
    ['an assignment that is not a whole number', { assignments: { a: 0, b: 0.5 } }],
    ['a negative assignment', { assignments: { a: -1 } }],
    ['assignments as a list', { assignments: [0, 0] }],
    ['a map point without coordinates', { map: [{ id: 'a', x: 1 }] }],
    ['a map point with a text coordinate', { map: [{ id: 'a', x: '1', y: 2 }] }],
    ['a map point with a numeric id', { map: [{ id: 1, x: 1, y: 2 }] }],
    ['a map that is not a list', { map: { a: [1, 2] } }],
    ['a map point that is null', { map: [null] }],
  ])('rejects %s', async (_name, change) => {
    await writeTopicsFile(layout, { ...TOPICS, ...change } as unknown as TopicsFile);
    expect(await readTopicsFile(layout)).toBeUndefined();
  });
});
