import { readdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { PaperscopeError } from '../../../core/errors.js';
import { isProcessAlive } from '../../../core/process.js';

/** What transformers.js reads for a BERT-style feature extractor at dtype fp32. */
export const MODEL_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx'] as const;

/** The int8 copy model repositories offer beside `onnx/model.onnx` (transformers.js dtype q8). */
export const QUANTIZED_MODEL_FILE = 'onnx/model_quantized.onnx';

/** The files a model folder needs for the float32 or the int8 weights. */
export function modelFiles(quantized: boolean): readonly string[] {
  return quantized ? [...MODEL_FILES.slice(0, -1), QUANTIZED_MODEL_FILE] : MODEL_FILES;
}

/** Where transformers.js' file cache keeps `id` when `env.cacheDir` is `<cacheDir>/models`. */
export function modelCacheFolder(cacheDir: string, id: string): string {
  return path.join(cacheDir, 'models', ...id.split('/'));
}

/** The model files absent (or empty) in `folder`. */
export async function missingModelFiles(folder: string, quantized = false): Promise<string[]> {
  const files = modelFiles(quantized);
  const present = await Promise.all(
    files.map((file) =>
      stat(path.join(folder, file)).then(
        (info) => info.isFile() && info.size > 0,
        () => false,
      ),
    ),
  );
  return files.filter((_, i) => !present[i]);
}

/**
 * transformers.js v4 downloads into `<file>.tmp.<pid>.<random>` and renames on completion, so an
 * interrupted download never leaves a partial file under a name that is later loaded. A killed
 * process does leave the temp file behind, though; this removes such leftovers, and after a failed
 * download of our own (`afterOwnFailure`) the temp files this process left too.
 */
export async function removeStaleDownloads(folder: string, afterOwnFailure = false): Promise<void> {
  const entries = await readdir(folder, { recursive: true }).catch(() => [] as string[]);
  const stale = entries.filter((entry) => {
    const pid = /\.tmp\.(\d+)\.[a-z0-9]+$/.exec(entry)?.[1];
    if (pid === undefined) return false;
    return (afterOwnFailure && Number(pid) === process.pid) || !isProcessAlive(Number(pid));
  });
  await Promise.all(stale.map((entry) => rm(path.join(folder, entry), { force: true })));
}

/** Deletes a cached model whose files are complete but do not load, so the next online run fetches it again. */
export async function purgeCachedModel(folder: string, quantized: boolean): Promise<void> {
  await Promise.all(modelFiles(quantized).map((file) => rm(path.join(folder, file), { force: true })));
}

/** Where sentence-transformers records the window a model folder's model is used at. */
export const SENTENCE_TRANSFORMERS_CONFIG = 'sentence_bert_config.json';

const SentenceTransformersConfig = z.looseObject({ max_seq_length: z.number().int().positive().optional() });

/**
 * The model's own window as sentence-transformers cuts texts (`max_seq_length` of
 * sentence_bert_config.json: 256 for all-MiniLM-L6-v2, which was fine-tuned on 128-token inputs),
 * when the folder has that file.
 */
export async function sentenceTransformersWindow(folder: string): Promise<number | undefined> {
  const file = path.join(folder, SENTENCE_TRANSFORMERS_CONFIG);
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (text === undefined) return undefined;
  let parsed: z.infer<typeof SentenceTransformersConfig>;
  try {
    parsed = SentenceTransformersConfig.parse(JSON.parse(text));
  } catch (error) {
    throw new PaperscopeError(
      'MODEL_UNAVAILABLE',
      `${file} is not a valid sentence-transformers config: max_seq_length must be a positive whole number.`,
      { file, field: 'max_seq_length' },
      { cause: error },
    );
  }
  return parsed.max_seq_length;
}
