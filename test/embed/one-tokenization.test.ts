import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createWordVectorEmbedder, type WordVectorEmbedder } from '../../indexer/embed/word-vectors/index.js';
import { type CorpusTerms, countCorpusAndSentenceTerms } from '../../indexer/lexical/index.js';
import { documentPieces, documentText } from '../../indexer/sentences/index.js';
import { firstSentences, splitAbstracts } from '../../indexer/sentences/split.js';
import { UNIT_TEST_MS } from '../helpers/limits.js';
import { readSampleCorpus } from '../lexical/sample-corpus.js';

// Shared across runs, so the 300 MB package JSON is converted once per machine.
const cacheDir = process.env.PAPERSCOPE_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'paperscope');

/** The counts as one string: comparing typed arrays element by element is slow in `toEqual`. */
function flat(counted: CorpusTerms): string {
  return JSON.stringify(counted, (_, value) =>
    ArrayBuffer.isView(value) ? Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') : value,
  );
}

describe('the word-vector embedding from the term counts’ pass over the words', () => {
  const papers = [
    ...readSampleCorpus().slice(0, 12),
    // A title holding ". " (the title boost ends there), the same title twice in a row (counted once,
    // then copied), compounds known and not, a title ending in a joiner, and an abstract of stop words only.
    { title: 'Rewards vs. noise. A state-of-the-art text-to-image model', abstract: 'We test it, e.g. on COCO. Rewards are noisy.' },
    { title: 'Rewards vs. noise. A state-of-the-art text-to-image model', abstract: 'LLMs’ rewards. RLVR-2.5 helps (ii) a lot.' },
    { title: 'Reward-', abstract: 'The of it. And the.' },
  ];

  it(
    'counts the same terms with the hook, and embeds from the words it heard the vectors the embedder makes from the texts',
    async () => {
      const embedder = (await createWordVectorEmbedder({ cacheDir })) as WordVectorEmbedder;
      await embedder.fit(readSampleCorpus().map(documentText));
      const split = splitAbstracts(papers);
      const ranges = { first: firstSentences(split.counts), offsets: Uint32Array.from(split.offsets) };
      const reader = embedder.passReader((doc) => papers[doc]?.title ?? '');
      const heard = countCorpusAndSentenceTerms(papers, ranges, { positions: true, hook: reader });
      const alone = countCorpusAndSentenceTerms(papers, ranges, { positions: true });
      expect(flat(heard.papers)).toBe(flat(alone.papers));
      expect(flat(heard.sentences)).toBe(flat(alone.sentences));
      expect(reader.reads).toHaveLength(papers.length);
      const pieces = papers.map((paper) => documentPieces(paper).pieces);
      const fromTexts = await embedder.embedPiecesAlone(pieces);
      expect(await embedder.embedPiecesAlone(pieces, undefined, reader.reads)).toEqual(fromTexts);
    },
    UNIT_TEST_MS,
  );
});
