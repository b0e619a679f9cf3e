import { describe, expect, it } from 'vitest';
import type { Embedder } from '../../indexer/embed/index.js';
import { DOCUMENT_CHUNK, documentText, embedPapers } from '../../indexer/sentences/index.js';
import { hashedWordsEmbedder } from '../helpers/hashed-words-embedder.js';

describe('embedPapers with an embedder of whole texts (the word vectors)', () => {
  it('makes and embeds the papers\u2019 texts a chunk at a time, with the same vectors and progress over all papers', async () => {
    const calls: number[] = [];
    // A vector per text that is cheap to make and tells the texts apart: its length and first letters.
    const vectorOf = (text: string) => Float32Array.of(text.length, text.charCodeAt(6), text.charCodeAt(7));
    const embedder: Embedder = {
      ...hashedWordsEmbedder(),
      embedDocuments: async (texts, onProgress) => {
        calls.push(texts.length);
        onProgress?.(texts.length, texts.length);
        return texts.map(vectorOf);
      },
    };
    const papers = Array.from({ length: 2 * DOCUMENT_CHUNK + 5 }, (_, n) => ({
      id: `p${n}`,
      title: `Paper ${n % 97}`,
      abstract: `Reward noise ${n % 13} and policy ${n % 7}.`,
      contentHash: `h${n}`,
    }));
    const progress: Array<[number, number]> = [];
    const { vectors } = await embedPapers(embedder, papers, (done, total) => progress.push([done, total]));
    // One chunk's texts alive at a time: a million papers' texts at once passed V8's heap limit.
    expect(calls).toEqual([DOCUMENT_CHUNK, DOCUMENT_CHUNK, 5]);
    expect(vectors).toEqual(papers.map((paper) => vectorOf(documentText(paper))));
    expect(progress.map(([, total]) => total)).toEqual(progress.map(() => papers.length));
    expect(progress.map(([done]) => done)).toEqual([DOCUMENT_CHUNK, 2 * DOCUMENT_CHUNK, papers.length]);
  });
});
