import { access, readFile, truncate, writeFile } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  assignmentColumns,
  type DataDirLayout,
  dataDirLayout,
  KnownIds,
  readTopicsFile,
  sealFile,
  type TopicsFile,
  writeChecksummedJson,
  writeTopicsFile,
} from '../../indexer/store/index.js';
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
  topics: [
    {
      id: 0,
      label: 'reward noise',
      keywords: [{ term: 'reward', weight: 1 }],
      size: 2,
      representatives: ['a'],
      first: '2025-01',
      last: '2025-02',
      median: '2025-01',
      months: [{ month: '2025-01', count: 2 }],
    },
  ],
  assignments: { a: 0, b: 0 },
  map: [
    { id: 'a', x: 0.5, y: -1 },
    { id: 'b', x: 2, y: 3.25 },
  ],
};

/** `count` papers as the indexer writes them: the map lists the assigned papers in the same order. */
function manyPapers(count: number): TopicsFile {
  const ids = Array.from(
    { length: count },
    (_, index) => `24${String(index % 12).padStart(2, '0')}.${String(index).padStart(5, '0')}v${1 + (index % 3)}`,
  );
  return {
    ...TOPICS,
    k: 12,
    clusteredCount: count,
    centroids: Array.from({ length: 12 }, (_, topic) => Array.from({ length: 100 }, (_, dimension) => Math.sin(topic * 100 + dimension))),
    assignments: Object.fromEntries(ids.map((id, index) => [id, (index * 7) % 12])),
    // Coordinates with every bit of a double in use: they must come back exactly.
    map: ids.map((id, index) => ({ id, x: Math.sin(index) * 13.7, y: Math.cos(index) / 3 })),
  };
}

type Edit = (bytes: Buffer, header: { start: number; length: number; bodyStart: number }) => void;

/**
 * Changes a written file in place. Layout: "PSTP", CRC-32 of bytes 8…, u32 header length, JSON
 * header, zero padding to 8, then x and y (Float64 per map point), topic ids (Int32), paper ids (JSON).
 */
async function editFile(file: string, edit: Edit): Promise<void> {
  const bytes = await readFile(file);
  const length = bytes.readUInt32LE(8);
  edit(bytes, { start: 12, length, bodyStart: Math.ceil((12 + length) / 8) * 8 });
  await writeFile(file, bytes);
}

/** Changes the file and seals it again, so that the reader's checks behind the checksum are what is tested. */
function editSealed(file: string, edit: Edit): Promise<void> {
  return editFile(file, (bytes, header) => {
    edit(bytes, header);
    bytes.writeUInt32LE(crc32(bytes.subarray(8)), 4);
  });
}

const flip =
  (at: (bytes: Buffer, bodyStart: number) => number): Edit =>
  (bytes, { bodyStart }) => {
    const offset = at(bytes, bodyStart);
    bytes[offset] = (bytes[offset] ?? 0) ^ 0x01;
  };

/** Replaces text in the JSON header by text of the same length. */
function replaceInHeader(from: string, to: string) {
  return (bytes: Buffer, header: { start: number; length: number }) => {
    const text = bytes.toString('utf8', header.start, header.start + header.length);
    expect(text).toContain(from);
    bytes.write(text.replace(from, to), header.start, 'utf8');
  };
}

/** Turns `["first","second",…` into `[        "second",…`: still JSON, one id short. */
const blankFirstId: Edit = (bytes) => {
  const start = bytes.lastIndexOf('["') + 1;
  bytes.fill(' ', start, bytes.indexOf('",', start) + 2);
};

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

// Values with no binary form, which the JSON file of earlier versions could still hold.
const INVALID_PER_PAPER: [string, Partial<Record<keyof TopicsFile, unknown>>][] = [
  ['an assignment that is not a whole number', { assignments: { a: 0, b: 0.5 } }],
  ['a negative assignment', { assignments: { a: -1 } }],
  ['an assignment beyond 32 bits', { assignments: { a: 2 ** 31 } }],
  ['assignments as a list', { assignments: [0, 0] }],
  ['a map point without coordinates', { map: [{ id: 'a', x: 1 }] }],
  ['a map point with a text coordinate', { map: [{ id: 'a', x: '1', y: 2 }] }],
  ['a map point with an infinite coordinate', { map: [{ id: 'a', x: Number.POSITIVE_INFINITY, y: 2 }] }],
  ['a map point with a numeric id', { map: [{ id: 1, x: 1, y: 2 }] }],
  ['a map that is not a list', { map: { a: [1, 2] } }],
  ['a map point that is null', { map: [null] }],
];

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

  it('reads back 5,000 papers exactly, storing each paper id once', async () => {
    const many = manyPapers(5000);
    await writeTopicsFile(layout, many);
    expect(await readTopicsFile(layout)).toEqual(many);
    // Ids stored once: 20 bytes of numbers and ≈ 15 of id per paper, under half the JSON form's ≈ 90.
    expect((await readFile(layout.topics)).length).toBeLessThan(JSON.stringify(many).length / 2);
  });

  it('gives the assignments as stored, ids and topics in the file order, for a reader holding the papers in that order', async () => {
    const many = manyPapers(300);
    await writeTopicsFile(layout, many);
    const read = await readTopicsFile(layout);
    if (!read) throw new Error('not read');
    const columns = assignmentColumns(read);
    expect(columns?.ids).toEqual(Object.keys(many.assignments));
    expect(Array.from(columns?.topics ?? [])).toEqual(Object.values(many.assignments));
    // Topics made in memory have none: readers fall back to the record.
    expect(assignmentColumns(many)).toBeUndefined();
  });

  it('takes ids known already for a list that is their JSON exactly, and parses a list that differs', async () => {
    const many = manyPapers(300);
    await writeTopicsFile(layout, many);
    const sameIds = new KnownIds(Object.keys(many.assignments));
    const read = await readTopicsFile(layout, sameIds);
    expect(read).toEqual(many);
    expect(read && assignmentColumns(read)?.ids).toBe(sameIds.ids);
    const otherIds = new KnownIds([...sameIds.ids.slice(1), 'another']);
    const parsed = await readTopicsFile(layout, otherIds);
    expect(parsed).toEqual(many);
    expect(parsed && assignmentColumns(parsed)?.ids).not.toBe(otherIds.ids);
    expect(parsed && assignmentColumns(parsed)?.ids).toEqual(sameIds.ids);
  });

  it('keeps a map whose papers and order differ from the assignments', async () => {
    // Integer-like keys come first in an object whatever the insertion order; "__proto__" is an own key.
    const topics: TopicsFile = {
      ...TOPICS,
      assignments: Object.fromEntries([
        ['b', 0],
        ['10', 0],
        ['__proto__', 0],
        ['9', 0],
      ]),
      map: [
        { id: '9', x: 1, y: 1 },
        { id: 'b', x: -0, y: 2 },
        { id: 'unassigned', x: 3, y: 1e-300 },
      ],
    };
    await writeTopicsFile(layout, topics);
    const read = await readTopicsFile(layout);
    expect(read).toEqual(topics);
    expect(Object.keys(read?.assignments ?? {})).toEqual(['9', '10', 'b', '__proto__']);
  });

  describe('the sub-topics, parsed when first read', () => {
    // A label with the text the reader looks for: inside a JSON string its quotes are escaped.
    const WITH_SUBTOPICS: TopicsFile = {
      ...manyPapers(40),
      subtopics: {
        '0': {
          clusters: [
            {
              id: 0,
              label: 'a ,"subtopics":{} b ,"assignmentCount":1',
              keywords: [{ term: 'reward', weight: 0.5 }],
              size: 2,
              representatives: ['a'],
              months: [{ month: '2025-01', count: 2 }],
              papers: ['a', 'b'],
            },
          ],
        },
        '1': { clusters: [], reason: 'too few papers' },
      },
    };

    it('reads them back, and a copy of the topics holds them', async () => {
      await writeTopicsFile(layout, WITH_SUBTOPICS);
      const read = await readTopicsFile(layout);
      expect(read).toEqual(WITH_SUBTOPICS);
      expect({ ...read }.subtopics).toEqual(WITH_SUBTOPICS.subtopics);
    });

    it('reads a header that has them elsewhere whole', async () => {
      await writeTopicsFile(layout, WITH_SUBTOPICS);
      const bytes = await readFile(layout.topics);
      const length = bytes.readUInt32LE(8);
      const { subtopics, ...header } = JSON.parse(bytes.toString('utf8', 12, 12 + length));
      const body = bytes.subarray(Math.ceil((12 + length) / 8) * 8);
      await writeFile(layout.topics, Buffer.concat(sealFile('PSTP', { ...header, subtopics }, [body])));
      expect(await readTopicsFile(layout)).toEqual(WITH_SUBTOPICS);
    });

    it('refuses the file at load when a byte of them is damaged, before anything is served', async () => {
      await writeTopicsFile(layout, WITH_SUBTOPICS);
      await editFile(
        layout.topics,
        flip((bytes) => bytes.indexOf('"papers":["a","b"]') + 11),
      );
      expect(await readTopicsFile(layout)).toBeUndefined();
    });

    it('refuses them when first read if they are of a wrong shape (checksum valid)', async () => {
      await writeTopicsFile(layout, WITH_SUBTOPICS);
      await editSealed(layout.topics, replaceInHeader('"papers":["a","b"]', '"papers":["a",  7]'));
      const read = await readTopicsFile(layout);
      expect(read?.topics).toEqual(WITH_SUBTOPICS.topics);
      expect(() => read?.subtopics).toThrow(
        expect.objectContaining({ code: 'INDEX_MISMATCH', details: { part: 'header.subtopics.0.clusters.0.papers.1' } }),
      );
    });
  });

  it('is undefined when missing', async () => {
    expect(await readTopicsFile(layout)).toBeUndefined();
  });

  it.each<[string, (layout: DataDirLayout) => Promise<void>]>([
    ['cut in half', async ({ topics }) => truncate(topics, Math.floor((await readFile(topics)).length / 2))],
    ['missing its last byte', async ({ topics }) => truncate(topics, (await readFile(topics)).length - 1)],
    ['emptied', ({ topics }) => truncate(topics, 0)],
    ['garbled', ({ topics }) => writeFile(topics, '[1, 2,')],
    [
      'with a header byte flipped',
      ({ topics }) =>
        editFile(
          topics,
          flip(() => 20),
        ),
    ],
    [
      'with a coordinate bit flipped (still a finite number)',
      ({ topics }) =>
        editFile(
          topics,
          flip((_, bodyStart) => bodyStart),
        ),
    ],
    [
      'with an id byte flipped',
      ({ topics }) =>
        editFile(
          topics,
          flip((bytes) => bytes.length - 3),
        ),
    ],
    [
      'with its checksum changed',
      ({ topics }) =>
        editFile(
          topics,
          flip(() => 5),
        ),
    ],
    ['in the JSON form', ({ topics }) => writeChecksummedJson(topics, manyPapers(50))],
    ['of a wrong shape (checksum valid)', ({ topics }) => editSealed(topics, replaceInHeader('"requested":"auto"', '"requested":"oops"'))],
    ['of another format version (checksum valid)', ({ topics }) => editSealed(topics, replaceInHeader('"version":1', '"version":9'))],
    [
      'with a negative topic id (checksum valid)',
      ({ topics }) => editSealed(topics, (bytes, { bodyStart }) => bytes.writeInt32LE(-1, bodyStart + 16 * 50)),
    ],
    [
      'with a coordinate that is not a number (checksum valid)',
      ({ topics }) => editSealed(topics, (bytes, { bodyStart }) => bytes.writeDoubleLE(Number.NaN, bodyStart + 8)),
    ],
    ['with one id too few (checksum valid)', ({ topics }) => editSealed(topics, blankFirstId)],
  ])('is undefined when %s', async (_name, damage) => {
    await writeTopicsFile(layout, manyPapers(50));
    await damage(layout);
    expect(await readTopicsFile(layout)).toBeUndefined();
  });

  it.each(INVALID_PER_PAPER)('refuses to write %s, leaving no file', async (_name, change) => {
    await expect(writeTopicsFile(layout, { ...TOPICS, ...change } as TopicsFile)).rejects.toMatchObject({ code: 'INTERNAL' });
    expect(await exists(layout.topics)).toBe(false);
  });

  describe('the JSON file of earlier versions', () => {
    it('is read when the binary file is missing, and removed by the next write', async () => {
      await writeChecksummedJson(layout.legacyTopics, TOPICS);
      expect(await readTopicsFile(layout)).toEqual(TOPICS);
      const next = { ...TOPICS, tableVersion: 4 };
      await writeTopicsFile(layout, next);
      expect(await exists(layout.legacyTopics)).toBe(false);
      expect(await readTopicsFile(layout)).toEqual(next);
    });

    it('is not read beside a binary file, even a damaged one', async () => {
      await writeTopicsFile(layout, TOPICS);
      await writeChecksummedJson(layout.legacyTopics, { ...TOPICS, tableVersion: 1 });
      expect(await readTopicsFile(layout)).toEqual(TOPICS);
      await truncate(layout.topics, 10);
      expect(await readTopicsFile(layout)).toBeUndefined();
    });

    it('is undefined when its checksum does not match', async () => {
      await writeChecksummedJson(layout.legacyTopics, TOPICS);
      const text = await readFile(layout.legacyTopics, 'utf8');
      await writeFile(layout.legacyTopics, text.replace('"x":0.5', '"x":0.6'));
      expect(await readTopicsFile(layout)).toBeUndefined();
    });

    // Its per-paper fields are checked by hand-written loops rather than zod: each rule must still hold.
    it.each(INVALID_PER_PAPER)('is undefined with %s', async (_name, change) => {
      await writeChecksummedJson(layout.legacyTopics, { ...TOPICS, ...change });
      expect(await readTopicsFile(layout)).toBeUndefined();
    });
  });
});
