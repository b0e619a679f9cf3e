import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { lengthSortedBatches, tokenBudgetBatches } from '../../indexer/embed/transformer/index.js';
import { type BertShape, bertModelBytes, wordPieceVocabulary } from '../../scripts/make-tiny-model.js';

// MiniLM-L6's graph at a size a test can afford; bench/minilm-model.ts builds the real size.
const SHAPE: BertShape = { layers: 2, hidden: 32, heads: 4, intermediate: 64, vocabSize: 60, positions: 16 };

async function run(session: InferenceSession, rows: number[][]): Promise<{ data: Float32Array; sequence: number }> {
  const sequence = Math.max(...rows.map((row) => row.length));
  const ids = new BigInt64Array(rows.length * sequence);
  const mask = new BigInt64Array(rows.length * sequence);
  rows.forEach((row, r) => {
    row.forEach((id, t) => {
      ids[r * sequence + t] = BigInt(id);
      mask[r * sequence + t] = 1n;
    });
  });
  const dims = [rows.length, sequence];
  const output = await session.run({
    input_ids: new Tensor('int64', ids, dims),
    attention_mask: new Tensor('int64', mask, dims),
    token_type_ids: new Tensor('int64', new BigInt64Array(ids.length), dims),
  });
  const hidden = output.last_hidden_state as Tensor;
  expect(hidden.dims).toEqual([rows.length, sequence, SHAPE.hidden]);
  return { data: hidden.data as Float32Array, sequence };
}

describe('the BERT encoder generator', () => {
  it('builds an encoder whose padding does not change the real tokens, and an int8 copy close to it', async () => {
    const float = await InferenceSession.create(bertModelBytes(SHAPE));
    const quantized = await InferenceSession.create(bertModelBytes(SHAPE, { quantized: true }));
    const short = [2, 17, 33, 3];
    const long = [2, 9, 40, 41, 12, 55, 3];
    const alone = await run(float, [short]);
    const padded = await run(float, [short, long]);
    const first = padded.data.subarray(0, short.length * SHAPE.hidden);
    expect(Math.max(...first.map((value, i) => Math.abs(value - (alone.data[i] as number))))).toBeLessThan(1e-4);
    // Outputs depend on context: the same token reads differently in another sentence.
    const other = await run(float, [[2, 17, 50, 3]]);
    expect(Math.abs((other.data[SHAPE.hidden] as number) - (alone.data[SHAPE.hidden] as number))).toBeGreaterThan(1e-4);
    const rounded = await run(quantized, [short]);
    const cosine = (a: Float32Array, b: Float32Array) => {
      let dot = 0;
      let aa = 0;
      let bb = 0;
      a.forEach((value, i) => {
        dot += value * (b[i] as number);
        aa += value * value;
        bb += (b[i] as number) ** 2;
      });
      return dot / Math.sqrt(aa * bb);
    };
    expect(cosine(rounded.data, alone.data)).toBeGreaterThan(0.95);
  });

  // The hub's files are PyTorch exports, whose GELU and int8 matmuls ONNX Runtime fuses into single
  // kernels; a generated graph it cannot fuse would measure a slower model than the real one.
  it('builds the graph PyTorch exports, which ONNX Runtime fuses as it fuses the hub files', async () => {
    const scratch = await mkdtemp(path.join(os.tmpdir(), 'paperscope-bert-fused-'));
    try {
      const optimizedOps = async (bytes: Uint8Array, name: string): Promise<string[]> => {
        const optimizedModelFilePath = path.join(scratch, name);
        await (await InferenceSession.create(bytes, { optimizedModelFilePath, graphOptimizationLevel: 'extended' })).release();
        return onnxProto.onnx.ModelProto.decode(await readFile(optimizedModelFilePath)).graph?.node?.map((n) => n.opType ?? '') ?? [];
      };
      const float = await optimizedOps(bertModelBytes(SHAPE), 'float.onnx');
      expect(float.filter((op) => op === 'BiasGelu')).toHaveLength(SHAPE.layers);
      expect(float).not.toContain('Erf');
      const quantized = await optimizedOps(bertModelBytes(SHAPE, { quantized: true }), 'quantized.onnx');
      expect(quantized.filter((op) => op === 'Gelu')).toHaveLength(SHAPE.layers);
      // Every int8 matmul runs as one kernel with its scales (6 a layer), none as MatMulInteger + Cast + Mul.
      expect(quantized.filter((op) => op === 'MatMulIntegerToFloat' || op === 'DynamicQuantizeMatMul')).toHaveLength(6 * SHAPE.layers);
      expect(quantized).not.toContain('MatMulInteger');
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  });

  it('fills a WordPiece vocabulary of the asked size: characters, word endings, then words by frequency', () => {
    const vocab = wordPieceVocabulary(['protein', 'folding', 'proteins', 'x-ray', 'binding', 'the'], 400);
    expect(vocab).toHaveLength(400);
    expect(new Set(vocab).size).toBe(400);
    expect(vocab.slice(0, 5)).toEqual(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']);
    expect(vocab).toContain('##ing');
    expect(vocab).toContain('protein');
    expect(vocab).not.toContain('x-ray');
    expect(vocab.indexOf('protein')).toBeLessThan(vocab.indexOf('folding'));
  });
});

describe('lengthSortedBatches', () => {
  it('batches indices shortest first, ties in input order', () => {
    expect(lengthSortedBatches([9, 2, 5, 2, 7], 2)).toEqual([[1, 3], [2, 4], [0]]);
    expect(lengthSortedBatches([], 4)).toEqual([]);
  });
});

describe('tokenBudgetBatches', () => {
  it('fills each forward pass up to the padded-token budget, shortest first, one row at least', () => {
    expect(tokenBudgetBatches([40, 10, 20, 10], 40)).toEqual([[1, 3], [2], [0]]);
    // Short windows many to a pass, long ones few: 512 tokens are 16 rows of 32 or 2 of 256.
    const lengths = [...Array(20).fill(32), 256, 256, 256, 300];
    expect(tokenBudgetBatches(lengths, 512).map((batch) => batch.length)).toEqual([16, 4, 2, 1, 1]);
    expect(tokenBudgetBatches([], 512)).toEqual([]);
  });
});
