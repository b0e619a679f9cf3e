import { describe, expect, it } from 'vitest';
import { shareDocs } from '../../core/shared-texts.js';
import { WorkerLane } from '../../core/worker.js';
import { countCorpusTerms } from '../../indexer/lexical/index.js';
import {
  buildSentenceIndex,
  countPaperAndSentenceTerms,
  countSentenceTerms,
  countTermsWithSentences,
  type SentenceSource,
} from '../../indexer/sentences/index.js';
import { cpuStage, type StageTimings } from '../../indexer/timings.js';
import { hashedWordsEmbedder } from '../helpers/hashed-words-embedder.js';

const papers: SentenceSource[] = [
  {
    id: 'a',
    title: 'Reward noise in RLHF',
    abstract: 'Noisy rewards hurt policy learning. We model the noise. Text-to-image models suffer too.',
    contentHash: 'ha',
  },
  { id: 'b', title: 'Sparse attention', abstract: 'Attention is quadratic. Sparse patterns cut it to linear time.', contentHash: 'hb' },
  { id: 'c', title: 'No sentences', abstract: 'one line without a stop', contentHash: 'hc' },
];

/** What the saved index holds of the sentences: their papers' ranges, offsets, vectors and BM25 file. */
const saved = (index: Awaited<ReturnType<typeof buildSentenceIndex>>) => ({
  papers: index.papers,
  offsets: Array.from(index.offsets),
  vectors: Array.from(index.vectors.codes),
  lexical: Buffer.concat(index.lexical.toFile(1)),
});

describe('countTermsWithSentences', () => {
  it("counts the papers' terms and their sentences' on a worker lane, and the index built from them is the one built from the papers alone", async () => {
    const embedder = hashedWordsEmbedder();
    const alone = saved(await buildSentenceIndex(papers, 1, embedder));
    const lane = new WorkerLane();
    const timings: StageTimings = {};
    try {
      const { terms, sentences: texts } = countTermsWithSentences(papers, papers, lane, timings);
      expect(saved(await buildSentenceIndex(papers, 1, embedder, { texts }))).toEqual(alone);
      expect(await terms).toEqual(countCorpusTerms(papers, { positions: true }));
      // Counted on the lane in one pass, and timed there.
      expect(timings.terms).toBeGreaterThan(0);
      expect(timings[cpuStage('terms')]).toBeDefined();
      // Texts of other papers (here a changed abstract) are not used.
      const changed = papers.map((paper) =>
        paper.id === 'b' ? { ...paper, abstract: 'Dense attention only.', contentHash: 'hb2' } : paper,
      );
      const elsewhere = saved(await buildSentenceIndex(changed, 1, embedder));
      expect(saved(await buildSentenceIndex(changed, 1, embedder, { texts }))).toEqual(elsewhere);
      expect(elsewhere.lexical.equals(alone.lexical)).toBe(false);
    } finally {
      lane.release();
    }
  });
  it('splits and counts them on a worker of its own from the texts in shared memory, as the indexer does from 50k papers', async () => {
    const embedder = hashedWordsEmbedder();
    const alone = saved(await buildSentenceIndex(papers, 1, embedder));
    const timings: StageTimings = {};
    const texts = countSentenceTerms(shareDocs(papers), papers, timings);
    expect(await texts.split).toEqual({ entries: alone.papers, offsets: Uint32Array.from(alone.offsets) });
    // The sentences' vectors embedded from their papers' abstracts, as from the sentences split here.
    expect(saved(await buildSentenceIndex(papers, 1, embedder, { texts }))).toEqual(alone);
    expect(timings[cpuStage('sentences: split')]).toBeDefined();
    expect(timings[cpuStage('sentences: terms')]).toBeDefined();
  });
  it("counts the papers' own terms in the same pass there, as the indexer does from 100k papers", async () => {
    const embedder = hashedWordsEmbedder();
    const alone = saved(await buildSentenceIndex(papers, 1, embedder));
    const { terms, sentences: texts } = countPaperAndSentenceTerms(shareDocs(papers), papers);
    expect(await texts.split).toEqual({ entries: alone.papers, offsets: Uint32Array.from(alone.offsets) });
    expect(saved(await buildSentenceIndex(papers, 1, embedder, { texts }))).toEqual(alone);
    expect(await terms).toEqual(countCorpusTerms(papers, { positions: true }));
  });
});
