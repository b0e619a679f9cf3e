import { PaperscopeError } from '../../core/errors.js';
import type { Paper, ParseIssue } from '../parse/index.js';
import { parseListing } from '../parse/parse.js';

/** arXiv asks for modest pages; a larger `--max` is read in several. */
export const ARXIV_PAGE_SIZE = 100;

export interface ArxivQuery {
  /** An arXiv API `search_query`, e.g. `cat:cs.CL AND abs:retrieval`. */
  query: string;
  /** Papers submitted on or after this day (YYYY-MM-DD) only. */
  from?: string;
  /** How many papers to read at most, newest first. */
  max: number;
}

/**
 * The API URL of the page of `count` results starting at `start`, newest submissions first.
 *
 * @example arxivPageUrl('https://export.arxiv.org/api/query', 'cat:cs.CL', 0, 100)
 */
export function arxivPageUrl(api: string, query: string, start: number, count: number): string {
  const url = new URL(api);
  url.searchParams.set('search_query', query);
  url.searchParams.set('start', String(start));
  url.searchParams.set('max_results', String(count));
  url.searchParams.set('sortBy', 'submittedDate');
  url.searchParams.set('sortOrder', 'descending');
  return url.toString();
}

export interface ArxivPage {
  papers: Paper[];
  issues: ParseIssue[];
  /** Entries on the page, kept or not: an empty page ends the paging. */
  entries: number;
  /** `opensearch:totalResults`, when the feed gives it. */
  totalResults: number | undefined;
}

/**
 * One page of API results, read with the Atom parser of `index`. Throws SOURCE_FAILED when the body
 * is not an Atom feed or is arXiv's error feed (a malformed query, say).
 */
export function parseArxivPage(text: string, file: string): ArxivPage {
  let parsed: ReturnType<typeof parseListing>;
  try {
    parsed = parseListing(text, { file, format: 'atom' });
  } catch (error) {
    throw new PaperscopeError(
      'SOURCE_FAILED',
      `arXiv: ${file}: the answer is not a readable Atom feed (${(error as Error).message})`,
      { source: 'arXiv', url: file },
      { cause: error },
    );
  }
  const apiError = parsed.issues.find((issue) => issue.message.startsWith('arXiv API error'));
  if (apiError) throw new PaperscopeError('SOURCE_FAILED', `arXiv: ${file}: ${apiError.message}`, { source: 'arXiv', url: file });
  const total = /<(?:[\w.-]+:)?totalResults[^>]*>\s*(\d+)\s*</.exec(text)?.[1];
  return {
    papers: parsed.papers,
    issues: parsed.issues,
    entries: (text.match(/<(?:[\w.-]+:)?entry[\s>/]/g) ?? []).length,
    totalResults: total === undefined ? undefined : Number(total),
  };
}

/**
 * What to do after a page: the papers to keep (those submitted since `from`), and whether to read
 * the next one. Results come newest first, so the first paper older than `from` ends the paging.
 */
export function afterArxivPage(page: ArxivPage, request: ArxivQuery, kept: number, nextStart: number): { keep: Paper[]; more: boolean } {
  const recent =
    request.from === undefined ? page.papers : page.papers.filter((paper) => paper.date === null || paper.date >= (request.from as string));
  const keep = recent.slice(0, Math.max(0, request.max - kept));
  const reachedOlder = recent.length < page.papers.length;
  const more =
    page.entries > 0 &&
    !reachedOlder &&
    kept + keep.length < request.max &&
    (page.totalResults === undefined || nextStart < page.totalResults);
  return { keep, more };
}
