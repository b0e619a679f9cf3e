import { z } from 'zod';
import { PaperscopeError } from '../../core/errors.js';
import { embedderInfoSchema } from '../embed/types.js';
import { type DataDirLayout, readJsonIfPresent, writeJsonAtomically } from './files.js';

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
  clustering: z.object({ k: z.number().int().positive(), requested: z.union([z.literal('auto'), z.number().int().positive()]), seed: z.number().int() }),
});

export type Manifest = z.infer<typeof manifestSchema>;

export async function readManifest(layout: DataDirLayout): Promise<Manifest | undefined> {
  const raw = await readJsonIfPresent(layout.manifest).catch((error: unknown) => {
    throw new PaperscopeError('INDEX_MISMATCH', `The index manifest ${layout.manifest} is not valid JSON; rebuild with "paperscope index --reembed".`, undefined, { cause: error });
  });
  if (raw === undefined) return undefined;
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    throw new PaperscopeError(
      'INDEX_MISMATCH',
      `The index manifest ${layout.manifest} was written by another version of Paperscope (${parsed.error.issues[0]?.message}); rebuild with "paperscope index --reembed".`,
    );
  }
  return parsed.data;
}

export async function writeManifest(layout: DataDirLayout, manifest: Manifest): Promise<void> {
  await writeJsonAtomically(layout.manifest, manifestSchema.parse(manifest));
}
