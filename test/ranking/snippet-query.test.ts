import { describe, expect, it } from 'vitest';
import { analyseQuery, bestSnippet } from '../../server/ranking/snippet.js';

const abstracts = [
  'Noisy rewards are common. A reward model with noise still helps.',
  'We study reward hacking. Policies exploit noisy reward models.',
  'Nothing here matches. Another sentence.',
];

describe('bestSnippet for one query over many papers', () => {
  it('analyses the query once for all its papers, and a new query anew', () => {
    const first = abstracts.map((abstract) => bestSnippet(abstract, 'noisy reward'));
    // The ten hits of a search share one analysis of its query.
    const analysis = analyseQuery('noisy reward');
    expect(analyseQuery('noisy reward')).toBe(analysis);
    expect([...analysis.wanted]).toEqual(['noisi', 'reward']);
    const other = analyseQuery('reward hacking');
    expect(other).not.toBe(analysis);
    expect([...other.wanted]).toEqual(['reward', 'hack']);
    expect(bestSnippet(abstracts[1] as string, 'reward hacking').highlights.length).toBeGreaterThan(1);
    // Back to the first query: the same snippets as before.
    expect(abstracts.map((abstract) => bestSnippet(abstract, 'noisy reward'))).toEqual(first);
    expect(first[0]?.highlights.length).toBeGreaterThan(0);
  });
});
