import type { ParseIssue, ParseResult } from './paper.js';
import { addPaper, emptyResult, type FormatParser, isoDay, latestDayUpTo, type PaperDraft, type ParseContext } from './record.js';

/**
 * Text copied from a Hugging Face Daily Papers page. Paragraphs are separated by blank lines; a
 * paper is a one-line title, an abstract, and usually a metadata block:
 *
 *     •  5 authors            or   kaist-ai KAIST AI
 *     ·
 *     May 28, 2025 2            (date, then upvotes when there are any; "Apr 4 6" has no year)
 *
 * The page chrome (header lines and the page's date) is skipped.
 */
export const parseHfPage: FormatParser = (text, context) => {
  const result = emptyResult();
  const blocks = dropChrome(paragraphs(text).map(classify));

  let pending: Paragraph[] = [];
  let dating = dateReader(context, context.listedOn);
  for (const block of blocks) {
    if (block.kind === 'listing-date') {
      // The page's own date: the dates of its papers are not after it.
      dating = dateReader(context, dating(block.paragraph.lines[0] ?? '') ?? context.listedOn);
      continue;
    }
    if (block.kind === 'text') {
      pending.push(block.paragraph);
      continue;
    }
    if (pending.length === 0) {
      const line = block.paragraph.line;
      result.issues.push({ file: context.file, line, message: 'metadata block without a paper before it' });
      continue;
    }
    addPapers(result, pending, block.paragraph, context.file, dating);
    pending = [];
  }
  if (pending.length > 0) addPapers(result, pending, undefined, context.file, dating);
  return result;
};

/** Reads a date line ("May 28, 2025 2", "Apr 4") as YYYY-MM-DD, or null. */
type DateReader = (line: string) => string | null;

/** Dates without a year take `--year` when given, else the most recent such day not after `reference`. */
function dateReader(context: ParseContext, reference: string): DateReader {
  return (line) => {
    const match = DATE_LINE.exec(line);
    const month = monthNumber(match?.[1] ?? '');
    if (!match || !month) return null;
    const day = Number(match[2]);
    if (match[3]) return isoDay(Number(match[3]), month, day);
    return context.year === undefined ? latestDayUpTo(reference, month, day) : isoDay(context.year, month, day);
  };
}

interface Paragraph {
  /** 1-based line of the first line. */
  line: number;
  lines: string[];
}

type Block = { kind: 'text' | 'meta' | 'listing-date'; paragraph: Paragraph };

function paragraphs(text: string): Paragraph[] {
  const found: Paragraph[] = [];
  let current: Paragraph | undefined;
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '') {
      current = undefined;
      return;
    }
    if (!current) {
      current = { line: index + 1, lines: [] };
      found.push(current);
    }
    current.lines.push(line.trim());
  });
  return found;
}

const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const DATE_LINE = /^([A-Za-z]{3,9})\.? (\d{1,2})(?:, (\d{4}))?(?: (\d+))?$/;
const AUTHORS_LINE = /^(?:[•·*-]\s*)?(\d+) authors?$/;
const SEPARATOR = '·';
const CHROME = new Set(['new', 'get trending papers in your email inbox!', 'subscribe', 'daily papers', 'byak and the research community']);

function monthNumber(word: string): number | null {
  const lower = word.toLowerCase();
  const index = MONTHS.findIndex((month) => month.startsWith(lower));
  return index === -1 || lower.length < 3 ? null : index + 1;
}

function isDateLine(line: string): boolean {
  const match = DATE_LINE.exec(line);
  return match !== null && monthNumber(match[1] ?? '') !== null;
}

/** A metadata block has a lone "·" line; a paragraph that is only a date is one too. */
function classify(paragraph: Paragraph): Block {
  const { lines } = paragraph;
  const isMeta = lines.includes(SEPARATOR) || (lines.length === 1 && isDateLine(lines[0] ?? ''));
  return { kind: isMeta ? 'meta' : 'text', paragraph };
}

/**
 * Drops the page header ("new", "Daily Papers", …) and marks the page's own date that ends it (such
 * as "Jun 4") as the listing's date, also where pages were pasted one after another.
 */
function dropChrome(blocks: Block[]): Block[] {
  let afterChrome = true;
  const kept: Block[] = [];
  for (const block of blocks) {
    const { lines } = block.paragraph;
    const line = lines.length === 1 ? (lines[0] ?? '') : '';
    const isListingDate: boolean = afterChrome && block.kind === 'meta' && isDateLine(line);
    afterChrome = (block.kind === 'text' && CHROME.has(line.toLowerCase())) || isListingDate;
    if (isListingDate) kept.push({ kind: 'listing-date', paragraph: block.paragraph });
    else if (!afterChrome) kept.push(block);
  }
  return kept;
}

/** Titles are one line and do not end like a sentence; abstracts do. */
function looksLikeTitle(paragraph: Paragraph): boolean {
  const line = paragraph.lines[0] ?? '';
  return paragraph.lines.length === 1 && line.length <= 300 && !line.endsWith('.');
}

/**
 * Splits the text paragraphs between two metadata blocks into papers: papers without metadata come
 * first, and the block belongs to the last one. An abstract runs until the next title-like
 * paragraph that is itself followed by a paragraph (its abstract).
 */
function addPapers(result: ParseResult, texts: Paragraph[], meta: Paragraph | undefined, file: string, dating: DateReader) {
  let index = 0;
  while (index < texts.length) {
    const title = texts[index] as Paragraph;
    let next = index + 1;
    while (next < texts.length && !(next > index + 1 && looksLikeTitle(texts[next] as Paragraph) && next + 1 < texts.length)) {
      next++;
    }
    const abstract = texts.slice(index + 1, next).flatMap((paragraph) => paragraph.lines);
    const isLast = next >= texts.length;
    const draft: PaperDraft = {
      title: title.lines.join(' '),
      abstract: abstract.join(' '),
      url: null,
      ...(isLast && meta ? readMeta(meta, file, dating, result.issues) : {}),
    };
    addPaper(result, draft, { file, line: title.line });
    index = next;
  }
}

function readMeta(meta: Paragraph, file: string, dating: DateReader, issues: ParseIssue[]): Partial<PaperDraft> {
  const separator = meta.lines.indexOf(SEPARATOR);
  const who = separator === -1 ? [] : meta.lines.slice(0, separator);
  const after = meta.lines.slice(separator + 1);
  const draft: Partial<PaperDraft> = {};

  for (const line of who) {
    const authors = AUTHORS_LINE.exec(line);
    if (authors) draft.authorsCount = Number(authors[1]);
    else draft.organization = organizationName(line);
  }

  const dateLineNumber = meta.line + separator + 1;
  const [dateLine = '', ...extra] = after;
  const date = dating(dateLine);
  if (date) {
    draft.date = date;
    const upvotes = DATE_LINE.exec(dateLine)?.[4];
    draft.upvotes = upvotes ? Number(upvotes) : 0;
  } else {
    issues.push({
      file,
      line: dateLineNumber,
      field: 'date',
      message: `expected a date such as "May 28, 2025", found "${dateLine.slice(0, 40)}"`,
      kept: true,
    });
  }
  if (extra.length > 0) {
    issues.push({ file, line: dateLineNumber + 1, message: `unexpected line after the date: "${extra[0]?.slice(0, 40)}"`, kept: true });
  }
  return draft;
}

/**
 * The page shows an organisation as its handle and then its name ("kaist-ai KAIST AI",
 * "AlibabaTongyiLab TongyiLab"); the handle is dropped when the name repeats it.
 */
function organizationName(line: string): string {
  const [handle = '', ...rest] = line.split(/\s+/);
  const name = rest.join(' ');
  const key = (value: string) => value.toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');
  const handleKey = key(handle);
  const nameKey = key(name);
  if (!nameKey) return line;
  return handleKey.includes(nameKey) || nameKey.includes(handleKey) ? name : line;
}
