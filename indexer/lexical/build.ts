import { PaperscopeError } from '../../core/errors.js';
import { type CorpusTerms, countCorpusTerms, type FieldedText } from './corpus-terms.js';
import { LexicalIndex } from './lexical-index.js';
import { DEFAULT_LEXICAL_PARAMS, type LexicalParams, validateParams } from './params.js';
import { PackedStrings, TermTable } from './term-table.js';

export interface LexicalDocument {
  id: string;
  title: string;
  abstract: string;
}

const UINT16_MAX = 0xffff;

/**
 * Builds a BM25F index of titles and abstracts. Document order is kept: hit `index` is the
 * position in `docs`. Ids must be unique. `counted` is `countCorpusTerms(docs)` when the caller
 * has it already; counted with positions, the index ranks by proximity and matches phrases too.
 * @example const index = buildLexicalIndex(papers, { titleWeight: 2.5 });
 */
export function buildLexicalIndex(
  docs: ReadonlyArray<LexicalDocument>,
  options: Partial<LexicalParams> = {},
  counted: CorpusTerms = countCorpusTerms(docs, { positions: true }),
): LexicalIndex {
  const seenIds = new Map<string, number>();
  docs.forEach((doc, docIndex) => {
    const previous = seenIds.get(doc.id);
    if (previous !== undefined) {
      throw new PaperscopeError('INVALID_INPUT', `Duplicate document id "${doc.id}" at positions ${previous} and ${docIndex}`, {
        field: 'id',
        id: doc.id,
      });
    }
    seenIds.set(doc.id, docIndex);
  });
  return invert(PackedStrings.pack(docs.map((doc) => doc.id)), docs.length, options, counted);
}

/**
 * `buildLexicalIndex` for documents known by their position: document `i`'s id is `String(i)`. No
 * id is read or checked: the sentence index holds millions of such documents.
 */
export function buildNumberedLexicalIndex(
  docs: ReadonlyArray<FieldedText>,
  options: Partial<LexicalParams> = {},
  counted: CorpusTerms = countCorpusTerms(docs, { positions: true }),
): LexicalIndex {
  return invert(undefined, docs.length, options, counted);
}

/** `buildNumberedLexicalIndex` from the counts alone, one document per counted one: the sentence index's texts are not kept. */
export function numberedLexicalIndexOf(counted: CorpusTerms, options: Partial<LexicalParams> = {}): LexicalIndex {
  return invert(undefined, counted.starts.length - 1, options, counted);
}

/** `ids` undefined: the documents are numbered. */
function invert(ids: PackedStrings | undefined, documents: number, options: Partial<LexicalParams>, counted: CorpusTerms): LexicalIndex {
  const params = { ...DEFAULT_LEXICAL_PARAMS, ...options } satisfies LexicalParams;
  validateParams(params);
  if (counted.starts.length !== documents + 1) {
    throw new PaperscopeError('INVALID_INPUT', `Term counts for ${counted.starts.length - 1} documents given with ${documents} documents`, {
      field: 'counted',
    });
  }

  // Invert the per-document lists; walking documents in order leaves every posting list sorted.
  const { terms, documentFrequency, starts } = counted;
  const termOffsets = new Uint32Array(terms.length + 1);
  for (let term = 0; term < terms.length; term++) {
    termOffsets[term + 1] = (termOffsets[term] as number) + (documentFrequency[term] as number);
  }
  const postingCount = counted.termIds.length;
  const postingDocs = new Uint32Array(postingCount);
  const titleTf = new Uint16Array(postingCount);
  const abstractTf = new Uint16Array(postingCount);
  const cursor = termOffsets.slice(0, terms.length);
  // Only word positions are found through a posting's entry: without them (the sentences' index, ≈ 220 M
  // postings at a million papers) the map is not made.
  const withPositions = counted.positions !== undefined && counted.positionStarts !== undefined;
  const postingEntries = new Uint32Array(withPositions ? postingCount : 0);
  for (let doc = 0; doc < documents; doc++) {
    for (let entry = starts[doc] as number; entry < (starts[doc + 1] as number); entry++) {
      const term = counted.termIds[entry] as number;
      const posting = cursor[term] as number;
      cursor[term] = posting + 1;
      postingDocs[posting] = doc;
      if (withPositions) postingEntries[posting] = entry;
      titleTf[posting] = Math.min(counted.titleCounts[entry] as number, UINT16_MAX);
      abstractTf[posting] = Math.min(counted.abstractCounts[entry] as number, UINT16_MAX);
    }
  }

  return new LexicalIndex({
    ...(counted.positions && counted.positionStarts
      ? { positions: postingPositions(counted.positions, counted.positionStarts, postingEntries, titleTf, abstractTf) }
      : {}),
    params,
    ids,
    // Sorted for lookups by binary search once saved and read back in place.
    terms: TermTable.build(terms, counted.surfaces),
    titleLengths: counted.titleLengths,
    abstractLengths: counted.abstractLengths,
    termOffsets,
    postingDocs,
    titleTf,
    abstractTf,
  });
}

/**
 * Word positions in posting order, as the index keeps them: each posting's title positions, then
 * its abstract ones (as many as its capped counts), saturated at 65535 (a 16-bit position is
 * plenty for titles and abstracts; past it, proximity and phrases just stop matching).
 */
function postingPositions(
  positions: Uint32Array,
  positionStarts: Uint32Array,
  postingEntries: Uint32Array,
  titleTf: Uint16Array,
  abstractTf: Uint16Array,
): Uint16Array {
  let total = 0;
  for (let posting = 0; posting < postingEntries.length; posting++) total += (titleTf[posting] as number) + (abstractTf[posting] as number);
  const stored = new Uint16Array(total);
  let at = 0;
  for (let posting = 0; posting < postingEntries.length; posting++) {
    const entry = postingEntries[posting] as number;
    const start = positionStarts[entry] as number;
    const count = (titleTf[posting] as number) + (abstractTf[posting] as number);
    for (let i = 0; i < count; i++) stored[at++] = Math.min(positions[start + i] as number, UINT16_MAX);
  }
  return stored;
}
