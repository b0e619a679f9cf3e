import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSettings } from '../../core/config.js';
import { isPaperscopeError } from '../../core/errors.js';
import { createIndexer, type IndexEvent, type IndexOptions, removePapers } from '../../indexer/index.js';
import { type ParseIssue, readListings } from '../../indexer/parse/index.js';
import { papersToPrune } from '../../indexer/removal.js';
import { dataDirLayout, PapersTable, readManifest, readRecordsFile, readTopicsFile } from '../../indexer/store/index.js';
import type { LiveEngine, SearchEngine } from '../../server/engine/index.js';
import { createApp } from '../../server/index.js';
import { hashedWordsEmbedder } from '../helpers/hashed-words-embedder.js';
import { INDEX_SAMPLE_MS } from '../helpers/limits.js';
import { liveSampleCopy } from '../helpers/live-sample.js';
import { buildSampleIndex, openCollectingEvents, SAMPLE_FILE, SAMPLE_YEAR, temporaryDir } from '../helpers/sample-index.js';
import { outcomeOf, spawnCli } from '../reliability/cli.js';

const TOKEN = 'remove test token';
/** The paper removed: the sample's best match for "reward noise", so it has close neighbours and a topic. */
const TITLE = 'The Climb Carves Wisdom Deeper Than the Summit: On the Noisy Rewards in Learning to Reason';

type Scratch = Awaited<ReturnType<typeof temporaryDir>>;

/** What a reader of the index sees of one paper: search, related papers, topics and the map all must have forgotten it. */
async function expectGone(engine: SearchEngine, id: string, neighbour: string): Promise<void> {
  const { results } = await engine.search({ q: TITLE, k: 20, offset: 0, mode: 'hybrid', sort: 'relevance' });
  expect(results.map((hit) => hit.id)).not.toContain(id);
  expect(() => engine.paper(id)).toThrow(id);
  expect((await engine.similar(neighbour, 20)).results.map((hit) => hit.id)).not.toContain(id);
  const { clusters } = engine.clusters();
  expect(clusters.reduce((sum, topic) => sum + topic.size, 0)).toBe(61);
  expect(clusters.flatMap((topic) => [...topic.papers, ...topic.representatives].map((paper) => paper.id))).not.toContain(id);
  expect(engine.map().points.map((point) => point.id)).not.toContain(id);
}

/** The removed paper's id and a paper the search ranks next to it (whose related papers included it). */
async function target(engine: SearchEngine): Promise<{ id: string; neighbour: string }> {
  const { results } = await engine.search({ q: TITLE, k: 2, offset: 0, mode: 'hybrid', sort: 'relevance' });
  const [hit] = results;
  expect(hit?.title).toBe(TITLE);
  const id = hit?.id as string;
  const neighbour = (await engine.similar(id, 5)).results[0]?.id as string;
  expect((await engine.similar(neighbour, 20)).results.map((each) => each.id)).toContain(id);
  return { id, neighbour };
}

describe('paperscope remove', () => {
  let scratch: Scratch;
  let dataDir: string;
  beforeAll(async () => {
    scratch = await temporaryDir('paperscope-remove-');
    // A copy of its own, which this file changes.
    dataDir = await buildSampleIndex();
  }, INDEX_SAMPLE_MS);
  afterAll(() => scratch.remove());

  it(
    'removes a paper: the count drops, and search, related papers, topics and the map no longer return it',
    async () => {
      const before = await openCollectingEvents(dataDir);
      const { id, neighbour } = await target(before.engine);
      await before.engine.close();

      // An unknown id among the ids: NOT_FOUND naming it, and nothing removed.
      const settings = readSettings();
      const refused = removePapers([id, 'no-such-paper'], { dataDir, cacheDir: settings.cacheDir, offline: true, embedder: 'auto' });
      await expect(refused).rejects.toSatisfy(
        (error) =>
          isPaperscopeError(error) &&
          error.code === 'NOT_FOUND' &&
          error.message.includes('"no-such-paper"') &&
          !error.message.includes(id),
      );
      expect((await readManifest(dataDirLayout(dataDir)))?.count).toBe(62);

      const removed = await outcomeOf(spawnCli(['remove', id, '--data-dir', dataDir, '--json']));
      expect(removed.code, removed.stderr).toBe(0);
      expect(JSON.parse(removed.stdout)).toMatchObject({ removed: 1, removedIds: [id], total: 61 });

      // Every derived file was rebuilt for the new table version: opening repairs nothing.
      const { engine, events } = await openCollectingEvents(dataDir);
      try {
        expect(events.filter((event) => event.type === 'warning')).toEqual([]);
        expect(engine.status().papers).toBe(61);
        await expectGone(engine, id, neighbour);
        const answer = await engine.ask({ question: 'How robust is reasoning to noisy rewards?' });
        expect(answer.citations.map((citation) => citation.id)).not.toContain(id);
      } finally {
        await engine.close();
      }
    },
    INDEX_SAMPLE_MS,
  );

  it(
    'is crash-safe: killed before its manifest, the index still serves every paper, and asking again publishes the removal',
    async () => {
      const before = await openCollectingEvents(dataDir);
      const [victim] = (await before.engine.search({ q: 'reward', k: 1, offset: 0, mode: 'hybrid', sort: 'relevance' })).results;
      await before.engine.close();
      const id = victim?.id as string;
      const killed = await outcomeOf(spawnCli(['remove', id, '--data-dir', dataDir], { PAPERSCOPE_CRASH_AT: 'before-manifest' }));
      expect(killed.signal).toBe('SIGKILL');

      // The manifest still names the table version before the delete: the index serves it whole.
      const after = await openCollectingEvents(dataDir);
      expect(after.engine.status().papers).toBe(61);
      expect(after.engine.paper(id).id).toBe(id);
      await after.engine.close();

      const settings = readSettings();
      const again = await removePapers([id], { dataDir, cacheDir: settings.cacheDir, offline: true, embedder: 'auto' });
      expect(again).toMatchObject({ removedIds: [id], total: 60 });
      const { engine, events } = await openCollectingEvents(dataDir);
      try {
        expect(events.filter((event) => event.type === 'warning')).toEqual([]);
        expect(engine.status().papers).toBe(60);
        expect(() => engine.paper(id)).toThrow(id);
      } finally {
        await engine.close();
      }
    },
    INDEX_SAMPLE_MS,
  );

  it('exits 4 without an index, and does not create the data dir it was given', async () => {
    const missing = path.join(scratch.dir, 'missing');
    const outcome = await outcomeOf(spawnCli(['remove', 'some-id', '--data-dir', missing]));
    expect(outcome.code).toBe(4);
    expect(outcome.stderr).toContain(`No index in ${missing}`);
    await expect(stat(missing)).rejects.toThrow();
  });

  it('refuses to remove every paper, before writing anything', async () => {
    const layout = dataDirLayout(dataDir);
    const table = await PapersTable.open(layout);
    const ids = [...((await table?.contentHashes()) ?? new Map()).keys()];
    const version = await table?.version();
    const settings = readSettings();
    const removing = removePapers(ids, { dataDir, cacheDir: settings.cacheDir, offline: true, embedder: 'auto' });
    await expect(removing).rejects.toThrow(/would leave the index .* empty; nothing was removed/);
    expect(await (await PapersTable.open(layout))?.version()).toBe(version);
  });
});

describe('DELETE /api/papers/:id', () => {
  let scratch: Scratch;
  let live: LiveEngine;
  let app: Hono;
  beforeAll(async () => {
    ({ scratch, live } = await liveSampleCopy('paperscope-delete-'));
    app = createApp({ engine: live, http: { adminToken: TOKEN } });
  }, INDEX_SAMPLE_MS);
  afterAll(async () => {
    await live.close();
    await scratch.remove();
  });

  const remove = (target: App, id: string, token?: string) =>
    Promise.resolve(
      target.request(`/api/papers/${encodeURIComponent(id)}`, {
        method: 'DELETE',
        headers: token === undefined ? {} : { Authorization: `Bearer ${token}` },
      }),
    );
  type App = Pick<Hono, 'request'>;

  it(
    'needs the admin token, names an unknown id in a 404, and removes the paper from what the server answers',
    async () => {
      const { id, neighbour } = await target(live.current);
      const readOnly = createApp({ engine: live, http: { adminToken: undefined } });
      expect((await remove(readOnly, id, TOKEN)).status).toBe(403);
      for (const token of [undefined, 'wrong']) {
        const refused = await remove(app, id, token);
        expect(refused.status).toBe(401);
        expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('UNAUTHORIZED');
      }
      expect(live.current.status().papers).toBe(62);

      const unknown = await remove(app, 'no-such-paper', TOKEN);
      expect(unknown.status).toBe(404);
      expect(((await unknown.json()) as { error: { message: string } }).error.message).toContain('"no-such-paper"');

      const response = await remove(app, id, TOKEN);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ removed: [id], total: 61 });
      expect(live.current.status().papers).toBe(61);
      await expectGone(live.current, id, neighbour);
      expect((await app.request(`/api/papers/${encodeURIComponent(id)}`)).status).toBe(404);
    },
    INDEX_SAMPLE_MS,
  );
});

describe('paperscope index --prune', () => {
  let scratch: Scratch;
  let inputs: string;
  let options: IndexOptions;
  const events: IndexEvent[] = [];
  const embedder = hashedWordsEmbedder();
  const indexer = createIndexer({ embedder: { create: async () => embedder, reopen: async () => embedder } });
  /** One JSON line per paper of the sample, so a test can drop or spoil single papers. */
  const lines = new Map<string, string>();
  const file = (name: string) => path.join(inputs, name);
  const write = (name: string, ids: string[]) => writeFile(file(name), ids.map((id) => lines.get(id)).join('\n'));
  const storedIds = async () => new Set((await (await PapersTable.open(dataDirLayout(options.dataDir)))?.contentHashes())?.keys());
  let ids: string[];

  beforeAll(async () => {
    scratch = await temporaryDir('paperscope-prune-');
    inputs = path.join(scratch.dir, 'inputs');
    await mkdir(inputs);
    const { papers } = await readListings([SAMPLE_FILE], { year: SAMPLE_YEAR });
    for (const { source: _source, ...paper } of papers) lines.set(paper.id, JSON.stringify(paper));
    ids = [...lines.keys()];
    await write('a.jsonl', ids.slice(0, 40));
    await write('b.jsonl', ids.slice(40));
    options = {
      paths: [inputs],
      dataDir: path.join(scratch.dir, 'index'),
      cacheDir: readSettings().cacheDir,
      offline: true,
      embedder: 'word-vectors',
      clusters: 'auto',
      onEvent: (event) => events.push(event),
    };
    expect(await indexer.run(options)).toMatchObject({ added: 62, total: 62 });
  }, INDEX_SAMPLE_MS);
  afterAll(() => scratch.remove());

  it('drops the papers taken out of an input file, and only with --prune; topics and records follow', async () => {
    const dropped = ids.slice(0, 2);
    await write('a.jsonl', ids.slice(2, 40));
    expect(await indexer.run(options)).toMatchObject({ removed: 0, total: 62 });

    const summary = await indexer.run({ ...options, prune: true });
    expect(summary).toMatchObject({ removed: 2, total: 60, added: 0, updated: 0, unchanged: 60 });
    expect(summary.removedIds.sort()).toEqual([...dropped].sort());
    const stored = await storedIds();
    expect(stored.size).toBe(60);
    for (const id of dropped) expect(stored.has(id)).toBe(false);
    const layout = dataDirLayout(options.dataDir);
    const manifest = await readManifest(layout);
    expect(manifest?.count).toBe(60);
    const topics = await readTopicsFile(layout);
    expect(topics?.tableVersion).toBe(manifest?.tableVersion);
    expect(Object.keys(topics?.assignments ?? {}).sort()).toEqual([...stored].sort());
    expect(topics?.map.map((point) => point.id).sort()).toEqual([...stored].sort());
    const records = await readRecordsFile(layout, { tableVersion: manifest?.tableVersion ?? -1, count: 60 });
    expect('records' in records && [...records.records.briefs.ids].sort()).toEqual([...stored].sort());
    if ('records' in records) await records.records.close?.();
  });

  it('refuses --prune with --reembed, which rebuilds the table from every stored paper', async () => {
    await expect(indexer.run({ ...options, prune: true, reembed: true })).rejects.toThrow(/--prune and --reembed/);
  });

  it('touches only papers read from the paths given', async () => {
    const summary = await indexer.run({ ...options, paths: [file('b.jsonl')], prune: true });
    expect(summary).toMatchObject({ removed: 0, total: 60 });
  });

  it('keeps the papers of a file with a record it cannot read, and says so', async () => {
    const spoiled = JSON.stringify({ ...JSON.parse(lines.get(ids[3] as string) as string), abstract: '' });
    await writeFile(file('a.jsonl'), [...ids.slice(4, 40).map((id) => lines.get(id)), spoiled].join('\n'));
    events.length = 0;
    const summary = await indexer.run({ ...options, prune: true });
    expect(summary).toMatchObject({ removed: 0, total: 60, skipped: 1 });
    const warning = events.find((event) => event.type === 'warning' && event.message.startsWith('Not pruning'));
    expect(warning && 'message' in warning && warning.message).toContain('a.jsonl');
    expect((await storedIds()).has(ids[2] as string)).toBe(true);
    await write('a.jsonl', ids.slice(2, 40));
  });

  it('drops the papers of a file deleted from a folder given', async () => {
    await rm(file('b.jsonl'));
    const summary = await indexer.run({ ...options, prune: true });
    expect(summary).toMatchObject({ removed: 22, total: 38 });
    expect([...(await storedIds())].sort()).toEqual(ids.slice(2, 40).sort());
  });

  it('refuses to prune every paper, and leaves the index as it was', async () => {
    await writeFile(file('a.jsonl'), '');
    const pruning = indexer.run({ ...options, prune: true });
    await expect(pruning).rejects.toSatisfy((error) => isPaperscopeError(error) && error.code === 'INVALID_INPUT');
    expect((await storedIds()).size).toBe(38);
    expect(await readFile(file('a.jsonl'), 'utf8')).toBe('');
  });
});

describe('papersToPrune', () => {
  const read = (ids: string[], issues: ParseIssue[] = []) => ({ ids: new Set(ids), issues });
  const stored = [
    { id: 'a1', sourceFile: 'in/a.json' },
    { id: 'a2', sourceFile: '/srv/papers/in/a.json' },
    { id: 'ab', sourceFile: 'in/ab.json' },
    { id: 'deep', sourceFile: 'in/sub/c.json' },
    { id: 'posted', sourceFile: 'POST /api/papers' },
  ];

  it('drops papers under the given paths (relative or absolute, files or folders) that were not read again', () => {
    expect(papersToPrune(stored, read([]), ['in/a.json'], '/srv/papers').ids).toEqual(['a1', 'a2']);
    expect(papersToPrune(stored, read(['a2']), ['/srv/papers/in/'], '/srv/papers').ids).toEqual(['a1', 'ab', 'deep']);
    // A folder's name is not a prefix of a file beside it: in/a is not in/ab.json.
    expect(papersToPrune(stored, read([]), ['in/a'], '/srv/papers').ids).toEqual([]);
  });

  it('spares every paper of a file with a record it could not read, but not for a field it dropped', () => {
    const lost: ParseIssue = { file: 'in/a.json', line: 3, field: 'abstract', message: 'missing' };
    expect(papersToPrune(stored, read([], [lost]), ['in'], '/srv/papers')).toEqual({ ids: ['ab', 'deep'], sparedFiles: ['in/a.json'] });
    expect(papersToPrune(stored, read([], [{ ...lost, kept: true }]), ['in'], '/srv/papers').sparedFiles).toEqual([]);
  });
});
