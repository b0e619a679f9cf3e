import { detectFormat, type InputFormat } from './detect.js';
import type { FormatParser, ParseContext } from './record.js';

export interface ListingOptions {
  file: string;
  format?: InputFormat | undefined;
  year?: number | undefined;
  /** The day the listing was saved (YYYY-MM-DD); default today. */
  listedOn?: string | undefined;
}

/** A listing's text without its byte order mark, its format, and what its parser reads besides the text. */
export interface PreparedListing {
  content: string;
  format: InputFormat;
  context: ParseContext;
}

/** Tells the listing's format (unless given) and its parser's context; the format's parser is left to the caller. */
export function prepareListing(text: string, options: ListingOptions): PreparedListing {
  const content = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const format = options.format ?? detectFormat(options.file, content);
  const listedOn = options.listedOn ?? new Date().toISOString().slice(0, 10);
  return { content, format, context: { file: options.file, year: options.year, listedOn } };
}

/**
 * Each format's parser, imported when a file of that format is first read: the BibTeX parser (with
 * its LaTeX tables), the XML and the CSV parsers take ≈ 0.15 s of CPU to load, and a run reads one
 * format or two.
 */
const PARSER_MODULES = {
  'hf-page': async () => (await import('./hf-page.js')).parseHfPage,
  json: async () => (await import('./json.js')).parseJson,
  jsonl: async () => (await import('./json.js')).parseJsonl,
  csv: async () => (await import('./csv.js')).parseCsv,
  atom: async () => (await import('./atom.js')).parseAtom,
  bibtex: async () => (await import('./bibtex.js')).parseBibtex,
} as const satisfies Record<InputFormat, () => Promise<FormatParser>>;

/** The parser of `format`, its module imported on first use. */
export function loadParser(format: InputFormat): Promise<FormatParser> {
  return PARSER_MODULES[format]();
}
