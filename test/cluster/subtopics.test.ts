import { describe, expect, it } from 'vitest';
import { describeSubtopics } from '../../indexer/cluster/subtopics.js';
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
});
