import { appendFile } from 'node:fs/promises';
import { z } from 'zod';
import { damagedFile, type LoadProblem, staleFile } from '../../core/load-problem.js';
import { readSealedFile, sealFile } from '../../core/sealed-file.js';
import type { DataDirLayout } from './files.js';
import { replaceFileAtomically } from './files.js';
import { arrowFileTable, type PaperRecords, recordsFromArrow, recordsToArrowFile, type StoredPaper } from './papers-table.js';

/**
 * The papers' records (everything but the vectors) as a snapshot beside the table, stamped with its
 * version like the other derived files: a server reads it in one file read instead of scanning
 * LanceDB's columns, a third of its start at 100k papers (and a replica on object storage reads a
 * local copy). A missing, damaged or stale snapshot is never trusted: the server reads the table.
 * The body of the sealed file (`sealFile`) is an Arrow IPC file.
 */
const MAGIC = 'PSRC';
const FORMAT = 'paperscope-records';
const FORMAT_VERSION = 1;

const headerSchema = z.object({
  format: z.literal(FORMAT),
  version: z.literal(FORMAT_VERSION),
  tableVersion: z.number().int().nonnegative(),
  count: z.number().int().nonnegative(),
});

/** Writes the snapshot of `papers` (in table order) for `tableVersion`, atomically. */
export async function writeRecordsFile(layout: DataDirLayout, papers: readonly StoredPaper[], tableVersion: number): Promise<void> {
  const header: z.infer<typeof headerSchema> = { format: FORMAT, version: FORMAT_VERSION, tableVersion, count: papers.length };
  const parts = sealFile(MAGIC, header, [recordsToArrowFile(papers)]);
  // Written part by part: the body is the size of the corpus, not copied again.
  await replaceFileAtomically(layout.records, async (temporary) => {
    for (const part of parts) await appendFile(temporary, part);
  });
}

/** The snapshot's records when it is intact and of `expected`, else why it cannot be used. */
export async function readRecordsFile(
  layout: DataDirLayout,
  expected: { tableVersion: number; count: number },
): Promise<{ records: PaperRecords } | { problem: LoadProblem; newer?: boolean }> {
  const sealed = await readSealedFile(layout.records, MAGIC, 'records', headerSchema);
  if ('problem' in sealed) return sealed;
  const { header } = sealed;
  if (header.tableVersion !== expected.tableVersion) {
    const problem = staleFile(`built from table version ${header.tableVersion}, not ${expected.tableVersion}`);
    // A newer one is an indexer's, written before its manifest: not to be replaced by a reader.
    return header.tableVersion > expected.tableVersion ? { problem, newer: true } : { problem };
  }
  if (header.count !== expected.count) return { problem: staleFile(`holds ${header.count} papers, not ${expected.count}`) };
  try {
    const table = arrowFileTable(sealed.body);
    if (table.numRows !== header.count) return { problem: damagedFile(`its Arrow body holds ${table.numRows} rows, not ${header.count}`) };
    return { records: recordsFromArrow(table, 'The records file') };
  } catch (error) {
    return { problem: damagedFile(`its Arrow body could not be read (${(error as Error).message})`) };
  }
}
