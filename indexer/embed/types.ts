import { z } from 'zod';

/** Which embedder produced an index; recorded in the manifest so queries use the same one. */
export const embedderInfoSchema = z.object({
  kind: z.enum(['transformer', 'word-vectors']),
  model: z.string(),
  dimension: z.number().int().positive(),
  /** The model's int8 copy (`onnx/model_quantized.onnx`) made the vectors; absent for float32. */
  quantized: z.literal(true).optional(),
});
export type EmbedderInfo = z.infer<typeof embedderInfoSchema>;

/** Whether vectors of `a` and `b` live in the same space: same kind, model, dimension and weights. */
export function sameEmbedder(a: EmbedderInfo, b: EmbedderInfo): boolean {
  return a.kind === b.kind && a.model === b.model && a.dimension === b.dimension && Boolean(a.quantized) === Boolean(b.quantized);
}

/** "Xenova/all-MiniLM-L6-v2", or "Xenova/all-MiniLM-L6-v2 (int8)" for its quantized copy. */
export function embedderModelLabel(info: EmbedderInfo): string {
  return info.quantized ? `${info.model} (int8)` : info.model;
}

export type EmbedderChoice = 'auto' | 'transformer' | 'word-vectors';

export type EmbedProgress = (done: number, total: number) => void;

/**
 * Which of a text's windows `embedWithPieces` runs: `all` of them; the `first` (the text's vector, and
 * the pieces wholly inside it: free with the text's own pass); or the `rest` (the pieces after the
 * cut, packed into windows of their own). `first` then `rest` give what `all` gives, in two steps.
 */
export type PieceWindows = 'all' | 'first' | 'rest';

/** A text's vector, and one per piece of it (`pieces.length / dimension` rows, row-major). */
export interface PiecedVectors {
  text: Float32Array;
  pieces: Float32Array;
}

/**
 * The embedding contract. Vectors are unit-length Float32Arrays of `info.dimension`.
 * `state()` returns corpus-fitted parameters (JSON) that are stored with the index and passed
 * back when the index is queried, so query vectors live in the same space as documents.
 */
export interface Embedder {
  readonly info: EmbedderInfo;
  /** Fits corpus-dependent parameters on the documents about to be indexed. */
  fit(documents: readonly string[]): Promise<void>;
  state(): unknown;
  embedDocuments(texts: readonly string[], onProgress?: EmbedProgress): Promise<Float32Array[]>;
  embedQuery(text: string): Promise<Float32Array>;
  /**
   * Each text given as its consecutive pieces (joined, they are the text): the text's vector as
   * `embedDocuments` gives it and, from the same forward passes, a vector per piece: its tokens'
   * outputs mean-pooled in the text's context ("late chunking"). Only the transformer has this; it
   * gives Ask its sentence vectors without a second pass over every abstract. With `windows` not
   * `all`, what the windows not run would give is NaN: `first` leaves the pieces after the cut, `rest`
   * the text's vector and the pieces inside the first window.
   */
  embedWithPieces?(texts: readonly (readonly string[])[], onProgress?: EmbedProgress, windows?: PieceWindows): Promise<PiecedVectors[]>;
  /**
   * Each text given as its consecutive pieces: the text's vector as `embedDocuments` gives it and each
   * piece's as `embedDocuments` gives the piece alone (less its trailing whitespace), in one pass over
   * the text. The word vectors have this: a piece's average does not depend on its context.
   */
  embedPiecesAlone?(texts: readonly (readonly string[])[], onProgress?: EmbedProgress): Promise<PiecedVectors[]>;
  /**
   * Cosine similarity of `word` to each of `others` by the embedder's own word vectors, undefined
   * where either word has none; only embedders built on word vectors have this (search uses it to
   * weigh a query word's variants in the corpus, "noisy" for "noise").
   */
  wordSimilarities?(word: string, others: readonly string[]): Array<number | undefined>;
  /**
   * What makes this embedder again on another thread, giving the same vectors (`embedderCopy`): the
   * word vectors' cache and fitted state. Absent where a copy would not pay: the transformer's
   * runtime already uses every core.
   */
  copySpec?(): EmbedderCopySpec;
  close(): Promise<void>;
}

/** An embedder as a worker thread makes it again (`Embedder.copySpec`); structured-clonable. */
export interface EmbedderCopySpec {
  kind: 'word-vectors';
  cacheDir: string;
  state: unknown;
}

export interface EmbedderOptions {
  choice: EmbedderChoice;
  /** Transformer model id, e.g. "Xenova/all-MiniLM-L6-v2". */
  model?: string;
  /** A local model folder; no network is used when given. */
  modelDir?: string;
  cacheDir: string;
  offline: boolean;
  /** Fitted parameters from an existing index's manifest. */
  state?: unknown;
  /**
   * The transformer's weights: true for its int8 copy (`onnx/model_quantized.onnx`, about twice as
   * fast on a CPU), false for float32. Undefined: for a new index the int8 copy where the model
   * offers one, else float32; for an existing one, as it was built.
   */
  quantized?: boolean;
  /** Model hub or mirror the transformer downloads from (default https://huggingface.co/). */
  hubUrl?: string;
  onWarning?: (message: string) => void;
  /** Bytes of each model file as the transformer downloads it (first use only). */
  onDownloadProgress?: (file: string, loadedBytes: number, totalBytes: number) => void;
  /** Slow one-time setup, e.g. the word vectors' first conversion into their binary cache. */
  onProgress?: (message: string) => void;
}
