import { isUtf8 } from 'node:buffer';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { PaperscopeError } from '../../core/errors.js';
import { hasKnownExtension } from './detect.js';
import { loadParser, prepareListing } from './listing.js';
import { formatIssue, type ParseIssue, type ParseResult } from './paper.js';

/** How many issues a strict failure spells out in its message; all are in `details.issues`. */
const ISSUES_IN_MESSAGE = 20;
/**
 * Largest input file read. A file is decoded into one string, and V8's strings stop at about 512 MiB;
 * a larger file is refused (and reported) while the other files are read.
 */
export const MAX_INPUT_BYTES = 500 * 1024 * 1024;

export interface ReadOptions {
  year?: number;
  strict?: boolean;
  /** Refuse files larger than this many bytes (default MAX_INPUT_BYTES). */
  maxFileBytes?: number;
}

/**
 * Reads every listing under `paths` (files, or directories searched recursively for files with a
 * known extension, skipping hidden ones). A file that cannot be read at all becomes an issue, so one
 * broken file does not stop the others. Papers are de-duplicated by id: the first one read wins and
 * each later one is reported. With `strict`, any issue fails the whole read.
 *
 * @example const { papers, issues } = await readListings(['data/'], { year: 2026 });
 */
export async function readListings(paths: string[], options: ReadOptions = {}): Promise<ParseResult> {
  const result: ParseResult = { papers: [], issues: [] };
  const seen = new Map<string, string>();
  for (const file of await listFiles(paths)) {
    const { papers, issues } = await readOne(file, options.year, options.maxFileBytes ?? MAX_INPUT_BYTES);
    // One at a time: spreading 100,000 issues into push() overflows the stack.
    for (const issue of issues) result.issues.push(issue);
    for (const paper of papers) {
      const first = seen.get(paper.id);
      if (first === undefined) {
        seen.set(paper.id, `${paper.source.file}:${paper.source.line}`);
        result.papers.push(paper);
      } else {
        result.issues.push({ ...paper.source, field: 'id', message: `duplicate paper "${paper.id}", first read at ${first}; skipped` });
      }
    }
  }
  if (options.strict && result.issues.length > 0) {
    const shown = result.issues.slice(0, ISSUES_IN_MESSAGE).map(formatIssue);
    const more = result.issues.length - shown.length;
    throw new PaperscopeError(
      'PARSE_FAILED',
      `${result.issues.length} problem(s) in the input:\n${shown.join('\n')}${more > 0 ? `\n… and ${more} more` : ''}`,
      { issues: result.issues },
    );
  }
  return result;
}

async function listFiles(paths: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const given of paths) {
    const info = await stat(given).catch((error: unknown) => {
      throw new PaperscopeError(
        'INVALID_INPUT',
        `Cannot read input ${given}: ${(error as Error).message}`,
        { file: given },
        { cause: error },
      );
    });
    if (info.isDirectory()) await listDirectory(given, files);
    else files.push(given);
  }
  return files;
}

/** Adds the directory's listings to `files`. Symbolic links to directories are not followed, so a link cannot make the walk loop. */
async function listDirectory(directory: string, files: string[]): Promise<void> {
  const entries = (await readdir(directory, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) await listDirectory(full, files);
    else if (hasKnownExtension(entry.name) && (entry.isFile() || (await stat(full).catch(() => null))?.isFile())) files.push(full);
  }
}

async function readOne(file: string, year: number | undefined, maxBytes: number): Promise<ParseResult> {
  const refused = (message: string): ParseResult => ({ papers: [], issues: [{ file, line: 1, message }] });
  const info = await stat(file).catch(() => undefined);
  const size = info?.size ?? 0;
  if (size > maxBytes) {
    return refused(
      `file not read: ${megabytes(size)} is more than the ${megabytes(maxBytes)} a file may hold; split it into smaller files`,
    );
  }
  const bytes = await readFile(file).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
  if (bytes instanceof Error) return refused(`file not read: ${bytes.message}`);
  const issues: ParseIssue[] = [];
  if (!isUtf8(bytes)) {
    const bad = invalidUtf8Lines(bytes);
    const listed = bad.slice(0, 10).join(', ') + (bad.length > 10 ? ', …' : '');
    issues.push({
      file,
      line: bad[0] ?? 1,
      message: `invalid UTF-8 on ${bad.length} line(s) (${listed}); the bad bytes were read as U+FFFD`,
      kept: true,
    });
  }
  // TextDecoder drops a UTF-8 byte order mark and replaces invalid bytes.
  const text = new TextDecoder('utf-8').decode(bytes);
  try {
    // A page saved long ago dates "Apr 4" by when it was saved, not by today.
    const listedOn = (info?.mtime ?? new Date()).toISOString().slice(0, 10);
    const { content, format, context } = prepareListing(text, { file, listedOn, year });
    const parsed = (await loadParser(format))(content, context);
    return { papers: parsed.papers, issues: [...issues, ...parsed.issues] };
  } catch (error) {
    if (!(error instanceof PaperscopeError)) {
      // A parser bug: the run stops, but says which file to look at.
      const message = error instanceof Error ? error.message : String(error);
      throw new PaperscopeError('INTERNAL', `Reading ${file} failed: ${message}`, { file }, { cause: error });
    }
    // A file whose format cannot be told is skipped like an unreadable one.
    if (error.code !== 'PARSE_FAILED' && error.code !== 'INVALID_INPUT') throw error;
    const { line, column, reason } = error.details ?? {};
    const message = `${typeof column === 'number' ? `column ${column}: ` : ''}${typeof reason === 'string' ? reason : error.message}`;
    return { papers: [], issues: [...issues, { file, line: typeof line === 'number' ? line : 1, message }] };
  }
}

/** 1-based numbers of the lines holding invalid UTF-8. A newline byte never occurs inside a character. */
function invalidUtf8Lines(bytes: Buffer): number[] {
  const bad: number[] = [];
  let start = 0;
  for (let line = 1; start <= bytes.length; line++) {
    const end = bytes.indexOf(0x0a, start);
    const stop = end === -1 ? bytes.length : end;
    if (!isUtf8(bytes.subarray(start, stop))) bad.push(line);
    start = stop + 1;
  }
  return bad;
}

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(bytes < 10 * 1024 * 1024 ? 1 : 0)} MB`;
}
