import { PaperscopeError } from '../../core/errors.js';
import { tokenize } from '../text/index.js';
import { LexicalIndex } from './lexical-index.js';
import { DEFAULT_LEXICAL_PARAMS, type LexicalParams, validateParams } from './params.js';

export interface LexicalDocument {
  id: string;
  title: string;
  abstract: string;
}

/** A Uint32Array that grows by doubling, for the forward lists built in one pass. */
class Uint32Builder {
  data = new Uint32Array(1024);
  length = 0;

  push(value: number): void {
    if (this.length === this.data.length) {
      const grown = new Uint32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = value;
  }
}

const UINT16_MAX = 0xffff;

/**
 * Builds a BM25F index of titles and abstracts. Document order is kept: hit `index` is the
 * position in `docs`. Ids must be unique.
 * @example const index = buildLexicalIndex(papers, { titleWeight: 2.5 });
 */
export function buildLexicalIndex(
  docs: ReadonlyArray<LexicalDocument>,
  options: Partial<LexicalParams> = {},
): LexicalIndex {
  const params = { ...DEFAULT_LEXICAL_PARAMS, ...options } satisfies LexicalParams;
  validateParams(params);

  const termIds = new Map<string, number>();
  const terms: string[] = [];
  const documentFrequency: number[] = [];
  // Per term: the last document it was seen in and its slot in that document's forward list.
  const lastDoc: number[] = [];
  const slotInDoc: number[] = [];
  // Forward lists: for each document, its distinct terms with their title and abstract counts.
  const forwardStart = new Uint32Array(docs.length + 1);
  const forwardTerms = new Uint32Builder();
  const forwardTitle = new Uint32Builder();
  const forwardAbstract = new Uint32Builder();
  const titleLengths = new Uint32Array(docs.length);
  const abstractLengths = new Uint32Array(docs.length);
  // Surface forms as written, counted, to pick a readable word per term at the end.
  const surfaceIds = new Map<string, number>();
  const surfaceTerms: number[] = [];
  const surfaceCounts: number[] = [];
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
    forwardStart[docIndex] = forwardTerms.length;
    const fields = [
      { text: doc.title, counts: forwardTitle, lengths: titleLengths },
      { text: doc.abstract, counts: forwardAbstract, lengths: abstractLengths },
    ];
    for (const { text, counts, lengths } of fields) {
      const tokens = tokenize(text);
      lengths[docIndex] = tokens.length;
      for (const token of tokens) {
        let term = termIds.get(token.term);
        if (term === undefined) {
          term = terms.length;
          termIds.set(token.term, term);
          terms.push(token.term);
          documentFrequency.push(0);
          lastDoc.push(-1);
          slotInDoc.push(0);
        }
        if (lastDoc[term] !== docIndex) {
          lastDoc[term] = docIndex;
          slotInDoc[term] = forwardTerms.length;
          forwardTerms.push(term);
          forwardTitle.push(0);
          forwardAbstract.push(0);
          documentFrequency[term] = (documentFrequency[term] as number) + 1;
        }
        const slot = slotInDoc[term] as number;
        counts.data[slot] = (counts.data[slot] as number) + 1;

        const surface = text.slice(token.start, token.end);
        let surfaceId = surfaceIds.get(surface);
        if (surfaceId === undefined) {
          surfaceId = surfaceTerms.length;
          surfaceIds.set(surface, surfaceId);
          surfaceTerms.push(term);
          surfaceCounts.push(0);
        }
        surfaceCounts[surfaceId] = (surfaceCounts[surfaceId] as number) + 1;
      }
    }
  });
  forwardStart[docs.length] = forwardTerms.length;

  // Invert the forward lists; walking documents in order leaves every posting list sorted.
  const termOffsets = new Uint32Array(terms.length + 1);
  for (let term = 0; term < terms.length; term++) {
    termOffsets[term + 1] = (termOffsets[term] as number) + (documentFrequency[term] as number);
  }
  const postingCount = forwardTerms.length;
  const postingDocs = new Uint32Array(postingCount);
  const titleTf = new Uint16Array(postingCount);
  const abstractTf = new Uint16Array(postingCount);
  const cursor = termOffsets.slice(0, terms.length);
  for (let doc = 0; doc < docs.length; doc++) {
    for (let entry = forwardStart[doc] as number; entry < (forwardStart[doc + 1] as number); entry++) {
      const term = forwardTerms.data[entry] as number;
      const posting = cursor[term] as number;
      cursor[term] = posting + 1;
      postingDocs[posting] = doc;
      titleTf[posting] = Math.min(forwardTitle.data[entry] as number, UINT16_MAX);
      abstractTf[posting] = Math.min(forwardAbstract.data[entry] as number, UINT16_MAX);
    }
  }

  return new LexicalIndex({
    params,
    ids: docs.map((doc) => doc.id),
    terms,
    surfaces: pickSurfaces(terms, surfaceIds, surfaceTerms, surfaceCounts),
    titleLengths,
    abstractLengths,
    termOffsets,
    postingDocs,
    titleTf,
    abstractTf,
  });
}

/**
 * The most frequent written form of each term. Capitals are kept only inside a word ("RLVR",
 * "LLMs", "ReNO"), where they are part of the name; a capital first letter is just sentence case.
 */
function pickSurfaces(
  terms: readonly string[],
  surfaceIds: ReadonlyMap<string, number>,
  surfaceTerms: readonly number[],
  surfaceCounts: readonly number[],
): string[] {
  const counts = terms.map(() => new Map<string, number>());
  for (const [surface, id] of surfaceIds) {
    const readable = /\p{Lu}/u.test(surface.slice(1)) ? surface : surface.toLowerCase();
    const forTerm = counts[surfaceTerms[id] as number] as Map<string, number>;
    forTerm.set(readable, (forTerm.get(readable) ?? 0) + (surfaceCounts[id] as number));
  }
  return counts.map((forTerm, term) => {
    let best = terms[term] as string;
    let bestCount = 0;
    for (const [surface, count] of forTerm) {
      if (count > bestCount) {
        best = surface;
        bestCount = count;
      }
    }
    return best;
  });
}
