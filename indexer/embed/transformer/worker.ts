/**
 * Inference worker: loads the tokenizer and ONNX model once, then turns batches of texts into unit
 * vectors (tokenize → cut at the model's window → forward pass → mean pooling), and on request a
 * vector per piece of each text from the same passes. Runs off the main thread so the HTTP server
 * stays responsive while a corpus is indexed.
 */
import { parentPort, workerData } from 'node:worker_threads';
import {
  AutoModel,
  AutoTokenizer,
  LogLevel,
  type PreTrainedModel,
  type PreTrainedTokenizer,
  type ProgressInfo,
  Tensor,
  env,
} from '@huggingface/transformers';
import type { PieceWindows } from '../types.js';
import type { WorkerMessage, WorkerRequest, WorkerSetup } from './protocol.js';
import { findSpecialTokens, meanPoolInto, planPieces, type SpecialTokens, tokenBudgetBatches } from './windows.js';

const FALLBACK_WINDOW_TOKENS = 512;

const port = parentPort;
if (!port) throw new Error('worker.ts must run in a worker thread');
const setup = workerData as WorkerSetup;
const post = (message: WorkerMessage, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);

interface Loaded {
  tokenizer: PreTrainedTokenizer;
  model: PreTrainedModel;
  special: SpecialTokens;
  windowTokens: number;
  inputNames: readonly string[];
  padId: number;
  /** Of the output vectors, read from a first forward pass. */
  dimension: number;
}

/**
 * What the hub answered, newest last: transformers.js reports a 404 or an HTML page as "reading
 * 'tokenizer_class'" or a JSON syntax error, so a failed load names the request behind it.
 */
const answers: Array<{ url: string; status: number; statusText: string }> = [];

/** Fails a request that gets no response headers in time, instead of hanging on an unreachable hub. */
function fetchWithConnectTimeout(timeoutMs: number): typeof env.fetch {
  return async (input, init) => {
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new Error(`no response from ${String(input)} within ${timeoutMs / 1000} s`)),
      timeoutMs,
    );
    try {
      const response = await fetch(input, { ...init, signal: controller.signal });
      answers.push({ url: String(input), status: response.status, statusText: response.statusText });
      return response;
    } finally {
      // Only the wait for headers is bounded; a slow but progressing body download may take minutes.
      clearTimeout(timer);
    }
  };
}

function finite(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined;
}

async function load(): Promise<Loaded> {
  env.logLevel = LogLevel.ERROR;
  env.cacheDir = setup.cacheDir;
  // A folder is read from disk only; a hub id goes through the cache and, when missing, the hub.
  env.allowLocalModels = setup.localOnly;
  env.allowRemoteModels = !setup.localOnly;
  env.remoteHost = setup.hubUrl;
  env.fetch = fetchWithConnectTimeout(setup.connectTimeoutMs);

  // transformers.js reports reading a local file as progress too; only a download is told ("Downloaded …").
  const progress_callback = (info: ProgressInfo): void => {
    if (info.status === 'progress' && !setup.localOnly) post({ type: 'progress', file: info.file, loaded: info.loaded, total: info.total });
  };
  const common = { local_files_only: setup.localOnly, progress_callback };
  const tokenizer = await AutoTokenizer.from_pretrained(setup.source, common);
  const model = await AutoModel.from_pretrained(setup.source, {
    ...common,
    dtype: setup.quantized ? 'q8' : 'fp32',
    device: 'cpu',
    session_options: { intraOpNumThreads: setup.threads, interOpNumThreads: 1 },
  });

  const probe = 'a';
  const special = findSpecialTokens(tokenizer.encode(probe), tokenizer.encode(probe, { add_special_tokens: false }));
  const limits = [setup.maxTokens, finite(tokenizer.model_max_length), finite(model.config.max_position_embeddings)];
  const known = limits.filter((limit): limit is number => limit !== undefined);
  // An encoder-only model has one ONNX session, "model"; its inputs decide whether token_type_ids is passed.
  const session = model.sessions.model as { inputNames?: string[] } | undefined;
  const loaded = {
    tokenizer,
    model,
    special,
    windowTokens: known.length > 0 ? Math.min(...known) : FALLBACK_WINDOW_TOKENS,
    inputNames: session?.inputNames ?? ['input_ids', 'attention_mask'],
    padId: tokenizer.pad_token_id ?? 0,
  };
  // A real forward pass proves the model file is sound and tells the output dimension.
  const first = await run(loaded, [[...special.head, ...special.tail]]);
  return { ...loaded, dimension: first.shape.dimension };
}

/** A vector to pool from a window's output, and where it goes. */
interface Pool {
  start: number;
  end: number;
  out: Float32Array;
  at: number;
}

/** One forward pass over windows right-padded to the longest. */
async function run(
  loaded: Omit<Loaded, 'dimension'>,
  windows: readonly number[][],
): Promise<{ data: Float32Array; shape: { sequence: number; dimension: number } }> {
  const batch = windows.length;
  const sequence = Math.max(...windows.map((w) => w.length));
  const ids = new BigInt64Array(batch * sequence).fill(BigInt(loaded.padId));
  const mask = new BigInt64Array(batch * sequence);
  windows.forEach((window, row) => {
    window.forEach((id, t) => {
      ids[row * sequence + t] = BigInt(id);
      mask[row * sequence + t] = 1n;
    });
  });
  const dims = [batch, sequence];
  const available: Record<string, Tensor> = {
    input_ids: new Tensor('int64', ids, dims),
    attention_mask: new Tensor('int64', mask, dims),
    token_type_ids: new Tensor('int64', new BigInt64Array(batch * sequence), dims),
  };
  const inputs = Object.fromEntries(loaded.inputNames.flatMap((name) => (available[name] ? [[name, available[name]]] : [])));
  const output = (await loaded.model(inputs)) as Record<string, Tensor>;
  const hidden = output.last_hidden_state ?? Object.values(output)[0];
  if (hidden?.dims.length !== 3) throw new Error('The model has no [batch, sequence, hidden] output');
  return { data: hidden.data as Float32Array, shape: { sequence, dimension: hidden.dims[2] ?? 0 } };
}

/**
 * Per text (given as its pieces), one Float32Array: the text's vector, then unless `pieces` is
 * `none` one vector per piece (zeros for a piece without tokens). Only the windows `pieces` names
 * run; the vectors the others would give are NaN.
 */
async function embed(
  loaded: Loaded,
  texts: readonly (readonly string[])[],
  prefix: string,
  pieces: PieceWindows | 'none',
): Promise<Float32Array[]> {
  const prefixIds = prefix ? loaded.tokenizer.encode(prefix, { add_special_tokens: false }) : [];
  const runs = (window: number): boolean => (pieces === 'first' ? window === 0 : pieces === 'rest' ? window > 0 : true);
  const windows: number[][] = [];
  const pools: Pool[][] = [];
  const outputs = texts.map((text) => {
    const encoded = text.map((piece) => (piece ? loaded.tokenizer.encode(piece, { add_special_tokens: false }) : []));
    const plan = planPieces(encoded, prefixIds, loaded.special, loaded.windowTokens, pieces !== 'none');
    const { dimension } = loaded;
    const out = new Float32Array(dimension * (pieces === 'none' ? 1 : 1 + text.length));
    const planned = plan.windows.map((window, index) => {
      if (!runs(index)) return undefined;
      windows.push(window);
      pools.push([]);
      return pools.length - 1;
    });
    const poolInto = (window: number, span: { start: number; end: number }, at: number): void => {
      const slot = planned[window];
      if (slot === undefined) out.fill(Number.NaN, at, at + dimension);
      else pools[slot]?.push({ ...span, out, at });
    };
    poolInto(0, { start: 0, end: plan.windows[0]?.length ?? 0 }, 0);
    plan.spans.forEach((span, piece) => {
      if (span) poolInto(span.window, span, (1 + piece) * dimension);
    });
    return out;
  });
  for (const batch of tokenBudgetBatches(
    windows.map((window) => window.length),
    setup.tokensPerPass,
  )) {
    const { data, shape } = await run(
      loaded,
      batch.map((index) => windows[index] as number[]),
    );
    batch.forEach((index, row) => {
      for (const pool of pools[index] ?? []) meanPoolInto(data, shape, row, pool, pool.out, pool.at);
    });
  }
  return outputs;
}

/** The message with its causes: "fetch failed (getaddrinfo ENOTFOUND huggingface.co)". */
function message(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.cause === undefined ? error.message : `${error.message} (${message(error.cause)})`;
}

try {
  const loaded = await load();
  post({ type: 'ready', dimension: loaded.dimension, windowTokens: loaded.windowTokens });
  const running = new Set<Promise<void>>();
  port.on('message', (request: WorkerRequest) => {
    if (request.type === 'stop') {
      // The thread ends itself only once ONNX Runtime is idle: ended while a session load or run is
      // in flight (worker.terminate()), it aborts the whole process ("terminate called after
      // throwing an instance of 'Napi::Error'"). A stop sent while loading waits in the port's queue.
      void Promise.allSettled(running)
        .then(() => loaded.model.dispose())
        .finally(() => process.exit(0));
      return;
    }
    const job = embed(loaded, request.texts, request.prefix, request.pieces).then(
      (vectors) =>
        post(
          { type: 'result', id: request.id, vectors },
          vectors.map((v) => v.buffer as ArrayBuffer),
        ),
      (error: unknown) => post({ type: 'error', id: request.id, message: message(error) }),
    );
    running.add(job);
    void job.finally(() => running.delete(job));
  });
} catch (error) {
  post({ type: 'failed', message: withHubAnswer(message(error)) });
}

/** The download behind a load failure: the first refused request (whose error says nothing), else the last one made. */
function withHubAnswer(cause: string): string {
  const refused = answers.find((answer) => answer.status >= 400);
  if (refused) return `${refused.url} answered ${refused.status} ${refused.statusText}`.trimEnd();
  const last = answers.at(-1);
  return last ? `${cause}, in what ${last.url} sent` : cause;
}
