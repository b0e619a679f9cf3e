import { describe, expect, it } from 'vitest';
import { clusterPapers, labelTopics, representatives, topicTimeline } from '../../indexer/cluster/index.js';
import { expectCleanLabels } from './helpers.js';
import { readSample, tfIdfVectors } from './sample.js';

describe('topics of the sample corpus', () => {
  const docs = readSample();
  const vectors = tfIdfVectors(docs.map((doc) => `${doc.title} ${doc.title} ${doc.abstract}`));

  it('reads all 62 papers of the sample', () => {
    expect(docs).toHaveLength(62);
  });

  for (const k of [5, 'auto'] as const) {
    it(`labels k=${k} topics cleanly and deterministically`, () => {
      const clustering = clusterPapers({ vectors, k });
      const labels = labelTopics({ docs, assignments: clustering.assignments, k: clustering.k });
      console.log(
        `k=${k} → ${clustering.k} topics, silhouette ${clustering.silhouette.toFixed(3)}\n` +
          labels.map((topic, id) => `  ${id}: ${topic.label}  [${topic.keywords.map((keyword) => keyword.term).join(', ')}]`).join('\n'),
      );
      expectCleanLabels(labels);
      // Labels describe their members: one of the label's phrases is in most of its topic's papers, and
      // several times as often as outside it (topics of a paper or two aside: their phrases are one paper's).
      const sizes = labels.map((_, topic) => clustering.assignments.filter((assigned) => assigned === topic).length);
      const meanCoverage = labels.reduce((sum, topic) => sum + topic.coverage, 0) / labels.length;
      console.log(`mean label coverage ${meanCoverage.toFixed(3)}`);
      expect(meanCoverage).toBeGreaterThan(0.7);
      labels.forEach((topic, id) => {
        if ((sizes[id] as number) > 2) expect(topic.distinctiveness).toBeGreaterThanOrEqual(3);
      });
      expect(clustering.k).toBeGreaterThanOrEqual(3);
      expect(clustering.k).toBeLessThanOrEqual(9);
      const again = clusterPapers({ vectors, k });
      expect(again.assignments).toEqual(clustering.assignments);
      expect(labelTopics({ docs, assignments: again.assignments, k: again.k })).toEqual(labels);

      const timelines = topicTimeline(
        docs.map((doc) => doc.date),
        clustering.assignments,
        clustering.k,
      );
      const chosen = representatives(vectors, clustering.assignments, clustering.centroids);
      timelines.forEach((timeline, topic) => {
        const dated = docs.filter((doc, index) => doc.date && clustering.assignments[index] === topic).length;
        expect(timeline.months.reduce((sum, month) => sum + month.count, 0)).toBe(dated);
        for (const index of chosen[topic] ?? []) expect(clustering.assignments[index]).toBe(topic);
      });
    });
  }
});
