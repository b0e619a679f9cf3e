/**
 * Writes a tiny BERT-shaped model folder laid out the way transformers.js loads a local model:
 * config.json, tokenizer.json (HF tokenizers WordPiece format), tokenizer_config.json and
 * onnx/model.onnx. The graph is embeddings + a masked context mean + MatMul + Tanh, so outputs depend
 * on the tokens, their positions and the rest of the sequence, like a real encoder. Weights come from
 * a seeded generator: the same bytes on every run.
 *
 * Usage: npx tsx scripts/make-tiny-model.ts <outDir>
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
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

export function tinyModelBytes(vocabSize: number, hidden = TINY_HIDDEN_SIZE, positions = TINY_MAX_TOKENS): Uint8Array {
  const next = createRandom(20240604);
  const { FLOAT, INT64 } = onnx.TensorProto.DataType;
  const initializer = [
    floatTensor('word_embeddings', [vocabSize, hidden], randomFloats(vocabSize * hidden, 1, next)),
    floatTensor('token_type_embeddings', [2, hidden], randomFloats(2 * hidden, 0.1, next)),
    floatTensor('position_embeddings', [positions, hidden], randomFloats(positions * hidden, 0.3, next)),
    floatTensor('dense', [hidden, hidden], randomFloats(hidden * hidden, 1 / Math.sqrt(hidden), next)),
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

  const model: onnxProto.onnx.IModelProto = {
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    producerName: 'paperscope-make-tiny-model',
    graph: {
      name: 'tiny-bert',
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
  const staging = `${outDir}.tmp-${process.pid}-${Date.now()}`;
  await mkdir(path.join(staging, 'onnx'), { recursive: true });
  const config = {
    model_type: 'bert',
    architectures: ['BertModel'],
    hidden_size: TINY_HIDDEN_SIZE,
    num_hidden_layers: 1,
    num_attention_heads: 2,
    intermediate_size: 2 * TINY_HIDDEN_SIZE,
    vocab_size: vocab.length,
    max_position_embeddings: TINY_MAX_TOKENS,
    type_vocab_size: 2,
    pad_token_id: 0,
  };
  const tokenizerConfig = {
    tokenizer_class: 'BertTokenizer',
    model_max_length: TINY_MAX_TOKENS,
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
    writeFile(path.join(staging, 'onnx', 'model.onnx'), tinyModelBytes(vocab.length)),
  ]);
  try {
    await rename(staging, outDir);
  } catch (error) {
    // The folder exists already (e.g. another test file generated it first): keep that one.
    await rm(staging, { recursive: true, force: true });
    if ((error as NodeJS.ErrnoException).code !== 'ENOTEMPTY' && (error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
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
