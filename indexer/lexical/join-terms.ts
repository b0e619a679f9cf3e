import type { CorpusTerms, CorpusTermsPart, TermForms } from './corpus-terms.js';
import { mostFrequentForms } from './corpus-terms.js';

/** ES2024's growable SharedArrayBuffer, as the counts' lists are built in (`Uint32Builder`); the ES2023 library types lack it. */
interface MaybeGrowable {
  growable?: boolean;
  maxByteLength?: number;
  grow?(bytes: number): void;
}

/**
 * The counts of `first`'s documents followed by `second`'s, as `countCorpusTerms` gives them for
 * the whole run in one pass: terms are numbered in order of first occurrence (`first`'s, then those
 * new in `second`), document frequencies and written forms add up, and each document's entries and
 * positions are its own. `first`'s lists grow in place to take `second`'s (the lists of a million
 * papers are ≈ 2.5 GB: copied whole, they were held twice).
 *
 * @example joinCorpusTerms(countCorpusTermsPart(docs.slice(0, h)), countCorpusTermsPart(docs.slice(h))) // deep-equals countCorpusTerms(docs)
 */
export function joinCorpusTerms(first: CorpusTermsPart, second: CorpusTermsPart): CorpusTerms {
  const a = first.counted;
  const b = second.counted;
  const idsOfFirst = new Map(a.terms.map((term, id) => [term, id]));
  const terms = [...a.terms];
  // The joined id of each of `second`'s terms.
  const joinedId = new Uint32Array(b.terms.length);
  b.terms.forEach((term, id) => {
    let joined = idsOfFirst.get(term);
    if (joined === undefined) {
      joined = terms.length;
      terms.push(term);
    }
    joinedId[id] = joined;
  });
  idsOfFirst.clear();
  const documentFrequency = new Uint32Array(terms.length);
  documentFrequency.set(a.documentFrequency);
  b.documentFrequency.forEach((frequency, id) => {
    const joined = joinedId[id] as number;
    documentFrequency[joined] = (documentFrequency[joined] as number) + frequency;
  });
  const surfaces = mostFrequentForms(terms, joinedForms(first.forms, second.forms, joinedId));

  const entriesOfFirst = a.termIds.length;
  const documents = a.titleLengths.length + b.titleLengths.length;
  const starts = new Uint32Array(documents + 1);
  starts.set(a.starts.subarray(0, a.titleLengths.length));
  for (let doc = 0; doc <= b.titleLengths.length; doc++) starts[a.titleLengths.length + doc] = entriesOfFirst + (b.starts[doc] as number);
  const termIds = appendInPlace(a.termIds, b.termIds.length);
  for (let entry = 0; entry < b.termIds.length; entry++) termIds[entriesOfFirst + entry] = joinedId[b.termIds[entry] as number] as number;
  const titleCounts = appendInPlace(a.titleCounts, b.titleCounts.length);
  titleCounts.set(b.titleCounts, entriesOfFirst);
  const abstractCounts = appendInPlace(a.abstractCounts, b.abstractCounts.length);
  abstractCounts.set(b.abstractCounts, entriesOfFirst);
  const joined: CorpusTerms = {
    terms,
    surfaces,
    documentFrequency,
    titleLengths: concatenated(a.titleLengths, b.titleLengths),
    abstractLengths: concatenated(a.abstractLengths, b.abstractLengths),
    starts,
    termIds,
    titleCounts,
    abstractCounts,
  };
  if (!a.positions || !b.positions || !a.positionStarts || !b.positionStarts) return joined;
  const positionsOfFirst = a.positions.length;
  const positions = appendInPlace(a.positions, b.positions.length);
  positions.set(b.positions, positionsOfFirst);
  const positionStarts = new Uint32Array(termIds.length + 1);
  positionStarts.set(a.positionStarts.subarray(0, entriesOfFirst));
  for (let entry = 0; entry <= b.termIds.length; entry++)
    positionStarts[entriesOfFirst + entry] = positionsOfFirst + (b.positionStarts[entry] as number);
  return { ...joined, positions, positionStarts };
}

/**
 * Each joined term's forms with their counts added up, in order of first sight: `first`'s, then those
 * new in `second`. Most terms are in one part only (a million papers have ≈ a million): their forms are read as they are.
 */
function joinedForms(first: TermForms, second: TermForms, joinedId: Uint32Array): (term: number) => Iterable<readonly [string, number]> {
  const termsOfFirst = first.starts.length - 1;
  const inSecond = new Int32Array(Math.max(termsOfFirst, joinedId.length + termsOfFirst)).fill(-1);
  joinedId.forEach((joined, term) => {
    inSecond[joined] = term;
  });
  return (joined) => {
    const other = inSecond[joined] as number;
    if (joined >= termsOfFirst) return formsOfTerm(second, other);
    if (other === -1) return formsOfTerm(first, joined);
    const added = new Map(formsOfTerm(first, joined));
    for (const [form, count] of formsOfTerm(second, other)) added.set(form, (added.get(form) ?? 0) + count);
    return added;
  };
}

function formsOfTerm({ forms, counts, starts }: TermForms, term: number): Array<readonly [string, number]> {
  const list: Array<readonly [string, number]> = [];
  for (let at = starts[term] as number; at < (starts[term + 1] as number); at++) list.push([forms[at] as string, counts[at] as number]);
  return list;
}

/** `list` with room for `more` entries after it: its shared buffer grown in place where it can be, else a copy in a larger one. */
function appendInPlace(list: Uint32Array, more: number): Uint32Array {
  const length = list.length + more;
  const bytes = length * Uint32Array.BYTES_PER_ELEMENT;
  const buffer = list.buffer as ArrayBufferLike & MaybeGrowable;
  if (list.byteOffset === 0 && buffer.growable && buffer.grow && bytes <= (buffer.maxByteLength ?? 0)) {
    if (bytes > buffer.byteLength) buffer.grow(bytes);
    return new Uint32Array(buffer, 0, length);
  }
  const larger = new Uint32Array(new SharedArrayBuffer(bytes));
  larger.set(list);
  return larger;
}

function concatenated(a: Uint32Array, b: Uint32Array): Uint32Array {
  const joined = new Uint32Array(a.length + b.length);
  joined.set(a);
  joined.set(b, a.length);
  return joined;
}
