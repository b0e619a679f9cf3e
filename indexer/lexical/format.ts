import { z } from 'zod';
import { PaperscopeError } from '../../core/errors.js';
import { decodeVarints, encodeVarints } from './codec.js';
import type { LexicalData } from './lexical-index.js';
import { validateParams } from './params.js';

export const LEXICAL_FORMAT = 'paperscope-lexical';
export const LEXICAL_FORMAT_VERSION = 1;

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'expected base64');

/**
 * The stored form: JSON with the integer arrays as base64 varints. Posting documents are stored
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
  try {
    validateParams(stored.params);
  } catch (error) {
    throw invalid('params', error instanceof Error ? error.message : String(error));
  }
  const documentCount = stored.ids.length;
  const termCount = stored.terms.length;
  if (stored.surfaces.length !== termCount) {
    throw invalid('surfaces', `has ${stored.surfaces.length} entries for ${termCount} terms`);
  }
  if (new Set(stored.ids).size !== documentCount) throw invalid('ids', 'contains duplicates');
  if (new Set(stored.terms).size !== termCount) throw invalid('terms', 'contains duplicates');

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
    let doc = -1;
    for (let posting = termOffsets[term] as number; posting < (termOffsets[term + 1] as number); posting++) {
      const gap = gaps[posting] as number;
      // Gaps after the first must be positive: a list is strictly ascending.
      if (doc >= 0 && gap === 0) throw invalid('postingGaps', `term "${stored.terms[term]}" lists a document twice`);
      doc = Math.max(doc, 0) + gap;
      if (doc >= documentCount) throw invalid('postingGaps', `term "${stored.terms[term]}" points past the last document`);
      postingDocs[posting] = doc;
      if (titleTf[posting] === 0 && abstractTf[posting] === 0) {
        throw invalid('titleTf', `term "${stored.terms[term]}" has a posting with no occurrences`);
      }
    }
  }
  return {
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
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw invalid('(root)', `not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

type EncodedField = 'titleLengths' | 'abstractLengths' | 'documentFrequencies' | 'postingGaps' | 'titleTf' | 'abstractTf';

function decodeField(stored: SerializedLexicalIndex, field: EncodedField, count: number): Uint32Array {
  try {
    return decodeVarints(stored[field], count);
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

function invalid(field: string, message: string): PaperscopeError {
  return new PaperscopeError('INDEX_MISMATCH', `Stored lexical index is invalid at field "${field}": ${message}; rebuild the index`, {
    field,
  });
}
