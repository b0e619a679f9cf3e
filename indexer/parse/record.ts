import { PaperscopeError } from '../../core/errors.js';
import { cleanText, type Paper, type ParseResult, paperId, paperSchema } from './paper.js';

/** What every format parser receives besides the text. */
export interface ParseContext {
  file: string;
  /** Year given to every date that lacks one (`--year`); without it, see `listedOn`. */
  year?: number | undefined;
  /**
   * The day the listing was saved (YYYY-MM-DD: the file's modification time, else today). HF pages
   * show "Jan 12" for dates of the current year; such a date is the most recent Jan 12 not after
   * the page's own date, or not after this day when the page shows none.
   */
  listedOn: string;
}

export type FormatParser = (text: string, context: ParseContext) => ParseResult;

/** The fields one record yielded; anything left out takes the `Paper` default. */
export interface PaperDraft {
  title: string | undefined;
  abstract: string | undefined;
  id?: string | undefined;
  authors?: string[];
  authorsCount?: number | null;
  organization?: string | null;
  date?: string | null;
  upvotes?: number;
  url?: string | null;
  categories?: string[];
}

/**
 * Longest title and abstract kept, in characters: real abstracts stay under 5,000 (arXiv allows
 * 1,920). Longer text is cut at a word boundary and reported, so one huge record cannot make
 * every search that shows it slow.
 */
export const MAX_TITLE_CHARS = 1_000;
export const MAX_ABSTRACT_CHARS = 20_000;
/** Counts are stored as 32-bit integers: a larger one is refused (reported, the field left empty), never wrapped. */
export const MAX_COUNT = 2 ** 31 - 1;

export function emptyResult(): ParseResult {
  return { papers: [], issues: [] };
}

/**
 * Cleans and validates one record, adding it to `result.papers`, or adding one issue per missing or
 * invalid field to `result.issues`.
 */
export function addPaper(result: ParseResult, draft: PaperDraft, source: Paper['source']): void {
  const title = capped(cleanText(draft.title ?? ''), MAX_TITLE_CHARS, 'title', source, result);
  const abstract = capped(cleanText(draft.abstract ?? ''), MAX_ABSTRACT_CHARS, 'abstract', source, result);
  if (!title) result.issues.push({ ...source, field: 'title', message: 'missing title' });
  if (!abstract) result.issues.push({ ...source, field: 'abstract', message: 'missing abstract' });
  if (!title || !abstract) return;

  const authors = (draft.authors ?? []).map(cleanText).filter((name) => name !== '');
  const organization = cleanText(draft.organization ?? '');
  const categories = [...new Set((draft.categories ?? []).map(cleanText).filter((name) => name !== ''))];
  const candidate: Paper = {
    id: draft.id ?? paperId(title),
    title,
    abstract,
    authors,
    authorsCount: boundedCount(
      draft.authorsCount !== undefined ? draft.authorsCount : authors.length > 0 ? authors.length : null,
      'authorsCount',
      source,
      result,
    ),
    organization: organization || null,
    date: draft.date ?? null,
    upvotes: boundedCount(draft.upvotes ?? 0, 'upvotes', source, result) ?? 0,
    url: draft.url?.trim() || null,
    categories,
    source,
  };
  const parsed = paperSchema.safeParse(candidate);
  if (parsed.success) {
    result.papers.push(parsed.data);
    return;
  }
  for (const issue of parsed.error.issues) {
    result.issues.push({ ...source, field: issue.path.map(String).join('.'), message: issue.message });
  }
}

/** `count`, or null with an issue when it is larger than a stored count can hold. */
function boundedCount(count: number | null, field: string, source: Paper['source'], result: ParseResult): number | null {
  if (count === null || count <= MAX_COUNT) return count;
  result.issues.push({
    ...source,
    field,
    kept: true,
    message: `${count} is more than the largest count stored (${MAX_COUNT})`,
  });
  return null;
}

/** `text` cut to `limit` characters at a space (when one is near), with an issue saying so. */
function capped(text: string, limit: number, field: string, source: Paper['source'], result: ParseResult): string {
  if (text.length <= limit) return text;
  const space = text.lastIndexOf(' ', limit);
  // Never half of a surrogate pair.
  const cut = text.slice(0, space > limit * 0.9 ? space : limit).replace(/[\uD800-\uDBFF]$/, '');
  result.issues.push({
    ...source,
    field,
    kept: true,
    message: `${text.length} characters, cut to the first ${cut.length} (the limit is ${limit})`,
  });
  return cut;
}

/** The error for input that cannot be read at all; the message starts with `file:line[:column]`. */
export function parseFailure(file: string, line: number, message: string, column?: number): PaperscopeError {
  const where = column === undefined ? `${file}:${line}` : `${file}:${line}:${column}`;
  const position = column === undefined ? { line } : { line, column };
  return new PaperscopeError('PARSE_FAILED', `${where}: ${message}`, { file, ...position, reason: message });
}

/** Maps character offsets to 1-based lines and columns, and lines back to offsets. */
export function lineIndex(text: string): {
  lineCount: number;
  locate(offset: number): { line: number; column: number };
  offsetOf(line: number): number;
} {
  const starts = [0];
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) starts.push(at + 1);
  return {
    lineCount: starts.length,
    locate(offset) {
      let low = 0;
      let high = starts.length - 1;
      while (low < high) {
        const middle = (low + high + 1) >> 1;
        if ((starts[middle] ?? 0) <= offset) low = middle;
        else high = middle - 1;
      }
      return { line: low + 1, column: offset - (starts[low] ?? 0) + 1 };
    },
    offsetOf(line) {
      return starts[line - 1] ?? text.length;
    },
  };
}

const ARXIV_SHAPED = /^\s*(?:\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?\/\d{7})(?:v\d+)?\s*$/i;

/**
 * `value` when it names an arXiv paper, else undefined. `findArxivId` finds any `dddd.dddd` in a
 * string, so DOIs and URLs are only passed to it when they are arXiv ones.
 */
export function arxivHint(value: string | null | undefined): string | undefined {
  if (!value) return undefined;
  return /arxiv/i.test(value) || ARXIV_SHAPED.test(value) ? value : undefined;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})/;
const EXPLICIT_ZONE = /(?:Z|GMT|UTC|[+-]\d{2}:?\d{2})$/i;

/**
 * The most recent `month`/`day` not after `reference` (YYYY-MM-DD), as YYYY-MM-DD; null when no
 * year has that day (a 29 February is looked for up to eight years back).
 *
 * @example latestDayUpTo('2026-03-01', 4, 4) // '2025-04-04'
 */
export function latestDayUpTo(reference: string, month: number, day: number): string | null {
  const year = Number(reference.slice(0, 4));
  for (let back = 0; back <= 8; back++) {
    const date = isoDay(year - back, month, day);
    if (date !== null && date <= reference) return date;
  }
  return null;
}

/** YYYY-MM-DD when `year`, `month` (1-12) and `day` name a real day, else null. */
export function isoDay(year: number, month: number, day: number): string | null {
  if (!Number.isInteger(year) || year < 1000 || year > 9999) return null;
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  return date.toISOString().slice(0, 10);
}

/**
 * The calendar day a date string names, as YYYY-MM-DD (YYYY or YYYY-MM for "2024" or "2024-05"),
 * or null when it is not a date.
 * ISO strings keep the day as written (whatever the offset); other strings go through
 * `Date`, read in UTC when they carry a zone (or are ISO partial dates such as "2024-05"), else in
 * local time as `Date` parses them. A four-digit year is required, since `Date` accepts "1".
 */
export function toIsoDate(value: string): string | null {
  const text = value.trim();
  const iso = ISO_DATE.exec(text);
  if (iso) return isoDay(Number(iso[1]), Number(iso[2]), Number(iso[3]));
  // A year, or a year and month, keeps its precision: "2024" is not 1 January 2024.
  const partial = /^(\d{4})(?:-(\d{2}))?$/.exec(text);
  if (partial) return isoDay(Number(partial[1]), Number(partial[2] ?? 1), 1)?.slice(0, partial[2] ? 7 : 4) ?? null;
  if (!/\b\d{4}\b/.test(text)) return null;
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) return null;
  if (EXPLICIT_ZONE.test(text)) return date.toISOString().slice(0, 10);
  return isoDay(date.getFullYear(), date.getMonth() + 1, date.getDate());
}
