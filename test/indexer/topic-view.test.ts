import { describe, expect, it } from 'vitest';
import { createRandom } from '../../core/random.js';
import { buildTopics, startTopicView } from '../../indexer/derive.js';
import { countCorpusTerms } from '../../indexer/lexical/index.js';
import { UNIT_TEST_MS } from '../helpers/limits.js';
import { subjectPapers } from '../helpers/stored-paper.js';

describe('the early topic view', () => {
  it(
    'lays out the map from the view before the topics are built, and the topics built on it are those built without it',
    async () => {
      const random = createRandom(5);
      const subjects = [
        ['protein', 'folding', 'residue', 'enzyme', 'membrane'],
        ['galaxy', 'redshift', 'stellar', 'cosmic', 'telescope'],
        ['reward', 'policy', 'agent', 'noise', 'rollout'],
      ];
      const papers = subjectPapers(subjects, 60, 10, random);
      const policy = { clusters: 3, seed: 42 } as const;
      // With the word positions, as the indexer counts them for the BM25 index.
      const counted = countCorpusTerms(papers, { positions: true });
      const timings: Record<string, number> = {};
      const view = await startTopicView(papers, Promise.resolve(counted), { ...policy, timings });
      // The map is under way (here, below the workers' size: done) without the topics.
      const early = await view.positioning;
      expect(early).toHaveLength(papers.length);
      const viewCost = timings['topic view'];
      expect(viewCost).toBeGreaterThan(0);

      const withView = await buildTopics(papers, 1, { ...policy, counted, timings, view: Promise.resolve(view) });
      // Taken over, not computed again.
      expect(timings['topic view']).toBe(viewCost);
      expect(withView.map.map(({ x, y }) => [x, y])).toEqual(early.map(({ x, y }) => [x, y]));
      expect(withView).toEqual(await buildTopics(papers, 1, { ...policy, counted }));
    },
    UNIT_TEST_MS * 3,
  );
});
