import { describe, expect, it } from 'vitest';
import { buildLexicalIndex } from '../../indexer/lexical/index.js';

const filler = (n: number) => ({
  id: `filler-${n}`,
  title: `Unrelated study ${n}`,
  abstract: `Protein folding and crystal growth number ${n} in chemistry.`,
});

describe('sharedTerms', () => {
  const index = buildLexicalIndex([
    {
      id: 'a',
      title: 'Reward noise in RLVR',
      abstract:
        'We surprisingly find that RLVR is robust to reward noise. It is crucial to ensure accurate rewards; methods fail in various scenarios.',
    },
    {
      id: 'b',
      title: 'Noisy labels in RLVR',
      abstract: 'RLVR with noisy labels remains robust. We ensure that crucial scenarios do not fail, which is surprisingly accurate.',
    },
    ...Array.from({ length: 10 }, (_, n) => filler(n)),
  ]);

  it('explains a relation by distinctive terms, not by generic verbs, adjectives and adverbs', () => {
    const shared = index.sharedTerms('a', 'b', 10);
    expect(shared[0]).toBe('RLVR');
    expect(shared).toContain('robust');
    for (const generic of ['ensure', 'crucial', 'fail', 'scenarios', 'surprisingly', 'accurate']) expect(shared).not.toContain(generic);
  });

  it('leaves out the theme of the corpus: a term in most papers relates none in particular', () => {
    const themed = buildLexicalIndex(
      Array.from({ length: 10 }, (_, n) => ({
        id: `p${n}`,
        title: `Diffusion paper ${n}`,
        abstract: n < 2 ? 'Diffusion with golden noise seeds.' : 'Diffusion sampling.',
      })),
    );
    const shared = themed.sharedTerms('p0', 'p1', 5);
    expect(shared).toEqual(expect.arrayContaining(['golden', 'seeds', 'noise']));
    expect(shared).not.toContain('diffusion');
  });
});
