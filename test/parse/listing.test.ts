import { describe, expect, it } from 'vitest';
import { parseAtom } from '../../indexer/parse/atom.js';
import { parseBibtex } from '../../indexer/parse/bibtex.js';
import { parseCsv } from '../../indexer/parse/csv.js';
import type { InputFormat } from '../../indexer/parse/detect.js';
import { parseHfPage } from '../../indexer/parse/hf-page.js';
import { parseJson, parseJsonl } from '../../indexer/parse/json.js';
import { loadParser, prepareListing } from '../../indexer/parse/listing.js';

describe('loadParser', () => {
  const formats: InputFormat[] = ['hf-page', 'json', 'jsonl', 'csv', 'atom', 'bibtex'];
  const parsers = [parseHfPage, parseJson, parseJsonl, parseCsv, parseAtom, parseBibtex];
  formats.forEach((format, index) => {
    it(`imports the ${format} parser`, async () => {
      expect(await loadParser(format)).toBe(parsers[index]);
    });
  });
});

describe('prepareListing', () => {
  it('drops the byte order mark and tells the format from the content', () => {
    const prepared = prepareListing('\uFEFF@article{a, title={T}}', { file: 'refs.txt', listedOn: '2026-01-02', year: 2025 });
    expect(prepared).toEqual({
      content: '@article{a, title={T}}',
      format: 'bibtex',
      context: { file: 'refs.txt', year: 2025, listedOn: '2026-01-02' },
    });
  });
});
