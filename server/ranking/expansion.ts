import { LRUCache } from 'lru-cache';
import { tokenize } from '../../indexer/text/index.js';

export interface ExpansionSettings {
  /** A variant's weight is `weight` × its word-vector similarity to the query word. */
  weight: number;
  /** Variants less similar than this are left out ("noiseless" for "noise"). */
  minSimilarity: number;
}

/**
 * Tuned on the SciFact train split (nDCG@10 0.6985 → 0.7013; weight 1 or a 0.3 floor gain less):
 * a variant counts at most half as much as the word typed.
 */
export const EXPANSION: ExpansionSettings = { weight: 0.5, minSimilarity: 0.4 };

const QUOTED = /["“”„][^"“”„]*["“”„]/g;

/** A query word's variant and its weight. */
export interface WordVariant {
  term: string;
  weight: number;
}

type VariantsOf = (term: string) => ReadonlyArray<{ term: string; surface: string }>;
type Similarities = (word: string, others: readonly string[]) => ReadonlyArray<number | undefined>;

/**
 * Weighted variants of the query's words, for an index whose embedder has word vectors: the corpus
 * terms that extend a word's stem ("noisi", from "noisy", for "noise": Porter stems the two apart)
 * weighed by the words' similarity, so that "reward noise" finds a paper titled "Noisy Rewards"
 * and "noiseless" is left out. Quoted words are matched exactly and not expanded.
 * @example expandQuery('reward noise', (term) => index.variants(term), (word, others) => embedder.wordSimilarities(word, others))
 */
export function expandQuery(
  query: string,
  variantsOf: VariantsOf,
  similarities: Similarities,
  settings: ExpansionSettings = EXPANSION,
): Map<string, number> {
  return combine(query, (word, term) => wordVariants(word, term, variantsOf, similarities, settings));
}

/**
 * `expandQuery` with each word's variants kept (a word's variants depend on the word alone, and
 * distinct queries share most of their words): finding them cost ≈ 4 % of a distinct search at 100k.
 */
export class QueryExpander {
  readonly #byWord = new LRUCache<string, readonly WordVariant[]>({ max: 20_000 });
  readonly #variantsOf: VariantsOf;
  readonly #similarities: Similarities;
  readonly #settings: ExpansionSettings;

  constructor(variantsOf: VariantsOf, similarities: Similarities, settings: ExpansionSettings = EXPANSION) {
    this.#variantsOf = variantsOf;
    this.#similarities = similarities;
    this.#settings = settings;
  }

  expand(query: string): Map<string, number> {
    return combine(query, (word, term) => {
      const key = `${word} ${term}`;
      let found = this.#byWord.get(key);
      if (found === undefined) {
        found = wordVariants(word, term, this.#variantsOf, this.#similarities, this.#settings);
        this.#byWord.set(key, found);
      }
      return found;
    });
  }
}

/** The query's variants, each at the highest weight any of its words gives it; the query's own terms left out. */
function combine(query: string, variantsOfWord: (word: string, term: string) => readonly WordVariant[]): Map<string, number> {
  const tokens = tokenize(query.replace(QUOTED, ' '));
  const own = new Set(tokens.map((token) => token.term));
  const expansions = new Map<string, number>();
  for (const token of tokens)
    for (const { term, weight } of variantsOfWord(token.word, token.term))
      if (!own.has(term) && weight > (expansions.get(term) ?? 0)) expansions.set(term, weight);
  return expansions;
}

/** The variants of one word (`term`, its stem) similar enough to count, with their weights. */
function wordVariants(
  word: string,
  term: string,
  variantsOf: VariantsOf,
  similarities: Similarities,
  settings: ExpansionSettings,
): WordVariant[] {
  const variants = variantsOf(term);
  if (variants.length === 0) return [];
  const scores = similarities(
    word,
    variants.map((variant) => variant.surface),
  );
  const found: WordVariant[] = [];
  variants.forEach((variant, index) => {
    const similarity = scores[index];
    if (similarity !== undefined && similarity >= settings.minSimilarity)
      found.push({ term: variant.term, weight: settings.weight * similarity });
  });
  return found;
}
