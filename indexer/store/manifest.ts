import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { PaperscopeError } from '../../core/errors.js';
import { APP_VERSION } from '../../core/version.js';
import { embedderInfoSchema } from '../embed/types.js';
import { type DataDirLayout, isChecksummedJson, parseChecksummedJson, writeChecksummedJson } from './files.js';
import type { PapersTable } from './papers-table.js';
import { readTopicsFile } from './topics-file.js';

export const MANIFEST_FORMAT = 1;

/** What an index was built with; written last, so a present manifest means a complete index. */
export const manifestSchema = z.object({
  format: z.literal(MANIFEST_FORMAT),
  appVersion: z.string(),
  builtAt: z.string(),
  buildMs: z.number().nonnegative(),
  embedder: embedderInfoSchema,
  embedderState: z.unknown(),
  count: z.number().int().nonnegative(),
  tableVersion: z.number().int().nonnegative(),
  clustering: z.object({
    k: z.number().int().positive(),
    requested: z.union([z.literal('auto'), z.number().int().positive()]),
    seed: z.number().int(),
  }),
});

export type Manifest = z.infer<typeof manifestSchema>;

/**
 * The manifest, or undefined when there is none. Manifests are sealed with a SHA-256 of their JSON
 * (`writeChecksummedJson`); plain ones, as earlier versions wrote them, are still read. Throws
 * INDEX_MISMATCH, with `details.damaged` when the file is damaged (checksum, not JSON) rather than
 * of another version's shape.
 */
export async function readManifest(layout: DataDirLayout): Promise<Manifest | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(layout.manifest);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return parseManifest(bytes, layout.manifest);
}

/** A manifest's bytes, sealed or plain; `where` names the file or object in errors. */
export function parseManifest(bytes: Buffer, where: string): Manifest {
  let raw: unknown;
  try {
    raw = isChecksummedJson(bytes) ? parseChecksummedJson(bytes, where) : (JSON.parse(bytes.toString('utf8')) as unknown);
  } catch (error) {
    const reason = error instanceof PaperscopeError ? error.message : `${where} is not valid JSON`;
    throw new PaperscopeError(
      'INDEX_MISMATCH',
      `The index manifest is damaged: ${reason}`,
      { file: where, damaged: true },
      { cause: error },
    );
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    throw new PaperscopeError(
      'INDEX_MISMATCH',
      `The index manifest ${where} was written by another version of Paperscope (${parsed.error.issues[0]?.message}); rebuild with "paperscope index --reembed".`,
      { file: where },
    );
  }
  return parsed.data;
}

/** The manifest, or why it must be rebuilt from the table: missing, or damaged (another version's shape still throws). */
export async function readManifestOrProblem(layout: DataDirLayout): Promise<{ manifest: Manifest } | { problem: string }> {
  try {
    const manifest = await readManifest(layout);
    return manifest ? { manifest } : { problem: 'is missing' };
  } catch (error) {
    if (error instanceof PaperscopeError && error.details?.damaged === true) return { problem: `is damaged (${error.message})` };
    throw error;
  }
}

export async function writeManifest(layout: DataDirLayout, manifest: Manifest): Promise<void> {
  await writeChecksummedJson(layout.manifest, manifestSchema.parse(manifest));
}

const recordedEmbedderSchema = manifestSchema.pick({ embedder: true, embedderState: true });

/**
 * The manifest of an index whose manifest.json is missing or unreadable, rebuilt from the papers
 * table (its rows, its version and the embedder its vector column records) and the topics file;
 * undefined when the table holds no papers. A table that holds papers but does not record its
 * embedder (made by an older version) throws: nothing is dropped or replaced.
 */
export async function rebuildManifest(layout: DataDirLayout, table: PapersTable, why: string): Promise<Manifest | undefined> {
  const count = await table.count();
  if (count === 0) return undefined;
  const recorded = recordedEmbedderSchema.safeParse(await table.recordedEmbedder());
  if (!recorded.success) {
    throw new PaperscopeError(
      'INDEX_MISMATCH',
      `${layout.manifest} ${why}, and the papers table in ${layout.database} (${count} papers) does not record which embedder made its vectors (it was built by an older version). Nothing was changed. Restore manifest.json, or run "paperscope index --reembed <files>": every stored paper is kept and re-embedded.`,
      { file: layout.manifest, papers: count },
    );
  }
  const topics = await readTopicsFile(layout);
  return {
    format: MANIFEST_FORMAT,
    appVersion: APP_VERSION,
    builtAt: new Date().toISOString(),
    buildMs: 0,
    ...recorded.data,
    count,
    tableVersion: await table.version(),
    clustering: { k: topics?.k ?? 1, requested: topics?.requested ?? 'auto', seed: topics?.seed ?? 42 },
  };
}
