import { createHash, randomBytes } from 'node:crypto';
import { open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PaperscopeError } from '../../core/errors.js';
import { digestFile } from '../../core/sealed-file.js';

/** The data directory's layout: no other module builds paths inside it. */
export interface DataDirLayout {
  root: string;
  /** LanceDB database folder or object-store URI; the table `papers` lives inside it. */
  database: string;
  /** LanceDB's connection options for a `database` on object storage (see location.ts). */
  storageOptions?: Record<string, string>;
  manifest: string;
  annIndex: string;
  /** The graph's ids, counts and checksum, in the sealed framing (core/sealed-file.ts). */
  annMeta: string;
  /** The JSON metadata of earlier versions: read only when `annMeta` is missing, removed by the next save. */
  legacyAnnMeta: string;
  lexical: string;
  /** Topics and labels as JSON, each paper's topic and map point as typed arrays (topics-file.ts). */
  topics: string;
  /**
   * A second copy of `topics`, written with it: when `topics` is damaged or lost, the rebuilt topics
   * start from it and keep their ids (papers keep their topic, new ones join the nearest).
   */
  topicsBackup: string;
  /** The checksummed-JSON topics file of earlier versions: read only when `topics` is missing. */
  legacyTopics: string;
  /** The papers without their vectors, as a snapshot of the table for a fast server start. */
  records: string;
  /** What related papers rank with (TF-IDF rows, topic mixtures), fitted at index time (indexer/related). */
  related: string;
  /** Abstract sentences: offsets, calibration and papers as the sealed header, the vectors as its Float32 body. */
  sentences: string;
  /** The sentence index of earlier versions (checksummed JSON beside raw Float32 rows): removed by the next save. */
  legacySentences: string;
  legacySentenceVectors: string;
  /** The sentences' BM25 index, in the lexical index's binary file form. */
  sentenceLexical: string;
  lock: string;
  /** The sources `fetch` has read from, for `sync` to read again (checksummed JSON). */
  sources: string;
}

export function dataDirLayout(root: string): DataDirLayout {
  const resolved = path.resolve(root);
  return {
    root: resolved,
    database: path.join(resolved, 'lancedb'),
    manifest: path.join(resolved, 'manifest.json'),
    annIndex: path.join(resolved, 'papers.hnsw'),
    annMeta: path.join(resolved, 'papers.hnsw.meta'),
    legacyAnnMeta: path.join(resolved, 'papers.hnsw.json'),
    lexical: path.join(resolved, 'lexical.bin'),
    topics: path.join(resolved, 'topics.bin'),
    topicsBackup: path.join(resolved, 'topics.backup.bin'),
    legacyTopics: path.join(resolved, 'topics.json'),
    records: path.join(resolved, 'records.arrow'),
    related: path.join(resolved, 'related.bin'),
    sentences: path.join(resolved, 'sentences.bin'),
    legacySentences: path.join(resolved, 'sentences.json'),
    legacySentenceVectors: path.join(resolved, 'sentences.f32'),
    sentenceLexical: path.join(resolved, 'sentences.bm25'),
    lock: path.join(resolved, 'index.lock'),
    sources: path.join(resolved, 'sources.json'),
  };
}

/** A sibling temporary path, so the final rename stays on one file system. */
export function temporaryPathFor(target: string): string {
  return `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
}

/** The pid of the process that made a temporary file named by `temporaryPathFor`, if it is one. */
export function temporaryFileOwner(name: string): number | undefined {
  const match = /\.(\d+)\.[0-9a-f]{8}\.tmp$/.exec(name);
  return match ? Number(match[1]) : undefined;
}

/**
 * Replaces `target` with the bytes produced by `write` only once they are on disk: a crash
 * leaves either the old file or the new one, never half of one.
 */
export async function replaceFileAtomically(target: string, write: (temporaryPath: string) => Promise<void>): Promise<void> {
  const temporary = temporaryPathFor(target);
  try {
    await write(temporary);
    const handle = await open(temporary, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

export async function writeJsonAtomically(target: string, value: unknown): Promise<void> {
  await replaceFileAtomically(target, async (temporary) => {
    const handle = await open(temporary, 'w');
    try {
      await handle.writeFile(JSON.stringify(value));
    } finally {
      await handle.close();
    }
  });
}

/** Reads JSON, returning undefined when the file does not exist. */
export async function readJsonIfPresent(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return JSON.parse(text) as unknown;
}

/** On a worker thread from a few MB (`digestFile`): the HNSW file is 0.5 GB at a million papers, hashed while a server's start goes on. */
export async function sha256OfFile(file: string): Promise<string> {
  return digestFile(file, 'sha256');
}

export function sha256(bytes: string | Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** `{"sha256":"<64 hex>","payload":<JSON>}`: still JSON, and the payload's bytes are found without parsing. */
const CHECKSUM_OPENING = '{"sha256":"';
const PAYLOAD_OPENING = '","payload":';
const PAYLOAD_START = CHECKSUM_OPENING.length + 64 + PAYLOAD_OPENING.length;

/**
 * Writes `value` atomically with the SHA-256 of its JSON text in front, so that damage which
 * still parses (a changed digit, a flipped bit in a string) is caught by `readChecksummedJson`.
 *
 * @example await writeChecksummedJson(file, { version: 1 });
 */
export async function writeChecksummedJson(target: string, value: unknown): Promise<void> {
  const payload = JSON.stringify(value);
  await replaceFileAtomically(target, (temporary) =>
    writeFile(temporary, `${CHECKSUM_OPENING}${sha256(payload)}${PAYLOAD_OPENING}${payload}}`),
  );
}

/**
 * The value written by `writeChecksummedJson`, after one hash pass over its bytes; undefined when
 * the file does not exist. A file without the checksum or not matching it throws INDEX_MISMATCH.
 */
export async function readChecksummedJson(file: string): Promise<unknown> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return parseChecksummedJson(bytes, file);
}

/** Whether `bytes` start as `writeChecksummedJson` writes them (the checksum itself unchecked). */
export function isChecksummedJson(bytes: Buffer): boolean {
  return bytes.length > PAYLOAD_START && bytes.toString('latin1', 0, CHECKSUM_OPENING.length) === CHECKSUM_OPENING;
}

/** The value in bytes written by `writeChecksummedJson`; `file` names them in errors. */
export function parseChecksummedJson(bytes: Buffer, file: string): unknown {
  const framed =
    isChecksummedJson(bytes) &&
    bytes.toString('latin1', PAYLOAD_START - PAYLOAD_OPENING.length, PAYLOAD_START) === PAYLOAD_OPENING &&
    bytes[bytes.length - 1] === 0x7d; // "}"
  if (!framed)
    throw new PaperscopeError(
      'INDEX_MISMATCH',
      `${file} does not start with its checksum; it is damaged or was written by an older version.`,
      { file },
    );
  const payload = bytes.subarray(PAYLOAD_START, bytes.length - 1);
  if (sha256(payload) !== bytes.toString('latin1', CHECKSUM_OPENING.length, CHECKSUM_OPENING.length + 64)) {
    throw new PaperscopeError('INDEX_MISMATCH', `${file} does not match its checksum: it is damaged.`, { file });
  }
  return JSON.parse(payload.toString('utf8')) as unknown;
}
