import { randomInt } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';
import { z } from 'zod';
import { type EmbedderInfo, embedderInfoSchema } from '../embed/index.js';
import { decodeVarints, encodeVarints, loadLexicalIndex } from '../lexical/index.js';
import { type DataDirLayout, readJsonIfPresent, replaceFileAtomically, writeJsonAtomically } from '../store/index.js';
import { SentenceIndex } from './sentence-index.js';

const FORMAT = 'paperscope-sentences';
const FORMAT_VERSION = 1;
const MAGIC = 0x56535350; // "PSSV" read as a little-endian u32
const HEADER_BYTES = 16;

const metaSchema = z.object({
  format: z.literal(FORMAT),
  version: z.literal(FORMAT_VERSION),
  tableVersion: z.number().int().nonnegative(),
  /** Also in the vector file's header: the two files belong together only when the stamps agree. */
  stamp: z.number().int().nonnegative(),
  embedder: embedderInfoSchema,
  count: z.number().int().nonnegative(),
  papers: z.array(z.object({ id: z.string().min(1), hash: z.string(), count: z.number().int().nonnegative() })),
  offsets: z.string(),
  calibration: z.object({
    pairs: z.number().int().nonnegative(),
    p50: z.number(),
    p90: z.number(),
    p99: z.number(),
    probes: z.number().int().nonnegative(),
    probeMedian: z.number(),
    probeMax: z.number(),
  }),
  lexical: z.unknown(),
});

/**
 * Writes the vectors (a 16-byte header — magic, stamp, dimension, count — then little-endian
 * Float32 rows) and then the JSON, each atomically. A crash between the two leaves stamps that
 * disagree, which `loadSentenceIndex` reports so the index is rebuilt.
 */
export async function saveSentenceIndex(layout: DataDirLayout, index: SentenceIndex): Promise<void> {
  const stamp = randomInt(0, 2 ** 32 - 1);
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt32LE(MAGIC, 0);
  header.writeUInt32LE(stamp, 4);
  header.writeUInt32LE(index.dimension, 8);
  header.writeUInt32LE(index.size, 12);
  await replaceFileAtomically(layout.sentenceVectors, async (temporary) => {
    const handle = await open(temporary, 'w');
    try {
      await handle.write(header);
      await handle.write(Buffer.from(index.vectors.buffer, index.vectors.byteOffset, index.vectors.byteLength));
    } finally {
      await handle.close();
    }
  });
  const meta: z.infer<typeof metaSchema> = {
    format: FORMAT,
    version: FORMAT_VERSION,
    tableVersion: index.tableVersion,
    stamp,
    embedder: index.embedder,
    count: index.size,
    papers: index.papers.map(({ id, hash, count }) => ({ id, hash, count })),
    offsets: encodeVarints(index.offsets),
    calibration: index.calibration,
    lexical: index.lexical.toJSON(),
  };
  await writeJsonAtomically(layout.sentences, meta);
}

/**
 * Loads the saved sentence index, whatever table version it was built from (the caller decides
 * whether it is current, and may reuse a stale one's vectors). Says why when it cannot.
 */
export async function loadSentenceIndex(layout: DataDirLayout, embedder: EmbedderInfo): Promise<{ index: SentenceIndex } | { problem: string }> {
  try {
    const parsed = metaSchema.safeParse(await readJsonIfPresent(layout.sentences));
    if (!parsed.success) return { problem: 'its file is missing or invalid' };
    const meta = parsed.data;
    if (meta.embedder.kind !== embedder.kind || meta.embedder.model !== embedder.model || meta.embedder.dimension !== embedder.dimension) {
      return { problem: `it was built by ${meta.embedder.kind} ${meta.embedder.model}, not ${embedder.kind} ${embedder.model}` };
    }
    const bytes = await readFile(layout.sentenceVectors).catch(() => undefined);
    if (!bytes) return { problem: 'its vector file is missing' };
    const expectedBytes = HEADER_BYTES + meta.count * meta.embedder.dimension * 4;
    if (bytes.length !== expectedBytes) return { problem: `its vector file has ${bytes.length} bytes, not ${expectedBytes}` };
    if (bytes.readUInt32LE(0) !== MAGIC || bytes.readUInt32LE(4) !== meta.stamp || bytes.readUInt32LE(8) !== meta.embedder.dimension || bytes.readUInt32LE(12) !== meta.count) {
      return { problem: 'its vector file belongs to another build' };
    }
    let first = 0;
    const papers = meta.papers.map((paper) => {
      const entry = { ...paper, first };
      first += paper.count;
      return entry;
    });
    if (first !== meta.count) return { problem: `its papers hold ${first} sentences, not ${meta.count}` };
    const offsets = decodeVarints(meta.offsets, 2 * meta.count);
    const lexical = loadLexicalIndex(meta.lexical);
    if (lexical.size !== meta.count) return { problem: `its BM25 index holds ${lexical.size} sentences, not ${meta.count}` };
    // Copied out so the Float32Array is aligned whatever offset the read buffer has.
    const vectors = new Float32Array(meta.count * meta.embedder.dimension);
    new Uint8Array(vectors.buffer).set(bytes.subarray(HEADER_BYTES));
    if (!vectors.every(Number.isFinite)) return { problem: 'its vector file holds non-finite values' };
    return { index: new SentenceIndex({ tableVersion: meta.tableVersion, embedder: meta.embedder, papers, offsets, vectors, lexical, calibration: meta.calibration }) };
  } catch (error) {
    return { problem: `it could not be read (${(error as Error).message})` };
  }
}
