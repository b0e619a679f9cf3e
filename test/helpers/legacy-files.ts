import { readFile, writeFile } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { openSealedFile, sealFile } from '../../indexer/store/index.js';

/** Rewrites a sealed derived file as the format version before it wrote it: the same body, `version` one less. */
export async function writeAsOlderVersion(file: string, magic: string): Promise<void> {
  const sealed = openSealedFile(await readFile(file), magic, file);
  if ('problem' in sealed) throw new Error(sealed.problem);
  const header = sealed.header as { version: number };
  await writeFile(file, Buffer.concat(sealFile(magic, { ...header, version: header.version - 1 }, [sealed.body])));
}

/**
 * The BM25 file as version 4 wrote it, before the sealed framing: "PSLX", the header's byte length,
 * the header (its own CRC-32 of the body), padding to 8 bytes, then the same body.
 */
export function legacyLexicalFile(sealedFile: Buffer): Buffer {
  const sealed = openSealedFile(sealedFile, 'PSBM', 'lexical index');
  if ('problem' in sealed) throw new Error(sealed.problem);
  const header = Buffer.from(JSON.stringify({ ...(sealed.header as object), version: 4, crc32: crc32(sealed.body) }));
  const prefix = Buffer.alloc(8);
  prefix.write('PSLX', 0, 'latin1');
  prefix.writeUInt32LE(header.length, 4);
  const padding = Buffer.alloc(Math.ceil((8 + header.length) / 8) * 8 - 8 - header.length);
  return Buffer.concat([prefix, header, padding, sealed.body]);
}
