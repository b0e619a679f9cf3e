import { describe, expect, it } from 'vitest';
import { createRandom } from '../../core/random.js';
import { buildTopics } from '../../indexer/derive.js';
import { UNIT_TEST_MS } from '../helpers/limits.js';
import { subjectPapers } from '../helpers/stored-paper.js';

describe('the indexed map', () => {
  it(
    "puts a topic's papers together even when the embedding does not tell the topics apart",
    async () => {
      // Two subjects told apart only by their words; the embeddings are noise.
      const random = createRandom(3);
      const subjects = [
        ['protein', 'folding', 'residue', 'enzyme', 'membrane', 'structure'],
        ['galaxy', 'redshift', 'stellar', 'cosmic', 'telescope', 'orbit'],
      ];
      const papers = subjectPapers(subjects, 80, 12, random);
      const topics = await buildTopics(papers, 1, { clusters: 2, seed: 42 });
      const subjectOf = (id: string) => papers.findIndex((paper) => paper.id === id) % 2;
      // Each paper's nearest paper on the map is of its own subject.
      const agree = topics.map.filter((point) => {
        const nearest = topics.map
          .filter((other) => other !== point)
          .reduce((best, other) =>
            Math.hypot(other.x - point.x, other.y - point.y) < Math.hypot(best.x - point.x, best.y - point.y) ? other : best,
          );
        return subjectOf(nearest.id) === subjectOf(point.id);
      }).length;
      expect(agree / topics.map.length).toBeGreaterThan(0.9);
    },
    UNIT_TEST_MS * 3,
  );
});
