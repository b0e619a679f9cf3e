import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { cp, mkdtemp, readFile, readdir, rm, stat, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPaperscopeError } from '../../core/errors.js';
import {
  createTransformerEmbedder,
  modelCacheFolder,
  planWindows,
  type TransformerEmbedder,
} from '../../indexer/embed/transformer/index.js';
import { type IndexEvent, runIndex } from '../../indexer/index.js';
import { makeTinyModel, TINY_MAX_TOKENS, tinyVocabulary } from '../../scripts/make-tiny-model.js';
import { SAMPLE_FILE, SAMPLE_YEAR } from '../helpers/sample-index.js';

const TINY_MODEL = fileURLToPath(new URL('../fixtures/generated/tiny-bert', import.meta.url));

const norm = (v: Float32Array): number => Math.sqrt(v.reduce((sum, x) => sum + x * x, 0));
const maxDiff = (a: Float32Array, b: Float32Array): number => Math.max(...a.map((x, i) => Math.abs(x - (b[i] ?? Number.NaN))));

async function expectModelUnavailable(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isPaperscopeError(error) && error.code).toBe('MODEL_UNAVAILABLE');
  return (error as Error).message;
}

let scratch: string;
let plain: TransformerEmbedder;
let prefixed: TransformerEmbedder;

beforeAll(async () => {
  await makeTinyModel(TINY_MODEL);
  scratch = await mkdtemp(path.join(os.tmpdir(), 'paperscope-transformer-'));
  const common = { modelDir: TINY_MODEL, cacheDir: scratch, offline: true, workers: 1 };
  [plain, prefixed] = await Promise.all([
    createTransformerEmbedder(common),
    createTransformerEmbedder({ ...common, prefixes: { query: 'query: ', document: 'passage: ' } }),
  ]);
});

afterAll(async () => {
  await Promise.all([plain?.close(), prefixed?.close()]);
  await rm(scratch, { recursive: true, force: true });
});

describe('planWindows', () => {
  const special = { head: [2], tail: [3] };
  const body = Array.from({ length: 100 }, (_, i) => 100 + i);

  it('keeps a short text in one window with its special tokens', () => {
    expect(planWindows([7, 8], [], special, 64)).toEqual([[2, 7, 8, 3]]);
  });

  it('covers a long text with half-overlapping windows, each with specials and prefix', () => {
    const windows = planWindows(body, [50], special, 64);
    // room = 64 - 2 specials - 1 prefix = 61, stride 30: starts 0, 30, 60.
    expect(windows.map((w) => w.length)).toEqual([64, 64, 43]);
    for (const w of windows) expect([w[0], w[1], w.at(-1)]).toEqual([2, 50, 3]);
    const covered = new Set(windows.flatMap((w) => w.slice(2, -1)));
    expect(covered.size).toBe(body.length);
    expect(windows[1]?.[2]).toBe(body[30]);
  });

  it('refuses a prefix that leaves no room for text', () => {
    expect(() => planWindows(body, Array(62).fill(9), special, 64)).toThrow(/prefix takes 62/);
  });
});

describe('transformer embedder on the tiny model (offline)', () => {
  const texts = [
    'Noisy rewards in reinforcement learning for reasoning',
    'diffusion models for image generation',
    'protein structure prediction',
  ];

  it('reports its model, dimension and window', () => {
    expect(plain.info).toEqual({ kind: 'transformer', model: 'tiny-bert', dimension: 32 });
    expect(plain.windowTokens).toBe(TINY_MAX_TOKENS);
    expect(plain.state()).toBeNull();
  });

  it('returns deterministic unit vectors that depend on the text', async () => {
    const [first, second] = await Promise.all([plain.embedDocuments(texts), plain.embedDocuments(texts)]);
    expect(first).toHaveLength(3);
    for (const [i, v] of first.entries()) {
      expect(v).toHaveLength(32);
      expect(norm(v)).toBeCloseTo(1, 5);
      expect(v).toEqual(second[i]);
    }
    expect(maxDiff(first[0] as Float32Array, first[1] as Float32Array)).toBeGreaterThan(0.05);
  });

  it('gives the same vector in a padded batch as alone', async () => {
    const batch = await plain.embedDocuments(texts);
    for (const [i, text] of texts.entries()) {
      const [alone] = await plain.embedDocuments([text]);
      expect(maxDiff(alone as Float32Array, batch[i] as Float32Array)).toBeLessThan(1e-5);
    }
  });

  it('embeds a long text as the token-weighted average of its three overlapping windows', async () => {
    // Whole vocabulary words are one token each, so windows of tokens are windows of words.
    const words = tinyVocabulary().slice(5, 105);
    const room = TINY_MAX_TOKENS - 2;
    const stride = room / 2;
    const spans = [0, stride, 2 * stride].map((start) => words.slice(start, start + room));
    expect(spans.map((s) => s.length)).toEqual([62, 62, 38]);

    const [long, ...windowVectors] = await plain.embedDocuments([words.join(' '), ...spans.map((s) => s.join(' '))]);
    // Each window's weight is its token count: the span plus [CLS] and [SEP].
    const summed = Array.from({ length: 32 }, (_, d) =>
      windowVectors.reduce((sum, v, k) => sum + (v[d] ?? 0) * ((spans[k]?.length ?? 0) + 2), 0),
    );
    const length = Math.hypot(...summed);
    const expected = Float32Array.from(summed, (x) => x / length);

    expect(norm(long as Float32Array)).toBeCloseTo(1, 5);
    expect(maxDiff(long as Float32Array, expected)).toBeLessThan(1e-5);
    expect(maxDiff(long as Float32Array, windowVectors[0] as Float32Array)).toBeGreaterThan(0.01);
  });

  it('applies the query and document prefixes, and only those', async () => {
    const text = 'reward noise in reasoning';
    const [asQuery, asDocument] = await plain.embedDocuments([`query: ${text}`, `passage: ${text}`]);
    const query = await prefixed.embedQuery(text);
    const [document] = await prefixed.embedDocuments([text]);
    expect(maxDiff(query, asQuery as Float32Array)).toBeLessThan(1e-5);
    expect(maxDiff(document as Float32Array, asDocument as Float32Array)).toBeLessThan(1e-5);
    expect(maxDiff(query, document as Float32Array)).toBeGreaterThan(0.01);
    expect(maxDiff(await plain.embedQuery(text), (await plain.embedDocuments([text]))[0] as Float32Array)).toBe(0);
  });

  it('serves a repeated query from its cache', async () => {
    const first = await plain.embedQuery('language model alignment');
    expect(await plain.embedQuery('language model alignment')).toBe(first);
  });

  it('reports progress per batch up to the total', async () => {
    const many = Array.from({ length: 40 }, (_, i) => `paper ${i} about ${texts[i % 3]}`);
    const seen: Array<[number, number]> = [];
    const vectors = await plain.embedDocuments(many, (done, total) => seen.push([done, total]));
    expect(vectors).toHaveLength(40);
    expect(seen.map(([done]) => done)).toEqual([16, 32, 40]);
    expect(seen.every(([, total]) => total === 40)).toBe(true);
  });
});

describe('model resolution and failures', () => {
  it('names the folder and the missing files when the model folder is missing or incomplete', async () => {
    const missing = path.join(scratch, 'no-such-model');
    expect(await expectModelUnavailable(createTransformerEmbedder({ modelDir: missing, cacheDir: scratch, offline: true }))).toContain(
      missing,
    );

    const incomplete = path.join(scratch, 'incomplete');
    await cp(TINY_MODEL, incomplete, { recursive: true });
    await rm(path.join(incomplete, 'tokenizer.json'));
    const message = await expectModelUnavailable(createTransformerEmbedder({ modelDir: incomplete, cacheDir: scratch, offline: true }));
    expect(message).toContain(incomplete);
    expect(message).toContain('tokenizer.json');
  });

  it('lists where it looked when offline and the model is not cached, without any network', async () => {
    const message = await expectModelUnavailable(
      createTransformerEmbedder({ model: 'Xenova/all-MiniLM-L6-v2', cacheDir: scratch, offline: true }),
    );
    expect(message).toContain(modelCacheFolder(scratch, 'Xenova/all-MiniLM-L6-v2'));
    expect(message).toMatch(/--model-dir/);
    expect(message).toMatch(/offline/);
  });
});

describe('download, cache and corrupt files (local test hub)', () => {
  let hub: http.Server;
  let hubUrl: string;

  beforeAll(async () => {
    // Serves the tiny model as /test/<mode>/resolve/main/<file>: "good", "cut" (model.onnx breaks off
    // half-way, like a dropped connection) and "hang" (accepts and never answers).
    hub = http.createServer((request, response) => {
      const match = /^\/test\/(good|cut|hang)\/resolve\/main\/(.+)$/.exec(request.url ?? '');
      if (!match || match[1] === 'hang') {
        if (!match) response.writeHead(404).end();
        return;
      }
      const [, mode, file = ''] = match;
      readFile(path.join(TINY_MODEL, file)).then(
        (body) => {
          response.writeHead(200, { 'content-length': body.length });
          if (mode === 'cut' && file === 'onnx/model.onnx') {
            response.write(body.subarray(0, body.length / 2), () => response.destroy());
          } else {
            response.end(body);
          }
        },
        () => response.writeHead(404).end(),
      );
    });
    await new Promise<void>((resolve) => hub.listen(0, '127.0.0.1', resolve));
    hubUrl = `http://127.0.0.1:${(hub.address() as AddressInfo).port}/`;
  });

  afterAll(() => {
    hub.closeAllConnections();
    hub.close();
  });

  it('downloads into the cache with byte progress, then loads from the cache offline; a broken cached copy is purged', async () => {
    const cacheDir = path.join(scratch, 'download');
    const cached = modelCacheFolder(cacheDir, 'test/good');
    const progress: Array<[string, number, number]> = [];
    const downloaded = await createTransformerEmbedder({
      model: 'test/good',
      cacheDir,
      offline: false,
      hubUrl,
      workers: 1,
      onDownloadProgress: (file, loaded, total) => progress.push([file, loaded, total]),
    });
    await downloaded.close();
    const modelSize = (await stat(path.join(TINY_MODEL, 'onnx', 'model.onnx'))).size;
    expect(progress.filter(([file]) => file === 'onnx/model.onnx').at(-1)).toEqual(['onnx/model.onnx', modelSize, modelSize]);
    expect(await readdir(path.join(cached, 'onnx'))).toEqual(['model.onnx']);

    // A download killed mid-way leaves its temp file (from a process that no longer exists).
    await writeFile(path.join(cached, 'onnx', 'model.onnx.tmp.999999999.k3x'), 'partial');
    const fromCache = await createTransformerEmbedder({ model: 'test/good', cacheDir, offline: true, workers: 1 });
    expect(fromCache.info).toEqual({ kind: 'transformer', model: 'test/good', dimension: 32 });
    expect(await readdir(path.join(cached, 'onnx'))).toEqual(['model.onnx']);
    await fromCache.close();

    await truncate(path.join(cached, 'onnx', 'model.onnx'), 1_000);
    const message = await expectModelUnavailable(createTransformerEmbedder({ model: 'test/good', cacheDir, offline: true, workers: 1 }));
    expect(message).toContain(cached);
    expect(message).toMatch(/removed/);
    expect(await readdir(path.join(cached, 'onnx'))).toEqual([]);
  });

  it('reports each file of a first download in bytes through runIndex, as the CLI draws it', async () => {
    const events: IndexEvent[] = [];
    const summary = await runIndex({
      paths: [SAMPLE_FILE],
      dataDir: path.join(scratch, 'index-download'),
      cacheDir: path.join(scratch, 'index-download-cache'),
      offline: false,
      hubUrl,
      embedder: 'transformer',
      model: 'test/good',
      clusters: 2,
      year: SAMPLE_YEAR,
      onEvent: (event) => events.push(event),
    });
    expect(summary.embedder).toEqual({ kind: 'transformer', model: 'test/good', dimension: 32 });
    const downloads = events.filter((event) => event.type === 'progress' && event.unit === 'bytes');
    expect(new Set(downloads.map((event) => event.type === 'progress' && event.stage))).toEqual(
      new Set(['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx'].map((file) => `Downloading ${file}`)),
    );
    const modelSize = (await stat(path.join(TINY_MODEL, 'onnx', 'model.onnx'))).size;
    expect(downloads.filter((event) => event.type === 'progress' && event.stage === 'Downloading onnx/model.onnx').at(-1)).toMatchObject({
      done: modelSize,
      total: modelSize,
    });
    // Downloads come before any paper is embedded.
    const firstEmbedding = events.findIndex((event) => event.type === 'progress' && event.stage === 'Embedding');
    expect(firstEmbedding).toBeGreaterThan(events.lastIndexOf(downloads.at(-1) as IndexEvent));
  });

  it('leaves no file behind from an interrupted download, and gives up on a hub that does not answer', async () => {
    const cacheDir = path.join(scratch, 'interrupted');
    const [cutMessage, hangMessage] = await Promise.all([
      expectModelUnavailable(createTransformerEmbedder({ model: 'test/cut', cacheDir, offline: false, hubUrl, workers: 1 })),
      expectModelUnavailable(
        createTransformerEmbedder({ model: 'test/hang', cacheDir, offline: false, hubUrl, workers: 1, connectTimeoutMs: 300 }),
      ),
    ]);
    expect(cutMessage).toMatch(/Could not download test\/cut/);
    expect(await readdir(path.join(modelCacheFolder(cacheDir, 'test/cut'), 'onnx')).catch(() => [])).toEqual([]);
    expect(hangMessage).toMatch(/no response .* within 0.3 s/);
  });

  it('names the folder and the cause when model.onnx is corrupt', async () => {
    const corruptDir = path.join(scratch, 'corrupt');
    await cp(TINY_MODEL, corruptDir, { recursive: true });
    await truncate(path.join(corruptDir, 'onnx', 'model.onnx'), 1_000);
    const message = await expectModelUnavailable(
      createTransformerEmbedder({ modelDir: corruptDir, cacheDir: scratch, offline: true, workers: 1 }),
    );
    expect(message).toContain(corruptDir);
    expect(message).toMatch(/protobuf|load|pars/i);
  });
});
