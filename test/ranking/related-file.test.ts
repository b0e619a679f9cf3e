import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { relatedViewFor } from '../../indexer/derive.js';
import {
  buildRelatedView,
  buildRelatedViewOffThread,
  type RelatedView,
  readRelatedFile,
  writeRelatedFile,
} from '../../indexer/related/index.js';
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
});
