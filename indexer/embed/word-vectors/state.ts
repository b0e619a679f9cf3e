import { z } from 'zod';
import { PaperscopeError } from '../../../core/errors.js';
import type { CorpusStats } from './sif.js';

/** Most document frequencies kept: about 1 MB of JSON, enough for 100k-abstract corpora. */
export const MAX_DF_WORDS = 50_000;

const STATE_VERSION = 1;

/**
 * An array of at most MAX_DF_WORDS items, checked in one loop: `z.array(z.string())` checks each of
 * the 20k–50k words through zod's machinery, ≈ 50 ms of every server's start.
 */
function arrayOf<T>(what: string, isItem: (item: unknown) => boolean) {
  return z.custom<T[]>((value) => Array.isArray(value) && value.length <= MAX_DF_WORDS && value.every(isItem), {
    message: `expected an array of at most ${MAX_DF_WORDS} ${what}`,
  });
}

/** The fitted state stored in an index manifest; document frequencies as parallel arrays to stay compact. */
const stateSchema = z
  .object({
    version: z.literal(STATE_VERSION),
    documents: z.number().int().nonnegative(),
    meanWords: z.number().nonnegative(),
    dfFloor: z.number().nonnegative(),
    words: arrayOf<string>('strings', (item) => typeof item === 'string'),
    df: arrayOf<number>('positive whole numbers', (item) => Number.isInteger(item) && (item as number) > 0),
    common: z.array(z.number()).nullable(),
  })
  .refine((state) => state.words.length === state.df.length, { message: 'words and df differ in length' });

export type WordVectorState = z.infer<typeof stateSchema>;

export interface FittedCorpus {
  corpus: CorpusStats;
  common: Float32Array | undefined;
}

export function parseState(state: unknown, dimension: number): FittedCorpus {
  const parsed = stateSchema.safeParse(state);
  const problem = parsed.success
    ? parsed.data.common !== null && parsed.data.common.length !== dimension
      ? `common component has ${parsed.data.common.length} values, expected ${dimension}`
      : null
    : parsed.error.issues.map((issue) => `${issue.path.join('.') || 'state'}: ${issue.message}`).join('; ');
  if (!parsed.success || problem !== null) {
    throw new PaperscopeError('INDEX_MISMATCH', `The index's word-vector state is invalid (${problem}); rebuild the index with --reembed`, {
      problem,
    });
  }
  const { documents, meanWords, dfFloor, words, df, common } = parsed.data;
  return {
    corpus: { documents, meanWords, dfFloor, df: new Map(words.map((word, i) => [word, df[i] ?? dfFloor])) },
    common: common ? Float32Array.from(common) : undefined,
  };
}

export function serializeState({ corpus, common }: FittedCorpus): WordVectorState {
  return {
    version: STATE_VERSION,
    documents: corpus.documents,
    meanWords: corpus.meanWords,
    dfFloor: corpus.dfFloor,
    words: [...corpus.df.keys()],
    df: [...corpus.df.values()],
    common: common ? Array.from(common) : null,
  };
}

/**
 * Keeps the MAX_DF_WORDS most frequent words seen in at least two documents; the rest are
 * represented by `dfFloor`, the largest frequency dropped.
 */
export function capDocumentFrequencies(df: ReadonlyMap<string, number>): { df: Map<string, number>; dfFloor: number } {
  const sorted = [...df].filter(([, count]) => count >= 2).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const kept = sorted.slice(0, MAX_DF_WORDS);
  const dfFloor = sorted[MAX_DF_WORDS]?.[1] ?? 1;
  return { df: new Map(kept), dfFloor };
}
