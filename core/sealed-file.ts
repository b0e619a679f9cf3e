import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { type FileHandle, readFile } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { crc32 } from 'node:zlib';
import type { z } from 'zod';
import { damagedFile, type LoadProblem, unreadableFile } from './load-problem.js';

/**
 * The framing of the binary derived files (topics, records, related papers, BM25, sentences, HNSW
 * metadata) and the word-vector cache: a 4-letter magic, a CRC-32 of every byte from offset 8 on, the JSON header's
 * byte length (u32 LE), the header, zero padding to an 8-byte boundary (so typed arrays can view the
 * body in place), then the body.
 */
const PREFIX_BYTES = 12;
const CHECKED_FROM = 8;

/**
 * The file as parts to write one after another: the prefix up to the padding, then `body` as
 * given, so that a large body is checksummed without being copied.
 */
export function sealFile(magic: string, header: unknown, body: readonly Uint8Array[]): Uint8Array[] {
  const headerBytes = Buffer.from(JSON.stringify(header));
  const prefix = Buffer.alloc(alignTo(PREFIX_BYTES + headerBytes.length, 8));
  prefix.write(magic, 0, 'latin1');
  prefix.writeUInt32LE(headerBytes.length, CHECKED_FROM);
  headerBytes.copy(prefix, PREFIX_BYTES);
  let checksum = crc32(prefix.subarray(CHECKED_FROM));
  for (const part of body) checksum = crc32(part, checksum);
  prefix.writeUInt32LE(checksum, 4);
  return [prefix, ...body];
}

/**
 * The parsed (unchecked) header and the 8-byte aligned body of a file written by `sealFile`, or
 * why it is not one: another file (`kind` names the expected one), damaged or cut short.
 */
export function openSealedFile(file: Buffer, magic: string, kind: string): { header: unknown; body: Buffer } | { problem: string } {
  const sealed = openSealedBytes(file, magic, kind);
  if ('problem' in sealed) return sealed;
  const parsed = parseSealedHeader(sealed.header);
  return 'problem' in parsed ? parsed : { header: parsed.header, body: sealed.body };
}

/** A sealed file's header bytes (`openSealedBytes`) parsed as JSON, or why they are not JSON. */
export function parseSealedHeader(header: Buffer): { header: unknown } | { problem: string } {
  try {
    return { header: JSON.parse(header.toString('utf8')) };
  } catch (error) {
    return { problem: `its header is not JSON: ${(error as Error).message}` };
  }
}

/**
 * `openSealedFile` with the header's JSON left as bytes, for a reader that can check part of it
 * without parsing it (the HNSW metadata's million ids, compared with ids known already).
 */
export function openSealedBytes(file: Buffer, magic: string, kind: string): { header: Buffer; body: Buffer } | { problem: string } {
  // Views into the body need an 8-byte aligned buffer; a file read on its own always is.
  const bytes = file.byteOffset % 8 === 0 ? file : Buffer.from(file);
  if (bytes.length < PREFIX_BYTES || bytes.toString('latin1', 0, magic.length) !== magic)
    return { problem: `not a Paperscope ${kind} file` };
  if (crc32(bytes.subarray(CHECKED_FROM)) !== bytes.readUInt32LE(4))
    return { problem: 'it does not match its checksum: damaged or cut short' };
  const headerLength = bytes.readUInt32LE(CHECKED_FROM);
  const bodyStart = alignTo(PREFIX_BYTES + headerLength, 8);
  if (bodyStart > bytes.length) return { problem: 'its header is cut short' };
  return { header: bytes.subarray(PREFIX_BYTES, PREFIX_BYTES + headerLength), body: bytes.subarray(bodyStart) };
}

/**
 * The parsed (unchecked) header of the sealed file open in `handle` and where its body starts, read
 * from its first bytes alone: for a file too large to read whole at every start, whose body carries
 * checksums of its own (the records file). The whole-file checksum is not verified.
 */
export async function readSealedHeader(
  handle: FileHandle,
  magic: string,
  kind: string,
): Promise<{ header: unknown; bodyStart: number } | { problem: string }> {
  const prefix = Buffer.alloc(PREFIX_BYTES);
  const { bytesRead } = await handle.read(prefix, 0, PREFIX_BYTES, 0);
  if (bytesRead < PREFIX_BYTES || prefix.toString('latin1', 0, magic.length) !== magic) return { problem: `not a Paperscope ${kind} file` };
  const headerLength = prefix.readUInt32LE(CHECKED_FROM);
  const headerBytes = Buffer.alloc(headerLength);
  if ((await handle.read(headerBytes, 0, headerLength, PREFIX_BYTES)).bytesRead < headerLength)
    return { problem: 'its header is cut short' };
  try {
    return { header: JSON.parse(headerBytes.toString('utf8')), bodyStart: alignTo(PREFIX_BYTES + headerLength, 8) };
  } catch (error) {
    return { problem: `its header is not JSON: ${(error as Error).message}` };
  }
}

/**
 * The sealed file at `path` with its header validated by `schema`, or why it cannot be used: missing,
 * or damaged (unreadable, another kind of file, a failed checksum, an invalid header).
 */
export async function readSealedFile<T>(
  path: string,
  magic: string,
  kind: string,
  schema: z.ZodType<T>,
): Promise<{ header: T; body: Buffer } | { problem: LoadProblem }> {
  let file: Buffer;
  try {
    file = await readFile(path);
  } catch (error) {
    return { problem: unreadableFile(error) };
  }
  const sealed = openSealedFile(file, magic, kind);
  if ('problem' in sealed) return { problem: damagedFile(sealed.problem) };
  const parsed = schema.safeParse(sealed.header);
  return parsed.success ? { header: parsed.data, body: sealed.body } : { problem: damagedFile('its header is invalid') };
}

/**
 * Reads a file's CRC-32 (from byte `from` on, as `sealFile` sums it) or SHA-256 on a thread of its
 * own, a chunk at a time: a million papers' BM25 file is 1.1 GB (≈ 0.6 s of CPU to read and sum),
 * its HNSW file 0.5 GB, and a server's start does the rest of its work on the main thread meanwhile.
 * Evaluated source, so the worker loads no module of ours.
 */
const DIGEST_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { openSync, readSync, fstatSync, closeSync } = require('node:fs');
const { crc32 } = require('node:zlib');
const { createHash } = require('node:crypto');
const { file, algorithm, from } = workerData;
// A descriptor is the process's, shared with the thread that opened it (which closes it).
const fd = typeof file === 'number' ? file : openSync(file, 'r');
try {
  const size = fstatSync(fd).size;
  const chunk = Buffer.allocUnsafe(Math.max(8, Math.min(8 << 20, size)));
  const hash = algorithm === 'sha256' ? createHash('sha256') : undefined;
  let checksum = 0;
  for (let at = from; at < size; ) {
    const read = readSync(fd, chunk, 0, Math.min(chunk.length, size - at), at);
    if (read === 0) break;
    if (hash) hash.update(chunk.subarray(0, read));
    else checksum = crc32(chunk.subarray(0, read), checksum);
    at += read;
  }
  parentPort.postMessage(hash ? hash.digest('hex') : checksum);
} finally {
  if (fd !== file) closeSync(fd);
}
`;

/**
 * Below this many bytes a file is digested on the calling thread: a worker's start (≈ 100 ms of CPU
 * on the team's VM, at the end of every small index's save and at a server's start) costs more than
 * reading and summing 16 MB through one small buffer (≈ 2 ms a MB there: the 5k index's BM25 file).
 */
export const DIGEST_HERE_MAX_BYTES = 16 * 1024 * 1024;
/** The piece read at a time on the calling thread: a buffer of the whole file would be memory touched for the first time (≈ 3.5 ms a MB there). */
const DIGEST_HERE_CHUNK_BYTES = 1024 * 1024;

/**
 * The CRC-32 (a number) or SHA-256 (hex) of `file` (a path, or a descriptor open for reading: the
 * file as opened, even if a new one is renamed over its path meanwhile) from byte `from` on,
 * computed on a worker thread, or on this one below `DIGEST_HERE_MAX_BYTES`.
 */
export function digestFile(file: string | number, algorithm: 'crc32', from?: number): Promise<number>;
export function digestFile(file: string | number, algorithm: 'sha256', from?: number): Promise<string>;
export function digestFile(file: string | number, algorithm: 'crc32' | 'sha256', from = 0): Promise<number | string> {
  let here: number | string | undefined;
  try {
    here = digestIfSmall(file, algorithm, from);
  } catch (error) {
    return Promise.reject(error);
  }
  if (here !== undefined) return Promise.resolve(here);
  return new Promise((resolve, reject) => {
    const worker = new Worker(DIGEST_WORKER, { eval: true, workerData: { file, algorithm, from } });
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the checksum worker stopped (exit code ${code})`)));
  });
}

/** `digestFile` on this thread when the bytes from `from` on are fewer than `DIGEST_HERE_MAX_BYTES`; else undefined. */
function digestIfSmall(file: string | number, algorithm: 'crc32' | 'sha256', from: number): number | string | undefined {
  const fd = typeof file === 'number' ? file : openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size - from >= DIGEST_HERE_MAX_BYTES) return undefined;
    const chunk = Buffer.allocUnsafe(Math.max(1, Math.min(DIGEST_HERE_CHUNK_BYTES, size - from)));
    const hash = algorithm === 'sha256' ? createHash('sha256') : undefined;
    let checksum = 0;
    for (let at = from; at < size; ) {
      const read = readFully(fd, chunk.subarray(0, Math.min(chunk.length, size - at)), at);
      if (read === 0) break;
      if (hash) hash.update(chunk.subarray(0, read));
      else checksum = crc32(chunk.subarray(0, read), checksum);
      at += read;
    }
    return hash ? hash.digest('hex') : checksum;
  } finally {
    if (fd !== file) closeSync(fd);
  }
}

/**
 * The sealed file open as `fd`, for a body too large to hold in memory, whose parts are
 * then read where they lie: `onHeader` gets the parsed (unchecked) header and the body's length,
 * and returns how many bytes of the body's start to keep (read straight into `kept`, 8-byte aligned
 * for typed-array views) or why the file cannot be used. The checksum over every byte is verified
 * on a worker thread (`digestFile`; a small file's on this one): `verified` says whether it matched, and nothing read
 * should be trusted before. Returns where the body starts, or the problem.
 */
export function openSealedFileInPlace(
  fd: number,
  magic: string,
  kind: string,
  onHeader: (header: unknown, bodyLength: number) => { keep: number } | { problem: string },
): { bodyStart: number; kept: Buffer; verified: Promise<boolean> } | { problem: string } {
  const size = fstatSync(fd).size;
  const prefix = Buffer.alloc(PREFIX_BYTES);
  if (readFully(fd, prefix, 0) < PREFIX_BYTES || prefix.toString('latin1', 0, magic.length) !== magic)
    return { problem: `not a Paperscope ${kind} file` };
  const headerLength = prefix.readUInt32LE(CHECKED_FROM);
  const bodyStart = alignTo(PREFIX_BYTES + headerLength, 8);
  if (bodyStart > size) return { problem: 'its header is cut short' };
  const head = Buffer.alloc(bodyStart);
  readFully(fd, head, 0);
  let header: unknown;
  try {
    header = JSON.parse(head.toString('utf8', PREFIX_BYTES, PREFIX_BYTES + headerLength));
  } catch (error) {
    return { problem: `its header is not JSON: ${(error as Error).message}` };
  }
  const bodyLength = size - bodyStart;
  const wanted = onHeader(header, bodyLength);
  if ('problem' in wanted) return wanted;
  // Its own ArrayBuffer: aligned, and not a slice of Node's pool.
  const kept = Buffer.from(new ArrayBuffer(Math.min(wanted.keep, bodyLength)));
  if (readFully(fd, kept, bodyStart) !== kept.length) return { problem: 'it does not match its checksum: damaged or cut short' };
  const expected = prefix.readUInt32LE(4);
  // A file that cannot be read through does not match.
  const verified = digestFile(fd, 'crc32', CHECKED_FROM).then(
    (checksum) => checksum === expected,
    () => false,
  );
  return { bodyStart, kept, verified };
}

/** Reads into all of `target` from `position` of `fd` (fewer bytes only at the file's end); the bytes read. */
export function readFully(fd: number, target: NodeJS.ArrayBufferView, position: number): number {
  let done = 0;
  while (done < target.byteLength) {
    const read = readSync(fd, target, done, target.byteLength - done, position + done);
    if (read === 0) break;
    done += read;
  }
  return done;
}

/**
 * A file descriptor a loaded index keeps open to read its parts where they lie: closed once, by
 * `close()` or, for an index nobody closed, when its owner is garbage-collected.
 */
export class HeldFile {
  // Apart from this object, so the registry does not keep the owner (which holds this) alive.
  readonly #state: { fd: number; open: boolean };

  constructor(fd: number) {
    this.#state = { fd, open: true };
  }

  get open(): boolean {
    return this.#state.open;
  }

  close(): void {
    closeHeld(this.#state);
  }

  /** Closes the file once `owner` is collected, unless closed before. */
  closeWhenCollected(owner: object): void {
    closeOnCollect.register(owner, this.#state);
  }
}

function closeHeld(file: { fd: number; open: boolean }): void {
  if (file.open) closeSync(file.fd);
  file.open = false;
}

const closeOnCollect = new FinalizationRegistry(closeHeld);

/** `offset` rounded up to a multiple of `alignment` (typed-array views of a file's sections need their element size). */
export function alignTo(offset: number, alignment: number): number {
  return Math.ceil(offset / alignment) * alignment;
}
