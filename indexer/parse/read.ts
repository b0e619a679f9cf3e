import { isUtf8 } from 'node:buffer';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { PaperscopeError } from '../../core/errors.js';
import { hasKnownExtension } from './detect.js';
import { formatIssue, type ParseIssue, type ParseResult } from './paper.js';
import { parseListing } from './parse.js';

/** How many issues a strict failure spells out in its message; all are in `details.issues`. */
const ISSUES_IN_MESSAGE = 20;

/**
 * Reads every listing under `paths` (files, or directories searched recursively for files with a
 * known extension, skipping hidden ones). A file that cannot be read at all becomes an issue, so one
 * broken file does not stop the others. Papers are de-duplicated by id: the first one read wins and
 * each later one is reported. With `strict`, any issue fails the whole read.
 *
 * @example const { papers, issues } = await readListings(['data/'], { year: 2026 });
 */
export async function readListings(paths: string[], options: { year?: number; strict?: boolean } = {}): Promise<ParseResult> {
  const result: ParseResult = { papers: [], issues: [] };
  const seen = new Map<string, string>();
  for (const file of await listFiles(paths)) {
    const { papers, issues } = await readOne(file, options.year);
    result.issues.push(...issues);
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
      throw new PaperscopeError('INVALID_INPUT', `Cannot read input ${given}: ${(error as Error).message}`, { file: given }, { cause: error });
    });
    if (info.isDirectory()) files.push(...(await listDirectory(given)));
    else files.push(given);
  }
  return files;
}

/** Symbolic links to directories are not followed, so a link cannot make the walk loop. */
async function listDirectory(directory: string): Promise<string[]> {
  const entries = (await readdir(directory, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  const files: string[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) files.push(...(await listDirectory(full)));
    else if (hasKnownExtension(entry.name) && (entry.isFile() || (await stat(full).catch(() => null))?.isFile())) files.push(full);
  }
  return files;
}

async function readOne(file: string, year: number | undefined): Promise<ParseResult> {
  const bytes = await readFile(file);
  const issues: ParseIssue[] = [];
  if (!isUtf8(bytes)) {
    const bad = invalidUtf8Lines(bytes);
    const listed = bad.slice(0, 10).join(', ') + (bad.length > 10 ? ', …' : '');
    issues.push({
      file,
      line: bad[0] ?? 1,
      message: `invalid UTF-8 on ${bad.length} line(s) (${listed}); the bad bytes were read as U+FFFD`,
    });
  }
  // TextDecoder drops a UTF-8 byte order mark and replaces invalid bytes.
  const text = new TextDecoder('utf-8').decode(bytes);
  try {
    const parsed = parseListing(text, { file, ...(year === undefined ? {} : { year }) });
    return { papers: parsed.papers, issues: [...issues, ...parsed.issues] };
  } catch (error) {
    if (!(error instanceof PaperscopeError && error.code === 'PARSE_FAILED')) throw error;
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
