import { describe, expect, it } from 'vitest';
import { composeAnswer, type Evidence, NOT_ANSWERED } from '../../server/ranking/index.js';

const evidence: Evidence[] = [
  { paperId: 'climb', title: 'On the Noisy Rewards in Learning to Reason', sentence: 'LLMs are robust to substantial reward noise.', relevance: 0.9 },
  { paperId: 'climb', title: 'On the Noisy Rewards in Learning to Reason', sentence: 'Flipping 40% of rewards still allows rapid convergence in reinforcement learning.', relevance: 0.85 },
  { paperId: 'climb', title: 'On the Noisy Rewards in Learning to Reason', sentence: 'Noisy rewards barely slow reasoning training.', relevance: 0.84 },
  { paperId: 'climb', title: 'On the Noisy Rewards in Learning to Reason', sentence: 'Robustness to noisy rewards holds for math tasks.', relevance: 0.83 },
  { paperId: 'climb', title: 'On the Noisy Rewards in Learning to Reason', sentence: 'Reward noise of 40% costs only three points of accuracy.', relevance: 0.82 },
  { paperId: 'olr', title: 'Learning to Reason under Noisy Supervision', sentence: 'Noisy labels in RLVR are corrected by online label refinement.', relevance: 0.7 },
  { paperId: 'hacking', title: 'Reward Hacking in Text-to-Image RL', sentence: 'Reward models for images can be hacked by the policy.', relevance: 0.4 },
];

describe('composeAnswer', () => {
  const result = composeAnswer('How robust is reinforcement learning to noisy rewards?', evidence);

  it('cites every sentence with a marker that maps to its paper', () => {
    expect(result.grounded).toBe(true);
    const markers = [...result.answer.matchAll(/\[(\d+)\]/g)].map((match) => Number(match[1]));
    expect(markers.length).toBeGreaterThanOrEqual(3);
    for (const marker of markers) expect(result.citations[marker - 1]).toBeDefined();
    expect(new Set(result.citations.map((citation) => citation.id)).size).toBe(result.citations.length);
    for (const citation of result.citations) {
      const marker = result.citations.indexOf(citation) + 1;
      expect(result.answer).toContain(`${citation.sentence.replace(/\.$/, '')} [${marker}].`);
    }
  });

  it('keeps one paper from filling the answer (MMR and at most 2 per paper)', () => {
    expect(result.citations.map((citation) => citation.id)).toEqual(['climb', 'olr', 'hacking']);
    expect(result.answer.match(/\[1\]/g)).toHaveLength(2);
  });

  it('reuses the marker for a second sentence of the same paper, kept next to the first', () => {
    expect(result.answer).toMatch(/^[^[]+\[1\]\. [^[]+\[1\]\. [^[]+\[2\]\./);
  });

  it('prefers dissimilar sentences when vectors say two are near duplicates', () => {
    const unit = (...values: number[]) => Float32Array.from(values);
    const withVectors: Evidence[] = [
      { paperId: 'p', title: 'T', sentence: 'Noisy rewards first.', relevance: 1, vector: unit(1, 0) },
      { paperId: 'p', title: 'T', sentence: 'Noisy rewards again.', relevance: 0.95, vector: unit(1, 0) },
      { paperId: 'p', title: 'T', sentence: 'Noisy rewards differ.', relevance: 0.9, vector: unit(0, 1) },
    ];
    const answer = composeAnswer('noisy rewards', withVectors, { maxSentences: 2 });
    expect(answer.answer).toBe('Noisy rewards first [1]. Noisy rewards differ [1].');
  });

  it('refuses an off-topic question, citing nothing but listing papers to see', () => {
    const offTopic = composeAnswer('What is the boiling point of tungsten?', evidence.map((item) => ({ ...item, relevance: 0.1 })));
    expect(offTopic).toEqual({
      answer: NOT_ANSWERED,
      citations: [],
      quotes: [],
      grounded: false,
      seeAlso: [
        { id: 'climb', title: 'On the Noisy Rewards in Learning to Reason' },
        { id: 'olr', title: 'Learning to Reason under Noisy Supervision' },
        { id: 'hacking', title: 'Reward Hacking in Text-to-Image RL' },
      ],
    });
  });

  it('grounds a paraphrase by similarity alone, and refuses when that is low too', () => {
    const paraphrase: Evidence[] = [{ paperId: 'p', title: 'T', sentence: 'Corrupted feedback barely hurts.', relevance: 0.1, vector: Float32Array.from([1, 0]) }];
    const question = 'Do imperfect signals matter?';
    expect(composeAnswer(question, paraphrase, { questionVector: Float32Array.from([0.8, 0.6]) }).grounded).toBe(true);
    expect(composeAnswer(question, paraphrase, { questionVector: Float32Array.from([0, 1]) }).grounded).toBe(false);
  });

  it('lists every quoted sentence with its citation number, in answer order', () => {
    expect(result.quotes.map((quote) => quote.citation)).toEqual([1, 1, 2, 3]);
    expect(result.answer).toBe(result.quotes.map((quote) => `${quote.sentence.replace(/\.$/, '')} [${quote.citation}].`).join(' '));
  });

  it('does not ground on common question words when the rare ones are unmatched (IDF coverage)', () => {
    const recipe: Evidence[] = [{ paperId: 'p', title: 'BaseReward', sentence: 'We give the best recipe for reward models.', relevance: 0.1 }];
    const idf = (term: string): number => ({ best: 1, recip: 2 })[term] ?? 5;
    expect(composeAnswer('best pizza recipe', recipe, { idf }).grounded).toBe(false);
    expect(composeAnswer('best reward model recipe', recipe, { idf }).grounded).toBe(true);
    expect(composeAnswer('best pizza recipe', recipe, { idf, minCoverage: 0.3 }).grounded).toBe(true);
  });

  it('handles no evidence and rejects bad options', () => {
    expect(composeAnswer('noisy rewards', []).grounded).toBe(false);
    expect(() => composeAnswer('q', evidence, { lambda: 2 })).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER' }));
    expect(() => composeAnswer('q', evidence, { minCoverage: 1.5 })).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER' }));
  });
});
