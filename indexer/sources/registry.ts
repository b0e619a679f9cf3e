import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { PaperscopeError } from '../../core/errors.js';
import { readChecksummedJson, writeChecksummedJson } from '../store/index.js';

const isoDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD');

/** A fetch as `sync` runs it again. */
export const sourceSpecSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('arxiv'), query: z.string().min(1), from: isoDay.optional(), max: z.number().int().positive() }),
  z.object({ kind: z.literal('hf-daily'), date: isoDay.optional(), since: isoDay.optional() }),
]);

export type SourceSpec = z.infer<typeof sourceSpecSchema>;

/** Where an interrupted fetch goes on: arXiv's next result and the papers read before it, or the daily papers' next day. */
const resumeSchema = z
  .object({ start: z.number().int().nonnegative(), kept: z.number().int().nonnegative() })
  .or(z.object({ day: isoDay }));

export type Resume = z.infer<typeof resumeSchema>;

const sourcesFileSchema = z.object({
  format: z.literal(1),
  sources: z.array(
    z.object({
      spec: sourceSpecSchema,
      lastRunAt: z.iso.datetime(),
      papers: z.number().int().nonnegative(),
      resume: resumeSchema.optional(),
    }),
  ),
});

export type SourceEntry = z.infer<typeof sourcesFileSchema>['sources'][number];

/** Two fetches with the same parameters are the same source. */
export function sourceKey(spec: SourceSpec): string {
  return spec.kind === 'arxiv'
    ? JSON.stringify(['arxiv', spec.query, spec.from ?? null, spec.max])
    : JSON.stringify(['hf-daily', spec.date ?? null, spec.since ?? null]);
}

/** The sources remembered in `file`; none when it does not exist. A damaged file is an error, never silently emptied. */
export async function readSources(file: string): Promise<SourceEntry[]> {
  const value = await readChecksummedJson(file);
  if (value === undefined) return [];
  const parsed = sourcesFileSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PaperscopeError('INDEX_MISMATCH', `${file}: ${issue?.path.join('.')}: ${issue?.message}`, { file });
  }
  return parsed.data.sources;
}

/** Adds or refreshes `entry` (by its spec) in `file`, written atomically. */
export async function rememberSource(file: string, entry: SourceEntry): Promise<void> {
  const others = (await readSources(file)).filter((known) => sourceKey(known.spec) !== sourceKey(entry.spec));
  // A fetch that read nothing yet has no index to have made the data dir.
  await mkdir(path.dirname(file), { recursive: true });
  await writeChecksummedJson(file, { format: 1, sources: [...others, entry] });
}
