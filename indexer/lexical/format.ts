import { closeSync, openSync } from 'node:fs';
import os from 'node:os';
import { z } from 'zod';
import { PaperscopeError } from '../../core/errors.js';
import { damagedFile, type LoadProblem, staleFile, unreadableFile } from '../../core/load-problem.js';
import { HeldFile, openSealedFile, openSealedFileInPlace, readFully, sealFile } from '../../core/sealed-file.js';
import { decodeVarints, encodeVarints } from './codec.js';
import { invalid } from './errors.js';
import type { LexicalData } from './lexical-index.js';
import { validateParams } from './params.js';
import { PackedStrings, TermTable } from './term-table.js';

export { invalid } from './errors.js';

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
  const termCount = data.terms.size;
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
    ids: data.ids?.all() ?? Array.from({ length: data.titleLengths.length }, (_, index) => String(index)),
    terms: Array.from({ length: termCount }, (_, id) => data.terms.term(id)),
    surfaces: data.terms.surfaces.all(),
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
  checkParams(stored.params);
  const documentCount = stored.ids.length;
  const termCount = stored.terms.length;
  if (new Set(stored.ids).size !== documentCount) throw invalid('ids', 'contains duplicates');
  const terms = TermTable.build(stored.terms, stored.surfaces);
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
    ids: PackedStrings.pack(stored.ids),
    terms,
    titleLengths,
    abstractLengths,
    termOffsets,
    postingDocs,
    titleTf: toUint16(titleTf, 'titleTf'),
    abstractTf: toUint16(abstractTf, 'abstractTf'),
  };
  checkPostings(data, 'postingGaps');
  if (stored.positions !== undefined) {
    let occurrences = 0;
    for (let posting = 0; posting < stored.postingCount; posting++)
      occurrences += (titleTf[posting] as number) + (abstractTf[posting] as number);
    data.positions = toUint16(decodeField(stored, 'positions', occurrences), 'positions');
    checkPositions(data.titleTf, data.abstractTf, data.positions);
  }
  return data;
}

function checkParams(params: LexicalData['params']): void {
  try {
    validateParams(params);
  } catch (error) {
    throw invalid('params', error instanceof Error ? error.message : String(error));
  }
}

/**
 * That the posting lists ascend strictly within the documents and count an occurrence, for the JSON
 * form, read whole. The binary file leaves this to the index, which checks a term's postings and
 * positions when it first uses them: every posting on every start-up was ≈ 0.1 s at 100k papers,
 * ≈ 1 s at a million, and the file's checksum already stands for what was written.
 */
function checkPostings(data: LexicalData, postingsField: string): void {
  const { terms, termOffsets, postingDocs, titleTf, abstractTf } = data;
  const documentCount = data.titleLengths.length;
  const bad = firstInvalidTerm(termOffsets, postingDocs, titleTf, abstractTf, documentCount);
  if (bad < 0) return;
  let previous = -1;
  for (let posting = termOffsets[bad] as number; posting < (termOffsets[bad + 1] as number); posting++) {
    const doc = postingDocs[posting] as number;
    if (doc <= previous) throw invalid(postingsField, `term "${terms.term(bad)}" lists a document twice or out of order`);
    if (doc >= documentCount) throw invalid(postingsField, `term "${terms.term(bad)}" points past the last document`);
    if (titleTf[posting] === 0 && abstractTf[posting] === 0)
      throw invalid('titleTf', `term "${terms.term(bad)}" has a posting with no occurrences`);
    previous = doc;
  }
}

/**
 * The first term whose postings do not ascend strictly within the documents or count no
 * occurrence, else -1. A tight loop of its own: it runs ~3× faster than with the error reporting inline.
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
 * earlier version is rebuilt rather than missing the papers a query's spelling no longer reaches;
 * version 7 stores the terms, surfaces and ids as packed UTF-8 with offsets (and the terms' byte
 * order, and where each term's positions start) instead of JSON arrays, read in place.
 */
export const LEXICAL_BINARY_VERSION = 7;

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
  /** Ids "0", "1", … (the sentence index's) are not stored: `textBytes.ids` is then 0. */
  sequentialIds: z.boolean(),
  /** Byte lengths of the packed UTF-8 texts (`PackedStrings`) of the ids, terms and surfaces. */
  textBytes: z.object({
    ids: z.number().int().nonnegative(),
    terms: z.number().int().nonnegative(),
    surfaces: z.number().int().nonnegative(),
  }),
});

type BinaryHeader = z.infer<typeof binaryHeaderSchema>;

/**
 * The on-disk file, sealed (`sealFile`: magic, CRC-32, JSON header). Its body (`bodyLayout`) starts
 * with what a server keeps: the document lengths, the term offsets and position starts, the term
 * table (`TermTable`: the terms in byte order, their ids and each id's place, the surfaces) and the ids; then the postings, counts and
 * positions, which a server reads per term. Raw little-endian typed arrays and UTF-8, 4-byte
 * aligned; the parts are returned to be written one after another, so the arrays are checksummed
 * and written without being copied.
 * @example await writeFile(file, encodeLexicalFile(data, tableVersion));
 */
export function encodeLexicalFile(data: LexicalData, tableVersion: number): Uint8Array[] {
  const { terms, ids } = data;
  const header: BinaryHeader = {
    format: LEXICAL_FORMAT,
    version: LEXICAL_BINARY_VERSION,
    tableVersion,
    params: { ...data.params },
    documentCount: data.titleLengths.length,
    termCount: terms.size,
    postingCount: data.postingDocs.length,
    positionCount: data.positions?.length ?? 0,
    sequentialIds: ids === undefined,
    textBytes: { ids: ids?.bytes.length ?? 0, terms: terms.sorted.bytes.length, surfaces: terms.surfaces.bytes.length },
  };
  const parts = bodyParts(header, {
    titleLengths: data.titleLengths,
    abstractLengths: data.abstractLengths,
    termOffsets: data.termOffsets,
    termPositions: data.positions ? (data.termPositions ?? termPositionStarts(data, data.positions.length)) : undefined,
    termTextOffsets: terms.sorted.offsets,
    surfaceTextOffsets: terms.surfaces.offsets,
    termOrder: terms.order,
    termRank: terms.rank,
    idTextOffsets: ids?.offsets,
    termText: terms.sorted.bytes,
    surfaceText: terms.surfaces.bytes,
    idText: ids?.bytes,
    postingDocs: data.postingDocs,
    titleTf: data.titleTf,
    abstractTf: data.abstractTf,
    positions: data.positions,
  });
  return sealFile(BINARY_MAGIC, header, parts);
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
 * Opens the BM25 file at `path` without holding its postings: the head of its body (lengths, term
 * offsets, the term table, the ids: ≈ 70 MB at a million papers, used in place) is read and checked
 * while a worker reads the file through to verify its checksum, and the postings and positions are
 * read per term on first use (`PostingReader`). A million papers' file is ≈ 1.1 GB, which a server
 * would otherwise hold whole. Problems as `decodeLexicalFile` says them.
 */
export async function openLexicalFile(path: string): Promise<{ tableVersion: number; data: LexicalData } | { problem: LoadProblem }> {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    return { problem: unreadableFile(error) };
  }
  try {
    const opened = openLexicalFd(fd);
    if ('problem' in opened) {
      closeSync(fd);
      return opened;
    }
    if (!(await opened.verified)) {
      opened.data.reader?.close();
      return { problem: damagedFile('it does not match its checksum: damaged or cut short') };
    }
    return { tableVersion: opened.tableVersion, data: opened.data };
  } catch (error) {
    closeSync(fd);
    return { problem: damagedFile((error as Error).message) };
  }
}

function openLexicalFd(fd: number): { tableVersion: number; data: LexicalData; verified: Promise<boolean> } | { problem: LoadProblem } {
  const legacy = Buffer.alloc(4);
  readFully(fd, legacy, 0);
  if (legacy.toString('latin1') === LEGACY_MAGIC)
    return { problem: staleFile('written by an older version of Paperscope, in an earlier format') };
  let header: BinaryHeader | undefined;
  let layout: BodyLayout | undefined;
  let headerProblem: LoadProblem | undefined;
  const streamed = openSealedFileInPlace(fd, BINARY_MAGIC, 'lexical index', (raw, bodyLength) => {
    const parsed = parseHeader(raw);
    if ('problem' in parsed) {
      headerProblem = parsed.problem;
      return { problem: parsed.problem.message };
    }
    header = parsed.header;
    layout = bodyLayout(header);
    if (bodyLength !== layout.bodyBytes) return { problem: `its body has ${bodyLength} bytes, expected ${layout.bodyBytes}` };
    return { keep: layout.postingDocs };
  });
  if (headerProblem) return { problem: headerProblem };
  if ('problem' in streamed) return { problem: damagedFile(streamed.problem) };
  if (!header || !layout) throw new Error('the lexical file was not scanned');
  const { postingCount: postings } = header;
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
    ...headData(header, layout, streamed.kept),
    postingDocs,
    titleTf,
    abstractTf,
    ...(positions ? { positions } : {}),
    reader,
  };
  return { tableVersion: header.tableVersion, data, verified: streamed.verified };
}

/** The body's parts in order, each with its byte length and the typed array that holds it. */
type BodyParts = Record<(typeof BODY_PARTS)[number], Uint8Array | Uint16Array | Uint32Array | undefined>;

/**
 * The body's parts, in file order: the head a server keeps (through `idText`), then the postings.
 * `termPositions` is present with positions, `idTextOffsets` and `idText` without sequential ids.
 */
const BODY_PARTS = [
  'titleLengths',
  'abstractLengths',
  'termOffsets',
  'termPositions',
  'termTextOffsets',
  'surfaceTextOffsets',
  'termOrder',
  'termRank',
  'idTextOffsets',
  'termText',
  'surfaceText',
  'idText',
  'postingDocs',
  'titleTf',
  'abstractTf',
  'positions',
] as const;

/** Where each part of the body starts, in bytes from the body's start, and the body's length. */
type BodyLayout = Record<(typeof BODY_PARTS)[number] | 'bodyBytes', number>;

/** Each part's byte length as the header says it (0: absent). */
function partBytes(header: BinaryHeader): Record<(typeof BODY_PARTS)[number], number> {
  const { documentCount: documents, termCount: terms, postingCount: postings, positionCount, sequentialIds, textBytes } = header;
  return {
    titleLengths: 4 * documents,
    abstractLengths: 4 * documents,
    termOffsets: 4 * (terms + 1),
    termPositions: positionCount > 0 ? 4 * (terms + 1) : 0,
    termTextOffsets: 4 * (terms + 1),
    surfaceTextOffsets: 4 * (terms + 1),
    termOrder: 4 * terms,
    termRank: 4 * terms,
    idTextOffsets: sequentialIds ? 0 : 4 * (documents + 1),
    termText: textBytes.terms,
    surfaceText: textBytes.surfaces,
    idText: textBytes.ids,
    postingDocs: 4 * postings,
    titleTf: 2 * postings,
    abstractTf: 2 * postings,
    positions: 2 * positionCount,
  };
}

/** The parts one after another, each 4-byte aligned (the texts are padded after `idText`). */
export function bodyLayout(header: BinaryHeader): BodyLayout {
  const bytes = partBytes(header);
  const layout = {} as BodyLayout;
  let at = 0;
  for (const part of BODY_PARTS) {
    // Typed arrays need their element size's alignment; text does not.
    if (part !== 'surfaceText' && part !== 'idText' && part !== 'abstractTf' && part !== 'positions') at = align(at, 4);
    layout[part] = at;
    at += bytes[part];
  }
  layout.bodyBytes = at;
  return layout;
}

/** The parts to write for `header`, with the padding `bodyLayout` puts between them. */
function bodyParts(header: BinaryHeader, parts: BodyParts): Uint8Array[] {
  const layout = bodyLayout(header);
  const bytes = partBytes(header);
  const out: Uint8Array[] = [];
  let at = 0;
  for (const part of BODY_PARTS) {
    const array = parts[part];
    const length = bytes[part];
    if (length === 0) continue;
    if (!array || array.byteLength !== length) throw new PaperscopeError('INTERNAL', `The BM25 file's ${part} has the wrong size.`);
    if (layout[part] > at) out.push(Buffer.alloc(layout[part] - at));
    out.push(new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
    at = layout[part] + length;
  }
  return out;
}

/** The head's parts, read in place from `head` (the body from its start, at least through `idText`), checked. */
function headData(header: BinaryHeader, layout: BodyLayout, head: Buffer): Omit<LexicalData, 'postingDocs' | 'titleTf' | 'abstractTf'> {
  if (os.endianness() !== 'LE') throw invalid('(root)', 'typed arrays are stored little-endian; this machine is big-endian');
  const { documentCount: documents, termCount: terms, postingCount: postings, positionCount, textBytes } = header;
  const u32 = (at: number, length: number) => new Uint32Array(head.buffer, head.byteOffset + at, length);
  const text = (at: number, length: number) => head.subarray(at, at + length);
  const termOffsets = u32(layout.termOffsets, terms + 1);
  checkOffsets(termOffsets, terms, postings);
  const table = new TermTable(
    new PackedStrings(text(layout.termText, textBytes.terms), u32(layout.termTextOffsets, terms + 1)),
    new PackedStrings(text(layout.surfaceText, textBytes.surfaces), u32(layout.surfaceTextOffsets, terms + 1)),
    u32(layout.termOrder, terms),
    u32(layout.termRank, terms),
  );
  table.check();
  const ids = header.sequentialIds
    ? undefined
    : new PackedStrings(text(layout.idText, textBytes.ids), u32(layout.idTextOffsets, documents + 1));
  // Unique ids are checked by the index when it first maps an id to its document (`indexOf`): a
  // set of every id was ≈ 0.1 s of a start at 500k papers, and search maps documents to ids only.
  ids?.check('ids');
  let termPositions: Uint32Array | undefined;
  if (positionCount > 0) {
    termPositions = u32(layout.termPositions, terms + 1);
    if (termPositions[0] !== 0 || termPositions[terms] !== positionCount)
      throw invalid('termPositions', `must run from 0 to positionCount ${positionCount}`);
    for (let term = 0; term < terms; term++)
      if ((termPositions[term + 1] as number) < (termPositions[term] as number)) throw invalid('termPositions', `decrease at term ${term}`);
  }
  const data = {
    params: header.params,
    ids,
    terms: table,
    titleLengths: u32(layout.titleLengths, documents),
    abstractLengths: u32(layout.abstractLengths, documents),
    termOffsets,
    ...(termPositions ? { termPositions } : {}),
  };
  checkParams(data.params);
  return data;
}

function checkOffsets(termOffsets: Uint32Array, terms: number, postings: number): void {
  if (termOffsets[0] !== 0 || termOffsets[terms] !== postings) throw invalid('termOffsets', `must run from 0 to postingCount ${postings}`);
  for (let term = 0; term < terms; term++) {
    if ((termOffsets[term + 1] as number) < (termOffsets[term] as number)) throw invalid('termOffsets', `decrease at term ${term}`);
  }
}

function parseHeader(raw: unknown): { header: BinaryHeader } | { problem: LoadProblem } {
  // The version first: an earlier format's header has other fields, and is stale, not damaged.
  const version = (raw as { version?: unknown } | null)?.version;
  if (typeof version === 'number' && version !== LEXICAL_BINARY_VERSION)
    return { problem: staleFile(`it is of format version ${version}, not ${LEXICAL_BINARY_VERSION}`) };
  const parsed = binaryHeaderSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { problem: damagedFile(`its header is invalid at "${issue?.path.join('.') ?? ''}": ${issue?.message ?? 'invalid value'}`) };
  }
  return { header: parsed.data };
}

/** The typed arrays as views over the 8-byte aligned `body`; anything inconsistent throws INDEX_MISMATCH naming the part. */
function decodeBody(header: BinaryHeader, body: Buffer): LexicalData {
  const { postingCount: postings } = header;
  const layout = bodyLayout(header);
  if (body.length !== layout.bodyBytes) throw invalid('(root)', `has a body of ${body.length} bytes, expected ${layout.bodyBytes}`);
  const u16 = (at: number, length: number) => new Uint16Array(body.buffer, body.byteOffset + at, length);
  return {
    ...headData(header, layout, body),
    postingDocs: new Uint32Array(body.buffer, body.byteOffset + layout.postingDocs, postings),
    titleTf: u16(layout.titleTf, postings),
    abstractTf: u16(layout.abstractTf, postings),
    ...(header.positionCount > 0 ? { positions: u16(layout.positions, header.positionCount) } : {}),
  };
}

/**
 * Where each term's positions start: the running sum of its postings' title and abstract counts,
 * which must come to `positionCount`.
 */
export function termPositionStarts(data: LexicalData, positionCount: number): Uint32Array {
  const { titleTf, abstractTf, termOffsets } = data;
  const termCount = termOffsets.length - 1;
  const starts = new Uint32Array(termCount + 1);
  let at = 0;
  for (let term = 0; term < termCount; term++) {
    const end = termOffsets[term + 1] as number;
    for (let posting = termOffsets[term] as number; posting < end; posting++)
      at += (titleTf[posting] as number) + (abstractTf[posting] as number);
    starts[term + 1] = at;
  }
  if (at !== positionCount) throw invalid('positions', `has ${positionCount} entries for ${at} occurrences`);
  return starts;
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
