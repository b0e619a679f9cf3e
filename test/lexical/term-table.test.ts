import { describe, expect, it } from 'vitest';
import { buildLexicalIndex, LEXICAL_BINARY_VERSION, loadLexicalFile } from '../../indexer/lexical/index.js';
import { PackedStrings, TermTable } from '../../indexer/lexical/term-table.js';
import { openSealedFile, sealFile } from '../../indexer/store/index.js';

// Ids are the order of first sight, not of the bytes; multi-byte terms sort by their UTF-8 (code
// points): "é" (U+00E9) after "z", the full-width "Ａ" (U+FF21) before the emoji (U+1F600), which
// UTF-16 order would put first.
const TERMS = ['noise', 'model', 'zeta', 'aardvark', 'noisi', 'é', '😀x', 'Ａb', 'noisy', 'm'];
const SURFACES = TERMS.map((term) => term.toUpperCase());

describe('the term table (TermTable)', () => {
  const table = TermTable.build(TERMS, SURFACES);

  it('keeps the terms in byte order, each id with its term and surface', () => {
    const bytes = TERMS.map((term) => Buffer.from(term));
    const expected = [...TERMS.keys()].sort((a, b) => Buffer.compare(bytes[a] as Buffer, bytes[b] as Buffer));
    expect([...table.order]).toEqual(expected);
    expect(table.sorted.all()).toEqual(expected.map((id) => TERMS[id]));
    TERMS.forEach((term, id) => {
      expect(table.term(id)).toBe(term);
      expect(table.surface(id)).toBe(SURFACES[id]);
    });
  });

  it('finds every term, the first and last in byte order too, and nothing that is not one', () => {
    TERMS.forEach((term, id) => {
      expect(table.idOf(term)).toBe(id);
      // Asked again: the memo answers the same.
      expect(table.idOf(term)).toBe(id);
    });
    expect(table.term(table.order[0] as number)).toBe('aardvark');
    expect(table.term(table.order[TERMS.length - 1] as number)).toBe('😀x');
    // Before the first, after the last, between two, a prefix and an extension of a term, the empty string.
    for (const absent of ['a', '\u0000', '\u{10FFFF}', 'noisj', 'nois', 'noisyy', 'zet', 'zetaa', '😀', 'Ａ', ''])
      expect(table.idOf(absent)).toBe(-1);
  });

  it('lists the terms that extend a prefix as one range', () => {
    expect(table.withPrefix('nois').map((id) => TERMS[id])).toEqual(['noise', 'noisi', 'noisy']);
    expect(table.withPrefix('m').map((id) => TERMS[id])).toEqual(['m', 'model']);
    expect(table.withPrefix('😀').map((id) => TERMS[id])).toEqual(['😀x']);
    expect(table.withPrefix('zz')).toEqual([]);
    expect(table.withPrefix('😀y')).toEqual([]);
  });

  it('refuses a term listed twice, terms out of order, and an order that does not match the ranks', () => {
    expect(() => TermTable.build(['b', 'a', 'b'], ['B', 'A', 'B'])).toThrow(/field "terms": contains duplicates \("b"\)/);
    const { sorted, surfaces, order, rank } = table;
    const swapped = sorted.all();
    [swapped[0], swapped[1]] = [swapped[1] as string, swapped[0] as string];
    expect(() => new TermTable(PackedStrings.pack(swapped), surfaces, order, rank).check()).toThrow(/not in byte order at place 1/);
    const reordered = order.slice();
    [reordered[0], reordered[1]] = [reordered[1] as number, reordered[0] as number];
    expect(() => new TermTable(sorted, surfaces, reordered, rank).check()).toThrow(/field "termOrder"/);
    expect(() => new TermTable(sorted, PackedStrings.pack(['one']), order, rank).check()).toThrow(/field "surfaces"/);
  });

  it('compares packed strings with a list in place', () => {
    const ids = PackedStrings.pack(['2401.1', 'é-paper', 'b']);
    expect(ids.equals(3, (i) => ['2401.1', 'é-paper', 'b'][i] as string)).toBe(true);
    // The same bytes cut elsewhere, another value, another count.
    expect(ids.equals(3, (i) => ['2401.1é', '-paper', 'b'][i] as string)).toBe(false);
    expect(ids.equals(3, (i) => ['2401.1', 'é-paper', 'c'][i] as string)).toBe(false);
    expect(ids.equals(2, (i) => ['2401.1', 'é-paper'][i] as string)).toBe(false);
  });

  it('compares a list longer than a run of values, to its last value', () => {
    const values = Array.from({ length: 10_000 }, (_, i) => (i % 7 === 0 ? `é${i}` : `p${i}`));
    const packed = PackedStrings.pack(values);
    expect(packed.equals(values.length, (i) => values[i] as string)).toBe(true);
    for (const changed of [5_000, 9_999]) {
      const other = values.slice();
      other[changed] = `q${changed}`;
      expect(packed.equals(values.length, (i) => other[i] as string)).toBe(false);
    }
  });
});

describe('the term table in the BM25 file', () => {
  const docs = [
    { id: 'p1', title: 'Aardvark noise', abstract: 'Noisy zeta models.' },
    { id: 'p2', title: 'Zeta functions', abstract: 'A model of noise, café au lait.' },
  ];
  const index = buildLexicalIndex(docs);
  const file = Buffer.concat(index.toFile(1));
  const sealed = openSealedFile(file, 'PSBM', 'lexical index');
  if ('problem' in sealed) throw new Error(sealed.problem);
  const header = sealed.header as { termCount: number; textBytes: { terms: number; surfaces: number; ids: number } };

  it('reads back the table in place: the same lookups and answers as the built index', () => {
    const saved = loadLexicalFile(file);
    if ('problem' in saved) throw new Error(saved.problem.message);
    for (const query of ['aardvark', 'zeta', 'café', 'noisy model', 'absent']) {
      expect(saved.index.rank(query, { k: 5 })).toEqual(index.rank(query, { k: 5 }));
      expect(saved.index.idf(query)).toBe(index.idf(query));
    }
    expect(saved.index.ids).toEqual(['p1', 'p2']);
    expect(saved.index.hasIds(2, (i) => ['p1', 'p2'][i] as string)).toBe(true);
    expect(saved.index.hasIds(2, (i) => ['p2', 'p1'][i] as string)).toBe(false);
  });

  it('catches a damaged term table at load, even when the file was sealed so', () => {
    // The sorted terms' text starts with the first two terms, side by side.
    const sorted = [...index.toJSON().terms].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    const termsAt = sealed.body.indexOf(Buffer.from(`${sorted[0]}${sorted[1]}`));
    expect(termsAt).toBeGreaterThan(0);
    const body = Buffer.from(sealed.body);
    // The first sorted term's first byte raised past every other: the terms are out of order.
    body[termsAt] = 0x7e;
    const resealed = Buffer.concat(sealFile('PSBM', sealed.header, [body]));
    expect(loadLexicalFile(resealed)).toEqual({
      problem: { kind: 'damaged', message: expect.stringMatching(/field "terms": are not in byte order/) },
    });
    // A byte flipped in the table without resealing: the checksum.
    const flipped = Buffer.from(file);
    const at = file.length - sealed.body.length + termsAt;
    flipped[at] = (flipped[at] as number) ^ 0x01;
    expect(loadLexicalFile(flipped)).toEqual({ problem: { kind: 'damaged', message: expect.stringMatching(/checksum/) } });
  });

  it('calls a file of format 6 (the strings as JSON) stale, to be rebuilt, not damaged', () => {
    const { textBytes, ...rest } = sealed.header as typeof header & Record<string, unknown>;
    const version6 = { ...rest, version: 6, stringBytes: textBytes };
    expect(LEXICAL_BINARY_VERSION).toBe(7);
    expect(loadLexicalFile(Buffer.concat(sealFile('PSBM', version6, [sealed.body])))).toEqual({
      problem: { kind: 'stale', message: 'it is of format version 6, not 7' },
    });
  });

  it('writes the same file again from the file it read', () => {
    const saved = loadLexicalFile(file);
    if ('problem' in saved) throw new Error(saved.problem.message);
    expect(Buffer.concat(saved.index.toFile(1)).equals(file)).toBe(true);
  });
});
