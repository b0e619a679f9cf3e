/**
 * Writes a tiny BERT-shaped model folder laid out the way transformers.js loads a local model:
 * config.json, tokenizer.json (HF tokenizers WordPiece format), tokenizer_config.json and
 * onnx/model.onnx. The graph is embeddings + a masked context mean + MatMul + Tanh, so outputs depend
 * on the tokens, their positions and the rest of the sequence, like a real encoder. Weights come from
 * a seeded generator: the same bytes on every run.
 *
 * Usage: npx tsx scripts/make-tiny-model.ts <outDir>
 */
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import onnxProto from 'onnx-proto';
import { createRandom } from '../core/random.js';

const { onnx } = onnxProto;

export const TINY_HIDDEN_SIZE = 32;
/** Small on purpose, so that a paragraph already needs several windows. */
export const TINY_MAX_TOKENS = 64;

const SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;

// Whole words first (so common words stay one token), then single characters and their "##"
// continuations, so that every lower-case ASCII word can be spelled and [UNK] stays rare.
const WORDS = `the of and to in a is that for on with as by are this we be from at an it or which
our not have has can their these its more than also such but into both between each other when while
only all using used use based new two one three first most large small high low over under however
model models language learning training data dataset datasets task tasks method methods approach paper
results result performance benchmark benchmarks evaluation accuracy reward rewards noise noisy robust
robustness reasoning reinforcement policy agent agents image images video text vision visual generation
generative diffusion transformer transformers attention network networks neural deep layer layers token
tokens sequence sequences embedding embeddings representation representations feature features search
retrieval query queries document documents knowledge graph graphs question questions answer answers
math problem problems solution solutions code program programs function functions loss optimization
gradient gradients parameter parameters scale scaling efficient efficiency inference compute memory
speed fast slow time step steps process sequence signal signals quality human humans preference
preferences alignment safety bias fairness multilingual english translation speech audio sound music
robot robots control planning world simulation environment environments medical clinical biology
protein chemistry physics science scientific research study studies experiment experiments analysis
theory theoretical empirical show shows propose proposed present introduce demonstrate achieve achieves
improve improves outperform outperforms state art existing prior recent work works framework system
systems tool tools user users interaction dialogue chat instruction instructions prompt prompts
context long short window memory retrieval-augmented fine tuning pretraining pre trained supervised
unsupervised self contrastive classification regression detection segmentation recognition
prediction predictions sample samples distribution distributions probability label labels annotation
synthetic real world open source available release`;

const CHARACTERS = 'abcdefghijklmnopqrstuvwxyz0123456789';
const PUNCTUATION = '.,;:!?()[]{}\'"-_/%&*+=<>@#$^~`|\\';

export function tinyVocabulary(): string[] {
  const vocab: string[] = [...SPECIAL_TOKENS];
  const seen = new Set<string>(vocab);
  const add = (token: string): void => {
    if (!seen.has(token)) {
      seen.add(token);
      vocab.push(token);
    }
  };
  for (const word of WORDS.split(/\s+/)) if (word && !word.includes('-')) add(word);
  for (const c of CHARACTERS) add(c);
  for (const c of CHARACTERS) add(`##${c}`);
  for (const c of PUNCTUATION) add(c);
  return vocab;
}

function randomFloats(count: number, scale: number, next: () => number): Float32Array {
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) values[i] = (next() * 2 - 1) * scale;
  return values;
}

function floatTensor(name: string, dims: number[], values: Float32Array): onnxProto.onnx.ITensorProto {
  return {
    name,
    dims,
    dataType: onnx.TensorProto.DataType.FLOAT,
    rawData: new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
  };
}

/** `dims` [] makes a scalar (Range, Gather index); [n] a 1-D tensor (axes of Unsqueeze/ReduceSum). */
function int64Tensor(name: string, dims: number[], values: number[]): onnxProto.onnx.ITensorProto {
  const data = new BigInt64Array(values.map((v) => BigInt(v)));
  return {
    name,
    dims,
    dataType: onnx.TensorProto.DataType.INT64,
    rawData: new Uint8Array(data.buffer),
  };
}

function tensorValue(name: string, elemType: number, dims: string[]): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (/^\d+$/.test(d) ? { dimValue: Number(d) } : { dimParam: d })) } } },
  };
}

function node(
  opType: string,
  input: string[],
  output: string[],
  attribute: onnxProto.onnx.IAttributeProto[] = [],
): onnxProto.onnx.INodeProto {
  return { opType, input, output, name: output[0], attribute };
}

/** A BERT-like graph as ONNX bytes: the inputs transformers.js feeds, `last_hidden_state` out. */
function encodeModel(
  name: string,
  opset: number,
  nodes: onnxProto.onnx.INodeProto[],
  initializer: onnxProto.onnx.ITensorProto[],
  hidden: number,
): Uint8Array {
  const { FLOAT, INT64 } = onnx.TensorProto.DataType;
  const model: onnxProto.onnx.IModelProto = {
    irVersion: 8,
    opsetImport: [{ domain: '', version: opset }],
    producerName: 'paperscope-make-tiny-model',
    graph: {
      name,
      node: nodes,
      initializer,
      input: [
        tensorValue('input_ids', INT64, ['batch', 'sequence']),
        tensorValue('attention_mask', INT64, ['batch', 'sequence']),
        tensorValue('token_type_ids', INT64, ['batch', 'sequence']),
      ],
      output: [tensorValue('last_hidden_state', FLOAT, ['batch', 'sequence', String(hidden)])],
    },
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}

export function tinyModelBytes(vocabSize: number, hidden = TINY_HIDDEN_SIZE, positions = TINY_MAX_TOKENS): Uint8Array {
  const next = createRandom(20240604);
  return contextMeanModelBytes('tiny-bert', hidden, {
    words: randomFloats(vocabSize * hidden, 1, next),
    types: randomFloats(2 * hidden, 0.1, next),
    positions: randomFloats(positions * hidden, 0.3, next),
    dense: randomFloats(hidden * hidden, 1 / Math.sqrt(hidden), next),
  });
}

/**
 * The tiny graph with `vectors` (vocabulary × hidden) as its token embeddings, no position or type
 * signal and an identity projection: each token's output is tanh(its word vector + the sequence's
 * mean), so mean-pooled outputs are word-vector averages blurred by their context, and similarity
 * means something (unlike random weights), e.g. for comparing ways of pooling sentences.
 */
export function wordVectorModelBytes(vectors: Float32Array, hidden: number, positions: number): Uint8Array {
  const identity = new Float32Array(hidden * hidden);
  for (let d = 0; d < hidden; d++) identity[d * hidden + d] = 1;
  return contextMeanModelBytes('word-vector-bert', hidden, {
    words: vectors,
    types: new Float32Array(2 * hidden),
    positions: new Float32Array(positions * hidden),
    dense: identity,
  });
}

function contextMeanModelBytes(
  name: string,
  hidden: number,
  weights: { words: Float32Array; types: Float32Array; positions: Float32Array; dense: Float32Array },
): Uint8Array {
  const { FLOAT } = onnx.TensorProto.DataType;
  const initializer = [
    floatTensor('word_embeddings', [weights.words.length / hidden, hidden], weights.words),
    floatTensor('token_type_embeddings', [2, hidden], weights.types),
    floatTensor('position_embeddings', [weights.positions.length / hidden, hidden], weights.positions),
    floatTensor('dense', [hidden, hidden], weights.dense),
    int64Tensor('zero', [], [0]),
    int64Tensor('one', [], [1]),
    int64Tensor('axis_seq', [1], [1]),
    int64Tensor('axis_last', [1], [2]),
  ];

  const nodes = [
    node('Gather', ['word_embeddings', 'input_ids'], ['words']),
    node('Gather', ['token_type_embeddings', 'token_type_ids'], ['types']),
    node('Shape', ['input_ids'], ['shape']),
    node('Gather', ['shape', 'one'], ['seq_len']),
    node('Range', ['zero', 'seq_len', 'one'], ['position_ids']),
    node('Gather', ['position_embeddings', 'position_ids'], ['positions']),
    node('Add', ['words', 'types'], ['sum_wt']),
    node('Add', ['sum_wt', 'positions'], ['embedded']),
    // Context: the attention-masked mean of the sequence, so padding never changes real tokens' outputs.
    node('Cast', ['attention_mask'], ['mask_float'], [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: FLOAT }]),
    node('Unsqueeze', ['mask_float', 'axis_last'], ['mask3']),
    node('Mul', ['embedded', 'mask3'], ['masked']),
    node('ReduceSum', ['masked', 'axis_seq'], ['context_sum']),
    node('ReduceSum', ['mask3', 'axis_seq'], ['context_count']),
    node('Div', ['context_sum', 'context_count'], ['context']),
    node('Add', ['embedded', 'context'], ['mixed']),
    node('MatMul', ['mixed', 'dense'], ['projected']),
    node('Tanh', ['projected'], ['last_hidden_state']),
  ];

  return encodeModel(name, 13, nodes, initializer, hidden);
}

/** The shape of a BERT encoder (all-MiniLM-L6-v2's by default). */
export interface BertShape {
  layers: number;
  hidden: number;
  heads: number;
  intermediate: number;
  vocabSize: number;
  positions: number;
}

export const MINILM_L6_SHAPE: BertShape = { layers: 6, hidden: 384, heads: 12, intermediate: 1536, vocabSize: 30522, positions: 512 };

/**
 * A BERT encoder graph as Hugging Face exports it (embeddings + LayerNorm, then per layer
 * self-attention with the additive padding mask, residual + LayerNorm, GELU feed-forward, residual +
 * LayerNorm), seeded random weights. `quantized` stores every weight matrix in int8 and multiplies
 * with MatMulInteger on dynamically quantized activations, as onnxruntime's `quantize_dynamic`
 * writes the `model_quantized.onnx` the model repositories offer.
 */
export function bertModelBytes(shape: BertShape, options: { quantized?: boolean; seed?: number } = {}): Uint8Array {
  const { layers, hidden, heads, intermediate, vocabSize, positions } = shape;
  const next = createRandom(options.seed ?? 20240605);
  const { FLOAT } = onnx.TensorProto.DataType;
  const { INT, INTS, FLOAT: FLOAT_ATTRIBUTE } = onnx.AttributeProto.AttributeType;
  const initializer: onnxProto.onnx.ITensorProto[] = [];
  const nodes: onnxProto.onnx.INodeProto[] = [];
  const weight = (name: string, dims: number[], scale: number): string => {
    initializer.push(
      floatTensor(
        name,
        dims,
        randomFloats(
          dims.reduce((a, b) => a * b, 1),
          scale,
          next,
        ),
      ),
    );
    return name;
  };
  const constant = (name: string, dims: number[], values: number[]): string => {
    initializer.push(int64Tensor(name, dims, values));
    return name;
  };
  const scalar = (name: string, value: number): string => {
    initializer.push(floatTensor(name, [], Float32Array.of(value)));
    return name;
  };
  const add = (opType: string, input: string[], output: string, attribute: onnxProto.onnx.IAttributeProto[] = []): string => {
    nodes.push(node(opType, input, [output], attribute));
    return output;
  };
  /** x·W + b, W of `rows` × `columns`; int8 weights with per-tensor scale when quantized. */
  const dense = (x: string, name: string, rows: number, columns: number): string => {
    const bias = weight(`${name}.bias`, [columns], 0.02);
    // The same draws either way, so the quantized model is the float one's weights rounded to int8.
    const values = randomFloats(rows * columns, 1 / Math.sqrt(rows), next);
    if (!options.quantized) {
      initializer.push(floatTensor(`${name}.weight`, [rows, columns], values));
      return add('Add', [add('MatMul', [x, `${name}.weight`], `${name}.matmul`), bias], name);
    }
    // Symmetric per-tensor int8, as quantize_dynamic writes weights.
    const step = values.reduce((max, value) => Math.max(max, Math.abs(value)), 0) / 127 || 1;
    const codes = Int8Array.from(values, (value) => Math.round(value / step));
    initializer.push({
      name: `${name}.weight_quantized`,
      dims: [rows, columns],
      dataType: onnx.TensorProto.DataType.INT8,
      rawData: new Uint8Array(codes.buffer),
    });
    initializer.push({ name: `${name}.weight_zero_point`, dims: [], dataType: onnx.TensorProto.DataType.INT8, rawData: new Uint8Array(1) });
    const weightScale = scalar(`${name}.weight_scale`, step);
    nodes.push(node('DynamicQuantizeLinear', [x], [`${name}.x_quantized`, `${name}.x_scale`, `${name}.x_zero_point`]));
    const product = add(
      'MatMulInteger',
      [`${name}.x_quantized`, `${name}.weight_quantized`, `${name}.x_zero_point`, `${name}.weight_zero_point`],
      `${name}.int32`,
    );
    const asFloat = add('Cast', [product], `${name}.float`, [{ name: 'to', type: INT, i: FLOAT }]);
    const scales = add('Mul', [`${name}.x_scale`, weightScale], `${name}.scale`);
    return add('Add', [add('Mul', [asFloat, scales], `${name}.scaled`), bias], name);
  };
  const layerNorm = (x: string, name: string): string =>
    add('LayerNormalization', [x, weight(`${name}.gamma`, [hidden], 0.1), weight(`${name}.beta`, [hidden], 0.02)], name, [
      { name: 'axis', type: INT, i: -1 },
      { name: 'epsilon', type: FLOAT_ATTRIBUTE, f: 1e-12 },
    ]);
  const headSize = hidden / heads;
  constant('zero', [], [0]);
  constant('one', [], [1]);
  constant('axes_mask', [2], [1, 2]);
  constant('split_heads', [4], [0, 0, heads, headSize]);
  constant('merge_heads', [3], [0, 0, hidden]);
  scalar('one_float', 1);
  scalar('mask_fill', -10000);
  scalar('attention_scale', 1 / Math.sqrt(headSize));
  scalar('half', 0.5);
  scalar('sqrt_two', Math.SQRT2);

  add('Gather', [weight('word_embeddings', [vocabSize, hidden], 0.05), 'input_ids'], 'words');
  add('Gather', [weight('token_type_embeddings', [2, hidden], 0.05), 'token_type_ids'], 'types');
  add('Shape', ['input_ids'], 'shape');
  add('Gather', ['shape', 'one'], 'seq_len');
  add('Range', ['zero', 'seq_len', 'one'], 'position_ids');
  add('Gather', [weight('position_embeddings', [positions, hidden], 0.05), 'position_ids'], 'positions');
  let x = layerNorm(add('Add', [add('Add', ['words', 'types'], 'sum_wt'), 'positions'], 'embedded'), 'embeddings.norm');
  // Padding gets −10000 before the softmax: [batch, 1, 1, sequence].
  add('Cast', ['attention_mask'], 'mask_float', [{ name: 'to', type: INT, i: FLOAT }]);
  add('Unsqueeze', ['mask_float', 'axes_mask'], 'mask4');
  add('Mul', [add('Sub', ['one_float', 'mask4'], 'mask_inverted'), 'mask_fill'], 'mask_bias');
  for (let layer = 0; layer < layers; layer++) {
    const p = `layer${layer}`;
    const heads4 = (name: string, perm: number[]) =>
      add(
        'Transpose',
        [add('Reshape', [dense(x, `${p}.${name}`, hidden, hidden), 'split_heads'], `${p}.${name}.heads`)],
        `${p}.${name}.t`,
        [{ name: 'perm', type: INTS, ints: perm }],
      );
    const query = heads4('query', [0, 2, 1, 3]);
    const key = heads4('key', [0, 2, 3, 1]);
    const value = heads4('value', [0, 2, 1, 3]);
    const scores = add(
      'Add',
      [add('Mul', [add('MatMul', [query, key], `${p}.qk`), 'attention_scale'], `${p}.scaled`), 'mask_bias'],
      `${p}.scores`,
    );
    const probabilities = add('Softmax', [scores], `${p}.probabilities`, [{ name: 'axis', type: INT, i: -1 }]);
    const context = add('Transpose', [add('MatMul', [probabilities, value], `${p}.context4`)], `${p}.context_t`, [
      { name: 'perm', type: INTS, ints: [0, 2, 1, 3] },
    ]);
    const merged = add('Reshape', [context, 'merge_heads'], `${p}.context`);
    const attended = layerNorm(add('Add', [dense(merged, `${p}.attention_output`, hidden, hidden), x], `${p}.residual1`), `${p}.norm1`);
    const up = dense(attended, `${p}.intermediate`, hidden, intermediate);
    // GELU, exact form, as PyTorch exports it: (x · (1 + erf(x / √2))) · 0.5, which ONNX Runtime fuses.
    const erf = add('Erf', [add('Div', [up, 'sqrt_two'], `${p}.gelu_in`)], `${p}.erf`);
    const gelu = add('Mul', [add('Mul', [up, add('Add', [erf, 'one_float'], `${p}.erf1`)], `${p}.x_erf1`), 'half'], `${p}.gelu`);
    x = layerNorm(add('Add', [dense(gelu, `${p}.output`, intermediate, hidden), attended], `${p}.residual2`), `${p}.norm2`);
  }
  nodes.push(node('Identity', [x], ['last_hidden_state']));

  return encodeModel('bert', 17, nodes, initializer, hidden);
}

function tokenizerJson(vocab: string[]): unknown {
  const ids = Object.fromEntries(vocab.map((token, id) => [token, id]));
  const special = (token: string) => ({ id: token, ids: [ids[token]], tokens: [token] });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((content) => ({
      id: ids[content],
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
      ],
      pair: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: { '[CLS]': special('[CLS]'), '[SEP]': special('[SEP]') },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: ids,
    },
  };
}

/**
 * Writes the model folder to `outDir` unless it exists. Files go to a temporary sibling first, renamed
 * into place, so test files running in parallel never see a half-written model.
 */
export async function makeTinyModel(outDir: string): Promise<void> {
  const vocab = tinyVocabulary();
  const shape = {
    layers: 1,
    hidden: TINY_HIDDEN_SIZE,
    heads: 2,
    intermediate: 2 * TINY_HIDDEN_SIZE,
    vocabSize: vocab.length,
    positions: TINY_MAX_TOKENS,
  };
  await writeModelFolder(outDir, {
    vocab,
    shape,
    maxTokens: TINY_MAX_TOKENS,
    models: {
      'model.onnx': () => tinyModelBytes(vocab.length),
      // An int8 one-layer BERT of the same width, which the embedder runs by default.
      'model_quantized.onnx': () => bertModelBytes(shape, { quantized: true }),
    },
  });
}

/**
 * A model folder of all-MiniLM-L6-v2's architecture and size (6 layers, 384 hidden, 12 heads, 1536
 * intermediate, 30,522 tokens, 90 MB of float32 weights; random, seeded) with the quantized copy
 * beside it, for measuring the transformer's real cost offline. The vocabulary holds the
 * characters, the commonest word endings as "##" pieces and then `words` (most frequent first), so
 * English text splits into about as many tokens as with the real WordPiece vocabulary.
 */
export async function makeMiniLmSizedModel(outDir: string, words: readonly string[]): Promise<void> {
  const shape = MINILM_L6_SHAPE;
  const vocab = wordPieceVocabulary(words, shape.vocabSize);
  await writeModelFolder(outDir, {
    vocab,
    shape,
    // all-MiniLM-L6-v2 is trained on sequences of at most 256 tokens (its sentence-transformers window).
    maxTokens: 256,
    // As sentence-transformers/all-MiniLM-L6-v2 ships it: the window sentence-transformers cuts at.
    sentenceTransformersWindow: 256,
    models: {
      'model.onnx': () => bertModelBytes(shape),
      'model_quantized.onnx': () => bertModelBytes(shape, { quantized: true }),
    },
  });
}

/**
 * A model folder whose token embeddings are word vectors (`wordVectorModelBytes`): a WordPiece
 * vocabulary of the `size` most frequent words (pieces and special tokens get zero vectors) and a
 * `maxTokens` window.
 */
export async function makeWordVectorModel(
  outDir: string,
  table: { words: readonly string[]; dimension: number; vector: (index: number) => Float32Array },
  size: number,
  maxTokens: number,
): Promise<void> {
  const vocab = wordPieceVocabulary(table.words, size);
  const positionOf = new Map(table.words.map((word, index) => [word, index]));
  const vectors = new Float32Array(vocab.length * table.dimension);
  vocab.forEach((token, id) => {
    const index = positionOf.get(token);
    if (index !== undefined) vectors.set(table.vector(index), id * table.dimension);
  });
  await writeModelFolder(outDir, {
    vocab,
    shape: { layers: 1, hidden: table.dimension, heads: 1, intermediate: table.dimension, vocabSize: vocab.length, positions: maxTokens },
    maxTokens,
    models: { 'model.onnx': () => wordVectorModelBytes(vectors, table.dimension, maxTokens) },
  });
}

/** Endings shared by many words become "##" pieces: about a sixth of BERT's vocabulary is such pieces. */
const SUFFIX_SHARE = 1 / 6;

export function wordPieceVocabulary(words: readonly string[], size: number): string[] {
  const vocab = tinyVocabulary();
  const seen = new Set(vocab);
  const add = (token: string): void => {
    if (vocab.length < size && !seen.has(token)) {
      seen.add(token);
      vocab.push(token);
    }
  };
  const plain = words.filter((word) => /^[a-z]+$/.test(word));
  const endings = new Map<string, number>();
  for (const word of plain.slice(0, 100_000)) {
    for (let length = 2; length <= Math.min(6, word.length - 2); length++) {
      const ending = word.slice(-length);
      endings.set(ending, (endings.get(ending) ?? 0) + 1);
    }
  }
  const suffixes = [...endings].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, Math.floor(size * SUFFIX_SHARE));
  for (const [ending] of suffixes) add(`##${ending}`);
  for (const word of plain) add(word);
  for (let filler = 0; vocab.length < size; filler++) add(`[unused${filler}]`);
  return vocab;
}

async function writeModelFolder(
  outDir: string,
  folder: {
    vocab: string[];
    shape: BertShape;
    maxTokens: number;
    /** Written as sentence_bert_config.json's max_seq_length when given. */
    sentenceTransformersWindow?: number;
    models: Record<string, () => Uint8Array>;
  },
): Promise<void> {
  const { vocab, shape } = folder;
  const staging = `${outDir}.tmp-${process.pid}-${Date.now()}`;
  await mkdir(path.join(staging, 'onnx'), { recursive: true });
  const config = {
    model_type: 'bert',
    architectures: ['BertModel'],
    hidden_size: shape.hidden,
    num_hidden_layers: shape.layers,
    num_attention_heads: shape.heads,
    intermediate_size: shape.intermediate,
    vocab_size: vocab.length,
    max_position_embeddings: shape.positions,
    type_vocab_size: 2,
    pad_token_id: 0,
  };
  const tokenizerConfig = {
    tokenizer_class: 'BertTokenizer',
    model_max_length: folder.maxTokens,
    do_lower_case: true,
    cls_token: '[CLS]',
    sep_token: '[SEP]',
    pad_token: '[PAD]',
    unk_token: '[UNK]',
    mask_token: '[MASK]',
  };
  await Promise.all([
    writeFile(path.join(staging, 'config.json'), `${JSON.stringify(config, null, 2)}\n`),
    writeFile(path.join(staging, 'tokenizer.json'), JSON.stringify(tokenizerJson(vocab))),
    writeFile(path.join(staging, 'tokenizer_config.json'), `${JSON.stringify(tokenizerConfig, null, 2)}\n`),
    folder.sentenceTransformersWindow === undefined
      ? undefined
      : writeFile(
          path.join(staging, 'sentence_bert_config.json'),
          `${JSON.stringify({ max_seq_length: folder.sentenceTransformersWindow, do_lower_case: false }, null, 2)}\n`,
        ),
  ]);
  // One model at a time: the full-size one is 90 MB.
  for (const [file, bytes] of Object.entries(folder.models)) await writeFile(path.join(staging, 'onnx', file), bytes());
  try {
    await rename(staging, outDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOTEMPTY' && (error as NodeJS.ErrnoException).code !== 'EEXIST') {
      await rm(staging, { recursive: true, force: true });
      throw error;
    }
    // The folder exists already (e.g. another test file generated it first): keep that one, adding
    // a model file an older generator did not write.
    for (const file of Object.keys(folder.models)) {
      const target = path.join(outDir, 'onnx', file);
      if (!(await stat(target).catch(() => undefined))) await rename(path.join(staging, 'onnx', file), target);
    }
    await rm(staging, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outDir = process.argv[2];
  if (!outDir) {
    console.error('Usage: npx tsx scripts/make-tiny-model.ts <outDir>');
    process.exit(2);
  }
  await rm(path.resolve(outDir), { recursive: true, force: true });
  await makeTinyModel(path.resolve(outDir));
  console.log(`Tiny model written to ${path.resolve(outDir)}`);
}
