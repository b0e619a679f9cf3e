import { appendFile } from 'node:fs/promises';
import { z } from 'zod';
import {
  type DataDirLayout,
  damagedFile,
  type LoadProblem,
  readSealedFile,
  replaceFileAtomically,
  sealFile,
  staleFile,
} from '../store/index.js';
import type { RelatedView } from './view.js';

/**
 * The related-papers view (view.ts) as a derived file, stamped with the table version and the
 * topic count it was computed for. The body of the sealed file (core/sealed-file.ts) is the
 * TF-IDF's row offsets, columns and weights, then the topic mixtures: 4-byte values, viewed in place.
 */
const MAGIC = 'PSRL';
const FORMAT = 'paperscope-related';
const FORMAT_VERSION = 1;

const headerSchema = z.object({
  format: z.literal(FORMAT),
  version: z.number().int(),
  tableVersion: z.number().int().nonnegative(),
  count: z.number().int().nonnegative(),
  topicCount: z.number().int().nonnegative(),
  vocabularySize: z.number().int().nonnegative(),
  entries: z.number().int().nonnegative(),
  mixtureSize: z.number().int().nonnegative(),
});

/** Writes `view` (of the table's papers, in order) for `tableVersion`, atomically. */
export async function writeRelatedFile(layout: DataDirLayout, view: RelatedView, tableVersion: number): Promise<void> {
  const { offsets, columns, weights, vocabularySize } = view.tfIdf;
  const header: z.infer<typeof headerSchema> = {
    format: FORMAT,
    version: FORMAT_VERSION,
    tableVersion,
    count: offsets.length - 1,
    topicCount: view.topicCount,
    vocabularySize,
    entries: columns.length,
    mixtureSize: view.mixtureSize,
  };
  const bytes = (array: Int32Array | Float32Array) => new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
  const parts = sealFile(MAGIC, header, [bytes(offsets), bytes(columns), bytes(weights), bytes(view.mixtures)]);
  await replaceFileAtomically(layout.related, async (temporary) => {
    for (const part of parts) await appendFile(temporary, part);
  });
}

/**
 * The saved view when it is intact and of `expected` (table version, paper count, the index's
 * topic count), else why not; `newer` when an indexer wrote it for a table version not yet published.
 */
export async function readRelatedFile(
  layout: DataDirLayout,
  expected: { tableVersion: number; count: number; topicCount: number },
): Promise<{ view: RelatedView } | { problem: LoadProblem; newer?: boolean }> {
  const sealed = await readSealedFile(layout.related, MAGIC, 'related-papers', headerSchema);
  if ('problem' in sealed) return sealed;
  const { header } = sealed;
  if (header.version !== FORMAT_VERSION) return { problem: staleFile(`it is of format version ${header.version}, not ${FORMAT_VERSION}`) };
  if (header.tableVersion !== expected.tableVersion) {
    const problem = staleFile(`built from table version ${header.tableVersion}, not ${expected.tableVersion}`);
    return header.tableVersion > expected.tableVersion ? { problem, newer: true } : { problem };
  }
  if (header.count !== expected.count) return { problem: staleFile(`holds ${header.count} papers, not ${expected.count}`) };
  if (header.topicCount !== expected.topicCount)
    return { problem: staleFile(`fitted at ${header.topicCount} topics, not the index's ${expected.topicCount}`) };
  const lengths = [header.count + 1, header.entries, header.entries, header.count * header.mixtureSize];
  const expectedBytes = 4 * lengths.reduce((sum, length) => sum + length, 0);
  if (sealed.body.length !== expectedBytes)
    return { problem: damagedFile(`its body takes ${sealed.body.length} bytes, not ${expectedBytes}`) };
  // The sealed body is 8-byte aligned and each part a multiple of 4 bytes: views, not copies.
  let start = sealed.body.byteOffset;
  const next = <T>(make: (buffer: ArrayBufferLike, offset: number, length: number) => T, length: number): T => {
    const array = make(sealed.body.buffer, start, length);
    start += 4 * length;
    return array;
  };
  const offsets = next((buffer, offset, length) => new Int32Array(buffer, offset, length), lengths[0] as number);
  const columns = next((buffer, offset, length) => new Int32Array(buffer, offset, length), header.entries);
  const weights = next((buffer, offset, length) => new Float32Array(buffer, offset, length), header.entries);
  const mixtures = next((buffer, offset, length) => new Float32Array(buffer, offset, length), lengths[3] as number);
  if (offsets[0] !== 0 || offsets[header.count] !== header.entries)
    return { problem: damagedFile('its row offsets do not cover its entries') };
  return {
    view: {
      topicCount: header.topicCount,
      tfIdf: { vocabularySize: header.vocabularySize, offsets, columns, weights },
      mixtures,
      mixtureSize: header.mixtureSize,
    },
  };
}
