import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PaperscopeError } from '../../core/errors.js';
import type { InputFormat } from '../../indexer/parse/index.js';
import { parseListing } from '../../indexer/parse/parse.js';
import { UNIT_TEST_MS } from '../helpers/limits.js';

/** Runs `run`; a PaperscopeError is an accepted outcome, anything else thrown fails the property. */
function onlyCatalogErrors(run: () => unknown): boolean {
  try {
    run();
  } catch (error) {
    if (error instanceof PaperscopeError) return true;
    throw error;
  }
  return true;
}

// Pieces of each format, so that random strings get past the first character of the syntax.
const PIECES: Record<InputFormat, string[]> = {
  'hf-page': ['\n', '\n\n', '·', '  • 3 authors', 'May 28, 2025 2', 'Jan 12', 'Title', 'An abstract.', 'kaist-ai KAIST AI', 'new'],
  json: ['[', ']', '{', '}', ',', ':', '"title"', '"abstract"', '"papers"', '"x"', '1', 'null', '\n', '"date"', '"2024-13-45"'],
  jsonl: ['{', '}', ',', ':', '"title"', '"abstract"', '"x"', '[]', '\n', '"upvotes"', '-1', '"authors"'],
  csv: ['title,abstract\n', ',', '"', '""', '\n', '\r\n', 'x', ' ', 'date', '2024-02-30'],
  atom: [
    '<feed>',
    '</feed>',
    '<entry>',
    '</entry>',
    '<title>',
    '</title>',
    '<summary>',
    '</summary>',
    'x',
    '&amp;',
    '<!DOCTYPE x>',
    '<![CDATA[',
    ']]>',
  ],
  bibtex: ['@article{', 'k,', 'title={', 'abstract={', '}', '{', '\\"u', '\\', '"', '=', ',', '\n', '@string{', '%'],
};

describe('arbitrary input never throws anything but a PaperscopeError', () => {
  for (const format of Object.keys(PIECES) as InputFormat[]) {
    it(format, () => {
      const text = fc.oneof(
        fc.string({ unit: 'binary', maxLength: 200 }),
        fc.array(fc.constantFrom(...PIECES[format]), { maxLength: 40 }).map((parts) => parts.join('')),
      );
      const property = fc.property(text, (input) => onlyCatalogErrors(() => parseListing(input, { file: `fuzz.${format}`, format })));
      fc.assert(property, { seed: 42, numRuns: 200 });
    });
  }
});

describe('hostile and large input', () => {
  it('refuses XML with a DOCTYPE and never expands its entities', () => {
    const bomb = [
      '<?xml version="1.0"?>',
      '<!DOCTYPE lolz [',
      '  <!ENTITY lol "lol">',
      '  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">',
      ']>',
      '<feed><entry><title>&lol2;</title><summary>&lol2;</summary></entry></feed>',
    ].join('\n');
    let error: unknown;
    try {
      parseListing(bomb, { file: 'bomb.xml' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(PaperscopeError);
    expect((error as PaperscopeError).code).toBe('PARSE_FAILED');
    expect((error as PaperscopeError).message).toBe('bomb.xml:2:1: XML DOCTYPE and ENTITY declarations are not accepted');
    expect((error as PaperscopeError).message).not.toContain('lollol');
  });

  it('strips a byte order mark given in the text', () => {
    const { papers, issues } = parseListing('\uFEFFtitle,abstract\nA,B\n', { file: 'bom.csv' });
    expect(issues).toEqual([]);
    expect(papers[0]?.title).toBe('A');
  });

  it('parses 1 MB of HF page text, printing the time it takes', () => {
    const sample = readFileSync('data/hf-daily-papers-reward-noise.txt', 'utf8');
    const copies = Math.ceil(1_000_000 / sample.length);
    const text = Array.from({ length: copies }, () => sample).join('\n\n');
    const started = performance.now();
    const { papers } = parseListing(text, { file: 'big.txt', year: 2026 });
    const elapsed = performance.now() - started;
    console.log(`HF page: ${(text.length / 1e6).toFixed(2)} MB, ${papers.length} papers in ${elapsed.toFixed(0)} ms`);
    expect(papers).toHaveLength(62 * copies);
  });

  it('reads a 100,000-column CSV row without hanging', { timeout: UNIT_TEST_MS }, () => {
    const header = ['title', 'abstract', ...Array.from({ length: 99_998 }, (_, index) => `c${index}`)].join(',');
    const row = ['Wide', 'Very wide.', ...Array.from({ length: 99_998 }, () => '')].join(',');
    const started = performance.now();
    const { papers, issues } = parseListing(`${header}\n${row}\nShort,row\n`, { file: 'wide.csv' });
    console.log(`CSV: 100,000 columns in ${(performance.now() - started).toFixed(0)} ms`);
    expect(papers.map((paper) => paper.title)).toEqual(['Wide']);
    expect(issues).toEqual([{ file: 'wide.csv', line: 3, message: 'row has 2 cells but the header has 100000' }]);
  });

  it('gives up, with an issue, on a CSV whose every row opens a quote', { timeout: UNIT_TEST_MS }, () => {
    // Each row leaves a quote open to the end of the file, so each recovery re-reads the rest.
    const text = `title,abstract\n${'x"y,"z\n'.repeat(2_000)}`;
    const started = performance.now();
    const { papers, issues } = parseListing(text, { file: 'quotes.csv' });
    console.log(`CSV: ${issues.length} issues from 2,000 unclosed quotes in ${(performance.now() - started).toFixed(0)} ms`);
    expect(papers).toEqual([]);
    expect(issues.slice(0, 2)).toEqual([
      { file: 'quotes.csv', line: 2, message: 'unclosed quote; this row is skipped' },
      { file: 'quotes.csv', line: 3, message: 'unclosed quote; this row is skipped' },
    ]);
    expect(issues.at(-1)?.message).toBe('too many malformed rows; the rest of the file is not read');
  });

  it('reports absurdly nested JSON as a parse failure', () => {
    const deep = '['.repeat(100_000);
    expect(() => parseListing(deep, { file: 'deep.json' })).toThrow(PaperscopeError);
    const valid = `[${'['.repeat(50_000)}${']'.repeat(50_000)}]`;
    expect(parseListing(valid, { file: 'deep.json' }).issues).toEqual([
      { file: 'deep.json', line: 1, record: 1, message: 'expected a paper object, found an array' },
    ]);
  });
});
