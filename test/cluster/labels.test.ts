import { describe, expect, it } from 'vitest';
import { DEFAULT_CLUSTER_SEED, describeTopics, labelTopics } from '../../indexer/cluster/index.js';
import { labelledPapers } from '../../indexer/cluster/labels.js';
import { sampleIndices } from '../../indexer/cluster/random.js';
import { expectCleanLabels } from './helpers.js';

const filler = 'We propose a novel method and show that our approach achieves significant results.';
const noisy = (i: number) => ({
  title: `Robust RLVR under Reward Noise ${i}`,
  abstract: `${filler} Reward noise hurts RLVR training of LLMs; noisy rewards from reward noise corrupt the policy. GRPO with reward noise remains stable.`,
});
const diffusion = (i: number) => ({
  title: `Text-to-Image Diffusion Alignment ${i}`,
  abstract: `${filler} We align text-to-image diffusion models with human preference using a reward model. Diffusion sampling and image quality improve.`,
});
const music = (i: number) => ({
  title: i % 2 ? 'Music Generation with Feedback' : 'Soundscape Evaluation with Headphones',
  abstract: `${filler} Music and soundscape listening tests with music listeners and soundscape ratings.`,
});

describe('labelTopics', () => {
  const docs = [0, 1, 2, 3, 4].flatMap((i) => [noisy(i), diffusion(i), music(i)]);
  const assignments = docs.map((_, index) => index % 3);

  it('labels a paper object whose text changed from its new text, not from the phrases kept for it', () => {
    const papers = docs.map((doc) => ({ ...doc }));
    const before = labelTopics({ docs: papers, assignments, k: 3 });
    expect(labelTopics({ docs: papers, assignments, k: 3 })).toEqual(before);
    papers.forEach((paper, index) => {
      if (index % 3 === 2)
        Object.assign(paper, { title: 'Protein Folding Prediction', abstract: `${filler} Protein folding and protein structure.` });
    });
    expect(labelTopics({ docs: papers, assignments, k: 3 })[2]?.label).toMatch(/protein/i);
  });

  it('names each topic by its distinctive phrases, keeping acronyms', () => {
    const labels = labelTopics({ docs, assignments, k: 3 });
    expectCleanLabels(labels);
    expect(labels[0]?.label).toMatch(/reward noise/);
    expect(labels[0]?.keywords.map((keyword) => keyword.term)).toContain('RLVR');
    expect(labels[1]?.label).toMatch(/text-to-image|diffusion/);
    expect(labels[2]?.label).toMatch(/music|soundscape/);
    for (const { keywords } of labels) {
      expect(keywords[0]?.weight).toBe(1);
      expect(keywords.map((keyword) => keyword.term)).not.toContain('propose');
    }
  });

  it('keeps function words out of keywords, and reports how much of its topic each label covers', () => {
    // "its" and "will" are in every abstract of one topic and in none of the others: distinctive, yet no subject.
    const its = (i: number) => ({
      title: `Protein Folding ${i}`,
      abstract: `The protein and its folding will hold; its structure and its stability will ${i}.`,
    });
    const mixed = [0, 1, 2, 3].flatMap((i) => [its(i), music(i)]);
    const labels = labelTopics({ docs: mixed, assignments: mixed.map((_, index) => index % 2), k: 2 });
    for (const { keywords } of labels) expect(keywords.map((keyword) => keyword.term)).not.toContain('its');
    for (const { keywords } of labels) expect(keywords.map((keyword) => keyword.term)).not.toContain('will');
    expect(labels[0]?.label).toMatch(/protein|folding/);
    expect(labels[0]?.coverage).toBe(1);
    expect(labels[0]?.distinctiveness).toBe(Number.POSITIVE_INFINITY);
    const covered = labelTopics({ docs, assignments, k: 3 });
    for (const { coverage, distinctiveness } of covered) {
      expect(coverage).toBeGreaterThan(0.5);
      expect(distinctiveness).toBeGreaterThan(1);
    }
  });

  it('is deterministic', () => {
    expect(labelTopics({ docs, assignments, k: 3 })).toEqual(labelTopics({ docs, assignments, k: 3 }));
  });

  it('gives distinct labels to topics with the same text, and a name to an empty topic', () => {
    const twins = [noisy(1), noisy(2), noisy(3), noisy(4)];
    const labels = labelTopics({ docs: twins, assignments: [0, 1, 0, 1], k: 3 });
    expectCleanLabels(labels);
    expect(labels[2]).toEqual({ label: 'topic 3', keywords: [], coverage: 0, distinctiveness: 0 });
  });

  it('names a word by the bigram it mostly occurs in', () => {
    const multimodal = (i: number) => ({
      title: `Multimodal Reward Models ${i}`,
      abstract: `Multimodal reward models judge multimodal answers; a multimodal reward guides training.`,
    });
    const labels = labelTopics({
      docs: [0, 1, 2, 3].flatMap((i) => [multimodal(i), music(i)]),
      assignments: [0, 1, 0, 1, 0, 1, 0, 1],
      k: 2,
    });
    expectCleanLabels(labels);
    expect(labels[0]?.label).toMatch(/^multimodal reward/);
  });

  it('describes a small topic of a large corpus from a sample of it', () => {
    const large = Array.from({ length: 10_000 }, (_, i) =>
      i % 2
        ? { title: 'Reward noise', abstract: 'Reward noise in RLVR.' }
        : { title: 'Diffusion alignment', abstract: 'Text-to-image diffusion.' },
    );
    const small = Array.from({ length: 30 }, (_, i) => music(i));
    const assignments = [...large.map((_, i) => i % 2), ...small.map(() => 2)];
    const labels = labelTopics({ docs: [...large, ...small], assignments, k: 3 });
    expectCleanLabels(labels);
    expect(labels[1]?.label).toMatch(/reward noise|RLVR/);
    expect(labels[2]?.label).toMatch(/music|soundscape/);
  });

  it('names a topic by a noun phrase, not by an adjective alone', () => {
    // "clean" is this topic's most distinctive word but only modifies other words, each in a minority of its papers.
    const heads = ['rewards', 'labels', 'signals', 'targets'];
    const clean = (i: number) => ({
      title: `Training with Clean ${heads[i % 4]} ${i}`,
      abstract: `Clean ${heads[i % 4]} matter${i === 1 ? ', as do clean rewards' : ''}.`,
    });
    const docs = [0, 1, 2, 3, 4, 5, 6, 7].flatMap((i) => [clean(i), music(i)]);
    const labels = labelTopics({ docs, assignments: docs.map((_, index) => index % 2), k: 2 });
    expectCleanLabels(labels);
    expect(labels[0]?.keywords[0]?.term).toBe('clean');
    expect(labels[0]?.label).toMatch(/^clean (labels|rewards|signals|targets)\b/);
    expect(labels[0]?.label.split(' / ')).not.toContain('clean');
  });

  it('lets a noun or an acronym stand alone as a label, before a phrase shared by every topic', () => {
    const topic = (name: string, i: number) => ({
      title: `${name} for Language Models ${i}`,
      abstract: `Language models use ${name}. The ${name} is studied; ${name} improves language models.`,
    });
    const docs = [0, 1, 2, 3].flatMap((i) => [topic('RLVR', i), topic('calibration', i), topic('tokenization', i)]);
    const labels = labelTopics({ docs, assignments: docs.map((_, index) => index % 3), k: 3 });
    expectCleanLabels(labels);
    expect(labels.map((topic) => topic.label.split(' / ')[0])).toEqual(['RLVR', 'calibration', 'tokenization']);
    for (const { label } of labels) expect(label).not.toMatch(/language models/i);
  });

  it('lets a word in several of its titles name a topic, unless it reads as an adjective', () => {
    const soundscape = [
      {
        title: 'Soundscape Evaluation with Headphones',
        abstract: 'Listeners rated soundscape pleasantness through calibrated headphones.',
      },
      { title: 'Augmented Urban Soundscape Dataset', abstract: 'We record soundscape augmentation stimuli for listeners.' },
      { title: 'Headphone Calibration Procedure', abstract: 'Soundscape playback needs calibration for listeners.' },
      { title: 'Affective Responses of Listeners', abstract: 'Participants judged soundscape maskers.' },
    ];
    const probabilistic = [
      { title: 'Probabilistic Process Supervision', abstract: 'A probabilistic verifier scores reasoning steps for reasoning rewards.' },
      { title: 'Ordinal Probabilistic Reward', abstract: 'Probabilistic preference models give reasoning rewards.' },
      { title: 'Likelihood Rewards for Reasoning', abstract: 'The probabilistic likelihood of answers rewards reasoning.' },
      { title: 'Reasoning Rewards without Verifiers', abstract: 'Probabilistic scoring of reference answers for reasoning.' },
    ];
    const docs = [...soundscape, ...probabilistic, ...[0, 1, 2, 3].map(diffusion)];
    const labels = labelTopics({ docs, assignments: docs.map((_, index) => Math.floor(index / 4)), k: 3 });
    expectCleanLabels(labels);
    expect(labels[0]?.label.split(' / ')).toContain('soundscape');
    expect(labels[1]?.label.split(' / ')).not.toContain('probabilistic');
  });

  it('pairs words across any whitespace (a tab, a line break, a no-break space) but not across punctuation', () => {
    const spaced = (separator: string) => (i: number) => ({
      title: `Study ${i}`,
      abstract: `${filler} Calibration drift${separator}monitoring matters; calibration drift${separator}monitoring again.`,
    });
    const keywordsWith = (separator: string) => {
      const papers = [0, 1, 2, 3, 4].flatMap((i) => [spaced(separator)(i), noisy(i)]);
      return labelTopics({ docs: papers, assignments: papers.map((_, index) => index % 2), k: 2 })[0]?.keywords.map(({ term }) => term);
    };
    for (const separator of ['\t', '\n ', '\u00a0', '\u2003']) expect(keywordsWith(separator)).toContain('drift monitoring');
    for (const separator of [', ', ' - ']) expect(keywordsWith(separator)).not.toContain('drift monitoring');
  });

  it('respects maxPhrases', () => {
    for (const { label } of labelTopics({ docs, assignments, k: 3, maxPhrases: 1 })) expect(label).not.toContain(' / ');
  });

  it('names mismatched input', () => {
    expect(() => labelTopics({ docs, assignments: [0], k: 3 })).toThrow(/15 docs but 1 assignments/);
    expect(() => labelTopics({ docs: [noisy(0)], assignments: [3], k: 3 })).toThrow(/assignments\[0\] is 3/);
  });
});

describe('describeTopics on a corpus larger than the label sample', () => {
  it('labels a topic whose papers the seeded sample missed, from the top-up for small topics', () => {
    // The label sample is 2,000 papers; no regular topic holds half of them (that would make its words generic).
    const n = 2_100;
    const missed = new Set(sampleIndices(n, 2_000, DEFAULT_CLUSTER_SEED));
    const lone = Array.from({ length: n }, (_, index) => index).find((index) => !missed.has(index)) as number;
    const topicOf = (index: number) => (index === lone ? 3 : index % 3);
    const text = [
      { title: 'Reward noise', abstract: 'Reward noise in RLVR.' },
      { title: 'Diffusion alignment', abstract: 'Text-to-image diffusion.' },
      { title: 'Protein folding', abstract: 'Structure prediction of proteins.' },
    ];
    const docs = Array.from({ length: n }, (_, index) => ({
      id: `p${index}`,
      ...(index === lone ? music(index) : (text[index % 3] as (typeof text)[number])),
      date: null,
      vector: [topicOf(index), 1],
    }));
    const assignments = docs.map((_, index) => topicOf(index));
    const [noise, , , small] = describeTopics(docs, assignments, 4);
    expect(noise?.label).toMatch(/reward noise|RLVR/);
    expect(small?.size).toBe(1);
    expect(small?.label).toMatch(/music|soundscape/i);
  });
});

describe('labelledPapers', () => {
  it('is the set of papers labelTopics reads, whatever the topics are numbered', () => {
    // More papers than the label sample, and a small topic that is topped up.
    const topics = Array.from({ length: 1_200 }, (_, index) => (index % 60 === 0 ? 2 : index % 2));
    const read = new Set<number>();
    const docs = topics.map((topic, index) => ({
      get title() {
        read.add(index);
        return `paper ${index} on ${['kinase signalling', 'tumour growth', 'neural circuits'][topic]}`;
      },
      abstract: `We study ${['kinase signalling pathways', 'tumour growth and metastasis', 'neural circuits of memory'][topic]}.`,
    }));
    labelTopics({ docs, assignments: topics, k: 3 });
    const labelled = labelledPapers(topics);
    expect(labelled).toEqual(read);
    expect(labelled.size).toBeLessThan(topics.length);
    expect(labelledPapers(topics.map((topic) => [7, 3, 12][topic] as number))).toEqual(labelled);
  });
});
