import { findArxivId, type Paper, type ParseResult } from './paper.js';
import { addPaper, arxivHint, toIsoDate } from './record.js';

/**
 * Reads a flat record (a JSON object or a CSV row) into a paper. Field names are case-insensitive;
 * `summary` stands for `abstract`, and BEIR's corpus fields `_id` and `text` for `id` and `abstract`.
 * A missing title or abstract loses the record; a bad optional
 * field (date, upvotes, …) is reported and left at its default, and the paper is kept.
 */
export function addLooseRecord(result: ParseResult, record: Record<string, unknown>, source: Paper['source']): void {
  const fields = new Map(Object.entries(record).map(([key, value]) => [key.trim().toLowerCase(), value]));
  // A bad optional field is dropped and the record kept; a bad title or abstract loses it.
  const report = (field: string, message: string) =>
    result.issues.push({ ...source, field, message, ...(field === 'title' || field === 'abstract' ? {} : { kept: true }) });
  const read = (field: string): unknown => {
    const value = fields.get(field);
    return typeof value === 'string' && value.trim() === '' ? undefined : (value ?? undefined);
  };
  const text = (field: string): string | undefined => {
    const value = read(field);
    if (value === undefined || typeof value === 'string') return value;
    report(field, `expected text, found ${describe(value)}`);
    return undefined;
  };
  const list = (field: string, split: (value: string) => string[]): string[] => {
    const value = read(field);
    if (value === undefined) return [];
    if (typeof value === 'string') return split(value);
    if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value;
    report(field, `expected a list of strings or a string, found ${describe(value)}`);
    return [];
  };

  const title = text('title');
  const abstract = text('abstract') ?? text('summary') ?? text('text');
  const url = text('url');
  const rawId = read('id') ?? read('_id');
  let id: string | undefined;
  if (typeof rawId === 'string' || typeof rawId === 'number') {
    const given = String(rawId).trim();
    id = findArxivId(arxivHint(given)) ?? given;
  } else if (rawId !== undefined) {
    report('id', `expected text or a number, found ${describe(rawId)}`);
  }
  id ??= findArxivId(arxivHint(url)) ?? undefined;

  const rawDate = text('date');
  const date = rawDate === undefined ? null : toIsoDate(rawDate);
  if (rawDate !== undefined && date === null) report('date', `not a date: "${rawDate.slice(0, 40)}"`);

  addPaper(
    result,
    {
      title,
      abstract,
      id,
      authors: list('authors', splitAuthors),
      organization: text('organization') ?? null,
      date,
      upvotes: readUpvotes(read('upvotes'), report),
      url: url ?? null,
      categories: list('categories', (value) => value.split(/[\s,;]+/)),
    },
    source,
  );
}

/** "A; B", else "A, B and C" or "A and B". "Last, First" names cannot be told apart and are split. */
function splitAuthors(value: string): string[] {
  return value.includes(';') ? value.split(';') : value.split(/\s*,\s*(?:and\s+)?|\s+and\s+/);
}

function readUpvotes(value: unknown, report: (field: string, message: string) => void): number {
  if (value === undefined) return 0;
  const count = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof count === 'number' && Number.isSafeInteger(count) && count >= 0) return count;
  report('upvotes', `expected a whole number ≥ 0, found ${describe(value)}`);
  return 0;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'string') return `"${value.slice(0, 40)}"`;
  return typeof value === 'object' ? 'an object' : String(value);
}
