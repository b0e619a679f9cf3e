import { createHash } from 'node:crypto';
import { z } from 'zod';

/** A paper as every parser returns it, whatever the input format. */
export const paperSchema = z.object({
  id: z.string().min(1),
  title: z.string().min(1),
  abstract: z.string().min(1),
  /** Author names when the source lists them; empty when it only gives a count. */
  authors: z.array(z.string()),
  authorsCount: z.number().int().nonnegative().nullable(),
  organization: z.string().nullable(),
  /** ISO date at the precision the source gives: YYYY-MM-DD, or YYYY-MM, or YYYY (a year alone is not 1 January). */
  date: z
    .string()
    .regex(/^\d{4}(?:-\d{2}(?:-\d{2})?)?$/)
    .nullable(),
  upvotes: z.number().int().nonnegative(),
  url: z.string().nullable(),
  categories: z.array(z.string()),
  source: z.object({ file: z.string(), line: z.number().int().positive() }),
});

export type Paper = z.infer<typeof paperSchema>;

/** A record the parser could not accept; the rest of the file is still indexed. */
export interface ParseIssue {
  file: string;
  line: number;
  /** 1-based position in a JSON array, which may hold many records on one line. */
  record?: number;
  field?: string;
  message: string;
  /** The record was still read: only this field was dropped (or a character replaced). */
  kept?: true;
}

export interface ParseResult {
  papers: Paper[];
  issues: ParseIssue[];
}

/**
 * How many records the issues stand for: `skipped` were not read at all, `kept` were read with a
 * field dropped. A record can have several issues; it counts once, as skipped if any issue lost it.
 */
export function countIssues(issues: readonly ParseIssue[]): { skipped: number; kept: number } {
  const lost = new Map<string, boolean>();
  for (const issue of issues) {
    const key = `${issue.file}\u0000${issue.line}\u0000${issue.record ?? ''}`;
    lost.set(key, (lost.get(key) ?? false) || !issue.kept);
  }
  const skipped = [...lost.values()].filter(Boolean).length;
  return { skipped, kept: lost.size - skipped };
}

export function formatIssue(issue: ParseIssue): string {
  const where = [issue.record === undefined ? '' : `record ${issue.record}`, issue.field ? `field "${issue.field}"` : '']
    .filter(Boolean)
    .join(', ');
  return `${issue.file}:${issue.line}${where ? ` (${where})` : ''}: ${issue.message}`;
}

const ARXIV_NEW = /(?:arxiv\.org\/(?:abs|pdf)\/|arxiv:\s*|\b)(\d{4}\.\d{4,5})(?:v\d+)?\b/i;
const ARXIV_OLD = /(?:arxiv\.org\/(?:abs|pdf)\/|arxiv:\s*)([a-z-]+(?:\.[A-Z]{2})?\/\d{7})(?:v\d+)?/i;

/** The arXiv identifier (without version) found in an id, URL or DOI, if any. */
export function findArxivId(...candidates: Array<string | null | undefined>): string | null {
  for (const candidate of candidates) {
    if (!candidate) continue;
    const modern = ARXIV_NEW.exec(candidate);
    if (modern?.[1]) return modern[1];
    const legacy = ARXIV_OLD.exec(candidate);
    if (legacy?.[1]) return legacy[1].toLowerCase();
  }
  return null;
}

/** Title normalised for identity: case, accents, punctuation and spacing do not matter. */
export function normalizeTitle(title: string): string {
  return title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

const SLUG_CHARS = 80;

/**
 * The title's slug. One longer than 80 characters is cut there and gets a hash of the whole
 * normalised title appended, so titles that differ only after the cut stay two papers; shorter
 * ones are the slug alone, as ids always were.
 */
export function slugifyTitle(title: string): string {
  const normalized = normalizeTitle(title);
  const slug = normalized.replace(/ /g, '-');
  if (!slug) return `paper-${createHash('sha256').update(title).digest('hex').slice(0, 12)}`;
  if (slug.length <= SLUG_CHARS) return slug;
  return `${slug.slice(0, SLUG_CHARS).replace(/-+$/, '')}-${createHash('sha256').update(normalized).digest('hex').slice(0, 8)}`;
}

/**
 * The id that versions before the hash gave a paper whose slug is cut (the first 80 characters),
 * or undefined when its id is not such a slug: an index may still hold the paper under it.
 */
export function legacySlugId(paper: Pick<Paper, 'id' | 'title'>): string | undefined {
  const slug = normalizeTitle(paper.title).replace(/ /g, '-');
  if (slug.length <= SLUG_CHARS || paper.id !== slugifyTitle(paper.title)) return undefined;
  return paper.id.slice(0, paper.id.lastIndexOf('-'));
}

/** The stable id: the arXiv id when known, else a slug of the normalised title. */
export function paperId(title: string, ...arxivHints: Array<string | null | undefined>): string {
  return findArxivId(...arxivHints) ?? slugifyTitle(title);
}

/** Hash of everything that is indexed, so that re-indexing skips unchanged papers. */
export function contentHash(paper: Omit<Paper, 'source'>): string {
  // Fields in one fixed order, so a paper rebuilt from a stored row hashes as its parsed original did.
  const { id, title, abstract, authors, authorsCount, organization, date, upvotes, url, categories } = paper;
  const content = { id, title, abstract, authors, authorsCount, organization, date, upvotes, url, categories };
  return createHash('sha256').update(JSON.stringify(content)).digest('hex');
}

/** White space other than single plain spaces: what `cleanText` has to collapse. */
const UNCLEAN_SPACE = /[^\S ]| {2}/;

/** Collapses runs of white space, as every format leaves line breaks inside fields. */
export function cleanText(text: string): string {
  // Most fields (JSON, CSV) are clean already: one scan instead of building a new string.
  return (UNCLEAN_SPACE.test(text) ? text.replace(/\s+/g, ' ') : text).trim();
}
