import { createHash } from 'node:crypto';
import { open, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIGEST_HERE_MAX_BYTES, digestFile } from '../../core/sealed-file.js';
import { bodyLayout } from '../../indexer/lexical/format.js';
import {
  buildLexicalIndex,
  buildNumberedLexicalIndex,
  type LexicalIndex,
  loadLexicalFile,
  openLexicalFile,
  openLexicalIndex,
} from '../../indexer/lexical/index.js';
import { LexicalIndex as LexicalIndexClass } from '../../indexer/lexical/lexical-index.js';
import { temporaryDir } from '../helpers/sample-index.js';

// 400 documents over 40 words, so long and short posting lists, repeated words and many positions.
const WORDS = Array.from(
  { length: 40 },
  (_, i) => `word${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + Math.floor(i / 26))}`,
);
function makeCorpus(): Array<{ id: string; title: string; abstract: string }> {
  let seed = 7;
  const next = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed;
  };
  const pick = () => WORDS[next() % (1 + (next() % WORDS.length))] as string;
  return Array.from({ length: 400 }, (_, i) => ({
    id: `paper-${i}`,
    title: Array.from({ length: 4 }, pick).join(' '),
    abstract: Array.from({ length: 20 + (i % 30) }, pick).join(' '),
  }));
}

const CORPUS = makeCorpus();
const QUERIES = ['wordaa wordba', 'wordca wordda wordea', '"wordaa wordba"', 'wordza', 'wordnb wordaa', 'nothing here'];

function answers(index: LexicalIndex) {
  return QUERIES.map((query) => index.rank(query, { k: 20 }));
}

describe('a BM25 file opened in place (openLexicalIndex)', () => {
  let dir: { dir: string; remove: () => Promise<void> };
  let file: string;
  let built: LexicalIndex;
  let bytes: Buffer;

  beforeAll(async () => {
    dir = await temporaryDir('paperscope-lazy-lexical-');
    file = path.join(dir.dir, 'lexical.bin');
    built = buildLexicalIndex(CORPUS);
    bytes = Buffer.concat(built.toFile(3));
    await writeFile(file, bytes);
  });
  afterAll(async () => dir.remove());

  it('ranks, counts and explains as the index read whole, and writes the same file back', async () => {
    const whole = loadLexicalFile(bytes);
    if ('problem' in whole) throw new Error(whole.problem.message);
    const opened = await openLexicalIndex(file);
    if ('problem' in opened) throw new Error(opened.problem.message);
    try {
      expect(opened.tableVersion).toBe(3);
      expect(answers(opened.index)).toEqual(answers(whole.index));
      expect(opened.index.termsOf('paper-5')).toEqual(whole.index.termsOf('paper-5'));
      expect(opened.index.sharedTerms('paper-5', 'paper-9')).toEqual(whole.index.sharedTerms('paper-5', 'paper-9'));
      // Buffer.equals: vitest's deep equality walks a buffer byte by byte, seconds for these.
      expect(Buffer.concat(opened.index.toFile(3)).equals(bytes)).toBe(true);
    } finally {
      opened.index.close();
    }
  });

  it("reads where each term's positions start from the file, as the built index made them", async () => {
    const opened = await openLexicalFile(file);
    if ('problem' in opened) throw new Error(opened.problem.message);
    const index = new LexicalIndexClass(opened.data);
    expect(answers(index)).toEqual(answers(built));
    index.close();
  });

  it('reads a term from the file only when a query first uses it', async () => {
    const copy = path.join(dir.dir, 'overwritten.bin');
    await writeFile(copy, bytes);
    const opened = await openLexicalIndex(copy);
    if ('problem' in opened) throw new Error(opened.problem.message);
    const { index } = opened;
    const before = index.rank('wordaa', { k: 5 });
    // Zero the postings in place (the same file, so the open descriptor sees it): a term already
    // read keeps its postings; one first used now reads zeros, which no sound file holds.
    const headerLength = bytes.readUInt32LE(8);
    const header = JSON.parse(bytes.toString('utf8', 12, 12 + headerLength));
    const postingsAt = Math.ceil((12 + headerLength) / 8) * 8 + bodyLayout(header).postingDocs;
    const handle = await open(copy, 'r+');
    await handle.write(Buffer.alloc(8 * header.postingCount), 0, 8 * header.postingCount, postingsAt);
    await handle.close();
    expect(index.rank('wordaa', { k: 5 })).toEqual(before);
    expect(() => index.rank('wordca wordda', { k: 5 })).toThrow(/BM25 index is damaged/);
    index.close();
  });

  it('answers numbered documents (the sentence index) with their ids, made when asked for', async () => {
    const numbered = buildNumberedLexicalIndex(CORPUS);
    const numberedBytes = Buffer.concat(numbered.toFile(1));
    await writeFile(path.join(dir.dir, 'numbered.bin'), numberedBytes);
    const opened = await openLexicalIndex(path.join(dir.dir, 'numbered.bin'));
    if ('problem' in opened) throw new Error(opened.problem.message);
    expect(answers(opened.index)).toEqual(answers(numbered));
    expect(opened.index.idAt(399)).toBe('399');
    expect(opened.index.indexOf('17')).toBe(17);
    expect(opened.index.ids).toEqual(numbered.ids);
    expect(Buffer.concat(opened.index.toFile(1)).equals(numberedBytes)).toBe(true);
    opened.index.close();
  });

  it('says a damaged or cut file is damaged, and a missing one missing', async () => {
    const flipped = Buffer.from(bytes);
    flipped[Math.floor(flipped.length / 2)] = (flipped[Math.floor(flipped.length / 2)] as number) ^ 0xff;
    await writeFile(path.join(dir.dir, 'flipped.bin'), flipped);
    await writeFile(path.join(dir.dir, 'cut.bin'), bytes.subarray(0, bytes.length - 1));
    expect(await openLexicalIndex(path.join(dir.dir, 'flipped.bin'))).toMatchObject({ problem: { kind: 'damaged' } });
    expect(await openLexicalIndex(path.join(dir.dir, 'cut.bin'))).toMatchObject({ problem: { kind: 'damaged' } });
    expect(await openLexicalIndex(path.join(dir.dir, 'none.bin'))).toMatchObject({ problem: { kind: 'missing' } });
    expect((await readFile(file)).equals(bytes)).toBe(true);
  });
});

describe('a file checked on a worker thread, or here when small (digestFile)', () => {
  it('sums the bytes as zlib and crypto do on this thread, from any offset', async () => {
    const dir = await temporaryDir('paperscope-digest-');
    try {
      const file = path.join(dir.dir, 'bytes.bin');
      const bytes = Buffer.from(Array.from({ length: 100_003 }, (_, i) => (i * 7919) % 251));
      await writeFile(file, bytes);
      expect(await digestFile(file, 'crc32', 8)).toBe(crc32(bytes.subarray(8)));
      expect(await digestFile(file, 'sha256')).toBe(createHash('sha256').update(bytes).digest('hex'));
      // By descriptor: the file as opened, though another is renamed over its path.
      const handle = await open(file, 'r');
      await writeFile(`${file}.new`, 'other bytes');
      await rename(`${file}.new`, file);
      expect(await digestFile(handle.fd, 'crc32')).toBe(crc32(bytes));
      await handle.close();
      await expect(digestFile(path.join(dir.dir, 'none.bin'), 'crc32')).rejects.toThrow(/ENOENT/);
      // Here, a piece at a time: the same sums over several pieces.
      const several = Buffer.concat([bytes, Buffer.alloc(3 << 20, 5), bytes]);
      await writeFile(file, several);
      expect(await digestFile(file, 'crc32', 8)).toBe(crc32(several.subarray(8)));
      expect(await digestFile(file, 'sha256')).toBe(createHash('sha256').update(several).digest('hex'));
      // From DIGEST_HERE_MAX_BYTES on a worker thread: the same sums.
      const large = Buffer.concat([bytes, Buffer.alloc(DIGEST_HERE_MAX_BYTES, 7)]);
      await writeFile(file, large);
      expect(await digestFile(file, 'crc32', 8)).toBe(crc32(large.subarray(8)));
      expect(await digestFile(file, 'sha256')).toBe(createHash('sha256').update(large).digest('hex'));
    } finally {
      await dir.remove();
    }
  });
});
