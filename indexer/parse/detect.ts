import path from 'node:path';
import { PaperscopeError } from '../../core/errors.js';

export type InputFormat = 'hf-page' | 'json' | 'jsonl' | 'csv' | 'atom' | 'bibtex';

/** Extensions read without looking at the content; plain text is sniffed, then taken as an HF page. */
const BY_EXTENSION: Record<string, InputFormat | 'text'> = {
  '.txt': 'text',
  '.md': 'text',
  '.json': 'json',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.csv': 'csv',
  '.tsv': 'csv',
  '.xml': 'atom',
  '.atom': 'atom',
  '.bib': 'bibtex',
  '.bibtex': 'bibtex',
};

/** Whether a file in a directory is worth reading: files with other extensions are skipped. */
export function hasKnownExtension(file: string): boolean {
  return path.extname(file).toLowerCase() in BY_EXTENSION;
}

/**
 * The format of `text`, read from `file`'s extension, else from the content.
 *
 * @example detectFormat('papers.txt', text) // 'hf-page', unless the text is JSON, XML, BibTeX or CSV
 */
export function detectFormat(file: string, text: string): InputFormat {
  const byExtension = BY_EXTENSION[path.extname(file).toLowerCase()];
  if (byExtension && byExtension !== 'text') return byExtension;
  const sniffed = sniff(text);
  if (sniffed) return sniffed;
  if (byExtension === 'text' || looksLikeHfPage(text)) return 'hf-page';
  throw new PaperscopeError(
    'INVALID_INPUT',
    `Cannot tell the format of ${file}: expected an HF Daily Papers page (.txt), JSON, JSONL, CSV, arXiv Atom XML or BibTeX`,
    { file },
  );
}

function sniff(text: string): InputFormat | null {
  const start = text.replace(/^\uFEFF/, '').trimStart();
  if (start.startsWith('<')) return 'atom';
  if (start.startsWith('[')) return 'json';
  if (start.startsWith('{')) return isJsonlStart(start) ? 'jsonl' : 'json';
  if (/^[ \t]*@[a-z]+[ \t]*[{(]/im.test(start)) return 'bibtex';
  const header = start.slice(0, start.search(/\r?\n|$/));
  if (/[,\t]/.test(header) && header.split(/[,\t]/).some((cell) => /^\s*"?title"?\s*$/i.test(cell))) return 'csv';
  return null;
}

/** JSONL when the first line is a whole JSON object other than a `{"papers": […]}` wrapper. */
function isJsonlStart(text: string): boolean {
  const firstLine = text.slice(0, text.search(/\r?\n|$/));
  try {
    const value: unknown = JSON.parse(firstLine);
    return typeof value === 'object' && value !== null && !Array.isArray((value as { papers?: unknown }).papers);
  } catch {
    return false;
  }
}

function looksLikeHfPage(text: string): boolean {
  return /^[ \t]*•[ \t]*\d+ authors?[ \t]*$/m.test(text) || /^·[ \t]*$/m.test(text);
}
