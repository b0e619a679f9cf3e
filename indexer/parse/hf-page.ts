import type { ParseIssue, ParseResult } from './paper.js';
import { addPaper, emptyResult, type FormatParser, isoDay, type PaperDraft } from './record.js';

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
  for (const block of blocks) {
    if (block.kind === 'text') {
      pending.push(block.paragraph);
      continue;
    }
    if (pending.length === 0) {
      const line = block.paragraph.line;
      result.issues.push({ file: context.file, line, message: 'metadata block without a paper before it' });
      continue;
    }
    addPapers(result, pending, block.paragraph, context.file, context.year);
    pending = [];
  }
  if (pending.length > 0) addPapers(result, pending, undefined, context.file, context.year);
  return result;
};

interface Paragraph {
  /** 1-based line of the first line. */
  line: number;
  lines: string[];
}

type Block = { kind: 'text' | 'meta'; paragraph: Paragraph };

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

const MONTHS = [
  'january', 'february', 'march', 'april', 'may', 'june',
  'july', 'august', 'september', 'october', 'november', 'december',
];
const DATE_LINE = /^([A-Za-z]{3,9})\.? (\d{1,2})(?:, (\d{4}))?(?: (\d+))?$/;
const AUTHORS_LINE = /^(?:[•·*-]\s*)?(\d+) authors?$/;
const SEPARATOR = '·';
const CHROME = new Set([
  'new',
  'get trending papers in your email inbox!',
  'subscribe',
  'daily papers',
  'byak and the research community',
]);

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
 * Drops the page header ("new", "Daily Papers", …, then the page's own date such as "Jun 4"), also
 * where pages were pasted one after another.
 */
function dropChrome(blocks: Block[]): Block[] {
  let afterChrome = true;
  return blocks.filter(({ kind, paragraph: { lines } }) => {
    const line = lines.length === 1 ? (lines[0] ?? '') : '';
    const isChrome = (kind === 'text' && CHROME.has(line.toLowerCase())) || (afterChrome && kind === 'meta' && isDateLine(line));
    afterChrome = isChrome;
    return !isChrome;
  });
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
function addPapers(result: ParseResult, texts: Paragraph[], meta: Paragraph | undefined, file: string, year: number) {
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
      ...(isLast && meta ? readMeta(meta, file, year, result.issues) : {}),
    };
    addPaper(result, draft, { file, line: title.line });
    index = next;
  }
}

function readMeta(meta: Paragraph, file: string, year: number, issues: ParseIssue[]): Partial<PaperDraft> {
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
  const match = DATE_LINE.exec(dateLine);
  const month = monthNumber(match?.[1] ?? '');
  const date = match && month ? isoDay(match[3] ? Number(match[3]) : year, month, Number(match[2])) : null;
  if (date) {
    draft.date = date;
    draft.upvotes = match?.[4] ? Number(match[4]) : 0;
  } else {
    issues.push({ file, line: dateLineNumber, field: 'date', message: `expected a date such as "May 28, 2025", found "${dateLine.slice(0, 40)}"` });
  }
  if (extra.length > 0) {
    issues.push({ file, line: dateLineNumber + 1, message: `unexpected line after the date: "${extra[0]?.slice(0, 40)}"` });
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
