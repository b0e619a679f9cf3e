/** Messages between the embedder (main thread) and its inference workers. */
import type { PieceWindows } from '../types.js';

export interface WorkerSetup {
  /** A local model folder, or a hub model id to download into `cacheDir`. */
  source: string;
  /** True for a folder: no network at all. */
  localOnly: boolean;
  /** transformers.js file cache (`<cacheDir>/models`). */
  cacheDir: string;
  /** The window asked for, sentence-transformers' or the registry's; the tokenizer and config may lower it. */
  maxTokens: number | undefined;
  /** Padded tokens per forward pass (rows × the longest row; one row at least). */
  tokensPerPass: number;
  /** ONNX Runtime intra-op threads for this worker. */
  threads: number;
  /** How long to wait for the hub to answer a request before giving up. */
  connectTimeoutMs: number;
  /** Base URL of the model hub (transformers.js `env.remoteHost`). */
  hubUrl: string;
  /** Load `onnx/model_quantized.onnx` (int8 weights) instead of `onnx/model.onnx`. */
  quantized: boolean;
}

export interface EmbedRequest {
  type: 'embed';
  id: number;
  /** Each text as its consecutive pieces (one piece: the whole text). */
  texts: string[][];
  prefix: string;
  /** Which vectors of a text's pieces to make, from the same forward passes (`PieceWindows`); none: the text's alone. */
  pieces: PieceWindows | 'none';
}

/** Asks the worker to finish what it is running, release the model and end itself. */
export interface StopRequest {
  type: 'stop';
}

export type WorkerRequest = EmbedRequest | StopRequest;

export type WorkerMessage =
  | { type: 'ready'; dimension: number; windowTokens: number }
  | { type: 'progress'; file: string; loaded: number; total: number }
  | { type: 'failed'; message: string }
  /** Per text: its vector, then with `pieces` one per piece (NaN where that part's windows were not run). */
  | { type: 'result'; id: number; vectors: Float32Array[] }
  | { type: 'error'; id: number; message: string };
