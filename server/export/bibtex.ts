import type { PaperDetail } from '../engine/index.js';

/** Words that do not name a paper: a key takes the title's first word after them. */
const TITLE_STOP_WORDS = new Set([
  'a',
  'an',
  'the',
  'on',
  'of',
  'in',
  'for',
  'to',
  'and',
  'with',
  'towards',
  'toward',
  'from',
  'is',
  'are',
]);

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** Lower-case ASCII letters and digits only, accents dropped: keys must survive every BibTeX tool. */
function keyPart(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}

function lastName(name: string): string {
  const trimmed = name.trim();
  // "Last, First" names carry the last name first.
  if (trimmed.includes(',')) return trimmed.slice(0, trimmed.indexOf(','));
  return trimmed.split(/\s+/).at(-1) ?? '';
}

/** firstauthor + year + first title word, e.g. `lv2025climb`; parts that are unknown are left out. */
function baseKey(paper: Pick<PaperDetail, 'authors' | 'organization' | 'date' | 'title'>): string {
  const first = paper.authors[0];
  const who = keyPart(first ? lastName(first) : (paper.organization?.split(/\s+/)[0] ?? '')) || 'anon';
  const year = paper.date?.slice(0, 4) ?? '';
  const words = paper.title.split(/\s+/).map(keyPart).filter(Boolean);
  const word = words.find((each) => !TITLE_STOP_WORDS.has(each)) ?? words[0] ?? '';
  return `${who}${year}${word}`;
}

/**
 * A citation key for each paper, in the order given. Papers whose keys collide get suffixes a, b, c…
 * in the order of their ids, so the same papers get the same keys whatever order they come in.
 */
export function citationKeys(papers: ReadonlyArray<Pick<PaperDetail, 'id' | 'authors' | 'organization' | 'date' | 'title'>>): string[] {
  const bases = papers.map(baseKey);
  const groups = new Map<string, string[]>();
  papers.forEach((paper, index) => {
    const base = bases[index] as string;
    groups.set(base, [...(groups.get(base) ?? []), paper.id]);
  });
  return papers.map((paper, index) => {
    const base = bases[index] as string;
    const ids = [...new Set(groups.get(base))].sort();
    if (ids.length === 1) return base;
    return `${base}${suffix(ids.indexOf(paper.id))}`;
  });
}

/** a, b, … z, aa, ab, …: as many as needed. */
function suffix(index: number): string {
  const letter = String.fromCharCode(97 + (index % 26));
  return index < 26 ? letter : `${suffix(Math.floor(index / 26) - 1)}${letter}`;
}

const SPELLED: Record<string, string> = {
  '\\': '\\textbackslash{}',
  '~': '\\textasciitilde{}',
  '^': '\\textasciicircum{}',
  '<': '\\textless{}',
  '>': '\\textgreater{}',
};

/**
 * A field value for braces: LaTeX's special characters escaped and its ligatures broken (`--` is a
 * dash, two quotes a curly quote), so `50% & more_{x} -- ``a'' <b>` reads back exactly as written.
 */
export function escapeBibtex(value: string): string {
  return value.replace(/[\\{}%&$#_~^<>]/g, (char) => SPELLED[char] ?? `\\${char}`).replace(/([-`'])(?=\1)/g, '$1{}');
}

/** A name that BibTeX would split (a comma, " and ") is kept whole in braces. */
function authorName(name: string): string {
  const escaped = escapeBibtex(name);
  return /,|\band\b/i.test(name) ? `{${escaped}}` : escaped;
}

/** One `@misc` entry per paper (arXiv papers with `eprint`), readable by `paperscope index` again. */
export function toBibtex(papers: readonly PaperDetail[]): string {
  const keys = citationKeys(papers);
  return papers
    .map((paper, index) => {
      const fields: Array<[string, string]> = [['title', escapeBibtex(paper.title)]];
      if (paper.authors.length > 0) fields.push(['author', paper.authors.map(authorName).join(' and ')]);
      if (paper.organization) fields.push(['organization', escapeBibtex(paper.organization)]);
      if (paper.date) {
        fields.push(['year', paper.date.slice(0, 4)]);
        const month = Number(paper.date.slice(5, 7));
        if (month) fields.push(['month', MONTHS[month - 1] as string]);
        fields.push(['date', paper.date]);
      }
      if (paper.arxiv_id) fields.push(['eprint', paper.arxiv_id], ['archiveprefix', 'arXiv']);
      // A verbatim field: read as written, only its braces must balance (a URL holds none).
      if (paper.url) fields.push(['url', paper.url.replace(/[{}]/g, encodeURIComponent)]);
      // The first category is the arXiv primary one; BibTeX keeps keywords as a set.
      const [primary, ...others] = paper.categories;
      if (primary) fields.push(['primaryclass', escapeBibtex(primary)]);
      if (others.length > 0) fields.push(['keywords', others.map(escapeBibtex).join(', ')]);
      // Paperscope's own fields, which other tools ignore: what BibTeX has no field for, kept for a re-import.
      if (paper.upvotes > 0) fields.push(['upvotes', String(paper.upvotes)]);
      if (paper.authors_count !== null && paper.authors_count !== paper.authors.length)
        fields.push(['authors_count', String(paper.authors_count)]);
      fields.push(['abstract', escapeBibtex(paper.abstract)]);
      // The month is a BibTeX macro (`may`), the one value written without braces.
      const body = fields.map(([name, value]) => `  ${name} = ${name === 'month' ? value : `{${value}}`}`).join(',\n');
      return `@misc{${keys[index]},\n${body}\n}\n`;
    })
    .join('\n');
}
