import { z } from 'zod';
import { type DataDirLayout, readChecksummedJson, writeChecksummedJson } from './files.js';

export const topicSchema = z.object({
  id: z.number().int().nonnegative(),
  label: z.string(),
  keywords: z.array(z.object({ term: z.string(), weight: z.number() })),
  size: z.number().int().nonnegative(),
  /** Ids of the papers closest to the topic's centre. */
  representatives: z.array(z.string()),
  first: z.string().nullable(),
  last: z.string().nullable(),
  median: z.string().nullable(),
  months: z.array(z.object({ month: z.string(), count: z.number().int() })),
});

export type Topic = z.infer<typeof topicSchema>;

/**
 * Topics, each paper's topic and the 2-D map, derived from one table version. Topic ids are stable:
 * papers added later join existing topics, and a re-clustering hands each old id to the new topic
 * that overlaps it most.
 */
export const topicsFileSchema = z.object({
  tableVersion: z.number().int().nonnegative(),
  k: z.number().int().positive(),
  /** Of the last full clustering. */
  silhouette: z.number(),
  seed: z.number().int(),
  /** The number of topics asked for at the last full clustering. */
  requested: z.union([z.literal('auto'), z.number().int().positive()]),
  /** How many papers the last full clustering saw; growth beyond it triggers a re-clustering. */
  clusteredCount: z.number().int().nonnegative(),
  /** The id the next new topic takes: ids of vanished topics are never reused. */
  nextId: z.number().int().nonnegative(),
  /** Each topic's centroid (mean unit embedding), in the order of `topics`. */
  centroids: z.array(z.array(z.number())),
  /** Largest first. */
  topics: z.array(topicSchema),
  /** Paper id → topic id. */
  assignments: z.custom<Record<string, number>>(isAssignments, 'expected paper id → topic id'),
  map: z.custom<Array<{ id: string; x: number; y: number }>>((value) => Array.isArray(value) && value.every(isMapPoint), 'expected map points { id, x, y }'),
});

// The two per-paper fields are checked by plain loops: zod's parse, which copies each of 100k
// entries, was the largest part of reading this file when a server starts.
function isAssignments(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  for (const topic of Object.values(value)) if (!Number.isInteger(topic) || (topic as number) < 0) return false;
  return true;
}

function isMapPoint(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const { id, x, y } = value as Record<string, unknown>;
  return typeof id === 'string' && Number.isFinite(x) && Number.isFinite(y);
}

export type TopicsFile = z.infer<typeof topicsFileSchema>;

/** The saved topics; undefined when the file is missing, damaged (checksum) or of another shape. */
export async function readTopicsFile(layout: DataDirLayout): Promise<TopicsFile | undefined> {
  try {
    const parsed = topicsFileSchema.safeParse(await readChecksummedJson(layout.topics));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export async function writeTopicsFile(layout: DataDirLayout, topics: TopicsFile): Promise<void> {
  await writeChecksummedJson(layout.topics, topics);
}
