import { type Creator, type Entry, parse } from '@retorquere/bibtex-parser';
import { checkMacroExpansion } from './bibtex-macros.js';
import { findArxivId } from './paper.js';
import { addPaper, arxivHint, emptyResult, type FormatParser, isoDay, lineIndex, parseFailure, toIsoDate } from './record.js';

/**
 * BibTeX or BibLaTeX entries that carry an `abstract`. LaTeX (accents, braces, commands) is turned
 * into Unicode by @retorquere/bibtex-parser; an entry it cannot read (say, unbalanced braces) is
 * reported and the others are kept.
 */
export const parseBibtex: FormatParser = (text, context) => {
  const lines = lineIndex(text);
  checkMacroExpansion(text, context.file, (offset) => lines.locate(offset).line);
  let library: ReturnType<typeof parse>;
  try {
    // No sentence-casing or case-protection markup: titles are shown as written.
    library = parse(text, { english: false, sentenceCase: false, unsupported: 'ignore' });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const line = Number(/line (\d+)/.exec(message)?.[1] ?? 1);
    throw parseFailure(context.file, line, `unreadable BibTeX: ${message}`);
  }

  const result = emptyResult();
  let cursor = 0;
  // Entries come in order and `input` is their verbatim text, so each is found after the last.
  const offsetOf = (input: string): number => {
    const offset = text.indexOf(input, cursor);
    if (offset === -1) return cursor;
    cursor = offset + input.length;
    return offset;
  };

  /**
   * After a broken entry the parser resumes at the next "@", even one inside the broken entry's own
   * text (an unterminated `@string{x = "… @article{…}`). An entry starting mid-line right where a
   * broken one was given up belongs to it, and is not read as a paper.
   */
  const insideBroken = new Map<number, number>();
  for (const error of library.errors) {
    const offset = error.input ? text.indexOf(error.input) : -1;
    if (offset === -1) {
      const line = Number(/line (\d+)/.exec(error.error)?.[1] ?? 1);
      result.issues.push({ file: context.file, line, message: `entry skipped: ${error.error}` });
      continue;
    }
    // The parser's own position is where it gave up, often the next entry; the entry's start is clearer.
    const message = error.error.replace(/ at line \d+, column \d+/, '');
    const line = lines.locate(offset).line;
    result.issues.push({ file: context.file, line, message: `entry skipped: ${message}` });
    const end = offset + (error.input?.length ?? 0);
    if (text[end] === '@' && text.slice(text.lastIndexOf('\n', end - 1) + 1, end).trim() !== '') insideBroken.set(end, line);
  }
  for (const entry of library.entries) {
    // The parser keeps a husk (no input, some fields) of an entry it failed on; its error is reported above.
    if (entry.input === '') continue;
    const offset = offsetOf(entry.input);
    const broken = insideBroken.get(offset);
    if (broken === undefined) addEntry(entry, lines.locate(offset).line);
    else
      result.issues.push({
        file: context.file,
        line: lines.locate(offset).line,
        message: `skipped: this "@${entry.type}" is inside the broken entry of line ${broken}`,
      });
  }
  return result;

  function addEntry(entry: Entry, line: number) {
    const source = { file: context.file, line };
    const { fields } = entry;
    const title = plain(fields.title);
    const { doi } = fields;
    const archive = fields.archiveprefix ?? fields.eprinttype;
    const eprint = !archive || /arxiv/i.test(archive) ? fields.eprint : undefined;
    const arxivId = findArxivId(arxivHint(eprint), arxivHint(fields.arxiv), arxivHint(doi), arxivHint(fields.url));
    const url = fields.url ?? (arxivId ? `https://arxiv.org/abs/${arxivId}` : doi ? `https://doi.org/${doi}` : undefined);
    const { date, problem } = entryDate(fields);
    if (problem) result.issues.push({ ...source, field: problem.field, message: problem.message, kept: true });
    // Paperscope's own fields (its exports write them), so that a re-imported export loses nothing.
    const count = (field: 'upvotes' | 'authors_count'): number | undefined => {
      const value = fields[field]?.trim();
      if (value === undefined) return undefined;
      if (/^\d+$/.test(value)) return Number(value);
      result.issues.push({ ...source, field, message: `not a whole number: "${value.slice(0, 40)}"`, kept: true });
      return undefined;
    };
    const upvotes = count('upvotes');
    const authorsCount = count('authors_count');
    addPaper(
      result,
      {
        title,
        abstract: plain(fields.abstract),
        id: arxivId ?? undefined,
        authors: (fields.author ?? []).flatMap(creatorName).map((name) => plain(name) ?? name),
        // A literal list for the parser ("A and B"), one name for a paper.
        organization: fields.organization?.map((name) => plain(name) ?? name).join(' and ') ?? null,
        date,
        url: url ?? null,
        categories: [...(fields.primaryclass ? [fields.primaryclass] : []), ...(fields.keywords ?? [])],
        ...(upvotes === undefined ? {} : { upvotes }),
        ...(authorsCount === undefined ? {} : { authorsCount }),
      },
      source,
    );
  }
};

/**
 * The parser renders some commands as HTML (\emph → <i>, \url → <a>); the index wants text. It
 * also renders \'\i as a dotless i with a combining accent, which NFC cannot compose into "í".
 */
function plain(value: string | undefined): string | undefined {
  return value
    ?.replace(/<\/?(?:p|br|li)\b[^>]*>/gi, ' ')
    .replace(/<\/?(?:i|b|sup|sub|span|a|code|ncx)\b[^>]*>/gi, '')
    .replace(/ı(?=[\u0300-\u036f])/g, 'i')
    .replace(/ȷ(?=[\u0300-\u036f])/g, 'j')
    .normalize('NFC');
}

function creatorName(creator: Creator): string[] {
  if (creator.name) return [creator.name];
  // "and others" is BibTeX for "et al.", not a person.
  if (creator.lastName === 'others' && !creator.firstName) return [];
  const name = [creator.firstName, creator.prefix, creator.lastName].filter(Boolean).join(' ');
  return name ? [creator.suffix ? `${name}, ${creator.suffix}` : name] : [];
}

/**
 * `date` (BibLaTeX) or `year` with an optional `month` and `day`, at the precision given: a year
 * alone is "2023", not 1 January; a year and month is "2023-05".
 */
function entryDate(fields: Entry['fields']): { date: string | null; problem?: { field: string; message: string } } {
  if (fields.date) {
    const date = toIsoDate(fields.date);
    return date ? { date } : { date: null, problem: { field: 'date', message: `not a date: "${fields.date.slice(0, 40)}"` } };
  }
  if (!fields.year) return { date: null };
  const year = fields.year.trim();
  const month = fields.month ? monthNumber(fields.month) : null;
  const date = !/^\d{4}$/.test(year) || (fields.month && !month) ? null : isoDay(Number(year), month ?? 1, Number(fields.day ?? 1));
  if (date) return { date: date.slice(0, fields.day ? 10 : month ? 7 : 4) };
  return { date: null, problem: { field: 'year', message: `not a date: year "${fields.year}", month "${fields.month ?? ''}"` } };
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** The parser turns `month = mar` into "3"; a braced `{March}` stays a name. */
function monthNumber(value: string): number | null {
  const text = value.trim().toLowerCase();
  if (/^\d{1,2}$/.test(text)) return Number(text);
  const index = MONTHS.indexOf(text.slice(0, 3));
  return index === -1 ? null : index + 1;
}
