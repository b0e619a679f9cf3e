import { PaperscopeError } from '../../core/errors.js';
import { DEFAULT_MODEL_ID } from './registry.js';
import { createTransformerEmbedder, transformerModelName } from './transformer/index.js';
import {
  type Embedder,
  type EmbedderCopySpec,
  type EmbedderInfo,
  type EmbedderOptions,
  embedderModelLabel,
  sameEmbedder,
} from './types.js';
import { createWordVectorEmbedder } from './word-vectors/index.js';

export * from './types.js';
export { DEFAULT_MODEL_ID, MODEL_REGISTRY, type ModelSpec, findModelSpec } from './registry.js';
export { createTransformerEmbedder, type TransformerEmbedder, type TransformerEmbedderOptions } from './transformer/index.js';
export { createWordVectorEmbedder } from './word-vectors/index.js';

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));

function transformerFrom(options: Omit<EmbedderOptions, 'choice' | 'state'>) {
  return createTransformerEmbedder({
    model: options.model,
    modelDir: options.modelDir,
    cacheDir: options.cacheDir,
    offline: options.offline,
    hubUrl: options.hubUrl,
    quantized: options.quantized,
    onWarning: options.onWarning,
    onDownloadProgress: options.onDownloadProgress,
  });
}

function wordVectorsFrom(options: Pick<EmbedderOptions, 'cacheDir' | 'onProgress'>, state: unknown) {
  return createWordVectorEmbedder({ cacheDir: options.cacheDir, state, onProgress: options.onProgress });
}

/** The embedder `spec` describes (`Embedder.copySpec`), made on this thread: it gives the same vectors as the original. */
export function embedderCopy(spec: EmbedderCopySpec): Promise<Embedder> {
  return wordVectorsFrom(spec, spec.state);
}

/**
 * The embedder for a new index. `auto` prefers the default transformer (from the cache, or a download
 * when online) and falls back to word vectors with a warning. A model or folder named explicitly
 * (`model`, `modelDir`) is a choice, not a preference: like `transformer`, it never falls back.
 *
 * @example
 * const embedder = await createEmbedder({ choice: 'auto', cacheDir, offline, onWarning: console.warn });
 */
export async function createEmbedder(options: EmbedderOptions): Promise<Embedder> {
  const explicit = options.model !== undefined || options.modelDir !== undefined;
  switch (options.choice) {
    case 'word-vectors':
      return wordVectorsFrom(options, options.state);
    case 'transformer':
      return transformerFrom(options);
    case 'auto':
      if (explicit) return transformerFrom(options);
      try {
        return await transformerFrom(options);
      } catch (error) {
        options.onWarning?.(
          `The transformer model ${DEFAULT_MODEL_ID} is unavailable, so word vectors are used instead (lower quality). ` +
            `Cause: ${describe(error)}`,
        );
        return wordVectorsFrom(options, options.state);
      }
  }
}

/**
 * Recreates exactly the embedder an index was built with (same kind, model, dimension and weights:
 * float32 or int8), so queries live in the index's vector space. Never substitutes another embedder;
 * `options.quantized`, when given, must be what the index was built with.
 *
 * @example
 * const embedder = await embedderForIndex(manifest.embedder, manifest.embedderState, { cacheDir, offline });
 */
export async function embedderForIndex(
  info: EmbedderInfo,
  state: unknown,
  options: Omit<EmbedderOptions, 'choice' | 'state'>,
): Promise<Embedder> {
  const requested = { ...options, model: options.model ?? (options.modelDir ? undefined : info.model) };
  // Checked before loading anything, so a wrong --model-dir fails at once and never loads a big model.
  if (info.kind === 'transformer' && transformerModelName(requested) !== info.model) {
    throw new PaperscopeError(
      'INDEX_MISMATCH',
      `The index was built with ${info.model}, but the model given is ${transformerModelName(requested)}. ` +
        (options.modelDir
          ? `Point --model-dir at the ${info.model} model, or rebuild the index.`
          : 'Use the same model, or rebuild the index.'),
      { built: info, requested: transformerModelName(requested) },
    );
  }
  const built = Boolean(info.quantized);
  if (info.kind === 'transformer' && options.quantized !== undefined && options.quantized !== built) {
    throw new PaperscopeError(
      'INDEX_MISMATCH',
      `The index was built with ${info.model}'s ${built ? 'int8 (quantized)' : 'float32'} weights, but --precision ${options.quantized ? 'int8' : 'fp32'} was asked for: query vectors would not match the stored ones. ` +
        `Drop the option (the index says which to use), or re-index with --reembed.`,
      { built: info, quantized: options.quantized },
    );
  }
  const embedder =
    info.kind === 'word-vectors' ? await wordVectorsFrom(options, state) : await transformerFrom({ ...requested, quantized: built });
  const actual = embedder.info;
  if (!sameEmbedder(actual, info)) {
    await embedder.close();
    throw new PaperscopeError(
      'INDEX_MISMATCH',
      `The index was built with ${info.kind} ${embedderModelLabel(info)} (${info.dimension} dimensions), but the available embedder is ${actual.kind} ${embedderModelLabel(actual)} (${actual.dimension} dimensions). Rebuild the index.`,
      { built: info, available: actual },
    );
  }
  return embedder;
}
