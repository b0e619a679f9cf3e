import { parseAtom } from './atom.js';
import { parseBibtex } from './bibtex.js';
import { parseCsv } from './csv.js';
import type { InputFormat } from './detect.js';
import { parseHfPage } from './hf-page.js';
import { parseJson, parseJsonl } from './json.js';
import { type ListingOptions, prepareListing } from './listing.js';
import type { ParseResult } from './paper.js';
import type { FormatParser } from './record.js';

const PARSERS = {
  'hf-page': parseHfPage,
  json: parseJson,
  jsonl: parseJsonl,
  csv: parseCsv,
  atom: parseAtom,
  bibtex: parseBibtex,
} as const satisfies Record<InputFormat, FormatParser>;

/**
 * Parses one listing. Pure: records that cannot be read go to `issues` (file, line, field) and the
 * rest to `papers`. Throws PaperscopeError('PARSE_FAILED') only when nothing can be read at all
 * (invalid JSON or XML, a CSV without a usable header, an XML DOCTYPE), and
 * PaperscopeError('INVALID_INPUT') when the format cannot be told.
 *
 * Year-less dates are placed by `year` when given, else before `listedOn` (default: today).
 *
 * @example parseListing(text, { file: 'daily.txt', year: 2026 }).papers[0]?.title
 */
export function parseListing(text: string, options: ListingOptions): ParseResult {
  const { content, format, context } = prepareListing(text, options);
  return PARSERS[format](content, context);
}
