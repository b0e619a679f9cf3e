import { describe, expect, it } from 'vitest';
import { evidenceMessages, isBoilerplate, resolveCitations } from '../../server/ask/index.js';

const citations = [
  { id: 'a', title: 'A', sentence: 'First.' },
  { id: 'b', title: 'B', sentence: 'Second.' },
  { id: 'c', title: 'C', sentence: 'Third.' },
];

describe('isBoilerplate', () => {
  it('flags where-to-get-it sentences and bare links', () => {
    for (const sentence of [
      'Code is available at https://github.com/x/y.',
      'Our code and data are publicly available.',
      'We have open-sourced all model weights and training recipes at https://github.com/x.',
      'Project page: https://example.com.',
      'https://github.com/x/y',
      'We provide videos of the trained agents at: https://sites.google.com/view/vlm-rm.',
    ]) {
      expect(isBoilerplate(sentence), sentence).toBe(true);
    }
  });

  it('keeps research claims, even about open-source models or public datasets', () => {
    for (const sentence of [
      'We found that LLMs demonstrate strong robustness to substantial reward noise.',
      'A ReNO-optimized one-step model outperforms widely-used open-source models such as SDXL.',
      'To address this problem, we make publicly available the ARAUS dataset, which comprises 25,440 responses.',
    ]) {
      expect(isBoilerplate(sentence), sentence).toBe(false);
    }
  });
});

describe('resolveCitations', () => {
  it('renumbers cited evidence in order of first mention and keeps only what is cited', () => {
    const resolved = resolveCitations('Noise barely hurts [3]. It helps [1, 3]. See also [1][2].', citations);
    expect(resolved.answer).toBe('Noise barely hurts [1]. It helps [2][1]. See also [2][3].');
    expect(resolved.citations.map((citation) => citation.id)).toEqual(['c', 'a', 'b']);
  });

  it('strips markers beyond the evidence', () => {
    const resolved = resolveCitations('Claim [4]. Other [0] claim [2, 9].', citations);
    expect(resolved.answer).toBe('Claim. Other claim [1].');
    expect(resolved.citations.map((citation) => citation.id)).toEqual(['b']);
  });
});

describe('evidenceMessages', () => {
  it('numbers one evidence block per cited paper with the sentence quoted from it, and asks for [n] citations only from it', () => {
    const messages = evidenceMessages('Why?', { citations: citations.slice(0, 2), partial: false });
    expect(messages[0]?.role).toBe('system');
    expect(messages[0]?.content).toMatch(/only the numbered evidence/);
    expect(messages[1]?.content).toBe('Evidence:\n\n[1] A\nFirst.\n\n[2] B\nSecond.\n\nQuestion: Why?');
  });

  it('tells the model when the evidence answers only part of the question', () => {
    const [, user] = evidenceMessages('Why?', { citations: citations.slice(0, 1), partial: true });
    expect(user?.content).toBe(
      'Evidence:\n\n[1] A\nFirst.\n\nThe evidence covers only part of the question: say once which part it does not answer.\n\nQuestion: Why?',
    );
  });
});
