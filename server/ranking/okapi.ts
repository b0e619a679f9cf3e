import { PaperscopeError } from '../../core/errors.js';
import { topK } from '../../indexer/lexical/index.js';
import type { Scored } from './fuse.js';

export interface OkapiDocument {
  id: string;
  text: string;
}

export interface OkapiOptions {
  k1?: number;
  b?: number;
}

const WORD = /[\p{L}\p{N}]+/gu;

/** Lower-cased runs of letters and digits: no stemming, no stop words, one field. */
function okapiTokens(text: string): string[] {
  return text.toLowerCase().match(WORD) ?? [];
}

/**
 * Plain Okapi BM25 over one text per document, the baseline every ranking is compared against in
 * the evaluation harness: deliberately nothing of Paperscope's own analysis (stems, compounds,
 * fields, proximity), with Anserini's BEIR defaults k1 = 0.9, b = 0.4.
 * @example new OkapiBm25(docs).search('reward noise', 10)
 */
export class OkapiBm25 {
  readonly #ids: string[];
  readonly #postings = new Map<string, { docs: number[]; tfs: number[] }>();
  readonly #norms: Float64Array;
  readonly #k1: number;

  constructor(docs: readonly OkapiDocument[], options: OkapiOptions = {}) {
    const { k1 = 0.9, b = 0.4 } = options;
    if (!(k1 >= 0) || !(b >= 0 && b <= 1))
      throw new PaperscopeError('INVALID_PARAMETER', `BM25 needs k1 ≥ 0 and 0 ≤ b ≤ 1, got k1 ${k1}, b ${b}`, { field: 'k1' });
    this.#k1 = k1;
    this.#ids = docs.map((doc) => doc.id);
    const lengths = new Float64Array(docs.length);
    docs.forEach((doc, index) => {
      const counts = new Map<string, number>();
      for (const token of okapiTokens(doc.text)) counts.set(token, (counts.get(token) ?? 0) + 1);
      lengths[index] = [...counts.values()].reduce((sum, count) => sum + count, 0);
      for (const [token, count] of counts) {
        let posting = this.#postings.get(token);
        if (!posting) {
          posting = { docs: [], tfs: [] };
          this.#postings.set(token, posting);
        }
        posting.docs.push(index);
        posting.tfs.push(count);
      }
    });
    const averageLength = lengths.reduce((sum, length) => sum + length, 0) / Math.max(1, docs.length) || 1;
    this.#norms = lengths.map((length) => k1 * (1 - b + (b * length) / averageLength));
  }

  /** The `k` best documents, best first; each query token counts once per occurrence in the query. */
  search(query: string, k: number): Scored[] {
    const scores = new Float64Array(this.#ids.length);
    const touched: number[] = [];
    const documentCount = this.#ids.length;
    for (const token of okapiTokens(query)) {
      const posting = this.#postings.get(token);
      if (!posting) continue;
      const df = posting.docs.length;
      const idf = Math.log(1 + (documentCount - df + 0.5) / (df + 0.5));
      posting.docs.forEach((doc, index) => {
        const tf = posting.tfs[index] as number;
        if (scores[doc] === 0) touched.push(doc);
        scores[doc] = (scores[doc] as number) + (idf * tf * (this.#k1 + 1)) / (tf + (this.#norms[doc] as number));
      });
    }
    return topK(touched, scores, k).map((doc) => ({ id: this.#ids[doc] as string, score: scores[doc] as number }));
  }
}
