import { describe, expect, it } from 'vitest';
import { sampleIndices } from '../../indexer/cluster/random.js';
import { describeSubtopics, splitSample } from '../../indexer/cluster/subtopics.js';
import type { TopicDoc } from '../../indexer/cluster/topics.js';
import { countCorpusTerms } from '../../indexer/lexical/index.js';
import { gaussianBlobs } from './helpers.js';

// 130 papers in three groups, each with words of its own.
const { vectors, truth } = gaussianBlobs(3, 44, 8, 0.3, 5);
const words = ['kinase signalling pathway', 'tumour growth metastasis', 'neural circuit memory'];
const members: TopicDoc[] = vectors.slice(0, 130).map((vector, index) => ({
  id: `p${index}`,
  title: `${words[truth[index] as number]} study ${index % 7}`,
  abstract: `We measured ${words[truth[index] as number]} in cohort ${index % 11}.`,
  date: null,
  vector,
}));

describe('describeSubtopics', () => {
  it('splits a topic on a seeded sample of 100 of its papers and places every paper', () => {
    const sampled: number[][] = [];
    const split = describeSubtopics(members, 42, (rows) => {
      sampled.push([...rows]);
      return countCorpusTerms(rows.map((row) => members[row] as TopicDoc));
    });
    expect(sampled).toHaveLength(1);
    expect(sampled[0]).toHaveLength(100);
    expect(new Set(sampled[0]).size).toBe(100);
    expect(split.clusters.reduce((sum, cluster) => sum + cluster.size, 0)).toBe(members.length);
    expect(new Set(split.clusters.flatMap((cluster) => cluster.papers)).size).toBe(members.length);
  });

  it('splits on the papers the labels read when a topic has a hundred of them', () => {
    const labelled = Array.from({ length: 65 }, (_, index) => 2 * index);
    const sampled: number[][] = [];
    describeSubtopics(
      members,
      42,
      (rows) => {
        sampled.push([...rows]);
        return countCorpusTerms(rows.map((row) => members[row] as TopicDoc));
      },
      labelled,
    );
    // 65 labelled papers, topped up by 35 of the others.
    expect(sampled[0]).toHaveLength(100);
    expect(labelled.every((row) => sampled[0]?.includes(row))).toBe(true);
  });
});

describe('splitSample', () => {
  const labelled = Array.from({ length: 150 }, (_, index) => 3 * index);
  it('draws from the labelled papers first', () => {
    const sample = splitSample(450, labelled, 42);
    expect(sample).toHaveLength(100);
    expect(new Set(sample).size).toBe(100);
    expect(sample.every((row) => row % 3 === 0)).toBe(true);
    expect(sample).toEqual([...sample].sort((a, b) => a - b));
  });
  it('tops a few labelled papers up with a seeded sample of the others, and is the plain sample without any', () => {
    const few = labelled.slice(0, 40);
    const sample = splitSample(450, few, 42);
    expect(new Set(sample).size).toBe(100);
    expect(few.every((row) => sample.includes(row))).toBe(true);
    expect(splitSample(450, [], 42)).toEqual(sampleIndices(450, 100, 42));
    expect(splitSample(80, few.slice(0, 10), 42)).toEqual(sampleIndices(80, 80, 42));
  });
});
