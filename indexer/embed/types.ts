import { z } from 'zod';

/** Which embedder produced an index; recorded in the manifest so queries use the same one. */
export const embedderInfoSchema = z.object({
  kind: z.enum(['transformer', 'word-vectors']),
  model: z.string(),
  dimension: z.number().int().positive(),
});
export type EmbedderInfo = z.infer<typeof embedderInfoSchema>;

export type EmbedderChoice = 'auto' | 'transformer' | 'word-vectors';

export interface EmbedProgress {
  (done: number, total: number): void;
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
  onWarning?: (message: string) => void;
  onDownloadProgress?: (file: string, loadedBytes: number, totalBytes: number) => void;
}
