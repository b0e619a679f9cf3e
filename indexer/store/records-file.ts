import { readSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import { PaperscopeError } from '../../core/errors.js';
import { damagedFile, type LoadProblem, staleFile, unreadableFile } from '../../core/load-problem.js';
import { plural } from '../../core/plural.js';
import { alignTo, readSealedHeader, sealFile } from '../../core/sealed-file.js';
import { uncountedBuffer } from '../../core/uncounted-buffer.js';
import type { DataDirLayout } from './files.js';
import { replaceFileAtomically } from './files.js';
import {
  arrowFileTable,
  briefsFromArrow,
  briefsToArrowFile,
  type PaperDetails,
  type PaperRecords,
  type StoredPaper,
} from './papers-table.js';

/**
 * The papers' records (everything but the vectors) as a snapshot beside the table, stamped with its
 * version like the other derived files: a server reads it instead of scanning LanceDB's columns (and
 * a replica on object storage reads a local copy). A missing, damaged or stale snapshot is never
 * trusted: the server reads the table.
 *
 * The body of the sealed file (`sealFile`) holds, each part 8-byte aligned: the briefs as an Arrow
 * IPC file (what a server keeps in memory), the byte offset of each paper's details (f64, one more
 * than there are papers), a CRC-32 of each paper's details (u32), then the details themselves, one
 * UTF-8 JSON object per paper. A server reads the briefs, offsets and checksums at start (checked by
 * the header's `headChecksum`) and the details of the papers it shows by offset, each checked on
 * read: at a million papers the details are ≈ 1.7 GB that need not be in memory, nor read whole at
 * every start to verify the whole-file checksum.
 */
const MAGIC = 'PSRC';
const FORMAT = 'paperscope-records';
const FORMAT_VERSION = 2;
/** Details kept decoded, the most recently read. */
const RECENT_DETAILS = 4_096;
/** Details are written in chunks of about this many bytes: one write per chunk, not per paper. */
const WRITE_CHUNK_BYTES = 8 << 20;

const headerSchema = z.object({
  format: z.literal(FORMAT),
  version: z.number().int(),
  tableVersion: z.number().int().nonnegative(),
  count: z.number().int().nonnegative(),
  briefsBytes: z.number().int().nonnegative().optional(),
  headChecksum: z.number().int().nonnegative().optional(),
});
type Header = z.infer<typeof headerSchema>;

/** The records file's body for some papers, made before the table version it is stamped with is known (`recordsBody`). */
export interface RecordsBody {
  count: number;
  /** The briefs as an Arrow IPC file, the details' offsets and checksums: the part a server reads at start. */
  head: Uint8Array[];
  briefsBytes: number;
  /** The details, one UTF-8 JSON object per paper, in chunks of about `WRITE_CHUNK_BYTES`. */
  chunks: Buffer[];
}

/**
 * The body of the records file of `papers` (in table order). Asynchronous, giving way to the event
 * loop after each chunk: the indexer makes it while LanceDB writes the same papers on its own
 * threads, which leave this one waiting (at a million papers ≈ 60 s of CPU that came after the write).
 */
export async function recordsBody(papers: readonly StoredPaper[]): Promise<RecordsBody> {
  const briefs = briefsToArrowFile(papers);
  const offsets = new Float64Array(papers.length + 1);
  const checksums = new Uint32Array(alignTo(papers.length, 2));
  const chunks: Buffer[] = [];
  // Each paper's JSON is written straight into the chunk, not into a Buffer of its own then copied:
  // those were as many bytes again of ArrayBuffers (8 kB pool slabs), and with the chunks, held until
  // the file is written, a full collection per 64 MB (`uncountedBuffer`).
  let chunk = uncountedBuffer(WRITE_CHUNK_BYTES);
  let used = 0;
  for (const [row, paper] of papers.entries()) {
    const details: PaperDetails = {
      abstract: paper.abstract,
      authors: paper.authors,
      categories: paper.categories,
      organization: paper.organization,
      url: paper.url,
      sourceFile: paper.sourceFile,
    };
    const json = JSON.stringify(details);
    const length = Buffer.byteLength(json);
    if (used + length > chunk.length) {
      if (used > 0) chunks.push(chunk.subarray(0, used));
      chunk = uncountedBuffer(Math.max(WRITE_CHUNK_BYTES, length));
      used = 0;
      await new Promise((resolve) => setImmediate(resolve));
    }
    chunk.write(json, used);
    checksums[row] = crc32(chunk.subarray(used, used + length));
    offsets[row + 1] = (offsets[row] as number) + length;
    used += length;
  }
  chunks.push(chunk.subarray(0, used));
  return {
    count: papers.length,
    head: [padded(briefs), new Uint8Array(offsets.buffer), new Uint8Array(checksums.buffer)],
    briefsBytes: briefs.length,
    chunks,
  };
}

/** Writes the snapshot of `papers` (in table order, or their `recordsBody`) for `tableVersion`, atomically. */
export async function writeRecordsFile(
  layout: DataDirLayout,
  papers: readonly StoredPaper[] | RecordsBody,
  tableVersion: number,
): Promise<void> {
  const { count, head, briefsBytes, chunks } = 'chunks' in papers ? papers : await recordsBody(papers);
  const headChecksum = head.reduce((checksum, part) => crc32(part, checksum), 0);
  const header: Header = {
    format: FORMAT,
    version: FORMAT_VERSION,
    tableVersion,
    count,
    briefsBytes,
    headChecksum,
  };
  const parts = sealFile(MAGIC, header, [...head, ...chunks]);
  await replaceFileAtomically(layout.records, async (temporary) => {
    const handle = await open(temporary, 'w');
    try {
      for (const part of parts) await handle.write(part);
    } finally {
      await handle.close();
    }
  });
}

/**
 * The snapshot's records when it is intact and of `expected`, else why it cannot be used. The
 * records keep the file open to read details from: `close()` them when done.
 */
export async function readRecordsFile(
  layout: DataDirLayout,
  expected: { tableVersion: number; count: number },
): Promise<{ records: PaperRecords } | { problem: LoadProblem; newer?: boolean }> {
  let handle: FileHandle;
  try {
    handle = await open(layout.records, 'r');
  } catch (error) {
    return { problem: unreadableFile(error) };
  }
  try {
    const opened = await openRecords(handle, layout.records, expected);
    if ('problem' in opened) await handle.close();
    return opened;
  } catch (error) {
    await handle.close();
    return { problem: damagedFile((error as Error).message) };
  }
}

async function openRecords(
  handle: FileHandle,
  file: string,
  expected: { tableVersion: number; count: number },
): Promise<{ records: PaperRecords } | { problem: LoadProblem; newer?: boolean }> {
  const sealed = await readSealedHeader(handle, MAGIC, 'records');
  if ('problem' in sealed) return { problem: damagedFile(sealed.problem) };
  const parsed = headerSchema.safeParse(sealed.header);
  if (!parsed.success) return { problem: damagedFile('its header is invalid') };
  const header = parsed.data;
  if (header.version !== FORMAT_VERSION) return { problem: staleFile(`written in format ${header.version}, not ${FORMAT_VERSION}`) };
  if (header.tableVersion !== expected.tableVersion) {
    const problem = staleFile(`built from table version ${header.tableVersion}, not ${expected.tableVersion}`);
    // A newer one is an indexer's, written before its manifest: not to be replaced by a reader.
    return header.tableVersion > expected.tableVersion ? { problem, newer: true } : { problem };
  }
  if (header.count !== expected.count) return { problem: staleFile(`holds ${header.count} papers, not ${expected.count}`) };
  const { count, briefsBytes, headChecksum } = header;
  if (briefsBytes === undefined || headChecksum === undefined) return { problem: damagedFile('its header is invalid') };
  // The Arrow file is read at its own length (its footer ends it), its padding skipped.
  const offsetsStart = alignTo(briefsBytes, 8);
  const headBytes = offsetsStart + (count + 1) * 8 + alignTo(count, 2) * 4;
  const head = Buffer.alloc(headBytes);
  const { bytesRead } = await handle.read(head, 0, headBytes, sealed.bodyStart);
  if (bytesRead < headBytes || crc32(head) !== headChecksum)
    return { problem: damagedFile('its papers do not match their checksum: damaged or cut short') };
  // Views: the briefs are read from the head's Arrow bytes as they are asked for, so it stays.
  const offsets = new Float64Array(head.buffer, head.byteOffset + offsetsStart, count + 1);
  const checksums = new Uint32Array(head.buffer, head.byteOffset + offsetsStart + (count + 1) * 8, count);
  const detailsStart = sealed.bodyStart + headBytes;
  if ((await handle.stat()).size !== detailsStart + (offsets[count] as number))
    return { problem: damagedFile('its size is not what its header says: cut short or extended') };
  const table = arrowFileTable(head.subarray(0, briefsBytes));
  if (table.numRows !== count) return { problem: damagedFile(`its Arrow body holds ${table.numRows} rows, not ${count}`) };
  const briefs = briefsFromArrow(table, 'The records file');
  // Searches show the same papers again and again: a read (its checksum, its JSON) cost ≈ 25 µs,
  // a tenth of a distinct search at 100k. ≈ 1.5 kB a paper.
  const recent = new LRUCache<number, PaperDetails>({ max: RECENT_DETAILS });
  const details = (row: number): PaperDetails => {
    let found = recent.get(row);
    if (found === undefined) {
      found = readDetails(row);
      recent.set(row, found);
    }
    return found;
  };
  const readDetails = (row: number): PaperDetails => {
    const start = offsets[row] as number;
    const bytes = Buffer.allocUnsafe((offsets[row + 1] as number) - start);
    const read = readSync(handle.fd, bytes, 0, bytes.length, detailsStart + start);
    if (read !== bytes.length || crc32(bytes) !== checksums[row])
      throw new PaperscopeError(
        'INDEX_DAMAGED',
        `The records file ${file} is damaged: the details of paper "${briefs.ids[row]}" (row ${row}) do not match their checksum. Run "paperscope index" again to rewrite it (the papers table is not affected).`,
        { file },
      );
    return JSON.parse(bytes.toString('utf8')) as PaperDetails;
  };
  return { records: { briefs, details, close: () => handle.close() } };
}

/** An Arrow file padded to 8 bytes, so the part after it stays aligned. */
function padded(bytes: Uint8Array): Uint8Array {
  const length = alignTo(bytes.length, 8);
  if (length === bytes.length) return bytes;
  const out = new Uint8Array(length);
  out.set(bytes);
  return out;
}

/**
 * Why the records file cannot be used for `expected`, reading every paper's details against its
 * checksum as well (a server checks only those it shows), or undefined when it is sound.
 */
export async function recordsFileProblem(
  layout: DataDirLayout,
  expected: { tableVersion: number; count: number },
): Promise<LoadProblem | undefined> {
  const read = await readRecordsFile(layout, expected);
  if ('problem' in read) return read.problem;
  const { briefs, details, close } = read.records;
  try {
    const damaged = briefs.ids.flatMap((id, row) => {
      try {
        details(row);
        return [];
      } catch {
        return [id];
      }
    });
    if (damaged.length === 0) return undefined;
    const listed = damaged.slice(0, 10).join(', ');
    return damagedFile(
      `the details of ${plural(damaged.length, 'paper')} (${listed}${damaged.length > 10 ? ', …' : ''}) do not match their checksum`,
    );
  } finally {
    await close?.();
  }
}
