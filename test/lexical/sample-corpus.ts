import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const SAMPLE_FILE = fileURLToPath(new URL('../../data/hf-daily-papers-reward-noise.txt', import.meta.url));

/**
 * The sample listing split without the real parser: a paper is a title line, a blank line and a
 * long abstract line. Ids are positions, which is all the lexical tests need.
 */
export function readSampleCorpus(): Array<{ id: string; title: string; abstract: string }> {
  const lines = readFileSync(SAMPLE_FILE, 'utf8').split('\n');
  const papers: Array<{ id: string; title: string; abstract: string }> = [];
  for (let i = 0; i + 2 < lines.length; i++) {
    const title = lines[i]?.trim() ?? '';
    const abstract = lines[i + 2]?.trim() ?? '';
    if (title && title.length < 300 && lines[i + 1]?.trim() === '' && abstract.length > 200) {
      papers.push({ id: `p${papers.length}`, title, abstract });
    }
  }
  return papers;
}
