import { randomInt } from 'node:crypto';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { type EmbedderInfo, embedderInfoSchema } from '../embed/index.js';
import { decodeVarints, encodeVarints, loadLexicalFile } from '../lexical/index.js';
import { type DataDirLayout, damagedFile, type LoadProblem, missingFile, readChecksummedJson, replaceFileAtomically, sha256, staleFile, writeChecksummedJson } from '../store/index.js';
import { SentenceIndex } from './sentence-index.js';

const FORMAT = 'paperscope-sentences';
const FORMAT_VERSION = 3;
const MAGIC = 0x56535350; // "PSSV" read as a little-endian u32
const HEADER_BYTES = 16;

const metaSchema = z.object({
  format: z.literal(FORMAT),
  version: z.literal(FORMAT_VERSION),
  tableVersion: z.number().int().nonnegative(),
  /** Also in the vector file's header: the two files belong together only when the stamps agree. */
  stamp: z.number().int().nonnegative(),
  /** SHA-256 of the vector rows: a flipped byte there still reads as a finite number. */
  vectorsSha256: z.string().regex(/^[0-9a-f]{64}$/),
  embedder: embedderInfoSchema,
  count: z.number().int().nonnegative(),
  /** Per paper, as parallel arrays (cheaper to validate than an object each): id, content hash, sentence count as varints. */
  paperIds: z.array(z.string().min(1)),
  paperHashes: z.array(z.string()),
  paperCounts: z.string(),
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
});

/**
 * Writes the vectors (a 16-byte header — magic, stamp, dimension, count — then little-endian
 * Float32 rows) and then the JSON (checksummed, with the rows' checksum), each atomically. A crash between the two leaves stamps that
 * disagree, which `loadSentenceIndex` reports so the index is rebuilt.
 */
export async function saveSentenceIndex(layout: DataDirLayout, index: SentenceIndex): Promise<void> {
  const stamp = randomInt(0, 2 ** 32 - 1);
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt32LE(MAGIC, 0);
  header.writeUInt32LE(stamp, 4);
  header.writeUInt32LE(index.dimension, 8);
  header.writeUInt32LE(index.size, 12);
  const rows = Buffer.from(index.vectors.buffer, index.vectors.byteOffset, index.vectors.byteLength);
  // writeFile and appendFile write until done: one write() call may stop short (at 2 GB on Linux).
  await replaceFileAtomically(layout.sentenceVectors, async (temporary) => {
    await writeFile(temporary, header);
    await appendFile(temporary, rows);
  });
  const meta: z.infer<typeof metaSchema> = {
    format: FORMAT,
    version: FORMAT_VERSION,
    tableVersion: index.tableVersion,
    stamp,
    vectorsSha256: sha256(rows),
    embedder: index.embedder,
    count: index.size,
    paperIds: index.papers.map(({ id }) => id),
    paperHashes: index.papers.map(({ hash }) => hash),
    paperCounts: encodeVarints(index.papers.map(({ count }) => count)),
    offsets: encodeVarints(index.offsets),
    calibration: index.calibration,
  };
  // The BM25 file depends only on the sentences' text, which the table version fixes; the JSON goes last.
  const lexical = index.lexical.toFile(index.tableVersion);
  await replaceFileAtomically(layout.sentenceLexical, (temporary) => writeFile(temporary, lexical));
  await writeChecksummedJson(layout.sentences, meta);
}

/**
 * Loads the saved sentence index, whatever table version it was built from (the caller decides
 * whether it is current, and may reuse a stale one's vectors). Says why when it cannot.
 */
export async function loadSentenceIndex(layout: DataDirLayout, embedder: EmbedderInfo): Promise<{ index: SentenceIndex } | { problem: LoadProblem }> {
  try {
    const raw = await readChecksummedJson(layout.sentences);
    if (raw === undefined) return { problem: missingFile('its file is missing') };
    const parsed = metaSchema.safeParse(raw);
    if (!parsed.success) return { problem: damagedFile('its file is invalid') };
    const meta = parsed.data;
    if (meta.embedder.kind !== embedder.kind || meta.embedder.model !== embedder.model || meta.embedder.dimension !== embedder.dimension) {
      return { problem: staleFile(`it was built by ${meta.embedder.kind} ${meta.embedder.model}, not ${embedder.kind} ${embedder.model}`) };
    }
    const bytes = await readFile(layout.sentenceVectors).catch(() => undefined);
    if (!bytes) return { problem: damagedFile('its vector file is missing') };
    const expectedBytes = HEADER_BYTES + meta.count * meta.embedder.dimension * 4;
    if (bytes.length !== expectedBytes) return { problem: damagedFile(`its vector file has ${bytes.length} bytes, not ${expectedBytes}`) };
    if (bytes.readUInt32LE(0) !== MAGIC || bytes.readUInt32LE(4) !== meta.stamp || bytes.readUInt32LE(8) !== meta.embedder.dimension || bytes.readUInt32LE(12) !== meta.count) {
      return { problem: damagedFile('its vector file belongs to another build') };
    }
    if (sha256(bytes.subarray(HEADER_BYTES)) !== meta.vectorsSha256) return { problem: damagedFile('its vector file does not match its checksum') };
    if (meta.paperHashes.length !== meta.paperIds.length) return { problem: damagedFile(`it lists ${meta.paperIds.length} papers but ${meta.paperHashes.length} hashes`) };
    const counts = decodeVarints(meta.paperCounts, meta.paperIds.length);
    let first = 0;
    const papers = meta.paperIds.map((id, position) => {
      const count = counts[position] as number;
      const entry = { id, hash: meta.paperHashes[position] as string, count, first };
      first += count;
      return entry;
    });
    if (first !== meta.count) return { problem: damagedFile(`its papers hold ${first} sentences, not ${meta.count}`) };
    const offsets = decodeVarints(meta.offsets, 2 * meta.count);
    const lexicalFile = await readFile(layout.sentenceLexical).catch(() => undefined);
    if (!lexicalFile) return { problem: damagedFile('its BM25 file is missing') };
    const { tableVersion: lexicalVersion, index: lexical } = loadLexicalFile(lexicalFile);
    if (lexicalVersion !== meta.tableVersion) return { problem: staleFile(`its BM25 file was built from table version ${lexicalVersion}, not ${meta.tableVersion}`) };
    if (lexical.size !== meta.count) return { problem: damagedFile(`its BM25 index holds ${lexical.size} sentences, not ${meta.count}`) };
    // A view when the read buffer is aligned (a whole-file read is), else copied out.
    const start = bytes.byteOffset + HEADER_BYTES;
    const vectors = start % 4 === 0 ? new Float32Array(bytes.buffer, start, meta.count * meta.embedder.dimension) : new Float32Array(bytes.buffer.slice(start, start + meta.count * meta.embedder.dimension * 4));
    // An indexed loop: iterating tens of millions of floats with for…of is several times slower.
    for (let i = 0; i < vectors.length; i++) if (!Number.isFinite(vectors[i])) return { problem: damagedFile('its vector file holds non-finite values') };
    return { index: new SentenceIndex({ tableVersion: meta.tableVersion, embedder: meta.embedder, papers, offsets, vectors, lexical, calibration: meta.calibration }) };
  } catch (error) {
    return { problem: damagedFile(`it could not be read (${(error as Error).message})`) };
  }
}
