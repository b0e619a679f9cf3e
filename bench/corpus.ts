import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import type { Paper } from '../indexer/parse/index.js';
import { splitSentences } from '../indexer/text/index.js';
import { seededRandom } from './random.js';

/** One synthetic paper in the JSON input format (`paperscope index corpus.jsonl`). */
export interface SyntheticPaper {
  id: string;
  title: string;
  abstract: string;
  authors: string[];
  date: string;
  url: string;
  categories: string[];
  upvotes: number;
  organization: string | null;
}

const CATEGORIES = ['cs.CL', 'cs.LG', 'cs.AI', 'cs.CV', 'stat.ML', 'cs.IR', 'cs.RO', 'cs.NE'];
const SURNAMES = ['Chen', 'Garcia', 'Müller', 'Okafor', 'Sato', 'Ivanova', 'Dubois', 'Kowalski', 'Nguyen', 'Silva', 'Haddad', 'Larsen'];
const ORGANIZATIONS = [
  'Tsinghua University',
  'Google DeepMind',
  'ETH Zürich',
  'Meta AI',
  'University of Toronto',
  'Allen Institute for AI',
];
/** A synthetic paper keeps this share of its sentences from one sample paper, so topics stay coherent. */
const OWN_TOPIC_SHARE = 0.6;

/**
 * `count` synthetic papers assembled from the sample's sentences and title words, with varied
 * dates (2020–2025), authors, categories and upvotes. Pure and seeded: the same sample, count and
 * seed give the same corpus. Each paper borrows most sentences from one sample paper (its
 * "topic") and the rest from anywhere, so clustering and search see realistic structure.
 *
 * @example generateCorpus(sample, 10_000, 7)[0] // → { id: '2003.00000', title: '…', … }
 */
export function generateCorpus(sample: readonly Pick<Paper, 'title' | 'abstract'>[], count: number, seed: number): SyntheticPaper[] {
  if (sample.length === 0) throw new Error('generateCorpus needs at least one sample paper');
  if (!Number.isInteger(count) || count < 0) throw new Error(`count must be a non-negative integer, got ${count}`);
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const sentencesOf = sample.map((paper) => splitSentences(paper.abstract).map((sentence) => sentence.text));
  const allSentences = sentencesOf.flat();
  const titleWordsOf = sample.map((paper) => paper.title.split(/\s+/).filter(Boolean));
  const allTitleWords = titleWordsOf.flat();

  return Array.from({ length: count }, (_, index) => {
    const topic = Math.floor(random() * sample.length);
    const own = sentencesOf[topic] ?? [];
    const ownWords = titleWordsOf[topic] ?? [];
    const sentences = Array.from({ length: 5 + Math.floor(random() * 6) }, () =>
      own.length > 0 && random() < OWN_TOPIC_SHARE ? pick(own) : pick(allSentences),
    );
    const titleWords = Array.from({ length: 5 + Math.floor(random() * 7) }, () =>
      ownWords.length > 0 && random() < OWN_TOPIC_SHARE ? pick(ownWords) : pick(allTitleWords),
    );
    return { ...paperMetadata(random, index), title: titleWords.join(' '), abstract: sentences.join(' ') };
  });
}

/**
 * Everything of a synthetic paper but its text: a date (2020–2025) and an id unique by `index`,
 * authors, categories, upvotes and an organisation, drawn from `random`.
 */
export function paperMetadata(random: () => number, index: number): Omit<SyntheticPaper, 'title' | 'abstract'> {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const year = 2020 + Math.floor(random() * 6);
  const month = 1 + Math.floor(random() * 12);
  const day = 1 + Math.floor(random() * 28);
  // Sequence numbers keep ids unique even when two papers share a month.
  const id = `${String(year % 100).padStart(2, '0')}${String(month).padStart(2, '0')}.${String(index).padStart(6, '0')}`;
  return {
    id,
    authors: Array.from(
      { length: 1 + Math.floor(random() * 6) },
      () => `${String.fromCharCode(65 + Math.floor(random() * 26))}. ${pick(SURNAMES)}`,
    ),
    date: `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`,
    url: `https://arxiv.org/abs/${id}`,
    categories: [pick(CATEGORIES), ...(random() < 0.4 ? [pick(CATEGORIES)] : [])],
    upvotes: Math.floor(random() ** 3 * 300),
    organization: random() < 0.5 ? pick(ORGANIZATIONS) : null,
  };
}

/**
 * Writes papers as JSON Lines, a format `paperscope index` reads, streaming: a million papers are
 * more text than one string can hold. Returns how many were written.
 */
export async function writeCorpus(file: string, papers: Iterable<SyntheticPaper>): Promise<number> {
  const out = createWriteStream(file);
  let count = 0;
  let chunk = '';
  for (const paper of papers) {
    chunk += `${JSON.stringify(paper)}\n`;
    count++;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await finished(out);
  return count;
}

/** Papers per file of `writeCorpusFiles`: ≈ 150 MB of realistic abstracts, under the 500 MB a file may hold. */
const PAPERS_PER_FILE = 100_000;

/**
 * Writes papers into `dir` as JSON Lines files of `perFile` papers each (part-00.jsonl …),
 * which `paperscope index <dir>` reads as one corpus. Returns how many were written.
 */
export async function writeCorpusFiles(dir: string, papers: Iterable<SyntheticPaper>, perFile = PAPERS_PER_FILE): Promise<number> {
  await mkdir(dir, { recursive: true });
  const iterator = papers[Symbol.iterator]();
  let next = iterator.next();
  function* shard(): Generator<SyntheticPaper> {
    for (let count = 0; count < perFile && !next.done; count++) {
      yield next.value;
      next = iterator.next();
    }
  }
  let total = 0;
  for (let part = 0; !next.done; part++) total += await writeCorpus(path.join(dir, `part-${String(part).padStart(2, '0')}.jsonl`), shard());
  return total;
}
