import { type AnalysedWord, forEachWord } from '../text/index.js';

export interface FieldedText {
  title: string;
  abstract: string;
}

/**
 * Each document's distinct terms with their counts in the title and the abstract, over one
 * vocabulary: what the BM25 index and the topics' TF-IDF view are both built from, so a corpus is
 * tokenized once for both. Document `d`'s entries are `[starts[d], starts[d + 1])` of the
 * per-entry arrays, in order of first occurrence (title first).
 */
export interface CorpusTerms {
  /** Stemmed term of each term id. */
  terms: string[];
  /** The most frequent readable written form of each term ("rewards" for "reward", "RLVR" for "rlvr"). */
  surfaces: string[];
  documentFrequency: Uint32Array;
  titleLengths: Uint32Array;
  abstractLengths: Uint32Array;
  starts: Uint32Array;
  termIds: Uint32Array;
  titleCounts: Uint32Array;
  abstractCounts: Uint32Array;
  /**
   * With `{ positions: true }`: word positions of each entry's occurrences, title ones first, at
   * `positions[positionStarts[e] .. positionStarts[e + 1])` (the entry's title + abstract count).
   */
  positions?: Uint32Array;
  positionStarts?: Uint32Array;
}

/**
 * Word positions count every word, stop words included, so that a quoted phrase matches with the
 * same gaps as in the text; a compound's parts take consecutive positions ("text-to-image":
 * text 0, image 1) and the whole compound the first of them. Abstract positions start this far past
 * the title's last word, so no phrase or proximity window spans the two fields.
 */
export const FIELD_GAP = 16;

/** A growable buffer reserves this much address space, and is given memory only as it is written: a billion entries. */
const MAX_GROWABLE_BYTES = 2 ** 32;

/** ES2024's growable SharedArrayBuffer (Node 20 has it; the ES2023 library types do not). */
interface GrowableSharedArrayBuffer extends SharedArrayBuffer {
  grow(bytes: number): void;
}
const GrowableSharedArrayBuffer = SharedArrayBuffer as unknown as new (
  bytes: number,
  options: { maxByteLength: number },
) => GrowableSharedArrayBuffer;

/**
 * A Uint32Array that grows by doubling, for the lists built in one pass, in shared memory: a worker
 * the counts are posted to (the topics' description) reads them in place instead of a copy, 1.5 GB
 * at a million papers. The buffer grows in place and the finished list is a view of it: copied into
 * a buffer of its exact size, a list was held up to three times over at its peak (the sentences'
 * term counts at a million papers: ≈ 1.2 GB, so ≈ 3.6 GB while copied).
 */
class Uint32Builder {
  #buffer: SharedArrayBuffer = new GrowableSharedArrayBuffer(4_096, { maxByteLength: MAX_GROWABLE_BYTES });
  #growable = true;
  // A fixed-length view, made again as the buffer grows: one that tracks a growable buffer's length is ≈ 3× slower to write.
  data = new Uint32Array(this.#buffer, 0, 1_024);
  length = 0;

  push(value: number): void {
    if (this.length === this.data.length) this.#grow();
    this.data[this.length++] = value;
  }

  #grow(): void {
    const bytes = this.#buffer.byteLength * 2;
    if (this.#growable && bytes <= MAX_GROWABLE_BYTES) (this.#buffer as GrowableSharedArrayBuffer).grow(bytes);
    else {
      // Past a billion entries: a larger buffer, copied into.
      const larger = new SharedArrayBuffer(bytes);
      new Uint32Array(larger).set(this.data);
      this.#buffer = larger;
      this.#growable = false;
    }
    this.data = new Uint32Array(this.#buffer, 0, bytes / Uint32Array.BYTES_PER_ELEMENT);
  }

  toArray(): Uint32Array {
    return new Uint32Array(this.#buffer, 0, this.length);
  }
}

/** What a word contributes wherever it occurs: its term ids, and how often it was seen (for surfaces). */
interface WordTally {
  termIds: number[];
  /** Position of each term relative to the word's first (see FIELD_GAP), and how many positions the word takes. */
  offsets: number[];
  span: number;
  count: number;
}

/** Relative positions of a word's tokens: a compound's whole sits on its first part, each part on its own. */
export function tokenOffsets(word: AnalysedWord): { offsets: number[]; span: number } {
  let part = 0;
  // Only a compound's whole keeps its separators ("text-to-image"); its parts and plain words do not.
  const offsets = word.tokens.map((token, index) => (index === 0 && /[-^/.]/.test(token.word) ? 0 : part++));
  return { offsets, span: Math.max(1, part) };
}

/**
 * Tokenizes titles and abstracts with the shared tokenizer and counts their terms.
 *
 * @example countCorpusTerms([{ title: 'Reward noise', abstract: 'Noisy rewards.' }]).terms // → ['reward', 'nois', 'noisi']
 */
export function countCorpusTerms(docs: readonly FieldedText[], options: { positions?: boolean } = {}): CorpusTerms {
  const withPositions = options.positions ?? false;
  const termIds = new Map<string, number>();
  const terms: string[] = [];
  let documentFrequency = new Uint32Array(1024);
  // Per term: the last document it was seen in and its entry in that document's list.
  let lastDoc = new Int32Array(1024);
  let entryInDoc = new Uint32Array(1024);
  const starts = new Uint32Array(docs.length + 1);
  const entryTerms = new Uint32Builder();
  const titleCounts = new Uint32Builder();
  const abstractCounts = new Uint32Builder();
  // Per document, each occurrence's entry and position; regrouped by entry when the document ends.
  const occurrenceEntries = new Uint32Builder();
  const occurrencePositions = new Uint32Builder();
  const positions = new Uint32Builder();
  const titleLengths = new Uint32Array(docs.length);
  const abstractLengths = new Uint32Array(docs.length);
  // Kept on the tokenizer's shared word objects (their memo, tagged with this count): no string is
  // sliced or hashed, nor a map consulted, per occurrence. Listed in order of first sight for the surfaces.
  const owner = {};
  const tallies: Array<[AnalysedWord, WordTally]> = [];

  const idOf = (term: string): number => {
    let id = termIds.get(term);
    if (id === undefined) {
      id = terms.length;
      termIds.set(term, id);
      terms.push(term);
      if (id === lastDoc.length) {
        documentFrequency = grown(documentFrequency);
        lastDoc = grown(lastDoc);
        entryInDoc = grown(entryInDoc);
      }
      lastDoc[id] = -1;
    }
    return id;
  };
  let docIndex = 0;
  let counts = titleCounts;
  let length = 0;
  let position = 0;
  const countWord = (word: AnalysedWord): void => {
    let tally: WordTally;
    if (word.memo !== undefined && word.memo.owner === owner) tally = word.memo.value as WordTally;
    else {
      tally = { termIds: word.terms.map(idOf), ...tokenOffsets(word), count: 0 };
      word.memo = { owner, value: tally };
      tallies.push([word, tally]);
    }
    tally.count++;
    length += tally.termIds.length;
    for (let index = 0; index < tally.termIds.length; index++) {
      const term = tally.termIds[index] as number;
      if (lastDoc[term] !== docIndex) {
        lastDoc[term] = docIndex;
        entryInDoc[term] = entryTerms.length;
        entryTerms.push(term);
        titleCounts.push(0);
        abstractCounts.push(0);
        documentFrequency[term] = (documentFrequency[term] as number) + 1;
      }
      const entry = entryInDoc[term] as number;
      counts.data[entry] = (counts.data[entry] as number) + 1;
      if (withPositions) {
        occurrenceEntries.push(entry);
        occurrencePositions.push(position + (tally.offsets[index] as number));
      }
    }
    position += tally.span;
  };
  // Counting sort of the document's occurrences by entry; within an entry they stay in text order, title first.
  const placePositions = (firstEntry: number): void => {
    const entries = entryTerms.length - firstEntry;
    const cursor = new Uint32Array(entries + 1);
    for (let entry = 0; entry < entries; entry++)
      cursor[entry + 1] =
        (cursor[entry] as number) + (titleCounts.data[firstEntry + entry] as number) + (abstractCounts.data[firstEntry + entry] as number);
    const base = positions.length;
    for (let i = 0; i < (cursor[entries] as number); i++) positions.push(0);
    for (let i = 0; i < occurrenceEntries.length; i++) {
      const entry = (occurrenceEntries.data[i] as number) - firstEntry;
      const at = cursor[entry] as number;
      cursor[entry] = at + 1;
      positions.data[base + at] = occurrencePositions.data[i] as number;
    }
    occurrenceEntries.length = 0;
    occurrencePositions.length = 0;
  };

  // Consecutive documents may share a title (the sentences of one abstract): its words are found once.
  let lastTitle: string | undefined;
  const titleWords: AnalysedWord[] = [];
  for (; docIndex < docs.length; docIndex++) {
    const doc = docs[docIndex] as FieldedText;
    starts[docIndex] = entryTerms.length;
    if (doc.title !== lastTitle) {
      lastTitle = doc.title;
      titleWords.length = 0;
      forEachWord(doc.title, (word) => titleWords.push(word));
    }
    counts = titleCounts;
    length = 0;
    position = 0;
    for (const word of titleWords) countWord(word);
    titleLengths[docIndex] = length;
    counts = abstractCounts;
    length = 0;
    position += FIELD_GAP;
    forEachWord(doc.abstract, countWord);
    abstractLengths[docIndex] = length;
    if (withPositions) placePositions(starts[docIndex] as number);
  }
  starts[docs.length] = entryTerms.length;
  let positionStarts: Uint32Array | undefined;
  if (withPositions) {
    positionStarts = new Uint32Array(entryTerms.length + 1);
    for (let entry = 0; entry < entryTerms.length; entry++) {
      positionStarts[entry + 1] =
        (positionStarts[entry] as number) + (titleCounts.data[entry] as number) + (abstractCounts.data[entry] as number);
    }
  }

  return {
    terms,
    surfaces: pickSurfaces(terms, tallies),
    documentFrequency: documentFrequency.slice(0, terms.length),
    titleLengths,
    abstractLengths,
    starts,
    termIds: entryTerms.toArray(),
    titleCounts: titleCounts.toArray(),
    abstractCounts: abstractCounts.toArray(),
    ...(withPositions ? { positions: positions.toArray(), positionStarts } : {}),
  };
}

function grown<T extends Uint32Array | Int32Array>(array: T): T {
  const larger = new (array.constructor as new (length: number) => T)(array.length * 2);
  larger.set(array);
  return larger;
}

/**
 * The most frequent written form of each term. Capitals are kept only inside a word ("RLVR",
 * "LLMs", "ReNO"), where they are part of the name; a capital first letter is just sentence case.
 */
function pickSurfaces(terms: readonly string[], tallies: ReadonlyArray<readonly [AnalysedWord, WordTally]>): string[] {
  const counts = terms.map(() => new Map<string, number>());
  for (const [word, tally] of tallies) {
    word.tokens.forEach((token, position) => {
      const surface = word.text.slice(token.start, token.end);
      const readable = /\p{Lu}/u.test(surface.slice(1)) ? surface : surface.toLowerCase();
      const forTerm = counts[tally.termIds[position] as number] as Map<string, number>;
      forTerm.set(readable, (forTerm.get(readable) ?? 0) + tally.count);
    });
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

/** The term counts without their word positions, which only the BM25 index reads. */
export function withoutPositions(counted: CorpusTerms | undefined): CorpusTerms | undefined {
  if (!counted) return undefined;
  const { positions: _positions, positionStarts: _positionStarts, ...rows } = counted;
  return rows;
}
