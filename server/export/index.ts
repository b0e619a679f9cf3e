/** Exports of papers for reference managers and scripts: BibTeX, RIS, CSV and JSON Lines (pure). */
import { stringify } from 'csv-stringify/sync';
import type { ExportFormat, PaperDetail } from '../engine/index.js';
import { toBibtex } from './bibtex.js';
import { toRis } from './ris.js';

export { citationKeys, escapeBibtex, toBibtex } from './bibtex.js';
export { toRis } from './ris.js';

export interface ExportFile {
  body: string;
  contentType: string;
  /** The file name's extension, for Content-Disposition. */
  extension: string;
}

/** The columns our CSV reader reads back (authors "A; B", categories separated by spaces), then the rest. */
const CSV_COLUMNS = [
  'id',
  'title',
  'authors',
  'date',
  'url',
  'categories',
  'upvotes',
  'organization',
  'authors_count',
  'arxiv_id',
  'topic',
  'abstract',
] as const;

function toCsv(papers: readonly PaperDetail[]): string {
  const rows = papers.map((paper) => ({
    ...paper,
    authors: paper.authors.join('; '),
    categories: paper.categories.join(' '),
    topic: paper.cluster.label,
  }));
  return stringify(rows, { header: true, columns: [...CSV_COLUMNS], cast: { number: String } });
}

export function exportPapers(papers: readonly PaperDetail[], format: ExportFormat): ExportFile {
  switch (format) {
    case 'bibtex':
      return { body: toBibtex(papers), contentType: 'application/x-bibtex; charset=utf-8', extension: 'bib' };
    case 'ris':
      return { body: toRis(papers), contentType: 'application/x-research-info-systems; charset=utf-8', extension: 'ris' };
    case 'csv':
      return { body: toCsv(papers), contentType: 'text/csv; charset=utf-8', extension: 'csv' };
    case 'jsonl':
      return {
        body: papers.map((paper) => `${JSON.stringify(paper)}\n`).join(''),
        contentType: 'application/x-ndjson; charset=utf-8',
        extension: 'jsonl',
      };
  }
}
