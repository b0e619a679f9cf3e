import { closeSync, openSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBlockFile, sealBlockFile } from '../../core/block-file.js';

describe('block files', () => {
  let root: string;
  // Three whole blocks of 64 bytes and a partial one.
  const body = Buffer.from(Array.from({ length: 3 * 64 + 10 }, (_, i) => (i * 7) % 251));
  const header = { kind: 'test', rows: 3 };

  beforeAll(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'paperscope-blocks-'));
  });
  afterAll(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  async function opened(bytes: Buffer) {
    const file = path.join(root, `f${Math.random().toString(36).slice(2)}`);
    await fs.writeFile(file, bytes);
    const fd = openSync(file, 'r');
    const damage: string[] = [];
    const result = openBlockFile(fd, 'TBLK', 'test', (problem) => {
      damage.push(problem);
      throw new Error(problem);
    });
    if ('problem' in result) closeSync(fd);
    return { result, damage };
  }

  const sealed = () => Buffer.concat(sealBlockFile('TBLK', header, body, 64));

  it('reads the header at once and the body a block at a time, each checked when first read', async () => {
    const { result } = await opened(sealed());
    if ('problem' in result) throw new Error(result.problem);
    expect(result.header).toEqual(header);
    const { bytes } = result.body;
    expect(bytes.length).toBe(body.length);
    expect(bytes.byteOffset % 8).toBe(0);
    // Bytes 70 to 130 lie in blocks 1 and 2: only those are read.
    result.body.check(70, 130);
    expect(bytes.subarray(64, 192)).toEqual(body.subarray(64, 192));
    expect(bytes.subarray(0, 64).every((byte) => byte === 0)).toBe(true);
    expect(bytes.subarray(192).every((byte) => byte === 0)).toBe(true);
    result.body.check(0, bytes.length);
    expect(bytes).toEqual(body);
  });

  it('reads and checks every block at once, for a reader that needs most of them', async () => {
    const { result } = await opened(sealed());
    if ('problem' in result) throw new Error(result.problem);
    result.body.check(0, 1);
    result.body.checkAll();
    expect(result.body.bytes).toEqual(body);
    const whole = sealed();
    const damaged = Buffer.from(whole);
    const at = whole.length - 3;
    damaged[at] = (damaged[at] as number) ^ 0x01;
    const { result: read, damage } = await opened(damaged);
    if ('problem' in read) throw new Error(read.problem);
    expect(() => read.body.checkAll()).toThrow('its block 3 does not match its checksum');
    expect(damage).toHaveLength(1);
    // Nothing of it is left for a reader: every block is read and checked again on use.
    expect(read.body.bytes.every((byte) => byte === 0)).toBe(true);
    expect(() => read.body.check(0, 10)).not.toThrow();
    expect(read.body.bytes.subarray(0, 64)).toEqual(body.subarray(0, 64));
    read.body.close();
  });

  it('refuses a damaged head or a cut body when opened, and a damaged block when it is read', async () => {
    const whole = sealed();
    const head = Buffer.from(whole);
    head[26] = (head[26] as number) ^ 0x01;
    expect((await opened(head)).result).toEqual({ problem: expect.stringMatching(/head does not match its checksum/) });
    expect((await opened(whole.subarray(0, whole.length - 3))).result).toEqual({ problem: expect.stringMatching(/cut short/) });
    expect((await opened(Buffer.from('XXXX'))).result).toEqual({ problem: 'not a Paperscope test file' });

    const block = Buffer.from(whole);
    const at = whole.length - body.length + 64 * 2 + 5;
    block[at] = (block[at] as number) ^ 0x10;
    const { result, damage } = await opened(block);
    if ('problem' in result) throw new Error(result.problem);
    result.body.check(0, 128);
    expect(damage).toEqual([]);
    expect(() => result.body.check(100, 140)).toThrow('its block 2 does not match its checksum');
    // The damaged block's bytes are not left for a reader to take.
    expect(result.body.bytes.subarray(128, 192).every((byte) => byte === 0)).toBe(true);
    result.body.close();
  });
});
