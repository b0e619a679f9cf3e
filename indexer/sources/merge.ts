import { normalizeTitle, type Paper } from '../parse/index.js';
import type { PaperRecords } from '../store/index.js';

/**
 * One paper, one record: fetched papers matched to the stored ones (and to each other) by id,
 * which is the arXiv id when there is one, else by normalised title. A match keeps the stored id;
 * the fetched copy's fields win, except those it leaves empty (arXiv has no upvotes, Hugging Face
 * no categories), which keep what was known, and the link, which stays the first one known. Pure.
 *
 * @example reconcile(fetched, await table.readRecords())
 */
export function reconcile(fetched: readonly Paper[], stored: PaperRecords | undefined): Paper[] {
  const storedById = new Map<string, number>();
  const storedByTitle = new Map<string, number>();
  stored?.briefs.all().forEach((brief, row) => {
    storedById.set(brief.id, row);
    storedByTitle.set(normalizeTitle(brief.title), row);
  });
  const merged = new Map<string, Paper>();
  const idByTitle = new Map<string, string>();
  for (const paper of fetched) {
    const title = normalizeTitle(paper.title);
    const id =
      merged.has(paper.id) || storedById.has(paper.id)
        ? paper.id
        : (idByTitle.get(title) ?? storedIdOf(stored, storedByTitle.get(title)) ?? paper.id);
    const known = merged.get(id) ?? storedPaper(stored, storedById.get(id));
    const next = known ? fillEmpty({ ...paper, id }, known) : { ...paper, id };
    merged.set(id, next);
    idByTitle.set(title, id);
  }
  return [...merged.values()];
}

function storedIdOf(stored: PaperRecords | undefined, row: number | undefined): string | undefined {
  return row === undefined ? undefined : stored?.briefs.ids[row];
}

function storedPaper(stored: PaperRecords | undefined, row: number | undefined): Omit<Paper, 'source'> | undefined {
  const brief = row === undefined ? undefined : stored?.briefs.at(row);
  if (!stored || row === undefined || !brief) return undefined;
  const { sourceFile: _file, ...details } = stored.details(row);
  const { sourceLine: _line, contentHash: _hash, ...fields } = brief;
  return { ...fields, ...details };
}

/** `fresh`, with the fields it leaves empty taken from `known`. */
function fillEmpty(fresh: Paper, known: Omit<Paper, 'source'>): Paper {
  const list = (value: string[], fallback: string[]) => (value.length > 0 ? value : fallback);
  return {
    ...fresh,
    authors: list(fresh.authors, known.authors),
    authorsCount: fresh.authorsCount ?? known.authorsCount,
    organization: fresh.organization ?? known.organization,
    date: fresh.date ?? known.date,
    upvotes: fresh.upvotes > 0 ? fresh.upvotes : known.upvotes,
    // Sources link to their own page of the paper: keeping the first spares re-embedding it on every sync.
    url: known.url ?? fresh.url,
    categories: list(fresh.categories, known.categories),
  };
}
