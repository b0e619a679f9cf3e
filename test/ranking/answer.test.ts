import { describe, expect, it } from 'vitest';
import { composeAnswer, findingStrength, isQuestionSentence, NOT_ANSWERED, type PaperCandidate } from '../../server/ranking/index.js';

const paper = (id: string, title: string, ...sentences: string[]): PaperCandidate => ({
  id,
  title,
  sentences: sentences.map((text) => ({ text })),
});

// In search order, as the engine passes them.
const papers: PaperCandidate[] = [
  paper(
    'climb',
    'On the Noisy Rewards in Learning to Reason',
    'Recent studies on post-training LLMs through reinforcement learning focus on verifiable rewards.',
    'How robust is reinforcement learning to noisy rewards?',
    'We found that LLMs demonstrate strong robustness to substantial reward noise, reaching 72% accuracy with 40% of rewards flipped.',
  ),
  paper(
    'olr',
    'Learning to Reason under Noisy Supervision',
    'Its vulnerability to noisy labels in reinforcement learning remains critically underexplored.',
    'Online label refinement improves robustness to noisy rewards by 3.6%.',
  ),
  paper('hacking', 'Reward Hacking in Text-to-Image RL', 'Image generators can be hacked by the policy.'),
];

describe('composeAnswer', () => {
  const result = composeAnswer('How robust is reinforcement learning to noisy rewards?', papers);

  it('quotes one claim per paper, best paper first, each sentence verbatim with its marker', () => {
    expect(result.grounded).toBe(true);
    expect(result.citations.map((citation) => citation.id)).toEqual(['climb', 'olr']);
    expect(result.answer).toBe(
      'We found that LLMs demonstrate strong robustness to substantial reward noise, reaching 72% accuracy with 40% of rewards flipped [1]. ' +
        'Online label refinement improves robustness to noisy rewards by 3.6% [2].',
    );
    for (const citation of result.citations) {
      expect(papers.find((candidate) => candidate.id === citation.id)?.sentences.map((sentence) => sentence.text)).toContain(
        citation.sentence,
      );
    }
  });

  it('prefers the reported finding to background that matches as many words, and never quotes a question', () => {
    // The question sentence matches every word of the question, and the background sentence shares its words.
    expect(result.citations[0]?.sentence).toMatch(/^We found/);
    expect(result.citations.some((citation) => isQuestionSentence(citation.sentence))).toBe(false);
    const onlyQuestion = composeAnswer('How robust is reinforcement learning to noisy rewards?', [
      paper('q', 'T', 'How robust is reinforcement learning to noisy rewards?'),
    ]);
    expect(onlyQuestion.grounded).toBe(false);
  });

  it('offers a paper none of whose sentences bears on the question to read instead', () => {
    expect(result.citations.map((citation) => citation.id)).not.toContain('hacking');
    expect(result.seeAlso).toEqual([{ id: 'hacking', title: 'Reward Hacking in Text-to-Image RL' }]);
    expect(result.partial).toBe(false);
  });

  it('refuses an off-topic question, citing nothing and listing none of the papers found as close', () => {
    expect(composeAnswer('What is the boiling point of tungsten?', papers)).toEqual({
      answer: NOT_ANSWERED,
      citations: [],
      grounded: false,
      partial: false,
      seeAlso: [],
    });
  });

  it('grounds a paraphrase by similarity, with one word in common or none when much closer, and refuses when that is low too', () => {
    const paraphrase = [
      { id: 'p', title: 'T', sentences: [{ text: 'Corrupted feedback barely hurts.', vector: Float32Array.from([1, 0]) }] },
    ];
    const question = 'Does imperfect feedback matter?';
    const options = { minSimilarity: 0.7, chanceSimilarity: 0.2 };
    expect(composeAnswer(question, paraphrase, { ...options, questionVector: Float32Array.from([0.8, 0.6]) })).toMatchObject({
      grounded: true,
      partial: false,
    });
    expect(composeAnswer(question, paraphrase, { ...options, questionVector: Float32Array.from([0, 1]) }).grounded).toBe(false);
    // No word in common: 0.8 is not enough, 0.9 is (halfway from 0.7 to 1 by default).
    const unanchored = 'Do imperfect signals matter?';
    expect(composeAnswer(unanchored, paraphrase, { ...options, questionVector: Float32Array.from([0.8, 0.6]) }).grounded).toBe(false);
    expect(composeAnswer(unanchored, paraphrase, { ...options, questionVector: Float32Array.from([0.9, 0.436]) }).grounded).toBe(true);
  });

  it('grounds by similarity only a sentence sharing a topical word with the question, unless it is much closer', () => {
    // "novel" is the one word shared, and it is not topical in an abstract ("a novel method").
    const close = (x: number) => [
      {
        id: 'p',
        title: 'Reward Models',
        sentences: [{ text: 'We propose a novel reward model.', vector: Float32Array.from([x, Math.sqrt(1 - x * x)]) }],
      },
    ];
    const options = { minSimilarity: 0.63, minUnanchoredSimilarity: 0.8, chanceSimilarity: 0.2, questionVector: Float32Array.from([1, 0]) };
    expect(composeAnswer('Who wrote the novel War and Peace?', close(0.65), options).grounded).toBe(false);
    expect(composeAnswer('Who wrote the novel War and Peace?', close(0.85), options).grounded).toBe(true);
    // One topical word shared ("reward", in the title) is an anchor: the usual bar holds.
    expect(composeAnswer('Who wrote the best reward for a puppy?', close(0.65), options)).toMatchObject({ grounded: true, partial: false });
    expect(() => composeAnswer('War and Peace?', close(0.65), { ...options, minUnanchoredSimilarity: 0.5 })).toThrow(
      /minUnanchoredSimilarity/,
    );
    // A bar calibrated above 1 (a tiny random model's probes reach cosine ≈ 1): similarity grounds nothing, and is no error.
    const { minUnanchoredSimilarity: _, ...byDefault } = options;
    expect(composeAnswer('Who wrote the novel War and Peace?', close(0.99), { ...byDefault, minSimilarity: 1.02 }).grounded).toBe(false);
  });

  it('answers as partial when only the search found the papers, and says nothing then if no sentence touches the question', () => {
    const related = [
      { id: 'p', title: 'T', sentences: [{ text: 'Corrupted feedback barely hurts.', vector: Float32Array.from([0.6, 0.8]) }] },
    ];
    const options = { minSimilarity: 0.9, chanceSimilarity: 0.2, questionVector: Float32Array.from([1, 0]) };
    expect(composeAnswer('Do imperfect signals matter?', related, options).grounded).toBe(false);
    expect(composeAnswer('Do imperfect signals matter?', related, { ...options, searchFound: true })).toMatchObject({
      grounded: true,
      partial: true,
      citations: [{ id: 'p' }],
    });
    const unrelated = { ...options, questionVector: Float32Array.from([-1, 0]), searchFound: true };
    expect(composeAnswer('Do imperfect signals matter?', related, unrelated).grounded).toBe(false);
  });

  it('does not ground on common question words when the rare ones are unmatched (IDF coverage)', () => {
    const recipe = [paper('p', 'BaseReward', 'We give the best recipe for reward models.')];
    const idf = (term: string): number => ({ best: 1, recip: 2 })[term] ?? 5;
    expect(composeAnswer('best pizza recipe', recipe, { idf }).grounded).toBe(false);
    expect(composeAnswer('best reward model recipe', recipe, { idf }).grounded).toBe(true);
    expect(composeAnswer('best pizza recipe', recipe, { idf, minCoverage: 0.3 }).grounded).toBe(true);
  });

  it('fills the claims after the first with the papers whose sentences bear most on the question, shown in search order', () => {
    const ranked = [
      paper('a', 'Noisy rewards', 'Noisy rewards barely slow reinforcement learning.'),
      paper('b', 'Rewards', 'Reward models score answers.'),
      paper('c', 'Robustness', 'Reinforcement learning stays robust to noisy rewards.'),
    ];
    const answer = composeAnswer('Is reinforcement learning robust to noisy rewards?', ranked, { maxClaims: 2, minRelativeValue: 0 });
    expect(answer.citations.map((citation) => citation.id)).toEqual(['a', 'c']);
    expect(answer.seeAlso.map((item) => item.id)).toEqual(['b']);
  });

  it('leaves out a lower paper whose best sentence barely touches the question', () => {
    const ranked = [
      paper('a', 'Noisy rewards', 'Reinforcement learning stays robust to noisy rewards.'),
      paper('b', 'Label noise', 'Learning stays robust to noisy labels.'),
      paper('c', 'Robust RL', 'Reinforcement learning is robust to noise.'),
      paper('d', 'Rewards', 'Reward models score answers.'),
    ];
    const answer = composeAnswer('Is reinforcement learning robust to noisy rewards?', ranked);
    expect(answer.citations.map((citation) => citation.id)).toEqual(['a', 'b', 'c']);
    expect(answer.seeAlso.map((item) => item.id)).toEqual(['d']);
  });

  it('on a paraphrase, where no sentence grounds the answer, follows the search over a somewhat closer sentence', () => {
    // Each sentence shares one of the question's words, none enough to ground the answer: the
    // search found the papers, and its order says more than the rarer word of the fourth paper.
    const ranked = [
      paper('a', 'CausalRM', 'Clicks from users are a noisy signal.'),
      paper('b', 'User feedback', 'We learn reward models from user upvotes.'),
      paper('c', 'Music', 'Music clips were scored.'),
      paper('d', 'Chat', 'Raters scored replies.'),
    ];
    const question = 'Can likes from chatbot users replace paid raters to train a scorer?';
    const options = { maxClaims: 2, idf: (term: string) => (term === 'rater' ? 3.5 : 1) };
    expect(composeAnswer(question, ranked, options).grounded).toBe(false);
    const answer = composeAnswer(question, ranked, { ...options, searchFound: true });
    expect(answer).toMatchObject({ grounded: true, partial: true });
    expect(answer.citations.map((citation) => citation.id)).toEqual(['a', 'b']);
  });

  it('on a paraphrase, reads first a lower paper whose words align closely with the question, unless the question is mostly words without vectors', () => {
    // Each paper shares one topical word; the fourth also says "errors", close to "mistakes".
    const ranked = [
      paper('a', 'Solutions', 'We compare solutions.'),
      paper('b', 'Harm', 'Noise can hurt.'),
      paper('c', 'Solvers', 'Solutions are ranked.'),
      paper('d', 'Errors in chains of thought', 'Errors in solutions matter most.'),
    ];
    const similarity = (word: string, other: string): number | undefined => {
      if (word === 'ccl19' || other === 'ccl19') return undefined; // no vector
      if (word === other) return 1;
      return word === 'mistakes' && other === 'errors' ? 0.8 : 0.1;
    };
    const wordSimilarities = (word: string, others: readonly string[]) => others.map((other) => similarity(word, other));
    const question = 'Do mistakes in worked solutions hurt?';
    const cited = (text: string, options: Parameters<typeof composeAnswer>[2]) =>
      composeAnswer(text, ranked, { searchFound: true, ...options }).citations.map((citation) => citation.id);
    expect(cited(question, {})).toEqual(['a', 'b', 'c']);
    expect(cited(question, { wordSimilarities })).toEqual(['d', 'a', 'b']);
    expect(cited(question, { wordSimilarities, alignmentWeight: 0 })).toEqual(['a', 'b', 'c']);
    // Most of the weight on a word the vectors cannot read: the alignment says little, the search decides.
    const idf = (term: string) => (term === 'ccl19' ? 10 : 1);
    expect(cited('Do CCL19 mistakes in worked solutions hurt?', { wordSimilarities, idf })).toEqual(['a', 'b', 'c']);
    // A sentence grounds the answer: relevance and the search decide, as without word vectors.
    const grounded = [
      paper('a', 'Solutions', 'Mistakes in solutions were compared.'),
      ...ranked.slice(1, 3),
      paper('d', 'Errors in chains of thought', 'Errors in solutions hurt most.'),
    ];
    const groundedIds = composeAnswer(question, grounded, { wordSimilarities }).citations.map((citation) => citation.id);
    expect(groundedIds[0]).toBe('a');
  });

  it('answers, as partial, when a top paper matches the question across its title and sentences though no sentence does alone', () => {
    // A claim worded otherwise than its paper: each sentence shares one word, the paper shares three.
    const scattered = paper(
      'p',
      'Dendritic cell homing',
      'CCL19 guides dendritic cells.',
      'The cells reach the lymph.',
      'Experiments used mice.',
    );
    const other = paper('o', 'Unrelated', 'Birdsong makes streets pleasant.');
    const question = 'CCL19 is predominantly present in lymph nodes of mice.';
    expect(composeAnswer(question, [scattered, other])).toMatchObject({ grounded: true, partial: true, citations: [{ id: 'p' }] });
    // Two matched terms are a coincidence, and a paper the search ranks below the first `paperDepth` does not count.
    expect(composeAnswer('CCL19 is predominantly present in the spleen of rats.', [scattered, other]).grounded).toBe(false);
    expect(composeAnswer(question, [other, other, other, scattered]).grounded).toBe(false);
    expect(composeAnswer(question, [scattered, other], { minPaperTerms: 5 }).grounded).toBe(false);
  });

  it('quotes no lower paper that matches much less of the question than the best-matching one, however close one sentence reads', () => {
    const question = 'Is reinforcement learning robust to noisy rewards?';
    const ranked: PaperCandidate[] = [
      {
        id: 'a',
        title: 'Noisy rewards',
        sentences: [{ text: 'Reinforcement learning stays robust to noisy rewards.', vector: Float32Array.from([1, 0]) }],
      },
      { id: 'b', title: 'Vision', sentences: [{ text: 'Robust vision models see well.', vector: Float32Array.from([0.95, 0.31]) }] },
    ];
    const options = { questionVector: Float32Array.from([1, 0]), minSimilarity: 0.9, chanceSimilarity: 0.2 };
    expect(composeAnswer(question, ranked, options).citations.map((citation) => citation.id)).toEqual(['a']);
    expect(composeAnswer(question, ranked, { ...options, minRelativeCoverage: 0 }).citations.map((citation) => citation.id)).toEqual([
      'a',
      'b',
    ]);
  });

  it('quotes what a paper found over its set-up or the background of its field, even when those share more words with the question', () => {
    const designing = paper(
      'designing',
      'On Designing Effective RL Reward at Training Time for LLM Reasoning',
      'Reward models have been increasingly critical for improving the reasoning capability of LLMs.',
      'In this work, we evaluate popular process reward models for RL training of LLMs on math reasoning.',
      'Surprisingly, learned reward models may not help or even hurt RL training.',
    );
    const answer = composeAnswer('Do learned process reward models help RL training for math reasoning?', [designing]);
    expect(answer.citations[0]?.sentence).toBe('Surprisingly, learned reward models may not help or even hurt RL training.');
  });

  it('quotes fewer papers when only the search grounds the answer (partial)', () => {
    // Each paper shares one word of the question: none grounds it, the search found them all.
    const ranked = ['clicks', 'upvotes', 'raters', 'scorer'].map((word, place) => paper(String(place), 'T', `Users gave ${word}.`));
    const question = 'Can clicks, upvotes or raters train a scorer?';
    expect(composeAnswer(question, ranked, { searchFound: true, minRelativeValue: 0 }).citations).toHaveLength(3);
    expect(composeAnswer(question, ranked, { searchFound: true, minRelativeValue: 0, maxPartialClaims: 4 }).citations).toHaveLength(4);
  });

  it('caps the claims, handles no papers and rejects bad options', () => {
    expect(composeAnswer('noisy rewards', papers, { maxClaims: 1 }).citations).toHaveLength(1);
    expect(composeAnswer('noisy rewards', []).grounded).toBe(false);
    expect(() => composeAnswer('q', papers, { maxClaims: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER' }));
    expect(() => composeAnswer('q', papers, { minCoverage: 1.5 })).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER' }));
    expect(() => composeAnswer('q', papers, { alignmentWeight: -1 })).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER' }));
  });
});

describe('findingStrength', () => {
  it('rates reported results above motivation, set-up and questions', () => {
    const findings = [
      'We found that LLMs demonstrate strong robustness to substantial reward noise.',
      'Experiments show that RLPR outperforms VeriFree by 7.6 points on TheoremQA.',
      'CRM improves RewardBench accuracy by up to 9.94 points under 40% noise.',
      'We evaluate our techniques on MATH and demonstrate that a carefully designed reward can improve all the evaluated LLMs.',
    ];
    const background = [
      'Reward models have been increasingly critical for improving the reasoning capability of LLMs.',
      'Particularly in the math domain, there have been plenty of studies using reward models to improve reasoning.',
      'In this work, we evaluate popular reward models for RL training.',
      'Recent studies on post-training large language models typically focus on verifiable tasks.',
      'However, the potential of reward models during RL training time still remains largely under-explored.',
      'In this paper, we propose a new framework for reward modeling.',
    ];
    for (const finding of findings)
      for (const other of background) expect(findingStrength(finding), `${finding} vs ${other}`).toBeGreaterThan(findingStrength(other));
    // Set-up and background with nothing reported fall below a neutral statement.
    expect(findingStrength('In this work, we evaluate popular reward models for RL training.')).toBeLessThan(0);
    expect(isQuestionSentence('How can we measure the consistency of reward models?')).toBe(true);
    expect(isQuestionSentence('Reasoning or memorization?"')).toBe(true);
    expect(isQuestionSentence('We ask whether noise matters.')).toBe(false);
  });
});
