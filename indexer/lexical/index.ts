import { decodeLexicalData, decodeLexicalFile, openLexicalFile } from './format.js';
import { type LexicalData, LexicalIndex } from './lexical-index.js';
import { damagedFile, type LoadProblem } from '../../core/load-problem.js';

export { buildLexicalIndex, buildNumberedLexicalIndex, type LexicalDocument, numberedLexicalIndexOf } from './build.js';
export { decodeVarints, encodeVarints } from './codec.js';
export {
  type CorpusTerms,
  countCorpusAndSentenceTerms,
  countCorpusTerms,
  countCorpusTermsPart,
  type CorpusTermsPart,
  type FieldedText,
  type SentenceRanges,
  type WordHook,
  withoutPositions,
} from './corpus-terms.js';
export { joinCorpusTerms } from './join-terms.js';
export { countCorpusAndSentenceTermsOffThread, countCorpusTermsOffThread, countCorpusTermsOnTwoThreads } from './terms-job.js';
export {
  LEXICAL_BINARY_VERSION,
  LEXICAL_FORMAT,
  LEXICAL_FORMAT_VERSION,
  type LexicalFileSummary,
  openLexicalFile,
  type PostingReader,
  type SerializedLexicalIndex,
  summarizeLexicalFile,
} from './format.js';
export {
  type AnalysedQuery,
  type LexicalHit,
  LexicalIndex,
  type LexicalRanking,
  type LexicalSearchOptions,
  type QueryAnalysisOptions,
  type RankOptions,
} from './lexical-index.js';
export { DEFAULT_LEXICAL_PARAMS, type LexicalParams, PROXIMITY, QUERY_TERMS } from './params.js';
export { type ParsedQuery, type PhraseTerm, parseQuery, queryTermWeights } from './query.js';
export { topK } from './top-k.js';

/**
 * Restores an index from `index.toJSON()` output, or from its JSON text.
 * @example const index = loadLexicalIndex(JSON.parse(await readFile(file, 'utf8')));
 */
export function loadLexicalIndex(json: unknown): LexicalIndex {
  return new LexicalIndex(decodeLexicalData(json));
}

/**
 * Restores an index from the bytes of the parts `index.toFile(tableVersion)` wrote, with the table
 * version it was built from, or says why it cannot: `stale` (an earlier format) or `damaged`.
 * @example const saved = loadLexicalFile(await readFile(layout.lexical));
 */
export function loadLexicalFile(bytes: Uint8Array): LoadedLexical {
  return indexFrom(decodeLexicalFile(bytes));
}

/**
 * `loadLexicalFile` for the file at `path`, its postings and positions left on disk and read per
 * term on first use (`openLexicalFile`): `close()` the index when done with it.
 * @example const saved = openLexicalIndex(layout.lexical);
 */
export async function openLexicalIndex(path: string): Promise<LoadedLexical> {
  return indexFrom(await openLexicalFile(path));
}

type LoadedLexical = { tableVersion: number; index: LexicalIndex } | { problem: LoadProblem };

/** The index over decoded data; data the index rejects is a damaged file, whose reader is closed. */
function indexFrom(decoded: { tableVersion: number; data: LexicalData } | { problem: LoadProblem }): LoadedLexical {
  if ('problem' in decoded) return decoded;
  try {
    return { tableVersion: decoded.tableVersion, index: new LexicalIndex(decoded.data) };
  } catch (error) {
    decoded.data.reader?.close();
    return { problem: damagedFile((error as Error).message) };
  }
}
