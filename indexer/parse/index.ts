/**
 * Ingest: listings in any supported format become `Paper`s.
 *
 * - `detectFormat` tells the format from the file name and content.
 * - `parseListing` (./parse.js) parses text (pure). Bad records become issues naming file, line and field; a bad
 *   optional field (an unreadable date, say) is reported and the paper kept with that field empty. It
 *   imports every format's parser, so it is not exported here.
 * - `readListings` reads files and directories: decoding, de-duplication, strict mode; it imports a
 *   format's parser only when it reads a file of that format.
 */
export { detectFormat, type InputFormat } from './detect.js';
export * from './paper.js';
export { readListings } from './read.js';
/** For sources that build papers from their own records (indexer/sources). */
export { addPaper, arxivHint, emptyResult, MAX_ABSTRACT_CHARS, MAX_COUNT, MAX_TITLE_CHARS, type PaperDraft, toIsoDate } from './record.js';
