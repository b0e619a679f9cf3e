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
  planPieces,
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
  // float32: the int8 copy's activations are scaled per forward pass, so its vectors depend on their pass-mates by rounding.
  const common = { modelDir: TINY_MODEL, cacheDir: scratch, offline: true, workers: 1, quantized: false };
  [plain, prefixed] = await Promise.all([
    createTransformerEmbedder(common),
    createTransformerEmbedder({ ...common, prefixes: { query: 'query: ', document: 'passage: ' } }),
  ]);
});

afterAll(async () => {
  await Promise.all([plain?.close(), prefixed?.close()]);
  await rm(scratch, { recursive: true, force: true });
});

describe('planPieces', () => {
  const special = { head: [2], tail: [3] };
  const run = (from: number, length: number) => Array.from({ length }, (_, i) => from + i);

  it('keeps a short text in one window with its special tokens and pools each piece there', () => {
    expect(planPieces([[7, 8], [], [9]], [], special, 64, true)).toEqual({
      windows: [[2, 7, 8, 9, 3]],
      spans: [{ window: 0, start: 1, end: 3 }, undefined, { window: 0, start: 3, end: 4 }],
    });
  });

  it("cuts a long text at the model's window: one window, whatever the length", () => {
    const plan = planPieces([run(100, 40), run(200, 40), run(300, 40)], [50], special, 64, false);
    // room = 64 - 2 specials - 1 prefix = 61: the first piece and 21 tokens of the second.
    expect(plan.windows).toEqual([[2, 50, ...run(100, 40), ...run(200, 21), 3]]);
    expect(plan.spans).toEqual([undefined, undefined, undefined]);
  });

  it('packs the pieces after the cut whole into further windows, each token run once', () => {
    const pieces = [run(100, 30), run(200, 25), run(300, 20), run(400, 30), run(500, 70)];
    const plan = planPieces(pieces, [], special, 64, true);
    // room 62: pieces 0–1 (55 tokens) in the cut window, 2–3 (50) in the next, 4 cut to 62 alone.
    expect(plan.windows.map((w) => w.length)).toEqual([64, 52, 64]);
    expect(plan.windows[0]?.slice(56, 63)).toEqual(run(300, 7));
    expect(plan.spans).toEqual([
      { window: 0, start: 1, end: 31 },
      { window: 0, start: 31, end: 56 },
      { window: 1, start: 1, end: 21 },
      { window: 1, start: 21, end: 51 },
      { window: 2, start: 1, end: 63 },
    ]);
    for (const w of plan.windows) expect([w[0], w.at(-1)]).toEqual([2, 3]);
  });

  it('refuses a prefix that leaves no room for text', () => {
    expect(() => planPieces([run(100, 10)], Array(62).fill(9), special, 64, false)).toThrow(/prefix takes 62/);
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

  it('gives the same vectors whatever the tokens per forward pass (a speed setting only)', async () => {
    const one = await createTransformerEmbedder({
      modelDir: TINY_MODEL,
      cacheDir: scratch,
      offline: true,
      workers: 1,
      tokensPerPass: 1,
      quantized: false,
    });
    try {
      const words = tinyVocabulary().slice(5, 105);
      // Texts of 3 to 90 words, a few longer than the 64-token window: passes of 1 window against up to 8.
      const many = Array.from({ length: 12 }, (_, i) => [words.slice(i, i + 3 + i * 4).join(' '), `${texts[i % 3]} .`]);
      const [alone, batched] = await Promise.all([one.embedWithPieces(many), plain.embedWithPieces(many)]);
      for (const [i, vectors] of batched.entries()) {
        expect(maxDiff(alone[i]?.text as Float32Array, vectors.text)).toBeLessThan(1e-6);
        expect(maxDiff(alone[i]?.pieces as Float32Array, vectors.pieces)).toBeLessThan(1e-6);
      }
    } finally {
      await one.close();
    }
  });

  it("embeds a long text as its first window's worth of tokens", async () => {
    // Whole vocabulary words are one token each, so windows of tokens are windows of words.
    const words = tinyVocabulary().slice(5, 105);
    const room = TINY_MAX_TOKENS - 2;
    const [long, head, shorter] = await plain.embedDocuments([
      words.join(' '),
      words.slice(0, room).join(' '),
      words.slice(0, room - 1).join(' '),
    ]);
    expect(maxDiff(long as Float32Array, head as Float32Array)).toBeLessThan(1e-5);
    expect(maxDiff(long as Float32Array, shorter as Float32Array)).toBeGreaterThan(0.01);
  });

  it('gives the pieces of a text vectors pooled in its context, from the same passes as its own', async () => {
    const words = tinyVocabulary().slice(5, 105);
    const sentence = (from: number, length: number) => `${words.slice(from, from + length).join(' ')} . `;
    // 1 + 30, 1 + 25, 1 + 20 and 1 + 30 tokens: the first two fit the 62-token room, the rest follow in a second window.
    const pieces = [sentence(0, 30), sentence(30, 25), sentence(55, 20), sentence(75, 25).trimEnd()];
    const [whole] = await plain.embedWithPieces([pieces]);
    const [text] = await plain.embedDocuments([pieces.join('')]);
    expect(maxDiff(whole?.text as Float32Array, text as Float32Array)).toBeLessThan(1e-5);
    expect(whole?.pieces).toHaveLength(4 * 32);
    const row = (vectors: Float32Array | undefined, i: number) => (vectors as Float32Array).subarray(i * 32, (i + 1) * 32);
    for (let i = 0; i < 4; i++) expect(norm(row(whole?.pieces, i))).toBeCloseTo(1, 5);
    // Pieces 2 and 3 make the second window on their own: the same as embedding those two alone.
    const [after] = await plain.embedWithPieces([pieces.slice(2)]);
    expect(maxDiff(row(whole?.pieces, 2), row(after?.pieces, 0))).toBeLessThan(1e-5);
    expect(maxDiff(row(whole?.pieces, 3), row(after?.pieces, 1))).toBeLessThan(1e-5);
    // Piece 1 is read with piece 0 around it, not alone.
    const [alone] = await plain.embedWithPieces([[pieces[1] as string]]);
    expect(maxDiff(row(whole?.pieces, 1), row(alone?.pieces, 0))).toBeGreaterThan(0.01);
    // In two steps, the first window then the rest: the same vectors, NaN for what a step leaves.
    const [first] = await plain.embedWithPieces([pieces], undefined, 'first');
    const [rest] = await plain.embedWithPieces([pieces], undefined, 'rest');
    expect(maxDiff(first?.text as Float32Array, text as Float32Array)).toBeLessThan(1e-5);
    expect(rest?.text.every(Number.isNaN)).toBe(true);
    for (let i = 0; i < 4; i++) {
      const [made, left] = i < 2 ? [first, rest] : [rest, first];
      expect(maxDiff(row(made?.pieces, i), row(whole?.pieces, i))).toBeLessThan(1e-5);
      expect(row(left?.pieces, i).every(Number.isNaN)).toBe(true);
    }
  });

  it("runs the model's int8 copy where the folder has one, unless float32 is asked for", async () => {
    const common = { modelDir: TINY_MODEL, cacheDir: scratch, offline: true, workers: 1 };
    const byDefault = await createTransformerEmbedder(common);
    await byDefault.close();
    expect(byDefault.info).toEqual({ kind: 'transformer', model: 'tiny-bert', dimension: 32, quantized: true });
    expect(plain.info.quantized).toBeUndefined();
    // A folder with the float32 model alone runs it, without a warning unless int8 was asked for.
    const floatOnly = path.join(scratch, 'float-only');
    await cp(TINY_MODEL, floatOnly, { recursive: true });
    await rm(path.join(floatOnly, 'onnx', 'model_quantized.onnx'));
    const warnings: string[] = [];
    for (const quantized of [undefined, true]) {
      const embedder = await createTransformerEmbedder({ ...common, modelDir: floatOnly, quantized, onWarning: (m) => warnings.push(m) });
      await embedder.close();
      expect(embedder.info.quantized).toBeUndefined();
      expect(warnings).toHaveLength(quantized ? 1 : 0);
    }
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

  // Ending a worker while ONNX Runtime runs or loads a model aborts the whole process, so close()
  // lets the workers finish the batch in flight (and a second worker its model load) first.
  it('finishes the batch in flight before closing, even while another worker still loads', async () => {
    const closing = await createTransformerEmbedder({ modelDir: TINY_MODEL, cacheDir: scratch, offline: true, workers: 2, batchSize: 64 });
    const many = Array.from({ length: 48 }, (_, i) => `paper ${i} about ${texts[i % 3]}`);
    const inFlight = closing.embedDocuments(many);
    await closing.close();
    const vectors = await inFlight;
    expect(vectors).toHaveLength(48);
    expect(Math.abs(norm(vectors[47] as Float32Array) - 1)).toBeLessThan(1e-4);
    await expect(closing.embedDocuments(['one more'])).rejects.toThrow(/closed/);
  });
});

describe('model resolution and failures', () => {
  it("cuts at the window of the folder's sentence_bert_config.json, and names the file when it is malformed", async () => {
    const folder = path.join(scratch, 'sentence-transformers');
    await cp(TINY_MODEL, folder, { recursive: true });
    await writeFile(path.join(folder, 'sentence_bert_config.json'), JSON.stringify({ max_seq_length: 16, do_lower_case: false }));
    const cut = await createTransformerEmbedder({ modelDir: folder, cacheDir: scratch, offline: true, workers: 1 });
    try {
      expect(cut.windowTokens).toBe(16);
      const words = tinyVocabulary().slice(5, 40);
      const [long, head] = await cut.embedDocuments([words.join(' '), words.slice(0, 14).join(' ')]);
      expect(maxDiff(long as Float32Array, head as Float32Array)).toBeLessThan(1e-5);
    } finally {
      await cut.close();
    }
    await writeFile(path.join(folder, 'sentence_bert_config.json'), JSON.stringify({ max_seq_length: 'long' }));
    const message = await expectModelUnavailable(createTransformerEmbedder({ modelDir: folder, cacheDir: scratch, offline: true }));
    expect(message).toContain(path.join(folder, 'sentence_bert_config.json'));
    expect(message).toContain('max_seq_length');
  });

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
    progress.length = 0;
    const fromCache = await createTransformerEmbedder({
      model: 'test/good',
      cacheDir,
      offline: true,
      workers: 1,
      onDownloadProgress: (file, loaded, total) => progress.push([file, loaded, total]),
    });
    expect(fromCache.info).toEqual({ kind: 'transformer', model: 'test/good', dimension: 32 });
    // Read from the cache, not downloaded: nothing to report as a download.
    expect(progress).toEqual([]);
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

  it('names the folder and the cause when the model file is corrupt', async () => {
    const corruptDir = path.join(scratch, 'corrupt');
    await cp(TINY_MODEL, corruptDir, { recursive: true });
    await truncate(path.join(corruptDir, 'onnx', 'model_quantized.onnx'), 1_000);
    const message = await expectModelUnavailable(
      createTransformerEmbedder({ modelDir: corruptDir, cacheDir: scratch, offline: true, workers: 1 }),
    );
    expect(message).toContain(corruptDir);
    expect(message).toMatch(/protobuf|load|pars/i);
  });
});
