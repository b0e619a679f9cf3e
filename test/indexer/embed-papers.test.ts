import { describe, expect, it } from 'vitest';
import type { Embedder } from '../../indexer/embed/index.js';
import { buildSentenceIndex, DOCUMENT_CHUNK, documentPieces, documentText, embedPapers } from '../../indexer/sentences/index.js';
import { type QuantizedRows, rowCount, rowVector } from '../../indexer/sentences/quantized.js';
import { hashedWordsEmbedder } from '../helpers/hashed-words-embedder.js';

/** A vector per text that is cheap to make and tells the texts apart: its length and first letters. */
const vectorOf = (text: string) => Float32Array.of(text.length, text.charCodeAt(6), text.charCodeAt(7));

const manyPapers = () =>
  Array.from({ length: 2 * DOCUMENT_CHUNK + 5 }, (_, n) => ({
    id: `p${n}`,
    title: `Paper ${n % 97}`,
    abstract: `Reward noise ${n % 13} and policy ${n % 7}. A second sentence ${n % 5}.`,
    contentHash: `h${n}`,
  }));

describe('embedPapers with an embedder of whole texts', () => {
  it('makes and embeds the papers\u2019 texts a chunk at a time, with the same vectors and progress over all papers', async () => {
    const calls: number[] = [];
    const embedder: Embedder = {
      ...hashedWordsEmbedder(),
      embedDocuments: async (texts, onProgress) => {
        calls.push(texts.length);
        onProgress?.(texts.length, texts.length);
        return texts.map(vectorOf);
      },
    };
    const papers = manyPapers();
    const progress: Array<[number, number]> = [];
    const { vectors } = await embedPapers(embedder, papers, (done, total) => progress.push([done, total]));
    // One chunk's texts alive at a time: a million papers' texts at once passed V8's heap limit.
    expect(calls).toEqual([DOCUMENT_CHUNK, DOCUMENT_CHUNK, 5]);
    expect(vectors).toEqual(papers.map((paper) => vectorOf(documentText(paper))));
    expect(progress.map(([, total]) => total)).toEqual(progress.map(() => papers.length));
    expect(progress.map(([done]) => done)).toEqual([DOCUMENT_CHUNK, 2 * DOCUMENT_CHUNK, papers.length]);
  });
});

/** An embedder of pieces whose vectors tell the pieces apart (`vectorOf`); `calls` counts its calls. */
function piecesEmbedder(calls: number[]): Embedder {
  return {
    ...hashedWordsEmbedder(),
    info: { kind: 'word-vectors', model: 'letters', dimension: 3 },
    embedPiecesAlone: async (texts, onProgress) => {
      calls.push(texts.length);
      onProgress?.(texts.length, texts.length);
      return texts.map((pieces) => {
        const rows = new Float32Array(pieces.length * 3);
        pieces.forEach((piece, row) => {
          rows.set(vectorOf(piece), row * 3);
        });
        return { text: vectorOf(pieces.join('')), pieces: rows };
      });
    },
  };
}

describe('embedPapers with an embedder of pieces (the word vectors, the transformer)', () => {
  it('embeds a chunk at a time too, keeping each paper\u2019s vector and its sentences\u2019 rows', async () => {
    const calls: number[] = [];
    const embedder = piecesEmbedder(calls);
    const papers = manyPapers();
    const { vectors, sentences } = await embedPapers(embedder, papers);
    expect(calls).toEqual([DOCUMENT_CHUNK, DOCUMENT_CHUNK, 5]);
    const last = papers.at(-1) as (typeof papers)[number];
    const split = documentPieces(last);
    expect(vectors.at(-1)).toEqual(vectorOf(split.pieces.join('')));
    expect(sentences.size).toBe(papers.length);
    const rows = sentences.get(`${last.id}\n${last.contentHash}`) as QuantizedRows;
    expect(rowCount(rows)).toBe(split.sentences.length);
    // Kept in 8 bits: each component within a step (the row's largest magnitude / 127) of the embedder's.
    split.sentences.forEach((piece, sentence) => {
      const expected = vectorOf(split.pieces[piece] as string);
      const step = Math.max(...expected.map(Math.abs)) / 127;
      rowVector(rows, sentence, 3).forEach((value, d) => {
        expect(Math.abs(value - (expected[d] as number))).toBeLessThanOrEqual(step);
      });
    });
  });
});

describe('buildSentenceIndex with the sentence vectors embedPapers made', () => {
  it('takes them: copied into the index without embedding again, and each paper\u2019s rows let go once copied', async () => {
    const papers = manyPapers().slice(0, 40);
    const calls: number[] = [];
    const embedder = piecesEmbedder(calls);
    const { sentences } = await embedPapers(embedder, papers);
    const rowsOf = new Map([...sentences].map(([key, rows]) => [key, rows]));
    const embedded: string[] = [];
    const index = await buildSentenceIndex(
      papers,
      1,
      {
        ...embedder,
        embedDocuments: async (texts) => {
          embedded.push(...texts);
          return texts.map(vectorOf);
        },
      },
      { fresh: sentences },
    );
    // No sentence embedded again; the map emptied, so its chunks are not held beside the index's copy.
    expect(embedded).toEqual([]);
    expect(sentences.size).toBe(0);
    const last = papers.at(-1) as (typeof papers)[number];
    const entry = index.papers.at(-1) as (typeof index.papers)[number];
    const rows = rowsOf.get(`${last.id}\n${last.contentHash}`) as QuantizedRows;
    for (let sentence = 0; sentence < entry.count; sentence++)
      expect(rowVector(index.vectors, entry.first + sentence, 3)).toEqual(rowVector(rows, sentence, 3));
  });
});
