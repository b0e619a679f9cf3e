import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { findArxivId } from './paper.js';
import { addPaper, arxivHint, emptyResult, type FormatParser, lineIndex, parseFailure, toIsoDate } from './record.js';

const xmlParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  removeNSPrefix: true,
  // Titles such as "2048" stay text.
  parseTagValue: false,
  parseAttributeValue: false,
  // Numeric character references (&#233;) are decoded too. Safe: a DOCTYPE, the only source of
  // custom entities, is rejected before parsing.
  htmlEntities: true,
  isArray: (name) => ['entry', 'author', 'link', 'category'].includes(name),
});

/** A saved web page: an HTML doctype or <html> root, after any XML declaration, comments and space. */
const HTML_START = /^\s*(?:<\?xml[^>]*>\s*)?(?:<!--[\s\S]*?-->\s*)*<(?:!DOCTYPE\s+html|html)[\s>]/i;

export const FORMATS_READ =
  'Paperscope reads HF Daily Papers pages saved as text (.txt: select the page, copy, paste), JSON, JSONL, CSV, arXiv API Atom XML and BibTeX.';

/**
 * An arXiv API (Atom) feed. Document type declarations are refused outright, so that no entity
 * is ever expanded (the "billion laughs" attack) whatever the XML library does with them.
 */
export const parseAtom: FormatParser = (text, context) => {
  const lines = lineIndex(text);
  if (HTML_START.test(text)) throw parseFailure(context.file, 1, `a web page (HTML), not an Atom feed. ${FORMATS_READ}`);
  // Markup quoted in CDATA sections and comments is text, not a declaration (offsets are kept).
  const markup = text.replace(/<!\[CDATA\[[\s\S]*?\]\]>|<!--[\s\S]*?-->/g, (quoted) => quoted.replace(/[^\n]/g, ' '));
  const declaration = /<!(?:DOCTYPE|ENTITY)/i.exec(markup);
  if (declaration) {
    const { line, column } = lines.locate(declaration.index);
    throw parseFailure(context.file, line, 'XML DOCTYPE and ENTITY declarations are not accepted', column);
  }
  const validation = XMLValidator.validate(text);
  if (validation !== true) {
    throw parseFailure(context.file, validation.err.line, `invalid XML: ${validation.err.msg}`, validation.err.col);
  }
  let document: unknown;
  try {
    document = xmlParser.parse(text);
  } catch (error) {
    // The validator lets a few malformed documents through (an unclosed CDATA after the root).
    throw parseFailure(context.file, 1, `invalid XML: ${error instanceof Error ? error.message : String(error)}`);
  }
  const feed = field(document, 'feed');
  if (feed === undefined) throw parseFailure(context.file, 1, `not an Atom feed: no <feed> element. ${FORMATS_READ}`);

  // Approximate: the n-th parsed entry is the n-th "<entry" in the text.
  const entryLines = [...text.matchAll(/<(?:[\w.-]+:)?entry[\s>/]/g)].map((match) => lines.locate(match.index).line);
  const result = emptyResult();
  const entries = field(feed, 'entry');
  (Array.isArray(entries) ? entries : []).forEach((entry: unknown, index) => {
    const source = { file: context.file, line: entryLines[index] ?? 1 };
    const id = textOf(field(entry, 'id'));
    const title = textOf(field(entry, 'title'));
    if (id?.includes('arxiv.org/api/errors')) {
      result.issues.push({ ...source, message: `arXiv API error: ${textOf(field(entry, 'summary')) ?? title}` });
      return;
    }
    const link = pageLink(field(entry, 'link')) ?? (id && /^https?:\/\//.test(id) ? id : undefined);
    const published = textOf(field(entry, 'published')) ?? textOf(field(entry, 'updated'));
    const date = published === undefined ? null : toIsoDate(published);
    if (published !== undefined && date === null) {
      result.issues.push({ ...source, field: 'published', message: `not a date: "${published.slice(0, 40)}"`, kept: true });
    }
    addPaper(
      result,
      {
        title,
        abstract: textOf(field(entry, 'summary')),
        id: findArxivId(arxivHint(id), arxivHint(link)) ?? undefined,
        authors: listOf(field(entry, 'author')).flatMap((author) => textOf(field(author, 'name')) ?? []),
        date,
        url: link ?? null,
        categories: listOf(field(entry, 'category')).flatMap((category) => textOf(field(category, 'term')) ?? []),
      },
      source,
    );
  });
  return result;
};

function field(node: unknown, name: string): unknown {
  return typeof node === 'object' && node !== null && !Array.isArray(node) ? (node as Record<string, unknown>)[name] : undefined;
}

function listOf(node: unknown): unknown[] {
  return Array.isArray(node) ? node : [];
}

/** The text of an element, whether parsed as a string or, when it has attributes, as `#text`. */
function textOf(node: unknown): string | undefined {
  const value = Array.isArray(node) ? node[0] : node;
  if (typeof value === 'string') return value;
  const inner = field(value, '#text');
  return typeof inner === 'string' ? inner : undefined;
}

/** The entry's web page: the `alternate` link, else the first link. */
function pageLink(links: unknown): string | undefined {
  const all = listOf(links);
  const alternate = all.find((link) => field(link, 'rel') === 'alternate') ?? all[0];
  return textOf(field(alternate, 'href'));
}
