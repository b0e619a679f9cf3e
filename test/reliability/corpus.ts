import { readFileSync } from 'node:fs';
import { createRandom } from '../../core/random.js';
import { parseListing } from '../../indexer/parse/parse.js';
import { splitSentences } from '../../indexer/text/index.js';
import { SAMPLE_FILE, SAMPLE_YEAR } from '../helpers/sample-index.js';

/** A paper in the JSON input format. */
export interface SyntheticPaper {
  id: string;
  title: string;
  abstract: string;
  date: string;
  upvotes: number;
}

let sentences: string[] | undefined;

function sampleSentences(): string[] {
  sentences ??= parseListing(readFileSync(SAMPLE_FILE, 'utf8'), { file: SAMPLE_FILE, year: SAMPLE_YEAR }).papers.flatMap((paper) =>
    splitSentences(paper.abstract).map((sentence) => sentence.text),
  );
  return sentences;
}

/**
 * `count` distinct abstracts assembled from the sample's sentences (3–6 each, seeded), each with
 * a unique title built from sample words, so every paper has a vector of its own.
 */
export function syntheticPapers(count: number, seed: number, prefix = 'synthetic'): SyntheticPaper[] {
  const random = createRandom(seed);
  const pool = sampleSentences();
  const words = [
    ...new Set(
      pool
        .join(' ')
        .toLowerCase()
        .match(/[a-z]{5,}/g) ?? [],
    ),
  ];
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  return Array.from({ length: count }, (_, index) => {
    const length = 3 + Math.floor(random() * 4);
    const abstract = Array.from({ length }, () => pick(pool)).join(' ');
    const title = `${pick(words)} ${pick(words)} ${pick(words)} ${pick(words)}, study ${index}`;
    const day = 1 + Math.floor(random() * 28);
    return {
      id: `${prefix}-${index}`,
      title,
      abstract,
      date: `2025-${String(1 + (index % 12)).padStart(2, '0')}-${String(day).padStart(2, '0')}`,
      upvotes: Math.floor(random() * 100),
    };
  });
}
