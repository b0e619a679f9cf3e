import { CsvError, parse } from 'csv-parse/sync';
import { addLooseRecord } from './loose-record.js';
import { emptyResult, type FormatParser, lineIndex, parseFailure } from './record.js';

const FIELDS = ['id', 'title', 'abstract', 'summary', 'authors', 'date', 'url', 'categories', 'upvotes', 'organization'];
/**
 * Each unclosed quote makes csv-parse read to the end of the file before failing, so recovering
 * from many of them is quadratic; past this many characters read in all, the rest is given up.
 */
const BASE_READ_BUDGET = 500_000;

/**
 * CSV or TSV with a header row naming the columns (any case; `summary` may stand for `abstract`).
 * Quotes inside unquoted cells are read as text. A row whose quote never closes is reported and
 * skipped: csv-parse stops there, so the text is parsed again from the row's next line.
 */
export const parseCsv: FormatParser = (text, context) => {
  const result = emptyResult();
  const lines = lineIndex(text);
  const delimiter = pickDelimiter(context.file, text);
  let columns: Map<string, number> | undefined;
  let width = 0;

  const onRow = (cells: string[], line: number) => {
    if (!columns) {
      ({ columns, width } = readHeader(cells, context.file, line));
      return;
    }
    if (cells.every((cell) => cell.trim() === '')) return;
    if (cells.length !== width) {
      result.issues.push({ file: context.file, line, message: `row has ${cells.length} cells but the header has ${width}` });
      return;
    }
    const record: Record<string, string | undefined> = {};
    for (const [field, index] of columns) record[field] = cells[index];
    addLooseRecord(result, record, { file: context.file, line });
  };

  let budget = BASE_READ_BUDGET + 2 * text.length;
  for (let from = 1; from <= lines.lineCount; ) {
    const base = from - 1;
    let lastLine = base;
    const rest = text.slice(lines.offsetOf(from));
    budget -= rest.length;
    try {
      parse(rest, {
        delimiter,
        relax_column_count: true,
        relax_quotes: true,
        skip_empty_lines: true,
        on_record: (cells, info) => {
          lastLine = base + info.lines;
          // Line breaks can only be inside quoted cells, so they tell how many lines the row spans.
          onRow(cells, lastLine - cells.reduce((sum, cell) => sum + countOf(cell, '\n'), 0));
          return null;
        },
      });
      break;
    } catch (error) {
      if (!(error instanceof CsvError)) throw error;
      const start = firstFilledLine(text, lines, lastLine + 1);
      if (!columns) throw parseFailure(context.file, start, `unreadable CSV header: ${error.message}`);
      result.issues.push({
        file: context.file,
        line: start,
        message: error.code === 'CSV_QUOTE_NOT_CLOSED' ? 'unclosed quote; this row is skipped' : `malformed row skipped: ${error.message}`,
      });
      // An unclosed quote swallows the rest of the file, so reading resumes on the row's next line.
      from = start + 1;
      if (budget < 0) {
        result.issues.push({ file: context.file, line: from, message: 'too many malformed rows; the rest of the file is not read' });
        break;
      }
    }
  }
  if (!columns) throw parseFailure(context.file, 1, 'empty CSV: a header row is required');
  return result;
};

function pickDelimiter(file: string, text: string): string {
  if (/\.tsv$/i.test(file)) return '\t';
  const header = text.slice(0, text.indexOf('\n') === -1 ? text.length : text.indexOf('\n'));
  return countOf(header, '\t') > countOf(header, ',') ? '\t' : ',';
}

function readHeader(cells: string[], file: string, line: number): { columns: Map<string, number>; width: number } {
  const names = cells.map((cell) => cell.trim().toLowerCase());
  const columns = new Map<string, number>();
  for (const field of FIELDS) {
    const index = names.indexOf(field);
    if (index !== -1) columns.set(field, index);
  }
  if (!columns.has('title') || !(columns.has('abstract') || columns.has('summary'))) {
    const shown = names.slice(0, 10).join(', ') + (names.length > 10 ? ', …' : '');
    throw parseFailure(file, line, `the CSV header must name "title" and "abstract" (or "summary") columns; found: ${shown}`);
  }
  return { columns, width: cells.length };
}

function firstFilledLine(text: string, lines: ReturnType<typeof lineIndex>, from: number): number {
  let line = from;
  while (line < lines.lineCount && text.slice(lines.offsetOf(line), lines.offsetOf(line + 1)).trim() === '') line++;
  return line;
}

function countOf(text: string, character: string): number {
  let count = 0;
  for (let at = text.indexOf(character); at !== -1; at = text.indexOf(character, at + 1)) count++;
  return count;
}
