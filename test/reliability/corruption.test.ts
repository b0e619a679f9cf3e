import { spawn } from 'node:child_process';
import { cp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSettings } from '../../core/config.js';
import type { IndexEvent } from '../../indexer/index.js';
import {
  type DataDirLayout,
  dataDirLayout,
  openSealedFile,
  PapersTable,
  sealFile,
  sha256,
  writeChecksummedJson,
  writeRecordsFile,
} from '../../indexer/store/index.js';
import { SearchEngine } from '../../server/engine/index.js';
import { legacyLexicalFile } from '../helpers/legacy-files.js';
import { INDEX_SAMPLE_MS } from '../helpers/limits.js';
import { buildSampleIndex, temporaryDir } from '../helpers/sample-index.js';
import { TSX_COMMAND } from './cli.js';

type Damage = (layout: DataDirLayout) => Promise<void>;

async function flipByte(file: string, where: (size: number) => number): Promise<void> {
  const bytes = await readFile(file);
  const offset = where(bytes.length);
  bytes[offset] = (bytes[offset] ?? 0) ^ 0xff;
  await writeFile(file, bytes);
}

/** Changes the last ASCII digit of a file (in a JSON file, it still parses). */
async function changeLastDigit(file: string): Promise<void> {
  const bytes = await readFile(file);
  const isDigit = (byte: number) => byte >= 0x30 && byte <= 0x39;
  const at = bytes.findLastIndex(isDigit);
  bytes[at] = 0x30 + (((bytes[at] as number) - 0x30 + 1) % 10);
  await writeFile(file, bytes);
}

/** Rewrites the header of a sealed file and seals it again, so that only what the header says is wrong. */
async function editSealedHeader(file: string, magic: string, edit: (header: Record<string, unknown>) => void): Promise<void> {
  const sealed = openSealedFile(await readFile(file), magic, 'sealed');
  if ('problem' in sealed) throw new Error(sealed.problem);
  const header = sealed.header as Record<string, unknown>;
  edit(header);
  await writeFile(file, Buffer.concat(sealFile(magic, header, [sealed.body])));
}

async function halve(file: string): Promise<void> {
  const { length } = await readFile(file);
  await truncate(file, Math.floor(length / 2));
}

const DAMAGES: Record<string, Damage> = {
  'HNSW file emptied': (layout) => truncate(layout.annIndex, 0),
  'HNSW file cut in half': (layout) => halve(layout.annIndex),
  'HNSW file missing its last byte': async (layout) => truncate(layout.annIndex, (await readFile(layout.annIndex)).length - 1),
  'HNSW header byte flipped': (layout) => flipByte(layout.annIndex, () => 3),
  'HNSW middle byte flipped': (layout) => flipByte(layout.annIndex, (size) => Math.floor(size / 2)),
  'HNSW last byte flipped': (layout) => flipByte(layout.annIndex, (size) => size - 1),
  'HNSW file deleted': (layout) => rm(layout.annIndex),
  'HNSW meta garbled': (layout) => writeFile(layout.annMeta, '{"dimension": 100, "count": '),
  'HNSW meta with a wrong count': (layout) =>
    editSealedHeader(layout.annMeta, 'PSHM', (meta) => {
      meta.count = Number(meta.count) + 1;
    }),
  'HNSW meta with a wrong checksum': (layout) =>
    editSealedHeader(layout.annMeta, 'PSHM', (meta) => {
      meta.checksum = '0'.repeat(64);
    }),
  'HNSW meta with a digit of a paper id changed': (layout) => changeLastDigit(layout.annMeta),
  'HNSW meta deleted': (layout) => rm(layout.annMeta),
  'BM25 file cut in half': (layout) => halve(layout.lexical),
  'BM25 file garbled': (layout) => writeFile(layout.lexical, 'not json at all'),
  'BM25 file with a byte flipped near its end': (layout) => flipByte(layout.lexical, (size) => size - 2),
  'BM25 file emptied': (layout) => truncate(layout.lexical, 0),
  'BM25 file deleted': (layout) => rm(layout.lexical),
  'BM25 header length byte flipped': (layout) => flipByte(layout.lexical, () => 5),
  'BM25 middle byte flipped': (layout) => flipByte(layout.lexical, (size) => Math.floor(size / 2)),
  'BM25 file missing its last byte': async (layout) => truncate(layout.lexical, (await readFile(layout.lexical)).length - 1),
  'BM25 header with a wrong shape': (layout) =>
    editSealedHeader(layout.lexical, 'PSBM', (header) => {
      header.termCount = 'nope';
    }),
  'BM25 header with a wrong posting count': (layout) =>
    editSealedHeader(layout.lexical, 'PSBM', (header) => {
      header.postingCount = Number(header.postingCount) - 1;
    }),
  'BM25 file from another table version': (layout) =>
    editSealedHeader(layout.lexical, 'PSBM', (header) => {
      header.tableVersion = Number(header.tableVersion) + 7;
    }),
  'BM25 file in the format before the sealed one': async (layout) =>
    writeFile(layout.lexical, legacyLexicalFile(await readFile(layout.lexical))),
  'topics file cut in half': (layout) => halve(layout.topics),
  'topics file garbled': (layout) => writeFile(layout.topics, '[1, 2,'),
  'topics file replaced by an old-format one with a wrong shape (and a valid checksum)': async (layout) => {
    await rm(layout.topics);
    await writeChecksummedJson(layout.legacyTopics, { topics: 'none' });
  },
  'topics file with a digit of a paper id changed': (layout) => changeLastDigit(layout.topics),
  'topics file with its middle byte flipped': (layout) => flipByte(layout.topics, (size) => Math.floor(size / 2)),
  'topics file deleted': (layout) => rm(layout.topics),
};

/** Damage to the sentence index (behind /api/ask), which is rebuilt on its own. */
const SENTENCE_DAMAGES: Record<string, Damage> = {
  'sentence vectors byte flipped (still finite)': (layout) => flipByte(layout.sentences, (size) => size - 2),
  'sentence header byte flipped': (layout) => flipByte(layout.sentences, () => 20),
  'sentence file cut in half': (layout) => halve(layout.sentences),
  'sentence BM25 file in the format before the sealed one': async (layout) =>
    writeFile(layout.sentenceLexical, legacyLexicalFile(await readFile(layout.sentenceLexical))),
  'sentence BM25 file deleted': (layout) => rm(layout.sentenceLexical),
  'sentence BM25 middle byte flipped': (layout) => flipByte(layout.sentenceLexical, (size) => Math.floor(size / 2)),
};

/** Damage to the records snapshot, which is never trusted then: the papers are read from the table. */
const RECORDS_DAMAGES: Record<string, Damage> = {
  'records file cut in half': (layout) => halve(layout.records),
  // The papers' briefs follow the header (the details, checked per paper as read: test/store/records-file.test.ts).
  'records file with a byte of its briefs flipped': (layout) => flipByte(layout.records, () => 400),
  'records file garbled': (layout) => writeFile(layout.records, 'not an Arrow file'),
  'records file from another table version': async (layout) => {
    const table = await PapersTable.open(layout);
    if (!table) throw new Error('no papers table');
    await writeRecordsFile(layout, await table.readAll(), (await table.version()) + 7);
  },
};

const SENTENCE_WARNING = 'Rebuilding the sentence index';

const QUERIES = ['reward noise', 'reinforcement learning for reasoning', 'video generation', 'retrieval augmented'];

/** Takes the data dir's writer lock in another process (lock-child.ts), as an index run would; returns the release. */
async function holdLockInAnotherProcess(dataDir: string): Promise<() => Promise<void>> {
  const [node, loader, tsx] = TSX_COMMAND;
  const child = spawn(node, [loader, tsx, path.join(import.meta.dirname, 'lock-child.ts'), dataDir]);
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => (await lines.next()).value as string | undefined;
  expect(await next()).toBe('ready');
  child.stdin.write('go\n');
  expect(await next()).toBe('won');
  return async () => {
    child.stdin.write('release\n');
    expect(await next()).toBe('released');
    child.stdin.end();
  };
}

async function open(dataDir: string, events: IndexEvent[] = []): Promise<SearchEngine> {
  return SearchEngine.open({ dataDir, cacheDir: readSettings().cacheDir, offline: true, onEvent: (event) => events.push(event) });
}

/** What a user sees: result ids and scores per query, and the topics. */
async function answers(engine: SearchEngine) {
  const searches = [];
  for (const q of QUERIES)
    searches.push(
      (await engine.search({ q, k: 10, offset: 0, mode: 'hybrid', sort: 'relevance' })).results.map(({ id, score }) => ({ id, score })),
    );
  const ask = await engine.ask({ question: 'how does reward noise affect reinforcement learning' });
  return { searches, ask, clusters: engine.clusters(), status: engine.status() };
}

describe('damaged derived index files', () => {
  let pristine: string;
  let expected: Awaited<ReturnType<typeof answers>>;
  let scratch: { dir: string; remove: () => Promise<void> };

  beforeAll(async () => {
    pristine = await buildSampleIndex();
    const engine = await open(pristine);
    expected = await answers(engine);
    await engine.close();
    scratch = await temporaryDir('paperscope-corrupt-');
  }, INDEX_SAMPLE_MS);
  afterAll(async () => scratch.remove());

  /** A copy of the pristine index with `damage` done to it, opened. */
  async function openDamaged(name: string, damage: Damage): Promise<{ dataDir: string; engine: SearchEngine; events: IndexEvent[] }> {
    const dataDir = path.join(scratch.dir, name.replaceAll(/[^a-z0-9]+/gi, '-'));
    await cp(pristine, dataDir, { recursive: true });
    await damage(dataDirLayout(dataDir));
    const events: IndexEvent[] = [];
    return { dataDir, events, engine: await open(dataDir, events) };
  }

  async function expectRepaired(name: string, damage: Damage, warning: string): Promise<void> {
    const { dataDir, engine, events } = await openDamaged(name, damage);
    try {
      if (warning === SENTENCE_WARNING) {
        // Search does not need the sentence index: opening neither reads nor rebuilds it.
        expect(events.filter((event) => event.type === 'warning')).toEqual([]);
        expect(engine.status().ask_index).toBe('loads on the first question');
      }
      // The sentence index loads on the first question (inside `answers`), so its warning comes then.
      expect(await answers(engine)).toEqual(expected);
      expect(events.some((event) => event.type === 'warning' && event.message.startsWith(warning))).toBe(true);
    } finally {
      await engine.close();
    }

    // The rebuilt files were saved: the next start loads them without rebuilding.
    const again: IndexEvent[] = [];
    const reopened = await open(dataDir, again);
    await reopened.loadAskIndex();
    await reopened.close();
    expect(again.filter((event) => event.type === 'warning' && event.message.startsWith('Rebuilding'))).toEqual([]);
  }

  it.each(Object.entries(DAMAGES))('%s: opens, rebuilds from the table, answers as before, and repairs the file', (name, damage) =>
    expectRepaired(name, damage, 'Rebuilding derived indexes'),
  );
  async function expectReadFromTable(name: string, damage: Damage, warns: boolean): Promise<void> {
    const { engine, events } = await openDamaged(name, damage);
    try {
      expect(await answers(engine)).toEqual(expected);
      const warnings = events.filter((event) => event.type === 'warning').map((event) => event.message);
      expect(warnings).toEqual(warns ? [expect.stringMatching(/^Reading the papers from the table instead of the records file: /)] : []);
    } finally {
      await engine.close();
    }
  }

  it.each(Object.entries(RECORDS_DAMAGES))(
    '%s: reads the papers from the table instead, with a warning, and answers as before',
    (name, damage) => expectReadFromTable(name, damage, true),
  );
  it('reads the papers from the table, without a warning, when there is no records file', () =>
    expectReadFromTable('records file deleted', (layout) => rm(layout.records), false));
  it.each(Object.entries(SENTENCE_DAMAGES))('%s: rebuilds the sentence index, answers as before, and repairs the file', (name, damage) =>
    expectRepaired(name, damage, SENTENCE_WARNING),
  );

  it('rebuilds the sentence index of an earlier version (JSON and raw vectors) without a warning, and removes its files', async () => {
    const { dataDir, engine, events } = await openDamaged('earlier sentence files', async (layout) => {
      await rm(layout.sentences);
      await writeFile(layout.legacySentences, '{"format":"paperscope-sentences","version":3}');
      await writeFile(layout.legacySentenceVectors, Buffer.alloc(16));
    });
    try {
      expect(await answers(engine)).toEqual(expected);
      expect(events.filter((event) => event.type === 'warning')).toEqual([]);
    } finally {
      await engine.close();
    }
    const layout = dataDirLayout(dataDir);
    expect(await readdir(dataDir)).toEqual(expect.arrayContaining([path.basename(layout.sentences)]));
    expect(await readdir(dataDir)).not.toEqual(expect.arrayContaining([path.basename(layout.legacySentences)]));
    expect(await readdir(dataDir)).not.toEqual(expect.arrayContaining([path.basename(layout.legacySentenceVectors)]));
  });

  it('writes nothing while an index run holds the writer lock: the repair stays in memory, and is saved once the lock is free', async () => {
    const damage: Damage = async (layout) => {
      await halve(layout.lexical);
      await halve(layout.sentences);
    };
    const dataDir = path.join(scratch.dir, 'repair-while-locked');
    await cp(pristine, dataDir, { recursive: true });
    const layout = dataDirLayout(dataDir);
    await damage(layout);
    const release = await holdLockInAnotherProcess(dataDir);
    const files = async () => {
      const names = (await readdir(dataDir)).filter((name) => name !== 'index.lock').sort();
      return Promise.all(
        names.map(async (name) => [name, sha256(await readFile(path.join(dataDir, name)).catch(() => Buffer.from('(a directory)')))]),
      );
    };
    const before = await files();
    const events: IndexEvent[] = [];
    try {
      const engine = await open(dataDir, events);
      try {
        expect(await answers(engine)).toEqual(expected);
      } finally {
        await engine.close();
      }
      expect(await files()).toEqual(before);
      const warnings = events.filter((event) => event.type === 'warning').map((event) => event.message);
      expect(warnings).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^Could not save the rebuilt indexes: Another indexer/),
          expect.stringMatching(/^Could not save the sentence index: Another indexer/),
        ]),
      );
    } finally {
      await release();
    }
    const again: IndexEvent[] = [];
    await (await open(dataDir, again)).close();
    expect(again.some((event) => event.type === 'warning' && event.message.startsWith('Rebuilding derived indexes'))).toBe(true);
    const repaired: IndexEvent[] = [];
    await (await open(dataDir, repaired)).close();
    expect(repaired.filter((event) => event.type === 'warning')).toEqual([]);
  });
});
