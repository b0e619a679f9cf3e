import os from 'node:os';
import { z } from 'zod';
import { PaperscopeError } from '../../core/errors.js';
import { damagedFile, type LoadProblem, staleFile } from '../../core/load-problem.js';
import { openSealedFile, sealFile } from '../../core/sealed-file.js';
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
function checkConsistency(data: LexicalData, postingsField: string | undefined, idsGenerated = false): void {
  try {
    validateParams(data.params);
  } catch (error) {
    throw invalid('params', error instanceof Error ? error.message : String(error));
  }
  const { ids, terms, surfaces, termOffsets, postingDocs, titleTf, abstractTf } = data;
  if (surfaces.length !== terms.length) throw invalid('surfaces', `has ${surfaces.length} entries for ${terms.length} terms`);
  if (!idsGenerated && new Set(ids).size !== ids.length) throw invalid('ids', 'contains duplicates');
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
  const parsed = binaryHeaderSchema.safeParse(sealed.header);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { problem: damagedFile(`its header is invalid at "${issue?.path.join('.') ?? ''}": ${issue?.message ?? 'invalid value'}`) };
  }
  const header = parsed.data;
  if (header.version !== LEXICAL_BINARY_VERSION)
    return { problem: staleFile(`it is of format version ${header.version}, not ${LEXICAL_BINARY_VERSION}`) };
  return { header, body: sealed.body };
}

/** The typed arrays as views over the 8-byte aligned `body`; anything inconsistent throws INDEX_MISMATCH naming the part. */
function decodeBody(header: BinaryHeader, body: Buffer): LexicalData {
  if (os.endianness() !== 'LE') throw invalid('(root)', 'typed arrays are stored little-endian; this machine is big-endian');
  const { documentCount: documents, termCount: terms, postingCount: postings } = header;
  const arrayBytes = 4 * (2 * documents + terms + 1 + postings) + 2 * 2 * postings + 2 * header.positionCount;
  const expected = align(arrayBytes, 4) + header.stringBytes.ids + header.stringBytes.terms + header.stringBytes.surfaces;
  if (body.length !== expected) throw invalid('(root)', `has a body of ${body.length} bytes, expected ${expected}`);

  let offset = body.byteOffset;
  const take = <T>(make: (buffer: ArrayBufferLike, offset: number, length: number) => T, length: number, width: number): T => {
    const view = make(body.buffer, offset, length);
    offset += length * width;
    return view;
  };
  const u32 = (length: number) => take((buffer, at, count) => new Uint32Array(buffer, at, count), length, 4);
  const u16 = (length: number) => take((buffer, at, count) => new Uint16Array(buffer, at, count), length, 2);
  const titleLengths = u32(documents);
  const abstractLengths = u32(documents);
  const termOffsets = u32(terms + 1);
  const postingDocs = u32(postings);
  const titleTf = u16(postings);
  const abstractTf = u16(postings);
  const positions = header.positionCount > 0 ? u16(header.positionCount) : undefined;
  let stringsAt = align(arrayBytes, 4);
  const stringArray = (field: 'ids' | 'terms' | 'surfaces', count: number): string[] => {
    const length = header.stringBytes[field];
    const values = parseJson(body.toString('utf8', stringsAt, stringsAt + length), field);
    stringsAt += length;
    if (!Array.isArray(values) || values.length !== count || !values.every((value) => typeof value === 'string' && value.length > 0)) {
      throw invalid(field, `expected ${count} non-empty strings`);
    }
    return values as string[];
  };
  const data: LexicalData = {
    params: header.params,
    ids: header.sequentialIds ? Array.from({ length: documents }, (_, index) => String(index)) : stringArray('ids', documents),
    terms: stringArray('terms', terms),
    surfaces: stringArray('surfaces', terms),
    titleLengths,
    abstractLengths,
    termOffsets,
    postingDocs,
    titleTf,
    abstractTf,
    ...(positions ? { positions } : {}),
  };
  if (termOffsets[0] !== 0 || termOffsets[terms] !== postings) throw invalid('termOffsets', `must run from 0 to postingCount ${postings}`);
  for (let term = 0; term < terms; term++) {
    if ((termOffsets[term + 1] as number) < (termOffsets[term] as number)) throw invalid('termOffsets', `decrease at term ${term}`);
  }
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
