import { contentHash } from '../parse/paper.js';
import type { PaperRecords } from './papers-table.js';

/** A stored paper whose row no longer matches the content hash stored with it. */
export interface DamagedPaper {
  id: string;
  /** Where the paper was read from, so it can be indexed again from there. */
  source: { file: string; line: number };
}

/**
 * The stored papers whose fields no longer hash to their stored content hash: a flipped byte in a
 * data file that still decodes. One SHA-256 per paper over its text, read without the vectors.
 *
 * @example for (const { id, source } of damagedPapers(await table.readRecords())) console.log(id, source.file);
 */
export function damagedPapers({ briefs, details }: PaperRecords): DamagedPaper[] {
  const damaged: DamagedPaper[] = [];
  briefs.all().forEach((brief, row) => {
    const { sourceFile, ...detail } = details(row);
    if (contentHash({ ...brief, ...detail }) !== brief.contentHash)
      damaged.push({ id: brief.id, source: { file: sourceFile, line: brief.sourceLine } });
  });
  return damaged;
}
