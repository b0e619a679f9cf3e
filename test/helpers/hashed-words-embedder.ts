import type { Embedder, EmbedderInfo } from '../../indexer/embed/index.js';
import { stem, terms } from '../../indexer/text/index.js';

const DIMENSION = 64;

/** FNV-1a: a stable bucket for a word stem. */
function bucketOf(word: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < word.length; i++) hash = Math.imul(hash ^ word.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % DIMENSION;
}

/**
 * A fast, deterministic embedder for tests whose subject is not embedding quality (locking,
 * storage, the pipeline's bookkeeping): each text is its word stems hashed into 64 buckets, at
 * unit length. Papers sharing words are close, so search and topics still behave sensibly. It
 * records its calls, so a test can tell which embedder the indexer used.
 */
export function hashedWordsEmbedder(): Embedder & { calls: { fit: number; documents: number; queries: number } } {
  const info: EmbedderInfo = { kind: 'word-vectors', model: 'test/hashed-words-64', dimension: DIMENSION };
  const calls = { fit: 0, documents: 0, queries: 0 };
  const embed = (text: string): Float32Array => {
    const vector = new Float32Array(DIMENSION);
    for (const term of terms(text)) vector[bucketOf(stem(term))] = (vector[bucketOf(stem(term))] ?? 0) + 1;
    const norm = Math.hypot(...vector) || 1;
    return vector.map((value) => value / norm);
  };
  return {
    info,
    calls,
    fit: async () => {
      calls.fit++;
    },
    state: () => null,
    embedDocuments: async (texts, onProgress) => {
      calls.documents += texts.length;
      onProgress?.(texts.length, texts.length);
      return texts.map(embed);
    },
    embedQuery: async (text) => {
      calls.queries++;
      return embed(text);
    },
    close: async () => {},
  };
}
