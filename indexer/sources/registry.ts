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

/** The latest fetch or sync that finished (or indexed something before failing), and the papers it added: the page's "new". */
const latestRunSchema = z.object({ at: z.iso.datetime(), added: z.array(z.string()) });

export type LatestRun = z.infer<typeof latestRunSchema>;

const sourcesFileSchema = z.object({
  format: z.literal(1),
  latest: latestRunSchema.optional(),
  sources: z.array(
    z.object({
      spec: sourceSpecSchema,
      lastRunAt: z.iso.datetime(),
      papers: z.number().int().nonnegative(),
      resume: resumeSchema.optional(),
    }),
  ),
});

type SourcesFile = z.infer<typeof sourcesFileSchema>;
export type SourceEntry = SourcesFile['sources'][number];

/** Two fetches with the same parameters are the same source. */
export function sourceKey(spec: SourceSpec): string {
  return spec.kind === 'arxiv'
    ? JSON.stringify(['arxiv', spec.query, spec.from ?? null, spec.max])
    : JSON.stringify(['hf-daily', spec.date ?? null, spec.since ?? null]);
}

/** The sources file; empty when it does not exist. A damaged file is an error, never silently emptied. */
async function readSourcesFile(file: string): Promise<SourcesFile> {
  const value = await readChecksummedJson(file);
  if (value === undefined) return { format: 1, sources: [] };
  const parsed = sourcesFileSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PaperscopeError('INDEX_MISMATCH', `${file}: ${issue?.path.join('.')}: ${issue?.message}`, { file });
  }
  return parsed.data;
}

async function writeSourcesFile(file: string, content: SourcesFile): Promise<void> {
  // A fetch that read nothing yet has no index to have made the data dir.
  await mkdir(path.dirname(file), { recursive: true });
  await writeChecksummedJson(file, content);
}

/** The sources remembered in `file`; none when it does not exist. */
export async function readSources(file: string): Promise<SourceEntry[]> {
  return (await readSourcesFile(file)).sources;
}

/** The latest run remembered in `file`, if any. */
export async function readLatestRun(file: string): Promise<LatestRun | undefined> {
  return (await readSourcesFile(file)).latest;
}

/** Adds or refreshes `entry` (by its spec) in `file`, written atomically. */
export async function rememberSource(file: string, entry: SourceEntry): Promise<void> {
  const known = await readSourcesFile(file);
  const others = known.sources.filter((source) => sourceKey(source.spec) !== sourceKey(entry.spec));
  await writeSourcesFile(file, { ...known, sources: [...others, entry] });
}

/** Records `run` as the latest in `file`: the papers it added are the new ones until the next run. */
export async function rememberLatestRun(file: string, run: LatestRun): Promise<void> {
  await writeSourcesFile(file, { ...(await readSourcesFile(file)), latest: run });
}
