import type { FieldedText } from '../lexical/index.js';
import { splitSentences } from '../text/index.js';
import type { SentencePaper } from './sentence-index.js';

/** Each paper's sentences as the sentence index splits them: its range of sentences, and each sentence's offsets in its abstract. */
export interface SentenceSplit {
  entries: SentencePaper[];
  /** Sentence `s` is `offsets[2s] .. offsets[2s + 1]` of its paper's abstract. */
  offsets: ArrayLike<number>;
}

/** Abstracts split into sentences: how many each has, their offsets, and each sentence as BM25 reads it. */
export interface SplitTexts {
  counts: Uint32Array;
  offsets: number[];
  /** Each sentence with its paper's title, its text in `abstract`: millions of them at a million papers, so nothing more per sentence. */
  docs: FieldedText[];
}

/** Splits each abstract of `papers` into the sentence index's sentences (`splitSentences`). */
export function splitAbstracts(papers: ReadonlyArray<{ title: string; abstract: string }>): SplitTexts {
  const counts = new Uint32Array(papers.length);
  const offsets: number[] = [];
  const docs: FieldedText[] = [];
  papers.forEach((paper, position) => {
    // Read once: a paper's texts may be decoded on each read (read in place from shared memory), and its sentences share one title.
    const { title, abstract } = paper;
    const sentences = splitSentences(abstract);
    counts[position] = sentences.length;
    for (const sentence of sentences) {
      offsets.push(sentence.start, sentence.end);
      docs.push({ title, abstract: sentence.text });
    }
  });
  return { counts, offsets, docs };
}

/** Where each paper's sentences start, by number, from how many each has (`counts`): paper `p`'s are `[first[p], first[p + 1])`. */
export function firstSentences(counts: ArrayLike<number>): Uint32Array {
  const first = new Uint32Array(counts.length + 1);
  for (let position = 0; position < counts.length; position++)
    first[position + 1] = (first[position] as number) + (counts[position] as number);
  return first;
}

/** The sentence index's entry of each paper, its sentences numbered in order (`counts`: how many each has). */
export function sentencePapers(papers: ReadonlyArray<{ id: string; contentHash: string }>, counts: ArrayLike<number>): SentencePaper[] {
  let first = 0;
  return papers.map(({ id, contentHash }, position) => {
    const count = counts[position] as number;
    const entry = { id, hash: contentHash, first, count };
    first += count;
    return entry;
  });
}
