import { fstatSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { alignTo, HeldFile, readFully } from './sealed-file.js';

/**
 * A file whose body is checksummed in blocks, so that a reader can use a few of its bytes without
 * reading and summing all of them (the word-vector cache: a query needs a handful of its 341k
 * rows, 42 MB summed whole at every server start). Layout:
 *   magic (4 letters) | CRC-32 of every byte from offset 8 to the body | the JSON header's byte
 *   length (u32 LE) | the block size (u32 LE) | the body's length (f64 LE) | the header | zero
 *   padding to 4 | a CRC-32 (u32 LE) of each block of the body | zero padding to 8 | the body.
 * The head (all before the body) is checked when the file is opened; a block when first read.
 */
const PREFIX_BYTES = 24;
const CHECKED_FROM = 8;

/** The file as parts to write one after another: the head, then `body`. */
export function sealBlockFile(magic: string, header: unknown, body: Uint8Array, blockBytes: number): Uint8Array[] {
  const headerBytes = Buffer.from(JSON.stringify(header));
  const blocks = Math.ceil(body.length / blockBytes);
  const tableStart = alignTo(PREFIX_BYTES + headerBytes.length, 4);
  const head = Buffer.alloc(alignTo(tableStart + blocks * 4, 8));
  head.write(magic, 0, 'latin1');
  head.writeUInt32LE(headerBytes.length, 8);
  head.writeUInt32LE(blockBytes, 12);
  head.writeDoubleLE(body.length, 16);
  headerBytes.copy(head, PREFIX_BYTES);
  for (let block = 0; block < blocks; block++)
    head.writeUInt32LE(crc32(body.subarray(block * blockBytes, (block + 1) * blockBytes)), tableStart + block * 4);
  head.writeUInt32LE(crc32(head.subarray(CHECKED_FROM)), 4);
  return [head, body];
}

/**
 * The parsed (unchecked) header of the block file open as `fd` and its body, to be read block by
 * block (`BlockFile`), or why it is not one: another file (`kind` names the expected one), a head
 * that does not match its checksum, or a body cut short. `onDamage` is called (and must throw) when
 * a block read later does not match its checksum. The descriptor is the `BlockFile`'s from then on.
 */
export function openBlockFile(
  fd: number,
  magic: string,
  kind: string,
  onDamage: (problem: string) => never,
): { header: unknown; body: BlockFile } | { problem: string } {
  const size = fstatSync(fd).size;
  const prefix = Buffer.alloc(PREFIX_BYTES);
  if (readFully(fd, prefix, 0) < PREFIX_BYTES || prefix.toString('latin1', 0, magic.length) !== magic)
    return { problem: `not a Paperscope ${kind} file` };
  const headerLength = prefix.readUInt32LE(8);
  const blockBytes = prefix.readUInt32LE(12);
  const bodyLength = prefix.readDoubleLE(16);
  if (blockBytes === 0 || !Number.isSafeInteger(bodyLength) || bodyLength < 0) return { problem: 'its head is damaged' };
  const tableStart = alignTo(PREFIX_BYTES + headerLength, 4);
  const blocks = Math.ceil(bodyLength / blockBytes);
  const bodyStart = alignTo(tableStart + blocks * 4, 8);
  if (bodyStart + bodyLength !== size) return { problem: `it has ${size} bytes, not ${bodyStart + bodyLength}: damaged or cut short` };
  const head = Buffer.alloc(bodyStart);
  readFully(fd, head, 0);
  if (crc32(head.subarray(CHECKED_FROM)) !== head.readUInt32LE(4)) return { problem: 'its head does not match its checksum: damaged' };
  let header: unknown;
  try {
    header = JSON.parse(head.toString('utf8', PREFIX_BYTES, PREFIX_BYTES + headerLength));
  } catch (error) {
    return { problem: `its header is not JSON: ${(error as Error).message}` };
  }
  const checksums = new Uint32Array(blocks);
  for (let block = 0; block < blocks; block++) checksums[block] = head.readUInt32LE(tableStart + block * 4);
  return { header, body: new BlockFile(fd, bodyStart, bodyLength, blockBytes, checksums, onDamage) };
}

/**
 * A block file's body, read a block at a time on first use: `bytes` has the body's length, and a
 * range of it may be read only after `check` returned for it (until then it holds zeros). `bytes`
 * is untouched memory until filled, so the pages of blocks never read cost nothing.
 */
export class BlockFile {
  /** 8-byte aligned, for typed-array views of its sections. */
  readonly bytes: Buffer;
  readonly #fd: number;
  readonly #file: HeldFile;
  readonly #bodyStart: number;
  readonly #blockBytes: number;
  readonly #checksums: Uint32Array;
  /** 1 where a block was read and matched its checksum. */
  readonly #checked: Uint8Array;
  #unchecked: number;
  readonly #onDamage: (problem: string) => never;

  constructor(
    fd: number,
    bodyStart: number,
    bodyLength: number,
    blockBytes: number,
    checksums: Uint32Array,
    onDamage: (problem: string) => never,
  ) {
    this.#fd = fd;
    this.#file = new HeldFile(fd);
    this.#file.closeWhenCollected(this);
    this.bytes = Buffer.from(new ArrayBuffer(bodyLength));
    this.#bodyStart = bodyStart;
    this.#blockBytes = blockBytes;
    this.#checksums = checksums;
    this.#checked = new Uint8Array(checksums.length);
    this.#unchecked = checksums.length;
    this.#onDamage = onDamage;
    if (this.#unchecked === 0) this.#file.close();
  }

  /** Closes the file before every block was read (its bytes read so far stay). */
  close(): void {
    this.#file.close();
  }

  /** Reads and checks the blocks holding bytes `start` to `end` (exclusive) that were not yet. */
  check(start: number, end: number): void {
    if (this.#unchecked === 0) return;
    const size = this.#blockBytes;
    for (let block = Math.floor(start / size), last = Math.floor((end - 1) / size); block <= last; block++)
      if (this.#checked[block] === 0) this.#read(block);
  }

  /**
   * Reads and checks every block at once: for a reader that uses most of the body (the indexer), one
   * read of it instead of one per block. Blocks read before are read again, and checked with the rest.
   */
  checkAll(): void {
    if (this.#unchecked === 0) return;
    const size = this.#blockBytes;
    const bytes = this.bytes;
    const whole = this.#file.open && readFully(this.#fd, bytes, this.#bodyStart) === bytes.length;
    for (let block = 0; block < this.#checksums.length; block++) {
      if (whole && crc32(bytes.subarray(block * size, (block + 1) * size)) === this.#checksums[block]) continue;
      bytes.fill(0);
      this.#checked.fill(0);
      this.#unchecked = this.#checksums.length;
      this.#onDamage(whole ? `its block ${block} does not match its checksum` : 'it was cut short');
    }
    this.#checked.fill(1);
    this.#unchecked = 0;
    this.#file.close();
  }

  #read(block: number): void {
    const size = this.#blockBytes;
    const start = block * size;
    const bytes = this.bytes.subarray(start, Math.min(start + size, this.bytes.length));
    if (
      !this.#file.open ||
      readFully(this.#fd, bytes, this.#bodyStart + start) !== bytes.length ||
      crc32(bytes) !== this.#checksums[block]
    ) {
      bytes.fill(0);
      this.#onDamage(`its block ${block} does not match its checksum`);
    }
    this.#checked[block] = 1;
    // Every block read: the descriptor is no longer needed.
    if (--this.#unchecked === 0) this.#file.close();
  }
}
