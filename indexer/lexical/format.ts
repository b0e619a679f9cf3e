import { closeSync, openSync } from 'node:fs';
import os from 'node:os';
import { z } from 'zod';
import { PaperscopeError } from '../../core/errors.js';
import { damagedFile, type LoadProblem, staleFile, unreadableFile } from '../../core/load-problem.js';
import { HeldFile, openSealedFile, readFully, sealFile, streamSealedFile } from '../../core/sealed-file.js';
import { decodeVarints, encodeVarints } from './codec.js';
import type { LexicalData } from './lexical-index.js';
import { validateParams } from './params.js';

export const LEXICAL_FORMAT = 'paperscope-lexical';
export const LEXICAL_FORMAT_VERSION = 1;

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'expected base64');

/**
 * The JSON form, embedded in the sentence index file: JSON with the integer arrays as base64 varints. Posting documents are stored
 * as gaps within each term's list, which keeps most of them to one byte.
 */
export const serializedLexicalIndexSchema = z.object({
  format: z.literal(LEXICAL_FORMAT),
  version: z.literal(LEXICAL_FORMAT_VERSION),
  params: z.object({ k1: z.number(), b: z.number(), titleWeight: z.number() }),
  ids: z.array(z.string().min(1)),
  terms: z.array(z.string().min(1)),
  surfaces: z.array(z.string().min(1)),
  postingCount: z.number().int().nonnegative(),
  titleLengths: base64,
  abstractLengths: base64,
  documentFrequencies: base64,
  postingGaps: base64,
  titleTf: base64,
  abstractTf: base64,
  /** Word positions of the occurrences, in posting order; absent from indexes written without them. */
  positions: base64.optional(),
});

export type SerializedLexicalIndex = z.infer<typeof serializedLexicalIndexSchema>;

/** Index statistics as a JSON-ready object. */
export function encodeLexicalData(data: LexicalData): SerializedLexicalIndex {
  const termCount = data.terms.length;
  const frequencies = new Uint32Array(termCount);
  const gaps = new Uint32Array(data.postingDocs.length);
  for (let term = 0; term < termCount; term++) {
    const start = data.termOffsets[term] as number;
    const end = data.termOffsets[term + 1] as number;
    frequencies[term] = end - start;
    let previous = 0;
    for (let posting = start; posting < end; posting++) {
      const doc = data.postingDocs[posting] as number;
      gaps[posting] = doc - previous;
      previous = doc;
    }
  }
  return {
    format: LEXICAL_FORMAT,
    version: LEXICAL_FORMAT_VERSION,
    params: { ...data.params },
    ids: [...data.ids],
    terms: [...data.terms],
    surfaces: [...data.surfaces],
    postingCount: data.postingDocs.length,
    titleLengths: encodeVarints(data.titleLengths),
    abstractLengths: encodeVarints(data.abstractLengths),
    documentFrequencies: encodeVarints(frequencies),
    postingGaps: encodeVarints(gaps),
    titleTf: encodeVarints(data.titleTf),
    abstractTf: encodeVarints(data.abstractTf),
    ...(data.positions ? { positions: encodeVarints(data.positions) } : {}),
  };
}

/**
 * Validates and decodes the stored form (the object, or its JSON text). Anything malformed or
 * inconsistent is an INDEX_MISMATCH naming the field, since the cure is to rebuild.
 */
export function decodeLexicalData(json: unknown): LexicalData {
  const parsed = serializedLexicalIndexSchema.safeParse(typeof json === 'string' ? parseJson(json) : json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') || '(root)';
    throw invalid(field, issue?.message ?? 'invalid value');
  }
  const stored = parsed.data;
  const documentCount = stored.ids.length;
  const termCount = stored.terms.length;
  const titleLengths = decodeField(stored, 'titleLengths', documentCount);
  const abstractLengths = decodeField(stored, 'abstractLengths', documentCount);
  const frequencies = decodeField(stored, 'documentFrequencies', termCount);
  const gaps = decodeField(stored, 'postingGaps', stored.postingCount);
  const titleTf = decodeField(stored, 'titleTf', stored.postingCount);
  const abstractTf = decodeField(stored, 'abstractTf', stored.postingCount);

  const termOffsets = new Uint32Array(termCount + 1);
  for (let term = 0; term < termCount; term++) {
    termOffsets[term + 1] = (termOffsets[term] as number) + (frequencies[term] as number);
  }
  if (termOffsets[termCount] !== stored.postingCount) {
    throw invalid('documentFrequencies', `sum to ${termOffsets[termCount]}, expected postingCount ${stored.postingCount}`);
  }
  const postingDocs = new Uint32Array(stored.postingCount);
  for (let term = 0; term < termCount; term++) {
    let doc = 0;
    for (let posting = termOffsets[term] as number; posting < (termOffsets[term + 1] as number); posting++) {
      doc += gaps[posting] as number;
      postingDocs[posting] = Math.min(doc, 0xffffffff);
    }
  }
  const data: LexicalData = {
    params: stored.params,
    ids: stored.ids,
    terms: stored.terms,
    surfaces: stored.surfaces,
    titleLengths,
    abstractLengths,
    termOffsets,
    postingDocs,
    titleTf: toUint16(titleTf, 'titleTf'),
    abstractTf: toUint16(abstractTf, 'abstractTf'),
  };
  checkConsistency(data, 'postingGaps');
  if (stored.positions !== undefined) {
    let occurrences = 0;
    for (let posting = 0; posting < stored.postingCount; posting++)
      occurrences += (titleTf[posting] as number) + (abstractTf[posting] as number);
    data.positions = toUint16(decodeField(stored, 'positions', occurrences), 'positions');
    checkPositions(data.titleTf, data.abstractTf, data.positions);
  }
  return data;
}

/**
 * The checks both stored forms share: valid parameters, one surface per term, unique ids (unique
 * terms are checked by the index, whose term map finds them); with `postingsField`, posting lists
 * that ascend strictly within the documents and count an occurrence. The binary file leaves those
 * to the index, which checks a term's postings and positions when it first uses them: every
 * posting on every start-up was ≈ 0.1 s at 100k papers, ≈ 1 s at a million, and the file's
 * checksum already stands for what was written.
 */
function checkConsistency(data: LexicalData, postingsField: string | undefined, skipIdCheck = false): void {
  try {
    validateParams(data.params);
  } catch (error) {
    throw invalid('params', error instanceof Error ? error.message : String(error));
  }
  const { ids, terms, surfaces, termOffsets, postingDocs, titleTf, abstractTf } = data;
  if (surfaces.length !== terms.length) throw invalid('surfaces', `has ${surfaces.length} entries for ${terms.length} terms`);
  if (!skipIdCheck && new Set(ids).size !== ids.length) throw invalid('ids', 'contains duplicates');
  if (postingsField === undefined) return;
  const bad = firstInvalidTerm(termOffsets, postingDocs, titleTf, abstractTf, ids.length);
  if (bad < 0) return;
  let previous = -1;
  for (let posting = termOffsets[bad] as number; posting < (termOffsets[bad + 1] as number); posting++) {
    const doc = postingDocs[posting] as number;
    if (doc <= previous) throw invalid(postingsField, `term "${terms[bad]}" lists a document twice or out of order`);
    if (doc >= ids.length) throw invalid(postingsField, `term "${terms[bad]}" points past the last document`);
    if (titleTf[posting] === 0 && abstractTf[posting] === 0)
      throw invalid('titleTf', `term "${terms[bad]}" has a posting with no occurrences`);
    previous = doc;
  }
}

/**
 * The first term whose postings do not ascend strictly within the documents or count no
 * occurrence, else -1. A tight loop of its own: it visits every posting on each server start,
 * and runs ~3× faster than with the error reporting inline.
 */
function firstInvalidTerm(
  termOffsets: Uint32Array,
  postingDocs: Uint32Array,
  titleTf: Uint16Array,
  abstractTf: Uint16Array,
  documentCount: number,
): number {
  const termCount = termOffsets.length - 1;
  for (let term = 0; term < termCount; term++) {
    let previous = -1;
    const end = termOffsets[term + 1] as number;
    for (let posting = termOffsets[term] as number; posting < end; posting++) {
      const doc = postingDocs[posting] as number;
      if (doc <= previous || doc >= documentCount || (titleTf[posting] === 0 && abstractTf[posting] === 0)) return term;
      previous = doc;
    }
  }
  return -1;
}

/** The sealed file's magic (core/sealed-file.ts); files of the framing before it start with `LEGACY_MAGIC`. */
const BINARY_MAGIC = 'PSBM';
const LEGACY_MAGIC = 'PSLX';
/**
 * Version 5 moved to the sealed framing (versions 3 and 4 were "PSLX" files, now rebuilt); version 6
 * spells terms as `normaliseSpelling` does ("tumor" for "tumour", "alpha" for "α"), so an index of an
 * earlier version is rebuilt rather than missing the papers a query's spelling no longer reaches.
 */
export const LEXICAL_BINARY_VERSION = 6;

const binaryHeaderSchema = z.object({
  format: z.literal(LEXICAL_FORMAT),
  version: z.number().int(),
  /** How many word positions follow the counts (0: none stored). */
  positionCount: z.number().int().nonnegative(),
  /** The papers-table version the index was built from; a stale index is rebuilt, never trusted. */
  tableVersion: z.number().int().nonnegative(),
  params: z.object({ k1: z.number(), b: z.number(), titleWeight: z.number() }),
  documentCount: z.number().int().nonnegative(),
  termCount: z.number().int().nonnegative(),
  postingCount: z.number().int().nonnegative(),
  /** Ids "0", "1", … (the sentence index's) are not stored: `stringBytes.ids` is then 0. */
  sequentialIds: z.boolean(),
  /** Byte lengths of the JSON string arrays at the end of the body. */
  stringBytes: z.object({
    ids: z.number().int().nonnegative(),
    terms: z.number().int().nonnegative(),
    surfaces: z.number().int().nonnegative(),
  }),
});

type BinaryHeader = z.infer<typeof binaryHeaderSchema>;

/**
 * The on-disk file, sealed (`sealFile`: magic, CRC-32, JSON header): the body holds the raw
 * little-endian typed arrays, then the three string arrays as JSON. The parts are returned to be
 * written one after another, so the arrays are checksummed and written without being copied;
 * loading is one read and typed-array views over it, with no per-value decoding.
 * @example await writeFile(file, encodeLexicalFile(data, tableVersion));
 */
export function encodeLexicalFile(data: LexicalData, tableVersion: number): Uint8Array[] {
  const sequentialIds = data.ids.every((id, index) => id === String(index));
  const strings = {
    ids: sequentialIds ? Buffer.alloc(0) : jsonBytes(data.ids),
    terms: jsonBytes(data.terms),
    surfaces: jsonBytes(data.surfaces),
  };
  const arrays = [
    data.titleLengths,
    data.abstractLengths,
    data.termOffsets,
    data.postingDocs,
    data.titleTf,
    data.abstractTf,
    ...(data.positions ? [data.positions] : []),
  ];
  const parts = arrays.map((array) => new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
  const arrayBytes = parts.reduce((sum, part) => sum + part.length, 0);
  const header: BinaryHeader = {
    format: LEXICAL_FORMAT,
    version: LEXICAL_BINARY_VERSION,
    tableVersion,
    params: { ...data.params },
    documentCount: data.ids.length,
    termCount: data.terms.length,
    postingCount: data.postingDocs.length,
    positionCount: data.positions?.length ?? 0,
    sequentialIds,
    stringBytes: { ids: strings.ids.length, terms: strings.terms.length, surfaces: strings.surfaces.length },
  };
  return sealFile(BINARY_MAGIC, header, [
    ...parts,
    Buffer.alloc(align(arrayBytes, 4) - arrayBytes),
    strings.ids,
    strings.terms,
    strings.surfaces,
  ]);
}

/**
 * Decodes a file written by `encodeLexicalFile`, or says why it cannot be used: `stale` when it
 * is of an earlier format (the caller rebuilds it), `damaged` when it does not read back as
 * written (checksum, header or an inconsistent body).
 */
export function decodeLexicalFile(file: Uint8Array): { tableVersion: number; data: LexicalData } | { problem: LoadProblem } {
  const read = readLexicalFile(file);
  if ('problem' in read) return read;
  try {
    return { tableVersion: read.header.tableVersion, data: decodeBody(read.header, read.body) };
  } catch (error) {
    return { problem: damagedFile((error as Error).message) };
  }
}

/** What the file's header says of it: enough to judge a sound file current, without decoding its body. */
export interface LexicalFileSummary {
  tableVersion: number;
  documentCount: number;
  hasPositions: boolean;
}

/**
 * The header of a sound file of the current format (its checksum verified over every byte), or why
 * not: a check that costs a read and a CRC, not the index's construction.
 */
export function summarizeLexicalFile(file: Uint8Array): LexicalFileSummary | { problem: LoadProblem } {
  const read = readLexicalFile(file);
  if ('problem' in read) return read;
  const { tableVersion, documentCount, positionCount } = read.header;
  return { tableVersion, documentCount, hasPositions: positionCount > 0 };
}

function readLexicalFile(file: Uint8Array): { header: BinaryHeader; body: Buffer } | { problem: LoadProblem } {
  const bytes = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  if (bytes.toString('latin1', 0, 4) === LEGACY_MAGIC)
    return { problem: staleFile('written by an older version of Paperscope, in an earlier format') };
  const sealed = openSealedFile(bytes, BINARY_MAGIC, 'lexical index');
  if ('problem' in sealed) return { problem: damagedFile(sealed.problem) };
  const parsed = parseHeader(sealed.header);
  return 'problem' in parsed ? parsed : { header: parsed.header, body: sealed.body };
}

/**
 * Reads a term's postings and positions from the file where they lie (`openLexicalFile`), into the
 * index's arrays at their places: the arrays are allocated whole but untouched, so a server holds in
 * memory only the terms its queries used.
 */
export interface PostingReader {
  /** Fills `postingDocs`, `titleTf` and `abstractTf` over postings [start, end). */
  readPostings(start: number, end: number): void;
  /** Fills `positions` over [start, end). */
  readPositions(start: number, end: number): void;
  /** Closes the file; the postings read so far stay. */
  close(): void;
}

/**
 * Opens the BM25 file at `path` without holding its body: it is read once through to verify its
 * checksum (keeping the document lengths, term offsets and strings, and summing each term's
 * occurrences to know where its positions start), and the postings and positions are then read
 * per term on first use (`PostingReader`). A million papers' file is ≈ 1.1 GB, which a server would
 * otherwise hold whole. Problems as `decodeLexicalFile` says them. `chunkBytes`: the scan's reads
 * (tests make them small).
 */
export function openLexicalFile(path: string, chunkBytes?: number): { tableVersion: number; data: LexicalData } | { problem: LoadProblem } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    return { problem: unreadableFile(error) };
  }
  try {
    const opened = openLexicalFd(fd, chunkBytes);
    if ('problem' in opened) closeSync(fd);
    return opened;
  } catch (error) {
    closeSync(fd);
    return { problem: damagedFile((error as Error).message) };
  }
}

function openLexicalFd(fd: number, chunkBytes: number | undefined): { tableVersion: number; data: LexicalData } | { problem: LoadProblem } {
  const legacy = Buffer.alloc(4);
  readFully(fd, legacy, 0);
  if (legacy.toString('latin1') === LEGACY_MAGIC)
    return { problem: staleFile('written by an older version of Paperscope, in an earlier format') };
  let header: BinaryHeader | undefined;
  let layout: BodyLayout | undefined;
  let headerProblem: LoadProblem | undefined;
  let scan: ((chunk: Buffer, at: number) => void) | undefined;
  const streamed = streamSealedFile(
    fd,
    BINARY_MAGIC,
    'lexical index',
    (raw, bodyLength) => {
      const parsed = parseHeader(raw);
      if ('problem' in parsed) {
        headerProblem = parsed.problem;
        return { problem: parsed.problem.message };
      }
      header = parsed.header;
      layout = bodyLayout(header);
      if (bodyLength !== layout.bodyBytes) return { problem: `its body has ${bodyLength} bytes, expected ${layout.bodyBytes}` };
      scan = bodyScanner(header, layout);
      return scan;
    },
    chunkBytes,
  );
  if (headerProblem) return { problem: headerProblem };
  if ('problem' in streamed) return { problem: damagedFile(streamed.problem) };
  if (!header || !layout || !scan) throw new Error('the lexical file was not scanned');
  const kept = (scan as BodyScanner).kept();
  const { documentCount: documents, postingCount: postings } = header;
  const at = (offset: number) => streamed.bodyStart + offset;
  const body = layout;
  const postingDocs = new Uint32Array(postings);
  const titleTf = new Uint16Array(postings);
  const abstractTf = new Uint16Array(postings);
  const positions = header.positionCount > 0 ? new Uint16Array(header.positionCount) : undefined;
  const file = new HeldFile(fd);
  const read = (target: NodeJS.ArrayBufferView, offset: number) => {
    if (!file.open) throw new PaperscopeError('INDEX_DAMAGED', 'The BM25 index was closed.');
    if (readFully(fd, target, at(offset)) !== target.byteLength) throw invalid('(root)', 'the file was cut short while in use');
  };
  const reader: PostingReader = {
    readPostings: (start, end) => {
      read(postingDocs.subarray(start, end), body.postingDocs + 4 * start);
      read(titleTf.subarray(start, end), body.titleTf + 2 * start);
      read(abstractTf.subarray(start, end), body.abstractTf + 2 * start);
    },
    readPositions: (start, end) => {
      if (positions) read(positions.subarray(start, end), body.positions + 2 * start);
    },
    close: () => file.close(),
  };
  file.closeWhenCollected(reader);
  const data: LexicalData = {
    params: header.params,
    ids: header.sequentialIds ? [] : kept.strings('ids', documents),
    ...(header.sequentialIds ? { numbered: true } : {}),
    terms: kept.strings('terms', header.termCount),
    surfaces: kept.strings('surfaces', header.termCount),
    titleLengths: kept.titleLengths,
    abstractLengths: kept.abstractLengths,
    termOffsets: kept.termOffsets,
    postingDocs,
    titleTf,
    abstractTf,
    ...(positions ? { positions, termPositions: kept.termPositions() } : {}),
    reader,
  };
  checkOffsets(data.termOffsets, header.termCount, postings);
  // Unique ids are checked by the index when it first maps an id to its document (`indexOf`): a
  // set of every id was ≈ 0.1 s of a start at 500k papers, and search maps documents to ids only.
  checkConsistency(data, undefined, true);
  return { tableVersion: header.tableVersion, data };
}

/** Where each part of the body starts, in bytes from the body's start. */
interface BodyLayout {
  titleLengths: number;
  abstractLengths: number;
  termOffsets: number;
  postingDocs: number;
  titleTf: number;
  abstractTf: number;
  positions: number;
  strings: number;
  bodyBytes: number;
}

function bodyLayout(header: BinaryHeader): BodyLayout {
  const { documentCount: documents, termCount: terms, postingCount: postings } = header;
  const abstractLengths = 4 * documents;
  const termOffsets = abstractLengths + 4 * documents;
  const postingDocs = termOffsets + 4 * (terms + 1);
  const titleTf = postingDocs + 4 * postings;
  const abstractTf = titleTf + 2 * postings;
  const positions = abstractTf + 2 * postings;
  const strings = align(positions + 2 * header.positionCount, 4);
  const { ids, terms: termBytes, surfaces } = header.stringBytes;
  return {
    titleLengths: 0,
    abstractLengths,
    termOffsets,
    postingDocs,
    titleTf,
    abstractTf,
    positions,
    strings,
    bodyBytes: strings + ids + termBytes + surfaces,
  };
}

type BodyScanner = ((chunk: Buffer, at: number) => void) & {
  kept(): {
    titleLengths: Uint32Array;
    abstractLengths: Uint32Array;
    termOffsets: Uint32Array;
    strings(field: 'ids' | 'terms' | 'surfaces', count: number): string[];
    termPositions(): Uint32Array;
  };
};

/**
 * What sees the body's chunks as they stream by: it copies the head (lengths, term offsets) and the
 * strings, and sums each term's title and abstract counts (the term offsets come first, so each
 * count's term is known) into where its positions start.
 */
function bodyScanner(header: BinaryHeader, layout: BodyLayout): BodyScanner {
  const { documentCount: documents, termCount: terms, postingCount: postings } = header;
  const head = new Uint8Array(layout.postingDocs);
  const strings = Buffer.alloc(layout.bodyBytes - layout.strings);
  const termOffsets = new Uint32Array(head.buffer, layout.termOffsets, terms + 1);
  /** Occurrences per term, summed over the two count arrays; made into running starts at the end. */
  const occurrences = new Uint32Array(terms + 1);
  // The term of the next count read, per count array (postings ascend within each).
  const cursor = { titleTf: { term: 0 }, abstractTf: { term: 0 } };
  const copyInto = (target: Uint8Array, from: number, chunk: Buffer, at: number) => {
    const start = Math.max(at, from);
    const end = Math.min(at + chunk.length, from + target.length);
    if (start < end) target.set(chunk.subarray(start - at, end - at), start - from);
  };
  const countInto = (part: 'titleTf' | 'abstractTf', chunk: Buffer, at: number) => {
    const from = layout[part];
    const start = Math.max(at, from);
    const end = Math.min(at + chunk.length, from + 2 * postings);
    if (start >= end) return;
    const counts = new Uint16Array(chunk.buffer, chunk.byteOffset + start - at, (end - start) / 2);
    const first = (start - from) / 2;
    const last = first + counts.length;
    // Term by term over the chunk's postings: a tight sum per term, no test per posting.
    const state = cursor[part];
    let term = state.term;
    while (term < terms && (termOffsets[term + 1] as number) <= first) term++;
    for (; term < terms; term++) {
      const termStart = Math.max(termOffsets[term] as number, first);
      const termEnd = Math.min(termOffsets[term + 1] as number, last);
      let sum = 0;
      for (let i = termStart - first; i < termEnd - first; i++) sum += counts[i] as number;
      occurrences[term] = (occurrences[term] as number) + sum;
      if ((termOffsets[term + 1] as number) > last) break;
    }
    state.term = term;
  };
  const scanner = ((chunk: Buffer, at: number) => {
    copyInto(head, 0, chunk, at);
    copyInto(strings, layout.strings, chunk, at);
    if (header.positionCount > 0) {
      countInto('titleTf', chunk, at);
      countInto('abstractTf', chunk, at);
    }
  }) as BodyScanner;
  scanner.kept = () => {
    let stringsAt = 0;
    return {
      titleLengths: new Uint32Array(head.buffer, layout.titleLengths, documents),
      abstractLengths: new Uint32Array(head.buffer, layout.abstractLengths, documents),
      termOffsets,
      strings: (field, count) => {
        const length = header.stringBytes[field];
        const values = stringArray(strings, stringsAt, length, field, count);
        stringsAt += length;
        return values;
      },
      termPositions: () => {
        const starts = new Uint32Array(terms + 1);
        for (let term = 0; term < terms; term++) starts[term + 1] = (starts[term] as number) + (occurrences[term] as number);
        if (starts[terms] !== header.positionCount)
          throw invalid('positions', `has ${header.positionCount} entries for ${starts[terms]} occurrences`);
        return starts;
      },
    };
  };
  return scanner;
}

function checkOffsets(termOffsets: Uint32Array, terms: number, postings: number): void {
  if (termOffsets[0] !== 0 || termOffsets[terms] !== postings) throw invalid('termOffsets', `must run from 0 to postingCount ${postings}`);
  for (let term = 0; term < terms; term++) {
    if ((termOffsets[term + 1] as number) < (termOffsets[term] as number)) throw invalid('termOffsets', `decrease at term ${term}`);
  }
}

function parseHeader(raw: unknown): { header: BinaryHeader } | { problem: LoadProblem } {
  const parsed = binaryHeaderSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { problem: damagedFile(`its header is invalid at "${issue?.path.join('.') ?? ''}": ${issue?.message ?? 'invalid value'}`) };
  }
  if (parsed.data.version !== LEXICAL_BINARY_VERSION)
    return { problem: staleFile(`it is of format version ${parsed.data.version}, not ${LEXICAL_BINARY_VERSION}`) };
  return { header: parsed.data };
}

/** The typed arrays as views over the 8-byte aligned `body`; anything inconsistent throws INDEX_MISMATCH naming the part. */
function decodeBody(header: BinaryHeader, body: Buffer): LexicalData {
  if (os.endianness() !== 'LE') throw invalid('(root)', 'typed arrays are stored little-endian; this machine is big-endian');
  const { documentCount: documents, termCount: terms, postingCount: postings } = header;
  const layout = bodyLayout(header);
  if (body.length !== layout.bodyBytes) throw invalid('(root)', `has a body of ${body.length} bytes, expected ${layout.bodyBytes}`);

  const u32 = (at: number, length: number) => new Uint32Array(body.buffer, body.byteOffset + at, length);
  const u16 = (at: number, length: number) => new Uint16Array(body.buffer, body.byteOffset + at, length);
  const titleLengths = u32(layout.titleLengths, documents);
  const abstractLengths = u32(layout.abstractLengths, documents);
  const termOffsets = u32(layout.termOffsets, terms + 1);
  const postingDocs = u32(layout.postingDocs, postings);
  const titleTf = u16(layout.titleTf, postings);
  const abstractTf = u16(layout.abstractTf, postings);
  const positions = header.positionCount > 0 ? u16(layout.positions, header.positionCount) : undefined;
  let stringsAt = layout.strings;
  const strings = (field: 'ids' | 'terms' | 'surfaces', count: number): string[] => {
    const length = header.stringBytes[field];
    const values = stringArray(body, stringsAt, length, field, count);
    stringsAt += length;
    return values;
  };
  const data: LexicalData = {
    params: header.params,
    ids: header.sequentialIds ? Array.from({ length: documents }, (_, index) => String(index)) : strings('ids', documents),
    terms: strings('terms', terms),
    surfaces: strings('surfaces', terms),
    titleLengths,
    abstractLengths,
    termOffsets,
    postingDocs,
    titleTf,
    abstractTf,
    ...(positions ? { positions } : {}),
  };
  checkOffsets(termOffsets, terms, postings);
  checkConsistency(data, undefined, header.sequentialIds);
  return data;
}

/** One position per counted occurrence, ascending within each posting. */
function checkPositions(titleTf: Uint16Array, abstractTf: Uint16Array, positions: Uint16Array): void {
  let at = 0;
  for (let posting = 0; posting < titleTf.length; posting++) {
    const end = at + (titleTf[posting] as number) + (abstractTf[posting] as number);
    if (end > positions.length) throw invalid('positions', `end before posting ${posting}`);
    for (let index = at + 1; index < end; index++) {
      if ((positions[index] as number) < (positions[index - 1] as number)) throw invalid('positions', `descend in posting ${posting}`);
    }
    at = end;
  }
  if (at !== positions.length) throw invalid('positions', `has ${positions.length} entries for ${at} occurrences`);
}

/** The JSON array of `count` non-empty strings at `bytes[at .. at + length)`; anything else is INDEX_MISMATCH naming `field`. */
function stringArray(bytes: Buffer, at: number, length: number, field: 'ids' | 'terms' | 'surfaces', count: number): string[] {
  const values = parseJson(bytes.toString('utf8', at, at + length), field);
  if (!Array.isArray(values) || values.length !== count) throw invalid(field, `expected ${count} non-empty strings`);
  // An indexed loop: `every` with a callback was ≈ 0.1 s of a start at 500k papers (1.8 M strings).
  for (let i = 0; i < values.length; i++) {
    const value: unknown = values[i];
    if (typeof value !== 'string' || value.length === 0) throw invalid(field, `expected ${count} non-empty strings`);
  }
  return values as string[];
}

function jsonBytes(values: readonly string[]): Buffer {
  return Buffer.from(JSON.stringify(values));
}

function align(value: number, to: number): number {
  return Math.ceil(value / to) * to;
}

function parseJson(text: string, field = '(root)'): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw invalid(field, `not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

type EncodedField = 'titleLengths' | 'abstractLengths' | 'documentFrequencies' | 'postingGaps' | 'titleTf' | 'abstractTf' | 'positions';

function decodeField(stored: SerializedLexicalIndex, field: EncodedField, count: number): Uint32Array {
  try {
    return decodeVarints(stored[field] ?? '', count);
  } catch (error) {
    throw invalid(field, error instanceof Error ? error.message : String(error));
  }
}

function toUint16(values: Uint32Array, field: EncodedField): Uint16Array {
  const narrowed = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as number;
    if (value > 0xffff) throw invalid(field, `value ${i} exceeds 65535`);
    narrowed[i] = value;
  }
  return narrowed;
}

export function invalid(field: string, message: string): PaperscopeError {
  return new PaperscopeError('INDEX_MISMATCH', `Stored lexical index is invalid at field "${field}": ${message}; rebuild the index`, {
    field,
  });
}
