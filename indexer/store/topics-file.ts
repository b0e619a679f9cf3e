import { readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { z } from 'zod';
import { PaperscopeError } from '../../core/errors.js';
import { openSealedBytes, parseSealedHeader, sealFile } from '../../core/sealed-file.js';
import { type DataDirLayout, readChecksummedJson, replaceFileAtomically } from './files.js';
import type { KnownIds } from './known-ids.js';

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

/** A topic's second level, computed with the topics: sub-topics with local ids (largest first) and their papers' ids. */
export const subtopicSetSchema = z.object({
  clusters: z.array(
    topicSchema
      .omit({ id: true, first: true, last: true, median: true })
      .extend({ id: z.number().int().nonnegative(), papers: z.array(z.string()) }),
  ),
  /** Why the topic has no sub-topics, when `clusters` is empty. */
  reason: z.string().optional(),
});

export type SubtopicSet = z.infer<typeof subtopicSetSchema>;

type MapPoint = { id: string; x: number; y: number };

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
  /** Topic id → its sub-topics; absent in files written before the second level was stored. */
  subtopics: z.record(z.string(), subtopicSetSchema).optional(),
  /** Paper id → topic id. */
  assignments: z.custom<Record<string, number>>((value) => assignmentsProblem(value) === undefined, 'expected paper id → topic id'),
  map: z.custom<MapPoint[]>((value) => mapProblem(value) === undefined, 'expected map points { id, x, y }'),
});

export type TopicsFile = z.infer<typeof topicsFileSchema>;

const FORMAT = 'paperscope-topics';
const FORMAT_VERSION = 1;
const MAGIC = 'PSTP';
const MAX_TOPIC_ID = 2 ** 31 - 1;

/** The small part of the file, checked by zod; the per-paper columns follow it. */
const headerSchema = topicsFileSchema.omit({ assignments: true, map: true }).extend({
  format: z.literal(FORMAT),
  version: z.literal(FORMAT_VERSION),
  assignmentCount: z.number().int().nonnegative(),
  mapCount: z.number().int().nonnegative(),
  /** The map lists the assigned papers in the same order (as the indexer writes it): ids are stored once. */
  sharedIds: z.boolean(),
  /** Byte lengths of the JSON id arrays at the end of the body; `map` is 0 when `sharedIds`. */
  idBytes: z.object({ assignments: z.number().int().nonnegative(), map: z.number().int().nonnegative() }),
});

type Header = z.infer<typeof headerSchema>;

/**
 * The saved topics; undefined when the file is missing, damaged (checksum) or of another shape.
 * Without the binary file, the JSON file of earlier versions is read, so an upgrade re-clusters nothing.
 */
export async function readTopicsFile(layout: DataDirLayout, known?: KnownIds): Promise<TopicsFile | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(layout.topics);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return readLegacyTopicsFile(layout.legacyTopics);
    return undefined;
  }
  try {
    return decodeTopicsFile(bytes, known);
  } catch {
    return undefined;
  }
}

/**
 * Saves `topics` atomically, then removes any JSON file of earlier versions. Throws INTERNAL when a
 * per-paper value has no binary form (a topic id that is not a non-negative 32-bit integer, a
 * coordinate that is not finite).
 * @example await writeTopicsFile(layout, derived.topics);
 */
export async function writeTopicsFile(layout: DataDirLayout, topics: TopicsFile): Promise<void> {
  const bytes = encodeTopicsFile(topics);
  await replaceFileAtomically(layout.topics, (temporary) => writeFile(temporary, bytes));
  await replaceFileAtomically(layout.topicsBackup, (temporary) => writeFile(temporary, bytes));
  await rm(layout.legacyTopics, { force: true });
}

/**
 * The topics to carry ids over from: the topics file, else its backup copy when the file is
 * missing or damaged (any table version: they seed a rebuild, never serve).
 */
export async function readPreviousTopics(layout: DataDirLayout): Promise<TopicsFile | undefined> {
  const saved = await readTopicsFile(layout);
  if (saved) return saved;
  const backup = await readFile(layout.topicsBackup).catch(() => undefined);
  try {
    return backup && decodeTopicsFile(backup);
  } catch {
    return undefined;
  }
}

async function readLegacyTopicsFile(file: string): Promise<TopicsFile | undefined> {
  try {
    const parsed = topicsFileSchema.safeParse(await readChecksummedJson(file));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A sealed file (`sealFile`, magic "PSTP") whose body holds the map's x and y (Float64, so
 * coordinates read back exactly), each assignment's topic (Int32), and the assignments' and the
 * map's paper ids as JSON string arrays. All little-endian.
 */
function encodeTopicsFile(topics: TopicsFile): Buffer {
  const { assignments, map, ...summary } = topics;
  const problem = assignmentsProblem(assignments) ?? mapProblem(map);
  if (problem) throw new PaperscopeError('INTERNAL', `Cannot save the topics file: ${problem}.`, { problem });
  // Indexed loops: typed-array `from` with a mapping function is several times slower at 100k.
  const assignmentIds = Object.keys(assignments);
  const topicIds = new Int32Array(assignmentIds.length);
  for (let index = 0; index < assignmentIds.length; index++) topicIds[index] = assignments[assignmentIds[index] as string] as number;
  const x = new Float64Array(map.length);
  const y = new Float64Array(map.length);
  let sharedIds = assignmentIds.length === map.length;
  for (let index = 0; index < map.length; index++) {
    const point = map[index] as MapPoint;
    x[index] = point.x;
    y[index] = point.y;
    sharedIds &&= point.id === assignmentIds[index];
  }
  const ids = { assignments: jsonBytes(assignmentIds), map: sharedIds ? Buffer.alloc(0) : jsonBytes(map.map((point) => point.id)) };
  const header: Header = {
    format: FORMAT,
    version: FORMAT_VERSION,
    ...summary,
    assignmentCount: assignmentIds.length,
    mapCount: map.length,
    sharedIds,
    idBytes: { assignments: ids.assignments.length, map: ids.map.length },
  };
  return Buffer.concat(sealFile(MAGIC, header, [bytesOf(x), bytesOf(y), bytesOf(topicIds), ids.assignments, ids.map]));
}

/**
 * The file written by `encodeTopicsFile`; anything cut short, damaged or malformed is an INDEX_MISMATCH
 * naming the part. An id list that is `known`'s JSON is read as `known.ids`, not parsed.
 */
function decodeTopicsFile(file: Buffer, known?: KnownIds): TopicsFile {
  if (os.endianness() !== 'LE') throw invalid('(root)', 'typed arrays are stored little-endian; this machine is big-endian');
  const sealed = openSealedBytes(file, MAGIC, 'topics');
  if ('problem' in sealed) throw invalid('(root)', sealed.problem);
  const { header, subtopics } = parseHeader(sealed.header);
  const { format: _format, version: _version, assignmentCount, mapCount, sharedIds, idBytes, ...summary } = header;
  const { body } = sealed;
  const idsStart = 16 * mapCount + 4 * assignmentCount;
  const expected = idsStart + idBytes.assignments + idBytes.map;
  if (body.length !== expected) throw invalid('(root)', `has a body of ${body.length} bytes, expected ${expected}`);
  if (sharedIds && (mapCount !== assignmentCount || idBytes.map !== 0))
    throw invalid('sharedIds', 'but the map and the assignments differ in length');

  const start = body.byteOffset;
  const x = new Float64Array(body.buffer, start, mapCount);
  const y = new Float64Array(body.buffer, start + 8 * mapCount, mapCount);
  const topicIds = new Int32Array(body.buffer, start + 16 * mapCount, assignmentCount);
  const assignmentIds = idList(body, idsStart, idBytes.assignments, assignmentCount, 'assignment ids', known);
  const mapIds = sharedIds ? assignmentIds : idList(body, idsStart + idBytes.assignments, idBytes.map, mapCount, 'map ids', known);

  for (let index = 0; index < assignmentCount; index++) {
    const topic = topicIds[index] as number;
    if (topic < 0) throw invalid('assignments', `paper "${assignmentIds[index]}" has topic ${topic}`);
  }
  // The id → topic record is made when first asked for: a server reads the column (`assignmentColumns`).
  let assignments: Record<string, number> | undefined;
  const record = () => {
    if (!assignments) {
      // Without a prototype, any paper id (even "__proto__") is an own key; it is also faster to fill.
      assignments = Object.create(null) as Record<string, number>;
      for (let index = 0; index < assignmentCount; index++) assignments[assignmentIds[index] as string] = topicIds[index] as number;
    }
    return assignments;
  };
  for (let index = 0; index < mapCount; index++) {
    if (!Number.isFinite(x[index]) || !Number.isFinite(y[index])) throw invalid('map', `point ${index} ("${mapIds[index]}") is not finite`);
  }
  // The points become objects when the map is first asked for: a start-up (and a search) never needs them.
  let map: MapPoint[] | undefined;
  const points = () => {
    if (!map) {
      map = new Array(mapCount);
      for (let index = 0; index < mapCount; index++)
        map[index] = { id: mapIds[index] as string, x: x[index] as number, y: y[index] as number };
    }
    return map;
  };
  const properties: PropertyDescriptorMap = { assignments: { get: record, enumerable: true }, map: { get: points, enumerable: true } };
  if (subtopics) properties.subtopics = { get: subtopics, enumerable: true };
  const topics = Object.defineProperties({ ...summary }, properties) as TopicsFile;
  columnsOf.set(topics, { ids: assignmentIds, topics: topicIds });
  return topics;
}

/** Where the writer's header (`JSON.stringify` of `Header`) has the sub-topics: after the topics, before the counts. */
const SUBTOPICS_KEY = ',"subtopics":';
const AFTER_SUBTOPICS_KEY = ',"assignmentCount":';

/**
 * The header, checked, with its sub-topics parsed (and checked) when first asked for: at a million
 * papers they are 14 MB of the header's JSON (every paper's id again, in its sub-topic's list), whose
 * parse was ≈ 0.5 s of a server's start, and only `/api/clusters/:id/subtopics` reads them. The
 * file's checksum covers their bytes as before. A header laid out otherwise is parsed whole.
 */
function parseHeader(bytes: Buffer): { header: Header; subtopics?: () => TopicsFile['subtopics'] } {
  // Outside a JSON string a quote follows a comma only as a key's start (inside one it is escaped):
  // the first such key "subtopics" and the last "assignmentCount" are the header's own.
  const from = bytes.indexOf(SUBTOPICS_KEY);
  const to = bytes.lastIndexOf(AFTER_SUBTOPICS_KEY);
  if (from >= 0 && to > from) {
    const rest = parseSealedHeader(Buffer.concat([bytes.subarray(0, from), bytes.subarray(to)]));
    const parsed = 'header' in rest ? headerSchema.safeParse(rest.header) : undefined;
    if (parsed?.success) {
      const value = bytes.subarray(from + SUBTOPICS_KEY.length, to);
      let subtopics: TopicsFile['subtopics'];
      return {
        header: parsed.data,
        subtopics: () => {
          subtopics ??= checkedHeader(SUBTOPICS_SCHEMA, parseJson(value.toString('utf8'), 'header.subtopics'), 'subtopics');
          return subtopics;
        },
      };
    }
  }
  const whole = parseSealedHeader(bytes);
  if ('problem' in whole) throw invalid('(root)', whole.problem);
  return { header: checkedHeader(headerSchema, whole.header, '') };
}

const SUBTOPICS_SCHEMA = topicsFileSchema.shape.subtopics;

/** `value` as `schema` says, else an INDEX_MISMATCH naming the header's first invalid field (under `path`). */
function checkedHeader<T>(schema: z.ZodType<T>, value: unknown, path: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const at = [path, ...(issue?.path ?? [])].filter((part) => part !== '').join('.');
  throw invalid(`header.${at}`, issue?.message ?? 'invalid value');
}

/** The assignments of a topics file read from disk, as stored: paper ids and their topics, in the file's order. */
export interface AssignmentColumns {
  ids: readonly string[];
  topics: Int32Array;
}

const columnsOf = new WeakMap<TopicsFile, AssignmentColumns>();

/**
 * The assignments of topics read by `readTopicsFile` as the file stores them, undefined for topics
 * made otherwise: a reader holding the papers in the same order takes each paper's topic by
 * position, without the id → topic record (a key per paper: ≈ 1 s to build at a million papers).
 */
export function assignmentColumns(topics: TopicsFile): AssignmentColumns | undefined {
  return columnsOf.get(topics);
}

// The per-paper fields are checked by plain loops: zod, copying each of 100k entries, was the
// largest part of reading the JSON file when a server starts.
function assignmentsProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'assignments are not a paper id → topic id record';
  const record = value as Record<string, unknown>;
  for (const id of Object.keys(record)) {
    const topic = record[id];
    if (!Number.isInteger(topic) || (topic as number) < 0 || (topic as number) > MAX_TOPIC_ID)
      return `paper "${id}" is assigned ${JSON.stringify(topic)}, not a topic id`;
  }
  return undefined;
}

function mapProblem(value: unknown): string | undefined {
  if (!Array.isArray(value)) return 'the map is not a list';
  for (let index = 0; index < value.length; index++) {
    const point: unknown = value[index];
    if (typeof point !== 'object' || point === null) return `map point ${index} is not an object`;
    const { id, x, y } = point as Record<string, unknown>;
    if (typeof id !== 'string') return `map point ${index} has no text id`;
    if (!Number.isFinite(x) || !Number.isFinite(y)) return `map point ${index} ("${id}") has no finite x and y`;
  }
  return undefined;
}

function idList(bytes: Buffer, from: number, length: number, count: number, part: string, known?: KnownIds): readonly string[] {
  if (known?.ids.length === count && known.matches(bytes.subarray(from, from + length))) return known.ids;
  const ids = parseJson(bytes.toString('utf8', from, from + length), part);
  if (!Array.isArray(ids) || ids.length !== count) throw invalid(part, `expected ${count} ids`);
  for (const id of ids) if (typeof id !== 'string') throw invalid(part, `expected text ids, found ${JSON.stringify(id)}`);
  return ids as string[];
}

function bytesOf(array: Float64Array | Int32Array): Buffer {
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength);
}

function jsonBytes(values: readonly string[]): Buffer {
  return Buffer.from(JSON.stringify(values));
}

function parseJson(text: string, part: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw invalid(part, `is not JSON: ${(error as Error).message}`);
  }
}

function invalid(part: string, message: string): PaperscopeError {
  return new PaperscopeError('INDEX_MISMATCH', `Stored topics file is invalid at "${part}": ${message}; rebuild the index`, { part });
}
