import type { PaperDetail } from '../engine/index.js';

/** RIS tags hold one line: line breaks inside a value become spaces. */
const oneLine = (value: string) => value.replace(/\s*[\r\n]+\s*/g, ' ');

/** RIS (Zotero, EndNote, Mendeley): one `GEN` record per paper, a tag per line. */
export function toRis(papers: readonly PaperDetail[]): string {
  return papers
    .map((paper) => {
      const lines: Array<[string, string]> = [
        ['TY', 'GEN'],
        ['ID', paper.id],
        ['TI', paper.title],
      ];
      for (const author of paper.authors) lines.push(['AU', author]);
      if (paper.organization) lines.push(['PB', paper.organization]);
      if (paper.date) {
        const [year, month = '', day = ''] = paper.date.split('-');
        lines.push(['PY', year as string], ['DA', `${year}/${month}/${day}/`]);
      }
      if (paper.url) lines.push(['UR', paper.url]);
      if (paper.arxiv_id) lines.push(['L1', `https://arxiv.org/pdf/${paper.arxiv_id}`]);
      for (const category of paper.categories) lines.push(['KW', category]);
      lines.push(['AB', paper.abstract], ['ER', '']);
      return lines.map(([tag, value]) => `${tag}  - ${oneLine(value)}`.trimEnd()).join('\r\n');
    })
    .map((record) => `${record}\r\n`)
    .join('\r\n');
}
