import { z } from 'zod';
import { PaperscopeError } from '../../core/errors.js';
import { addPaper, arxivHint, emptyResult, findArxivId, type ParseResult, toIsoDate } from '../parse/index.js';

/** One item of `/api/daily_papers`: only the fields Paperscope reads; the API sends many more. */
const dailyPaperSchema = z.object({
  paper: z.object({
    /** The arXiv id. */
    id: z.string().min(1),
    title: z.string(),
    summary: z.string(),
    authors: z.array(z.object({ name: z.string() })).default([]),
    publishedAt: z.string().optional(),
    upvotes: z.number().int().nonnegative().default(0),
  }),
});

export type DailyPaper = z.infer<typeof dailyPaperSchema>;

/**
 * The URL of the daily papers of `date` (YYYY-MM-DD) under `endpoint` (HF_ENDPOINT's base).
 *
 * @example dailyPapersUrl('https://huggingface.co', '2026-01-12') // 'https://huggingface.co/api/daily_papers?date=2026-01-12'
 */
export function dailyPapersUrl(endpoint: string, date: string): string {
  const url = new URL('api/daily_papers', endpoint.endsWith('/') ? endpoint : `${endpoint}/`);
  url.searchParams.set('date', date);
  return url.toString();
}

/**
 * One day's answer: its items as papers (id = arXiv id), and an issue per item that is not a
 * daily paper (its position as the line). Throws SOURCE_FAILED when the body is not a JSON list,
 * e.g. cut short.
 */
export function parseDailyPapers(text: string, file: string, endpoint: string): ParseResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new PaperscopeError(
      'SOURCE_FAILED',
      `Hugging Face daily papers: ${file}: the answer is not JSON, perhaps cut short (${(error as Error).message})`,
      {
        source: 'hf-daily',
        url: file,
      },
    );
  }
  if (!Array.isArray(json))
    throw new PaperscopeError('SOURCE_FAILED', `Hugging Face daily papers: ${file}: expected a JSON list of papers`, {
      source: 'hf-daily',
      url: file,
    });
  const result = emptyResult();
  json.forEach((item, index) => {
    const source = { file, line: index + 1 };
    const parsed = dailyPaperSchema.safeParse(item);
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        result.issues.push({ ...source, field: issue.path.map(String).join('.'), message: issue.message });
      return;
    }
    const { paper } = parsed.data;
    const arxivId = findArxivId(arxivHint(paper.id));
    addPaper(
      result,
      {
        title: paper.title,
        abstract: paper.summary,
        id: arxivId ?? undefined,
        authors: paper.authors.map((author) => author.name),
        date: paper.publishedAt === undefined ? null : toIsoDate(paper.publishedAt),
        upvotes: paper.upvotes,
        url: arxivId ? new URL(`papers/${arxivId}`, endpoint.endsWith('/') ? endpoint : `${endpoint}/`).toString() : null,
      },
      source,
    );
  });
  return result;
}

/** Every day from `since` to `until` (both YYYY-MM-DD, inclusive), oldest first. */
export function daysBetween(since: string, until: string): string[] {
  const days: string[] = [];
  for (let day = new Date(`${since}T00:00:00Z`); day.toISOString().slice(0, 10) <= until; day.setUTCDate(day.getUTCDate() + 1)) {
    days.push(day.toISOString().slice(0, 10));
  }
  return days;
}
