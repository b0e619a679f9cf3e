import path from 'node:path';

/**
 * Transformer models Paperscope knows how to use well. Adding a model is one entry here; ids not
 * listed still work, with the dimension read from the model's output and no prefixes.
 */
export interface ModelSpec {
  readonly id: string;
  readonly dimension: number;
  /** Tokens per forward pass (including special tokens): a longer text's vector is of its first this many. */
  readonly maxTokens: number;
  /** Prepended to queries, as the model was trained (asymmetric retrieval models). */
  readonly queryPrefix: string;
  /** Prepended to documents. */
  readonly documentPrefix: string;
}

export const DEFAULT_MODEL_ID = 'Xenova/all-MiniLM-L6-v2';

const spec = (s: ModelSpec): ModelSpec => Object.freeze(s);

export const MODEL_REGISTRY: Readonly<Record<string, ModelSpec>> = Object.freeze({
  'Xenova/all-MiniLM-L6-v2': spec({
    id: 'Xenova/all-MiniLM-L6-v2',
    dimension: 384,
    // The tokenizer says 512, but the model was trained on 256-token inputs.
    maxTokens: 256,
    queryPrefix: '',
    documentPrefix: '',
  }),
  'Xenova/bge-small-en-v1.5': spec({
    id: 'Xenova/bge-small-en-v1.5',
    dimension: 384,
    maxTokens: 512,
    queryPrefix: 'Represent this sentence for searching relevant passages: ',
    documentPrefix: '',
  }),
  'Xenova/e5-small-v2': spec({
    id: 'Xenova/e5-small-v2',
    dimension: 384,
    maxTokens: 512,
    queryPrefix: 'query: ',
    documentPrefix: 'passage: ',
  }),
  'nomic-ai/nomic-embed-text-v1.5': spec({
    id: 'nomic-ai/nomic-embed-text-v1.5',
    dimension: 768,
    maxTokens: 8192,
    queryPrefix: 'search_query: ',
    documentPrefix: 'search_document: ',
  }),
});

/** The registry entry for `id`, or undefined for a model Paperscope has no notes on. */
export function findModelSpec(id: string): ModelSpec | undefined {
  return Object.hasOwn(MODEL_REGISTRY, id) ? MODEL_REGISTRY[id] : undefined;
}

/**
 * The registry entry a local model folder holds, judged by its name: ".../Xenova/bge-small-en-v1.5"
 * or "bge-small-en-v1.5". Lets `--model-dir` keep the model's prefixes and window size.
 */
export function findModelSpecForFolder(folder: string): ModelSpec | undefined {
  const base = path.basename(folder);
  const parent = path.basename(path.dirname(folder));
  return findModelSpec(`${parent}/${base}`) ?? Object.values(MODEL_REGISTRY).find((s) => s.id.split('/').at(-1) === base);
}
