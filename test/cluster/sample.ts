import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tokenize } from '../../indexer/text/index.js';

export interface SampleDoc {
  title: string;
  abstract: string;
  date: string | null;
}

const SAMPLE_FILE = fileURLToPath(new URL('../../data/hf-daily-papers-reward-noise.txt', import.meta.url));
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * The sample listing split into papers for clustering tests: an abstract is a long paragraph, the
 * paragraph before it is its title, and the metadata paragraph after it holds the date.
 */
export function readSample(): SampleDoc[] {
  const paragraphs = readFileSync(SAMPLE_FILE, 'utf8')
    .split(/\n\s*\n/)
    .map((paragraph) => paragraph.trim())
    .filter(Boolean);
  const docs: SampleDoc[] = [];
  paragraphs.forEach((paragraph, index) => {
    if (paragraph.length < 300) return;
    const before = paragraphs[index - 1] ?? '';
    const title = before.length < 300 && !before.includes('·') ? before : '';
    docs.push({ title, abstract: paragraph.replace(/\s+/g, ' '), date: parseDate(paragraphs[index + 1] ?? '') });
  });
  return docs;
}

function parseDate(metadata: string): string | null {
  const match = /·\s*([A-Z][a-z]{2}) (\d{1,2}), (\d{4})/.exec(metadata);
  if (!match) return null;
  const month = MONTHS.indexOf(match[1] as string) + 1;
  return `${match[3]}-${String(month).padStart(2, '0')}-${(match[2] as string).padStart(2, '0')}`;
}

/** TF-IDF vectors from the shared tokenizer (terms in at least two papers and at most half), standing in for an embedder. */
export function tfIdfVectors(texts: readonly string[]): Float32Array[] {
  const documents = texts.map((text) => tokenize(text).map((token) => token.term));
  const documentFrequency = new Map<string, number>();
  for (const terms of documents) for (const term of new Set(terms)) documentFrequency.set(term, (documentFrequency.get(term) ?? 0) + 1);
  const vocabulary = [...documentFrequency]
    .filter(([, count]) => count >= 2 && count <= texts.length / 2)
    .map(([term]) => term)
    .sort();
  const column = new Map(vocabulary.map((term, index) => [term, index]));
  return documents.map((terms) => {
    const vector = new Float32Array(vocabulary.length);
    for (const term of terms) {
      const index = column.get(term);
      if (index !== undefined) vector[index] = (vector[index] as number) + 1;
    }
    vocabulary.forEach((term, index) => {
      const count = vector[index] as number;
      if (count > 0) vector[index] = (1 + Math.log(count)) * Math.log(texts.length / (documentFrequency.get(term) as number));
    });
    return vector;
  });
}
