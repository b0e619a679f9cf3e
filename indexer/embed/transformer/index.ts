import os from 'node:os';
import path from 'node:path';
import { LRUCache } from 'lru-cache';
import { PaperscopeError } from '../../../core/errors.js';
import { DEFAULT_MODEL_ID, type ModelSpec, findModelSpec, findModelSpecForFolder } from '../registry.js';
import type { EmbedProgress, Embedder, EmbedderInfo, PiecedVectors, PieceWindows } from '../types.js';
import { WorkerPool } from './pool.js';
import type { WorkerSetup } from './protocol.js';
import {
  missingModelFiles,
  modelCacheFolder,
  modelFiles,
  purgeCachedModel,
  QUANTIZED_MODEL_FILE,
  removeStaleDownloads,
  sentenceTransformersWindow,
} from './resolve.js';

export { lengthSortedBatches, planPieces, tokenBudgetBatches } from './windows.js';
import { lengthSortedBatches } from './windows.js';
export { modelCacheFolder } from './resolve.js';

export interface TransformerEmbedderOptions {
  /** Hub model id (default Xenova/all-MiniLM-L6-v2). With `modelDir`, names the model in that folder. */
  model?: string;
  /** A local model folder (config.json, tokenizer.json, tokenizer_config.json, onnx/model.onnx); no network is used. */
  modelDir?: string;
  /** Paperscope's cache dir; models are cached in `<cacheDir>/models`. */
  cacheDir: string;
  /** Forbids downloading. */
  offline: boolean;
  /** Overrides the registry's query/document prefixes. */
  prefixes?: { query: string; document: string };
  /**
   * Overrides the window: tokens a text is cut at. Else the folder's sentence_bert_config.json
   * `max_seq_length`, else the registry's; the tokenizer's and the config's limits cap it.
   */
  maxTokens?: number;
  /**
   * true: the model's quantized copy (`onnx/model_quantized.onnx`, int8 weights), about twice as fast
   * on a CPU (docs/scaling.md); false: `onnx/model.onnx` (float32). Undefined: the int8 copy where the
   * folder or hub offers one. `info.quantized` says which one runs.
   */
  quantized?: boolean;
  /** Told when the int8 copy was asked for but the model folder has none. */
  onWarning?: (message: string) => void;
  /** Texts per worker job (default 16). */
  batchSize?: number;
  /** Padded tokens per forward pass (default 512: two 256-token windows, or sixteen of 32). */
  tokensPerPass?: number;
  /** Inference workers (default: available cores, at most 4). */
  workers?: number;
  /** Query vectors kept in memory (default 1,000). */
  queryCacheSize?: number;
  /** How long to wait for the hub to answer before giving up (default 5 s). */
  connectTimeoutMs?: number;
  /** Model hub or mirror to download from (default https://huggingface.co/). */
  hubUrl?: string;
  onDownloadProgress?: (file: string, loadedBytes: number, totalBytes: number) => void;
}

export interface TransformerEmbedder extends Embedder {
  /** Tokens per forward pass: a text's vector is of its first `windowTokens` tokens (special ones included). */
  readonly windowTokens: number;
  embedWithPieces(texts: readonly (readonly string[])[], onProgress?: EmbedProgress, windows?: PieceWindows): Promise<PiecedVectors[]>;
}

const DEFAULTS = {
  batchSize: 16,
  tokensPerPass: 512,
  queryCacheSize: 1_000,
  connectTimeoutMs: 5_000,
  maxWorkers: 4,
  hubUrl: 'https://huggingface.co/',
} as const;

interface Located {
  /** The name recorded in the index manifest. */
  name: string;
  spec: ModelSpec | undefined;
  /** Where the files are (or will be, after the download). */
  folder: string;
  /** What the first worker loads: the folder, or the hub id when it must be downloaded. */
  source: string;
  download: boolean;
  /** The folder is Paperscope's own cache, which may be purged when corrupt. */
  cached: boolean;
  /** The int8 copy is what runs. */
  quantized: boolean;
  /** sentence_bert_config.json's window, where the folder has one. */
  window: number | undefined;
}

/**
 * The name an embedder built from these options records in the index: the model id, or for a model
 * folder the registry id its name matches, else the folder's name. Needs no model files.
 */
export function transformerModelName(options: { model?: string | undefined; modelDir?: string | undefined }): string {
  if (!options.modelDir) return options.model ?? DEFAULT_MODEL_ID;
  const folder = path.resolve(options.modelDir);
  return options.model ?? findModelSpecForFolder(folder)?.id ?? path.basename(folder);
}

/**
 * Resolution order: `modelDir` (no network) → `<cacheDir>/models` → download unless offline. The
 * weights: the int8 copy wherever the model offers one (a folder or cache holding
 * `onnx/model_quantized.onnx`; to download, a registry model: their repositories all ship it) unless
 * float32 is asked for (`quantized: false`); int8 asked for where a folder has only float32 runs
 * float32, with a warning.
 */
async function locate(options: TransformerEmbedderOptions): Promise<Located> {
  const asked = options.quantized;
  const hasInt8 = async (folder: string): Promise<boolean> => (await missingModelFiles(folder, true)).length === 0;
  const variant = async (folder: string): Promise<boolean> => {
    if (asked === false) return false;
    if (await hasInt8(folder)) return true;
    if (asked === undefined) return false;
    if ((await missingModelFiles(folder, false)).length > 0) return true;
    options.onWarning?.(`${folder} holds no ${QUANTIZED_MODEL_FILE}, so the float32 model.onnx is used (about twice the CPU per text).`);
    return false;
  };
  if (options.modelDir) {
    const folder = path.resolve(options.modelDir);
    const name = transformerModelName(options);
    const spec = findModelSpec(name);
    const quantized = await variant(folder);
    const missing = await missingModelFiles(folder, quantized);
    if (missing.length > 0) {
      throw new PaperscopeError(
        'MODEL_UNAVAILABLE',
        `The model folder ${folder} is missing ${missing.join(', ')}. A model folder needs ${modelFiles(quantized).join(', ')}.`,
        { folder, missing },
      );
    }
    return {
      name,
      spec,
      folder,
      source: folder,
      download: false,
      cached: false,
      quantized,
      window: await sentenceTransformersWindow(folder),
    };
  }
  const id = options.model ?? DEFAULT_MODEL_ID;
  const folder = modelCacheFolder(options.cacheDir, id);
  await removeStaleDownloads(folder);
  const complete = async (quantized: boolean) => (await missingModelFiles(folder, quantized)).length === 0;
  // Online, what is cached runs when complete; else the weights asked for are fetched, int8 for a registry model.
  const quantized =
    options.offline || (await complete(true)) || (asked !== true && (await complete(false)))
      ? await variant(folder)
      : (asked ?? findModelSpec(id) !== undefined);
  const missing = await missingModelFiles(folder, quantized);
  const base = { name: id, spec: findModelSpec(id), folder, cached: true, quantized, window: await sentenceTransformersWindow(folder) };
  if (missing.length === 0) return { ...base, source: folder, download: false };
  if (options.offline) {
    throw new PaperscopeError(
      'MODEL_UNAVAILABLE',
      `The model ${id} is not available offline. Looked in: ${folder} (model cache; missing ${missing.join(', ')}); no --model-dir was given; downloading from the Hugging Face Hub is off (offline mode). Pass --model-dir <folder> with the model files, or run once online to download it.`,
      { model: id, lookedIn: [folder], missing },
    );
  }
  return { ...base, source: id, download: true };
}

async function loadFailure(located: Located, hubUrl: string, error: unknown): Promise<PaperscopeError> {
  const cause = (error instanceof Error ? error.message : String(error)).replace(/\.+$/, '');
  // Complete files that fail to load are corrupt; in our own cache they are removed so the next
  // online run fetches them again. A user's --model-dir is never touched.
  if (located.download) await removeStaleDownloads(located.folder, true);
  const purge = located.cached && (await missingModelFiles(located.folder, located.quantized)).length === 0;
  if (purge) await purgeCachedModel(located.folder, located.quantized);
  const message = located.download
    ? `Could not download ${located.name} from ${hubUrl} into ${located.folder}: ${cause}. Check HF_ENDPOINT if it is set, pass --model-dir <folder> with the model files, or retry when online.`
    : `Could not load the model in ${located.folder}: ${cause}.`;
  return new PaperscopeError(
    'MODEL_UNAVAILABLE',
    purge ? `${message} The broken cached copy was removed; it will be downloaded again on the next online run.` : message,
    { model: located.name, folder: located.folder, cause, purged: purge },
    { cause: error },
  );
}

/**
 * A sentence-transformer embedder on transformers.js: mean pooling over the attention mask, L2
 * normalisation, the model's query/document prefixes, texts cut at the model's window, vectors of a
 * text's pieces from the same forward passes, inference in worker threads.
 *
 * @example
 * const embedder = await createTransformerEmbedder({ cacheDir, offline: false });
 * const [vector] = await embedder.embedDocuments(['Noisy rewards in RL for reasoning']);
 */
export async function createTransformerEmbedder(options: TransformerEmbedderOptions): Promise<TransformerEmbedder> {
  const located = await locate(options);
  const cores = os.availableParallelism();
  const size = Math.max(1, Math.min(options.workers ?? cores, DEFAULTS.maxWorkers));
  const batchSize = options.batchSize ?? DEFAULTS.batchSize;
  const first: WorkerSetup = {
    source: located.source,
    localOnly: !located.download,
    cacheDir: path.join(options.cacheDir, 'models'),
    maxTokens: options.maxTokens ?? located.window ?? located.spec?.maxTokens,
    tokensPerPass: options.tokensPerPass ?? DEFAULTS.tokensPerPass,
    threads: Math.max(1, Math.floor(cores / size)),
    connectTimeoutMs: options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
    hubUrl: options.hubUrl ?? DEFAULTS.hubUrl,
    quantized: located.quantized,
  };
  // Once the first worker has the files on disk, the others read them from the folder.
  const rest: WorkerSetup = { ...first, source: located.folder, localOnly: true };
  const onProgress = options.onDownloadProgress ?? (() => {});

  let started: Awaited<ReturnType<typeof WorkerPool.start>>;
  try {
    started = await WorkerPool.start(first, rest, size, onProgress);
  } catch (error) {
    throw await loadFailure(located, first.hubUrl, error);
  }
  const { pool, ready } = started;
  if (located.spec && located.spec.dimension !== ready.dimension) {
    await pool.close();
    throw new PaperscopeError(
      'MODEL_UNAVAILABLE',
      `The model in ${located.folder} gives ${ready.dimension}-dimensional vectors, but ${located.spec.id} has ${located.spec.dimension}: the folder holds a different model.`,
      { model: located.name, folder: located.folder },
    );
  }

  const info: EmbedderInfo = {
    kind: 'transformer',
    model: located.name,
    dimension: ready.dimension,
    ...(located.quantized ? { quantized: true as const } : {}),
  };
  const queryPrefix = options.prefixes?.query ?? located.spec?.queryPrefix ?? '';
  const documentPrefix = options.prefixes?.document ?? located.spec?.documentPrefix ?? '';
  const queryCache = new LRUCache<string, Float32Array>({ max: options.queryCacheSize ?? DEFAULTS.queryCacheSize });

  const run = async (texts: string[][], prefix: string, pieces: PieceWindows | 'none'): Promise<Float32Array[]> => {
    try {
      return await pool.run(texts, prefix, pieces);
    } catch (error) {
      const cause = error instanceof Error ? error.message : String(error);
      throw new PaperscopeError('INTERNAL', `Embedding with ${info.model} failed: ${cause}`, { model: info.model }, { cause: error });
    }
  };

  /** Jobs of texts of similar length (characters stand in for tokens), so their forward passes pad little. */
  const inJobs = async (
    texts: readonly (readonly string[])[],
    pieces: PieceWindows | 'none',
    onProgress: EmbedProgress | undefined,
  ): Promise<Float32Array[]> => {
    let done = 0;
    const batches = lengthSortedBatches(
      texts.map((text) => text.reduce((sum, piece) => sum + piece.length, 0)),
      batchSize,
    );
    const vectors: Float32Array[] = new Array(texts.length);
    await Promise.all(
      batches.map(async (batch) => {
        const embedded = await run(
          batch.map((index) => texts[index] as string[]),
          documentPrefix,
          pieces,
        );
        batch.forEach((index, row) => {
          vectors[index] = embedded[row] as Float32Array;
        });
        done += batch.length;
        onProgress?.(done, texts.length);
      }),
    );
    return vectors;
  };

  return {
    info,
    windowTokens: ready.windowTokens,
    async fit() {},
    state: () => null,
    embedDocuments: (texts: readonly string[], onProgress?: EmbedProgress): Promise<Float32Array[]> =>
      inJobs(
        texts.map((text) => [text]),
        'none',
        onProgress,
      ),
    async embedWithPieces(
      texts: readonly (readonly string[])[],
      onProgress?: EmbedProgress,
      windows: PieceWindows = 'all',
    ): Promise<PiecedVectors[]> {
      const vectors = await inJobs(texts, windows, onProgress);
      const dimension = info.dimension;
      return vectors.map((vector) => ({ text: vector.slice(0, dimension), pieces: vector.subarray(dimension) }));
    },
    /** Repeated queries return the same (cached) vector instance; treat it as read-only. */
    async embedQuery(text: string): Promise<Float32Array> {
      const cached = queryCache.get(text);
      if (cached) return cached;
      const [vector] = await run([[text]], queryPrefix, 'none');
      if (!vector) throw new PaperscopeError('INTERNAL', `The inference worker returned no vector for the query`);
      queryCache.set(text, vector);
      return vector;
    },
    close: () => pool.close(),
  };
}
