/**
 * Rewrites a BM25 file of format 6 (the term table, surfaces and ids as JSON arrays) in the current
 * format, in place: to measure a large index's start without rebuilding it (`paperscope index`
 * rebuilds such a file from the papers table, which takes minutes at a million papers).
 *   npx tsx bench/convert-lexical.ts <DIR>/lexical.bin
 * Run it on a copy: the file is replaced.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { encodeLexicalFile } from '../indexer/lexical/format.js';
import type { LexicalData } from '../indexer/lexical/lexical-index.js';
import { PackedStrings, TermTable } from '../indexer/lexical/term-table.js';
import { openSealedFile } from '../indexer/store/index.js';

interface Version6Header {
  version: number;
  tableVersion: number;
  params: LexicalData['params'];
  documentCount: number;
  termCount: number;
  postingCount: number;
  positionCount: number;
  sequentialIds: boolean;
  stringBytes: { ids: number; terms: number; surfaces: number };
}

const file = process.argv[2];
if (!file) throw new Error('give the BM25 file to convert');
const started = performance.now();
const sealed = openSealedFile(await readFile(file), 'PSBM', 'lexical index');
if ('problem' in sealed) throw new Error(sealed.problem);
const header = sealed.header as Version6Header;
if (header.version !== 6) throw new Error(`${file} is of format ${header.version}, not 6`);
const { body } = sealed;
const { documentCount: documents, termCount: terms, postingCount: postings, positionCount } = header;
let at = 0;
const take = <T>(make: (offset: number, length: number) => T, bytesEach: number, length: number): T => {
  const taken = make(body.byteOffset + at, length);
  at += bytesEach * length;
  return taken;
};
const u32 = (length: number) => take((offset, n) => new Uint32Array(body.buffer, offset, n), 4, length);
const u16 = (length: number) => take((offset, n) => new Uint16Array(body.buffer, offset, n), 2, length);
const titleLengths = u32(documents);
const abstractLengths = u32(documents);
const termOffsets = u32(terms + 1);
const postingDocs = u32(postings);
const titleTf = u16(postings);
const abstractTf = u16(postings);
const positions = positionCount > 0 ? u16(positionCount) : undefined;
at = Math.ceil(at / 4) * 4;
const strings = (length: number): string[] => {
  const values = length === 0 ? [] : (JSON.parse(body.toString('utf8', at, at + length)) as string[]);
  at += length;
  return values;
};
const ids = strings(header.stringBytes.ids);
const termList = strings(header.stringBytes.terms);
const surfaces = strings(header.stringBytes.surfaces);
const data: LexicalData = {
  params: header.params,
  ids: header.sequentialIds ? undefined : PackedStrings.pack(ids),
  terms: TermTable.build(termList, surfaces),
  titleLengths,
  abstractLengths,
  termOffsets,
  postingDocs,
  titleTf,
  abstractTf,
  ...(positions ? { positions } : {}),
};
const temporary = `${file}.converting`;
await writeFile(temporary, encodeLexicalFile(data, header.tableVersion));
await rename(temporary, file);
console.log(JSON.stringify({ file, documents, terms, postings, seconds: Math.round(performance.now() - started) / 1000 }));
