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
  /** The same for the sentences' corpus, counted in the same pass (`countCorpusAndSentenceTerms`): its term ids, set when first seen there. */
  sentenceTermIds: number[] | undefined;
  sentenceCount: number;
  /** What another reader of the same pass keeps for this word (`WordHook`). */
  kept: { value: unknown };
}

/**
 * Hears each word of the pass, with a slot of its own kept with the word's tally: another reader of
 * the same texts (the word-vector embedding) reads them from this pass instead of tokenizing them again.
 * `start` is the word's offset in its field; `inTitle` says which.
 */
export interface WordHook {
  word(word: AnalysedWord, kept: { value: unknown }, start: number, inTitle: boolean): void;
  /** Document `doc` is done. */
  end(doc: number): void;
}

/** Relative positions of a word's tokens: a compound's whole sits on its first part, each part on its own. */
export function tokenOffsets(word: AnalysedWord): { offsets: number[]; span: number } {
  let part = 0;
  // Only a compound's whole keeps its separators ("text-to-image"); its parts and plain words do not.
  const offsets = word.tokens.map((token, index) => (index === 0 && /[-^/.]/.test(token.word) ? 0 : part++));
  return { offsets, span: Math.max(1, part) };
}

/**
 * One corpus' per-document term lists as they are counted, document after document: title words,
 * then abstract words, by term id (the caller's, given in order of first occurrence).
 */
class TermLists {
  readonly #withPositions: boolean;
  documentFrequency = new Uint32Array(1024);
  // Per term: the last document it was seen in and its entry in that document's list.
  #lastDoc = new Int32Array(1024);
  #entryInDoc = new Uint32Array(1024);
  readonly starts: Uint32Array;
  readonly titleLengths: Uint32Array;
  readonly abstractLengths: Uint32Array;
  readonly entryTerms = new Uint32Builder();
  readonly titleCounts = new Uint32Builder();
  readonly abstractCounts = new Uint32Builder();
  // Per document, each occurrence's entry and position; regrouped by entry when the document ends.
  readonly #occurrenceEntries = new Uint32Builder();
  readonly #occurrencePositions = new Uint32Builder();
  readonly positions = new Uint32Builder();
  #doc = 0;
  #counts = this.titleCounts;
  #length = 0;
  #position = 0;
  /**
   * Consecutive documents may share a title (the sentences of one abstract, ≈ 8 a paper): the first
   * of them counts it, the others copy its title entries (they come first). Counted word by word
   * for every sentence, titles were ≈ a third of the sentences' occurrences.
   */
  readonly #title = { firstEntry: 0, entries: 0, length: 0, span: 0 };
  /** The title's occurrences with positions: entry (from the document's first) and position, in pairs. */
  readonly #titleOccurrences: number[] = [];

  constructor(documents: number, withPositions: boolean) {
    this.#withPositions = withPositions;
    this.starts = new Uint32Array(documents + 1);
    this.titleLengths = new Uint32Array(documents);
    this.abstractLengths = new Uint32Array(documents);
  }

  /** Term `id` is new: the per-term arrays are grown to hold it. */
  addTerm(id: number): void {
    if (id === this.#lastDoc.length) {
      this.documentFrequency = grown(this.documentFrequency);
      this.#lastDoc = grown(this.#lastDoc);
      this.#entryInDoc = grown(this.#entryInDoc);
    }
    this.#lastDoc[id] = -1;
  }

  /** Starts document `doc` (the one after the last), at its title. */
  begin(doc: number): void {
    this.#doc = doc;
    this.starts[doc] = this.entryTerms.length;
    this.#counts = this.titleCounts;
    this.#length = 0;
    this.#position = 0;
  }

  /** One word's terms in the current field. */
  count(termIds: readonly number[], offsets: readonly number[], span: number): void {
    const doc = this.#doc;
    const counts = this.#counts;
    this.#length += termIds.length;
    for (let index = 0; index < termIds.length; index++) {
      const term = termIds[index] as number;
      if (this.#lastDoc[term] !== doc) {
        this.#lastDoc[term] = doc;
        this.#entryInDoc[term] = this.entryTerms.length;
        this.entryTerms.push(term);
        this.titleCounts.push(0);
        this.abstractCounts.push(0);
        this.documentFrequency[term] = (this.documentFrequency[term] as number) + 1;
      }
      const entry = this.#entryInDoc[term] as number;
      counts.data[entry] = (counts.data[entry] as number) + 1;
      if (this.#withPositions) {
        this.#occurrenceEntries.push(entry);
        this.#occurrencePositions.push(this.#position + (offsets[index] as number));
      }
    }
    this.#position += span;
  }

  /** The current document's title is counted: it is the one later documents copy (`copyTitle`). */
  keepTitle(): void {
    const title = this.#title;
    title.firstEntry = this.starts[this.#doc] as number;
    title.entries = this.entryTerms.length - title.firstEntry;
    title.length = this.#length;
    title.span = this.#position;
    this.#titleOccurrences.length = 0;
    for (let i = 0; i < this.#occurrenceEntries.length; i++)
      this.#titleOccurrences.push(
        (this.#occurrenceEntries.data[i] as number) - title.firstEntry,
        this.#occurrencePositions.data[i] as number,
      );
  }

  /** The current document's title is the kept one's: its entries, counts and positions, copied. */
  copyTitle(): void {
    const title = this.#title;
    const firstEntry = this.entryTerms.length;
    for (let i = 0; i < title.entries; i++) {
      const term = this.entryTerms.data[title.firstEntry + i] as number;
      this.#lastDoc[term] = this.#doc;
      this.#entryInDoc[term] = this.entryTerms.length;
      this.entryTerms.push(term);
      this.titleCounts.push(this.titleCounts.data[title.firstEntry + i] as number);
      this.abstractCounts.push(0);
      this.documentFrequency[term] = (this.documentFrequency[term] as number) + 1;
    }
    for (let i = 0; i < this.#titleOccurrences.length; i += 2) {
      this.#occurrenceEntries.push(firstEntry + (this.#titleOccurrences[i] as number));
      this.#occurrencePositions.push(this.#titleOccurrences[i + 1] as number);
    }
    this.#length = title.length;
    this.#position = title.span;
  }

  /** From the title to the abstract. */
  toAbstract(): void {
    this.titleLengths[this.#doc] = this.#length;
    this.#counts = this.abstractCounts;
    this.#length = 0;
    this.#position += FIELD_GAP;
  }

  end(): void {
    this.abstractLengths[this.#doc] = this.#length;
    if (this.#withPositions) this.#placePositions(this.starts[this.#doc] as number);
  }

  // Counting sort of the document's occurrences by entry; within an entry they stay in text order, title first.
  #placePositions(firstEntry: number): void {
    const { titleCounts, abstractCounts, positions } = this;
    const occurrenceEntries = this.#occurrenceEntries;
    const occurrencePositions = this.#occurrencePositions;
    const entries = this.entryTerms.length - firstEntry;
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
  }

  finish(documents: number, terms: string[], surfaces: string[]): CorpusTerms {
    const { entryTerms, titleCounts, abstractCounts } = this;
    this.starts[documents] = entryTerms.length;
    let positionStarts: Uint32Array | undefined;
    if (this.#withPositions) {
      positionStarts = new Uint32Array(entryTerms.length + 1);
      for (let entry = 0; entry < entryTerms.length; entry++) {
        positionStarts[entry + 1] =
          (positionStarts[entry] as number) + (titleCounts.data[entry] as number) + (abstractCounts.data[entry] as number);
      }
    }
    return {
      terms,
      surfaces,
      documentFrequency: this.documentFrequency.slice(0, terms.length),
      titleLengths: this.titleLengths,
      abstractLengths: this.abstractLengths,
      starts: this.starts,
      termIds: entryTerms.toArray(),
      titleCounts: titleCounts.toArray(),
      abstractCounts: abstractCounts.toArray(),
      ...(this.#withPositions ? { positions: this.positions.toArray(), positionStarts } : {}),
    };
  }
}

/**
 * Each abstract's sentences, as the sentence index splits them (`splitSentences`): document `d`'s
 * are `[first[d], first[d + 1])`, sentence `s` at `offsets[2s] .. offsets[2s + 1]` of its abstract.
 */
export interface SentenceRanges {
  first: Uint32Array;
  offsets: Uint32Array;
}

/**
 * Tokenizes titles and abstracts with the shared tokenizer and counts their terms.
 *
 * @example countCorpusTerms([{ title: 'Reward noise', abstract: 'Noisy rewards.' }]).terms // → ['reward', 'nois', 'noisi']
 */
export function countCorpusTerms(docs: readonly FieldedText[], options: { positions?: boolean } = {}): CorpusTerms {
  return countTerms(docs, options.positions ?? false, undefined).papers;
}

/**
 * Each term's written forms with how often each was seen, in order of first sight (what `surfaces`
 * is picked from): term `t`'s are `forms[starts[t] .. starts[t + 1])`, with their `counts`.
 */
export interface TermForms {
  forms: string[];
  counts: Uint32Array;
  starts: Uint32Array;
}

/** `countCorpusTerms` of a run of consecutive documents, with its terms' forms: `joinCorpusTerms` joins two such runs. */
export interface CorpusTermsPart {
  counted: CorpusTerms;
  forms: TermForms;
}

/** `countCorpusTerms(docs, options)` as a part for `joinCorpusTerms` (the indexer counts a large corpus in two halves, on two threads). */
export function countCorpusTermsPart(docs: readonly FieldedText[], options: { positions?: boolean } = {}): CorpusTermsPart {
  const { papers, forms } = countTerms(docs, options.positions ?? false, undefined);
  return { counted: papers, forms: flatForms(forms) };
}

function flatForms(byTerm: ReadonlyArray<ReadonlyMap<string, number>>): TermForms {
  const starts = new Uint32Array(byTerm.length + 1);
  byTerm.forEach((forTerm, term) => {
    starts[term + 1] = (starts[term] as number) + forTerm.size;
  });
  const forms: string[] = [];
  const counts = new Uint32Array(starts[byTerm.length] as number);
  for (const forTerm of byTerm)
    for (const [form, count] of forTerm) {
      counts[forms.length] = count;
      forms.push(form);
    }
  return { forms, counts, starts };
}

/**
 * `countCorpusTerms(docs, { positions })` and, from the same pass over each text, the term counts of
 * the corpus of their sentences (`sentences`: sentence `s` of document `d` as a document of its own,
 * `{ title: d.title, abstract: <the sentence> }`, without positions), as `countCorpusTerms` gives
 * them for that corpus: the sentence index's BM25 part. A sentence's words are its abstract's words
 * that start in it (no word spans two: sentences end at a mark followed by a space).
 */
export function countCorpusAndSentenceTerms(
  docs: readonly FieldedText[],
  sentences: SentenceRanges,
  options: { positions?: boolean; hook?: WordHook } = {},
): { papers: CorpusTerms; sentences: CorpusTerms } {
  const counted = countTerms(docs, options.positions ?? false, sentences, options.hook);
  return { papers: counted.papers, sentences: counted.sentences as CorpusTerms };
}

function countTerms(
  docs: readonly FieldedText[],
  withPositions: boolean,
  ranges: SentenceRanges | undefined,
  hook?: WordHook,
): { papers: CorpusTerms; sentences: CorpusTerms | undefined; forms: Array<Map<string, number>> } {
  const termIds = new Map<string, number>();
  const terms: string[] = [];
  const lists = new TermLists(docs.length, withPositions);
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
      lists.addTerm(id);
    }
    return id;
  };
  const tallyOf = (word: AnalysedWord): WordTally => {
    if (word.memo !== undefined && word.memo.owner === owner) return word.memo.value as WordTally;
    const tally: WordTally = {
      termIds: word.terms.map(idOf),
      ...tokenOffsets(word),
      count: 0,
      sentenceTermIds: undefined,
      sentenceCount: 0,
      kept: { value: undefined },
    };
    word.memo = { owner, value: tally };
    tallies.push([word, tally]);
    return tally;
  };

  // The sentences' corpus: its own term ids, in order of first occurrence there, from the papers'.
  const sentences = ranges && new TermLists(ranges.offsets.length / 2, false);
  let sentenceIdOf = new Int32Array(1024).fill(-1);
  const sentenceTerms: string[] = [];
  const sentenceTallies: Array<[AnalysedWord, WordTally]> = [];
  const sentenceIds = (word: AnalysedWord, tally: WordTally): number[] => {
    if (tally.sentenceTermIds) return tally.sentenceTermIds;
    const ids = tally.termIds.map((term) => {
      while (term >= sentenceIdOf.length) {
        const larger = new Int32Array(sentenceIdOf.length * 2).fill(-1);
        larger.set(sentenceIdOf);
        sentenceIdOf = larger;
      }
      let id = sentenceIdOf[term] as number;
      if (id === -1) {
        id = sentenceTerms.length;
        sentenceIdOf[term] = id;
        sentenceTerms.push(terms[term] as string);
        sentences?.addTerm(id);
      }
      return id;
    });
    tally.sentenceTermIds = ids;
    sentenceTallies.push([word, tally]);
    return ids;
  };

  // A title shared by consecutive documents is counted for the first (`TermLists.copyTitle`); each
  // copy counts its words again for their surfaces, added when the title changes.
  let lastTitle: string | undefined;
  const titleTallies: Array<[AnalysedWord, WordTally]> = [];
  const titleStarts: number[] = [];
  let titleCopies = 0;
  let sentenceTitleCopies = 0;
  const settleTitle = (): void => {
    for (const [, tally] of titleTallies) {
      tally.count += titleCopies;
      tally.sentenceCount += sentenceTitleCopies;
    }
    titleCopies = 0;
    sentenceTitleCopies = 0;
  };

  // The sentence being counted, and where the next one starts.
  let sentence = 0;
  let sentenceEnd = 0;
  let lastSentence = 0;
  let titleKeptForSentences = false;
  const beginSentence = (): void => {
    const lists = sentences as TermLists;
    lists.begin(sentence);
    if (titleKeptForSentences) {
      lists.copyTitle();
      sentenceTitleCopies++;
    } else {
      for (const [word, tally] of titleTallies) {
        lists.count(sentenceIds(word, tally), tally.offsets, tally.span);
        tally.sentenceCount++;
      }
      lists.keepTitle();
      titleKeptForSentences = true;
    }
    lists.toAbstract();
    sentenceEnd = (ranges as SentenceRanges).offsets[2 * sentence + 1] as number;
  };
  const countAbstractWord = (word: AnalysedWord, start: number): void => {
    const tally = tallyOf(word);
    hook?.word(word, tally.kept, start, false);
    tally.count++;
    lists.count(tally.termIds, tally.offsets, tally.span);
    if (!sentences) return;
    // (A word past the last sentence's end cannot be: it would stay in that sentence.)
    while (start >= sentenceEnd && sentence + 1 < lastSentence) {
      sentences.end();
      sentence++;
      beginSentence();
    }
    sentences.count(sentenceIds(word, tally), tally.offsets, tally.span);
    tally.sentenceCount++;
  };

  for (let doc = 0; doc < docs.length; doc++) {
    const { title, abstract } = docs[doc] as FieldedText;
    lists.begin(doc);
    if (title !== lastTitle) {
      lastTitle = title;
      settleTitle();
      titleTallies.length = 0;
      titleStarts.length = 0;
      titleKeptForSentences = false;
      forEachWord(title, (word, start) => {
        const tally = tallyOf(word);
        hook?.word(word, tally.kept, start, true);
        tally.count++;
        lists.count(tally.termIds, tally.offsets, tally.span);
        titleTallies.push([word, tally]);
        titleStarts.push(start);
      });
      lists.keepTitle();
    } else {
      lists.copyTitle();
      titleCopies++;
      // A hook hears the copied title's words as if read again.
      if (hook) for (const [at, [word, tally]] of titleTallies.entries()) hook.word(word, tally.kept, titleStarts[at] as number, true);
    }
    lists.toAbstract();
    if (!sentences) {
      forEachWord(abstract, countAbstractWord);
      lists.end();
      hook?.end(doc);
      continue;
    }
    const { first } = ranges as SentenceRanges;
    const last = first[doc + 1] as number;
    lastSentence = last;
    sentence = first[doc] as number;
    if (sentence < last) {
      beginSentence();
      forEachWord(abstract, countAbstractWord);
      sentences.end();
      // Sentences after the last word (none have words): documents all the same.
      for (sentence++; sentence < last; sentence++) {
        beginSentence();
        sentences.end();
      }
    }
    lists.end();
    hook?.end(doc);
  }
  settleTitle();
  const forms = formCounts(terms, tallies, false);
  const sentenceForms = sentences ? formCounts(sentenceTerms, sentenceTallies, true) : [];
  const papers = lists.finish(
    docs.length,
    terms,
    mostFrequentForms(terms, (id) => forms[id] ?? []),
  );
  return {
    papers,
    sentences: sentences?.finish(
      sentences.titleLengths.length,
      sentenceTerms,
      mostFrequentForms(sentenceTerms, (id) => sentenceForms[id] ?? []),
    ),
    forms,
  };
}

function grown<T extends Uint32Array | Int32Array>(array: T): T {
  const larger = new (array.constructor as new (length: number) => T)(array.length * 2);
  larger.set(array);
  return larger;
}

/**
 * Each term's written forms with their counts, in order of first sight. Capitals are kept only inside
 * a word ("RLVR", "LLMs", "ReNO"), where they are part of the name; a capital first letter is just sentence case.
 */
function formCounts(
  terms: readonly string[],
  tallies: ReadonlyArray<readonly [AnalysedWord, WordTally]>,
  ofSentences: boolean,
): Array<Map<string, number>> {
  const counts = terms.map(() => new Map<string, number>());
  for (const [word, tally] of tallies) {
    const ids = (ofSentences ? tally.sentenceTermIds : tally.termIds) as number[];
    const count = ofSentences ? tally.sentenceCount : tally.count;
    word.tokens.forEach((token, position) => {
      const surface = word.text.slice(token.start, token.end);
      const readable = /\p{Lu}/u.test(surface.slice(1)) ? surface : surface.toLowerCase();
      const forTerm = counts[ids[position] as number] as Map<string, number>;
      forTerm.set(readable, (forTerm.get(readable) ?? 0) + count);
    });
  }
  return counts;
}

/** The most frequent written form of each term (the first seen of those tied), or the term itself when it has none. */
export function mostFrequentForms(terms: readonly string[], formsOf: (term: number) => Iterable<readonly [string, number]>): string[] {
  return terms.map((term, id) => {
    let best = term;
    let bestCount = 0;
    for (const [surface, count] of formsOf(id)) {
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
