import { describe, expect, it } from 'vitest';
import { PaperscopeError } from '../../core/errors.js';
import { detectFormat } from '../../indexer/parse/index.js';

describe('detectFormat', () => {
  it('goes by extension', () => {
    expect(detectFormat('a.json', '')).toBe('json');
    expect(detectFormat('a.JSONL', '')).toBe('jsonl');
    expect(detectFormat('a.ndjson', '')).toBe('jsonl');
    expect(detectFormat('a.csv', '')).toBe('csv');
    expect(detectFormat('a.tsv', '')).toBe('csv');
    expect(detectFormat('a.xml', '')).toBe('atom');
    expect(detectFormat('a.atom', '')).toBe('atom');
    expect(detectFormat('a.bib', '')).toBe('bibtex');
  });

  it('takes .txt and .md as an HF page unless the content says otherwise', () => {
    expect(detectFormat('daily.txt', 'new\n\nDaily Papers\n')).toBe('hf-page');
    expect(detectFormat('notes.md', '# Papers\n')).toBe('hf-page');
    expect(detectFormat('export.txt', '[{"title": "A"}]')).toBe('json');
    expect(detectFormat('export.txt', '% refs\n@article{key,\n title={A}}')).toBe('bibtex');
  });

  it('sniffs the content of unknown extensions', () => {
    expect(detectFormat('feed', '\uFEFF<?xml version="1.0"?><feed/>')).toBe('atom');
    expect(detectFormat('dump', '{"papers": []}')).toBe('json');
    expect(detectFormat('dump', '{"title": "A", "abstract": "B"}\n{"title": "C", "abstract": "D"}')).toBe('jsonl');
    expect(detectFormat('list.dat', 'Title,Abstract\nA,B\n')).toBe('csv');
    expect(detectFormat('list.dat', 'id\ttitle\tsummary\n')).toBe('csv');
    expect(detectFormat('page', 'A Paper\n\nAbstract.\n\n  • 3 authors\n·\nMay 1, 2025')).toBe('hf-page');
  });

  it('refuses what it cannot recognise, naming the file', () => {
    let error: unknown;
    try {
      detectFormat('mystery.bin', 'just some words');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(PaperscopeError);
    expect((error as PaperscopeError).code).toBe('INVALID_INPUT');
    expect((error as PaperscopeError).message).toContain('mystery.bin');
  });
});
