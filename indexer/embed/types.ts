import { z } from 'zod';

/** Which embedder produced an index; recorded in the manifest so queries use the same one. */
export const embedderInfoSchema = z.object({
  kind: z.enum(['transformer', 'word-vectors']),
  model: z.string(),
  dimension: z.number().int().positive(),
});
export type EmbedderInfo = z.infer<typeof embedderInfoSchema>;

export type EmbedderChoice = 'auto' | 'transformer' | 'word-vectors';

export type EmbedProgress = (done: number, total: number) => void;

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
   * Cosine similarity of `word` to each of `others` by the embedder's own word vectors, undefined
   * where either word has none; only embedders built on word vectors have this (search uses it to
   * weigh a query word's variants in the corpus, "noisy" for "noise").
   */
  wordSimilarities?(word: string, others: readonly string[]): Array<number | undefined>;
  close(): Promise<void>;
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
  /** Model hub or mirror the transformer downloads from (default https://huggingface.co/). */
  hubUrl?: string;
  onWarning?: (message: string) => void;
  /** Bytes of each model file as the transformer downloads it (first use only). */
  onDownloadProgress?: (file: string, loadedBytes: number, totalBytes: number) => void;
  /** Slow one-time setup, e.g. the word vectors' first conversion into their binary cache. */
  onProgress?: (message: string) => void;
}
