import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { z } from 'zod';
import type { DataDirLayout } from './files.js';
import { replaceFileAtomically } from './files.js';
import { arrowFileTable, type PaperRecords, recordsFromArrow, recordsToArrowFile, type StoredPaper } from './papers-table.js';

/**
 * The papers' records (everything but the vectors) as a snapshot beside the table, stamped with its
 * version like the other derived files: a server reads it in one file read instead of scanning
 * LanceDB's columns, a third of its start at 100k papers (and a replica on object storage reads a
 * local copy). A missing, damaged or stale snapshot is never trusted: the server reads the table.
 *
 * Layout: "PSRC", CRC-32 of every byte after it, the JSON header's byte length (u32 LE), the
 * header, zero padding to 8 bytes, then an Arrow IPC file.
 */
const MAGIC = 'PSRC';
const FORMAT = 'paperscope-records';
const FORMAT_VERSION = 1;
const PREFIX_BYTES = 12;
const CHECKED_FROM = 8;

const headerSchema = z.object({
  format: z.literal(FORMAT),
  version: z.literal(FORMAT_VERSION),
  tableVersion: z.number().int().nonnegative(),
  count: z.number().int().nonnegative(),
});

/** Writes the snapshot of `papers` (in table order) for `tableVersion`, atomically. */
export async function writeRecordsFile(layout: DataDirLayout, papers: readonly StoredPaper[], tableVersion: number): Promise<void> {
  const header = Buffer.from(JSON.stringify({ format: FORMAT, version: FORMAT_VERSION, tableVersion, count: papers.length } satisfies z.infer<typeof headerSchema>));
  const prefix = Buffer.alloc(align(PREFIX_BYTES + header.length));
  prefix.write(MAGIC, 0, 'latin1');
  prefix.writeUInt32LE(header.length, CHECKED_FROM);
  header.copy(prefix, PREFIX_BYTES);
  const body = recordsToArrowFile(papers);
  // Checksummed and written in two parts: the body is the size of the corpus, not copied again.
  prefix.writeUInt32LE(crc32(body, crc32(prefix.subarray(CHECKED_FROM))), 4);
  await replaceFileAtomically(layout.records, async (temporary) => {
    await writeFile(temporary, prefix);
    await appendFile(temporary, body);
  });
}

/** The snapshot's records when it is intact and of `expected`, else why it cannot be used. */
export async function readRecordsFile(layout: DataDirLayout, expected: { tableVersion: number; count: number }): Promise<{ records: PaperRecords } | { problem: string }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(layout.records);
  } catch (error) {
    return { problem: (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : (error as Error).message };
  }
  if (bytes.length < PREFIX_BYTES || bytes.toString('latin1', 0, MAGIC.length) !== MAGIC) return { problem: 'not a Paperscope records file' };
  if (crc32(bytes.subarray(CHECKED_FROM)) !== bytes.readUInt32LE(4)) return { problem: 'it does not match its checksum: damaged or cut short' };
  const headerLength = bytes.readUInt32LE(CHECKED_FROM);
  let header: z.infer<typeof headerSchema>;
  try {
    header = headerSchema.parse(JSON.parse(bytes.toString('utf8', PREFIX_BYTES, PREFIX_BYTES + headerLength)));
  } catch {
    return { problem: 'its header is invalid' };
  }
  if (header.tableVersion !== expected.tableVersion) return { problem: `built from table version ${header.tableVersion}, not ${expected.tableVersion}` };
  if (header.count !== expected.count) return { problem: `holds ${header.count} papers, not ${expected.count}` };
  try {
    // Arrow's typed-array views need 8-byte alignment; a file read on its own starts aligned.
    const aligned = bytes.byteOffset % 8 === 0 ? bytes : Buffer.from(bytes);
    const table = arrowFileTable(aligned.subarray(align(PREFIX_BYTES + headerLength)));
    if (table.numRows !== header.count) return { problem: `its Arrow body holds ${table.numRows} rows, not ${header.count}` };
    return { records: recordsFromArrow(table, 'The records file') };
  } catch (error) {
    return { problem: `its Arrow body could not be read (${(error as Error).message})` };
  }
}

function align(offset: number): number {
  return Math.ceil(offset / 8) * 8;
}
