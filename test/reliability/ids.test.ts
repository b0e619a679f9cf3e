import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSettings } from '../../core/config.js';
import { runIndex } from '../../indexer/index.js';
import { legacySlugId } from '../../indexer/parse/index.js';
import { parseListing } from '../../indexer/parse/parse.js';
import { INDEX_SAMPLE_MS } from '../helpers/limits.js';
import { temporaryDir } from '../helpers/sample-index.js';
import { storedIds } from './harness.js';

const STEM = 'Scaling reinforcement learning with verifiable rewards to long horizon agentic tasks in open worlds, part';
const FIRST = { title: `${STEM} one`, abstract: 'The first of two papers whose titles share their first hundred characters.' };
const SECOND = { title: `${STEM} two`, abstract: 'The second of two papers whose titles share their first hundred characters.' };

describe('paper ids', () => {
  let scratch: { dir: string; remove: () => Promise<void> };
  let files = 0;

  async function index(dataDir: string, records: object[]) {
    const file = path.join(scratch.dir, `input-${files++}.json`);
    await writeFile(file, JSON.stringify(records));
    return runIndex({ paths: [file], dataDir, cacheDir: readSettings().cacheDir, offline: true, embedder: 'word-vectors', clusters: 1 });
  }

  beforeAll(async () => {
    scratch = await temporaryDir('paperscope-ids-');
  });
  afterAll(async () => scratch?.remove());

  it('differ for titles of 100 characters that differ only at the end, and stay short', () => {
    expect(FIRST.title).toHaveLength(109);
    const { papers, issues } = parseListing(JSON.stringify([FIRST, SECOND]), { file: 'two.json' });
    expect(issues).toEqual([]);
    const [first, second] = papers.map((paper) => paper.id);
    expect(first).not.toBe(second);
    expect(first?.length).toBeLessThanOrEqual(89);
    // Short titles keep the slug they always had.
    expect(
      parseListing(JSON.stringify([{ title: 'Noisy Rewards, Robust Policies!', abstract: 'x' }]), { file: 'a.json' }).papers[0]?.id,
    ).toBe('noisy-rewards-robust-policies');
  });

  it(
    'make two papers of them in an index',
    async () => {
      const dataDir = path.join(scratch.dir, 'fresh');
      expect(await index(dataDir, [FIRST])).toMatchObject({ added: 1, total: 1 });
      expect(await index(dataDir, [SECOND])).toMatchObject({ added: 1, updated: 0, total: 2 });
    },
    INDEX_SAMPLE_MS,
  );

  it(
    'of papers stored under the old cut slug stay as they are, and a paper sharing that slug is added beside them',
    async () => {
      const dataDir = path.join(scratch.dir, 'old');
      const [parsed] = parseListing(JSON.stringify([FIRST]), { file: 'first.json' }).papers;
      const oldId = legacySlugId(parsed ?? { id: '', title: '' });
      expect(oldId).toBe(
        STEM.toLowerCase()
          .replace(/[^a-z0-9]+/g, '-')
          .slice(0, 80)
          .replace(/-+$/, ''),
      );
      // An index made before ids carried the hash: the paper is stored under the cut slug.
      await index(dataDir, [{ ...FIRST, id: oldId }]);
      expect(await index(dataDir, [FIRST])).toMatchObject({ added: 0, updated: 0, unchanged: 1, total: 1 });
      expect(await index(dataDir, [FIRST, SECOND])).toMatchObject({ added: 1, updated: 0, unchanged: 1, total: 2 });
      expect(await storedIds(dataDir)).toContain(oldId);
    },
    INDEX_SAMPLE_MS,
  );
});
