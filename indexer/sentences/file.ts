import { closeSync, openSync } from 'node:fs';
import { appendFile, readFile, rm, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { PaperscopeError } from '../../core/errors.js';
import { HeldFile, openSealedFileInPlace, readFully } from '../../core/sealed-file.js';
import { type EmbedderInfo, embedderInfoSchema, embedderModelLabel, sameEmbedder } from '../embed/index.js';
import { decodeVarints, encodeVarints, openLexicalIndex, summarizeLexicalFile } from '../lexical/index.js';
import {
  type DataDirLayout,
  damagedFile,
  type LoadProblem,
  missingFile,
  replaceFileAtomically,
  sealFile,
  staleFile,
} from '../store/index.js';
import type { QuantizedRows } from './quantized.js';
import { type RowReader, SentenceIndex, type SentenceVectors } from './sentence-index.js';

const FORMAT = 'paperscope-sentences';
// 6: sentences also end before an enumerator ("… performance. (ii) Most importantly"), so older files are rebuilt.
// 7: vectors as 8-bit codes with a scale per sentence (`QuantizedRows`), a quarter of the float32 bytes.
const FORMAT_VERSION = 7;
/** The sealed file's magic (core/sealed-file.ts): the header is the metadata, the body each sentence's scale (float32) then its 8-bit codes. */
const MAGIC = 'PSSN';

const metaSchema = z.object({
  format: z.literal(FORMAT),
  version: z.number().int(),
  tableVersion: z.number().int().nonnegative(),
  embedder: embedderInfoSchema,
  /** Files written before sentences could be pooled in context embedded each alone. */
  pooling: z.enum(['sentence', 'in-context']).default('sentence'),
  count: z.number().int().nonnegative(),
  /** Sentences whose vectors are not made yet (`SentenceIndex.pending`); absent in files written before there were any. */
  pending: z.number().int().nonnegative().default(0),
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
 * Writes the sentences' BM25 file, then the sealed file of the metadata and the vectors (whose
 * CRC-32 covers the rows: a flipped byte there still reads as a finite number), each atomically.
 * The sealed file goes last and names the table version the BM25 file must have, so a crash
 * between the two is reported by `loadSentenceIndex` and the index rebuilt.
 */
export async function saveSentenceIndex(layout: DataDirLayout, index: SentenceIndex): Promise<void> {
  const lexical = index.lexical.toFile(index.tableVersion);
  await replaceFileAtomically(layout.sentenceLexical, (temporary) => writeFile(temporary, lexical));
  const meta: z.infer<typeof metaSchema> = {
    format: FORMAT,
    version: FORMAT_VERSION,
    tableVersion: index.tableVersion,
    embedder: index.embedder,
    pooling: index.pooling,
    count: index.size,
    pending: index.pending,
    paperIds: index.papers.map(({ id }) => id),
    paperHashes: index.papers.map(({ hash }) => hash),
    paperCounts: encodeVarints(index.papers.map(({ count }) => count)),
    offsets: encodeVarints(index.offsets),
    calibration: index.calibration,
  };
  const bytesOf = (array: Int8Array | Float32Array) => Buffer.from(array.buffer, array.byteOffset, array.byteLength);
  const rows = [bytesOf(index.vectors.scales), bytesOf(index.vectors.codes)];
  // writeFile and appendFile write until done: one write() call may stop short (at 2 GB on Linux).
  await replaceFileAtomically(layout.sentences, async (temporary) => {
    for (const part of sealFile(MAGIC, meta, rows)) await appendFile(temporary, part);
  });
  await Promise.all([rm(layout.legacySentences, { force: true }), rm(layout.legacySentenceVectors, { force: true })]);
}

/**
 * Loads the saved sentence index, whatever table version it was built from (the caller decides
 * whether it is current, and may reuse a stale one's vectors). Says why when it cannot; a file of an
 * earlier format is `stale` (its sentences may be split differently), and rebuilt whole. When only
 * its BM25 file is missing, stale or damaged, the problem comes with the sound `vectors`.
 */
export async function loadSentenceIndex(
  layout: DataDirLayout,
  embedder: EmbedderInfo,
): Promise<{ index: SentenceIndex } | { problem: LoadProblem; vectors?: SentenceVectors }> {
  try {
    const read = await readSentenceFile(layout, embedder);
    if ('problem' in read) return read;
    const { meta, vectors, rows, close } = read;
    const refused = (problem: LoadProblem) => {
      close();
      return { problem };
    };
    const counts = decodeVarints(meta.paperCounts, meta.paperIds.length);
    let first = 0;
    const papers = meta.paperIds.map((id, position) => {
      const count = counts[position] as number;
      const entry = { id, hash: meta.paperHashes[position] as string, count, first };
      first += count;
      return entry;
    });
    if (first !== meta.count) return refused(damagedFile(`its papers hold ${first} sentences, not ${meta.count}`));
    const offsets = decodeVarints(meta.offsets, 2 * meta.count);
    // An indexed loop: iterating millions of floats with for…of is several times slower.
    for (let i = 0; i < vectors.scales.length; i++)
      if (!Number.isFinite(vectors.scales[i])) return refused(damagedFile('its vectors hold non-finite values'));
    const sentences: SentenceVectors = {
      tableVersion: meta.tableVersion,
      embedder: meta.embedder,
      pooling: meta.pooling,
      papers,
      offsets,
      vectors,
      calibration: meta.calibration,
    };
    // Without a sound BM25 file the vectors still serve: rebuilding that file re-embeds nothing,
    // and copies them, so they are read whole. Its postings stay in the file, read per term on first use.
    const saved = await openLexicalIndex(layout.sentenceLexical);
    if ('problem' in saved) rows.readAll();
    if ('problem' in saved)
      return {
        problem:
          saved.problem.kind === 'missing'
            ? damagedFile('its BM25 file is missing')
            : { kind: saved.problem.kind, message: `its BM25 file: ${saved.problem.message}` },
        vectors: sentences,
      };
    const mismatch = lexicalMismatch(meta, { tableVersion: saved.tableVersion, documentCount: saved.index.size });
    if (mismatch) {
      saved.index.close();
      rows.readAll();
      return { problem: mismatch, vectors: sentences };
    }
    return { index: new SentenceIndex({ ...sentences, papers, rows, lexical: saved.index }) };
  } catch (error) {
    return { problem: damagedFile(`it could not be read (${(error as Error).message})`) };
  }
}

/**
 * What the saved sentence files hold (table version, papers' ids and hashes) when both are sound and
 * of the current format, else why not: their checksums and headers, without decoding the vectors'
 * offsets or building the BM25 index (what `index` checks before deciding to rebuild).
 */
export async function summarizeSentenceFiles(
  layout: DataDirLayout,
  embedder: EmbedderInfo,
): Promise<
  { tableVersion: number; paperIds: readonly string[]; paperHashes: readonly string[]; pending: number } | { problem: LoadProblem }
> {
  try {
    const read = await readSentenceFile(layout, embedder);
    if ('problem' in read) return read;
    const { meta, close } = read;
    close();
    const lexicalFile = await readFile(layout.sentenceLexical).catch(() => undefined);
    if (!lexicalFile) return { problem: damagedFile('its BM25 file is missing') };
    const saved = summarizeLexicalFile(lexicalFile);
    if ('problem' in saved) return { problem: { kind: saved.problem.kind, message: `its BM25 file: ${saved.problem.message}` } };
    const mismatch = lexicalMismatch(meta, saved);
    return mismatch
      ? { problem: mismatch }
      : { tableVersion: meta.tableVersion, paperIds: meta.paperIds, paperHashes: meta.paperHashes, pending: meta.pending };
  } catch (error) {
    return { problem: damagedFile(`it could not be read (${(error as Error).message})`) };
  }
}

/**
 * The sealed file's checked header and its vectors, or why they cannot serve `embedder`. The file
 * is read once through on a worker to verify its checksum, keeping the scales (checked finite) but not the
 * codes: those are read per row when first asked for (`rows`), so a server answering questions
 * holds the rows of the papers it answered from, not ≈ 0.4 GB at 500k papers. `close()` when no
 * row will be read (`readAll` closes it too).
 */
async function readSentenceFile(
  layout: DataDirLayout,
  embedder: EmbedderInfo,
): Promise<{ meta: z.infer<typeof metaSchema>; vectors: QuantizedRows; rows: RowReader; close: () => void } | { problem: LoadProblem }> {
  let fd: number;
  try {
    fd = openSync(layout.sentences, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { problem: missingFile('its file is missing') };
    throw error;
  }
  let meta: z.infer<typeof metaSchema> | undefined;
  let scales: Float32Array | undefined;
  let problem: LoadProblem | undefined;
  let streamed: ReturnType<typeof openSealedFileInPlace>;
  try {
    streamed = openSealedFileInPlace(fd, MAGIC, 'sentence index', (header, bodyLength) => {
      const parsed = metaSchema.safeParse(header);
      if (!parsed.success) return refuse(damagedFile('its header is invalid'));
      meta = parsed.data;
      if (meta.version !== FORMAT_VERSION) return refuse(staleFile(`it is of format version ${meta.version}, not ${FORMAT_VERSION}`));
      if (!sameEmbedder(meta.embedder, embedder)) {
        return refuse(
          staleFile(
            `it was built by ${meta.embedder.kind} ${embedderModelLabel(meta.embedder)}, not ${embedder.kind} ${embedderModelLabel(embedder)}`,
          ),
        );
      }
      const expectedBytes = meta.count * (Float32Array.BYTES_PER_ELEMENT + meta.embedder.dimension);
      if (bodyLength !== expectedBytes) return refuse(damagedFile(`its vectors take ${bodyLength} bytes, not ${expectedBytes}`));
      if (meta.paperHashes.length !== meta.paperIds.length)
        return refuse(damagedFile(`it lists ${meta.paperIds.length} papers but ${meta.paperHashes.length} hashes`));
      return { keep: meta.count * Float32Array.BYTES_PER_ELEMENT };
    });
    if (!('problem' in streamed)) scales = new Float32Array(streamed.kept.buffer, streamed.kept.byteOffset, meta?.count);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  function refuse(found: LoadProblem) {
    problem = found;
    return { problem: found.message };
  }
  if (problem || 'problem' in streamed || !meta || !scales) {
    closeSync(fd);
    return { problem: problem ?? damagedFile('problem' in streamed ? streamed.problem : 'it could not be read') };
  }
  if (!(await streamed.verified)) {
    closeSync(fd);
    return { problem: damagedFile('it does not match its checksum: damaged or cut short') };
  }
  const { count, embedder: built } = meta;
  const dimension = built.dimension;
  const codesAt = streamed.bodyStart + scales.byteLength;
  // Untouched until read: the memory of the rows read so far.
  const codes = new Int8Array(count * dimension);
  const read = new Uint8Array(count);
  const file = new HeldFile(fd);
  const close = () => file.close();
  let unread = count;
  const rows: RowReader = {
    readRow: (row) => {
      if (read[row] === 1 || row < 0 || row >= count) return;
      if (readFully(fd, codes.subarray(row * dimension, (row + 1) * dimension), codesAt + row * dimension) !== dimension)
        throw new PaperscopeError('INDEX_DAMAGED', `The sentence index ${layout.sentences} was cut short while in use.`);
      read[row] = 1;
      unread--;
    },
    readAll: () => {
      if (unread === 0) return close();
      if (readFully(fd, codes, codesAt) !== codes.length)
        throw new PaperscopeError('INDEX_DAMAGED', `The sentence index ${layout.sentences} was cut short while in use.`);
      read.fill(1);
      unread = 0;
      close();
    },
  };
  file.closeWhenCollected(rows);
  return { meta, vectors: { scales, codes }, rows, close };
}

/** Why the sentences' BM25 file does not belong to the sentence file, if it does not. */
function lexicalMismatch(
  meta: { tableVersion: number; count: number },
  lexical: { tableVersion: number; documentCount: number },
): LoadProblem | undefined {
  if (lexical.tableVersion !== meta.tableVersion)
    return staleFile(`its BM25 file was built from table version ${lexical.tableVersion}, not ${meta.tableVersion}`);
  if (lexical.documentCount !== meta.count)
    return damagedFile(`its BM25 index holds ${lexical.documentCount} sentences, not ${meta.count}`);
  return undefined;
}
