import { PaperscopeError } from '../../core/errors.js';

export interface LexicalParams {
  /** BM25 term-frequency saturation. */
  k1: number;
  /** BM25 length normalisation, applied per field. */
  b: number;
  /** How much a title occurrence counts relative to one in the abstract (BM25F field weight). */
  titleWeight: number;
}

export const DEFAULT_LEXICAL_PARAMS = { k1: 1.2, b: 0.75, titleWeight: 2.5 } as const satisfies LexicalParams;

export function validateParams(params: LexicalParams): void {
  const checks: Array<[keyof LexicalParams, boolean]> = [
    ['k1', Number.isFinite(params.k1) && params.k1 >= 0],
    ['b', Number.isFinite(params.b) && params.b >= 0 && params.b <= 1],
    ['titleWeight', Number.isFinite(params.titleWeight) && params.titleWeight > 0],
  ];
  for (const [field, valid] of checks) {
    if (!valid) {
      throw new PaperscopeError('INVALID_PARAMETER', `Lexical index parameter ${field} is out of range: ${params[field]}`, {
        field,
      });
    }
  }
}

/**
 * The proximity component (BM25TP, Rasolofo & Savoy 2003): each pair of query terms found within
 * `window` words of each other adds min(idf) × saturated Σ 1/distance², times `weight`, to the
 * BM25F score of the `depth` best documents, which are then re-ranked. Tuned on the SciFact train
 * split (weight 0.25, window 5: +0.003 nDCG@10; larger weights cost); the sample's short queries
 * are where it counts ("reward noise"). Depth 30 (was 100) ranks as well on the SciFact train split
 * (nDCG@10 0.714 at 100, 30 and 20; 0.711 at 10) and the sample's sets, and lets MaxScore prune to
 * the 30th score: ≈ 25 % less CPU per ranking at 100k papers (docs/scaling.md).
 */
export const PROXIMITY = { weight: 0.1, window: 5, depth: 30, sample: 64 } as const;

/**
 * Query term weights (`queryTermWeights`), tuned on the SciFact train split: counting a repeated
 * term once raised nDCG@10 from 0.703 to 0.706, and a compound's whole at 0.8 to 0.707. At 0.5 it
 * reaches 0.709 there, but costs the sample's "text-to-image" queries (one team query 1.000 → 0.906),
 * where the whole names the thing; at 0.8 the sample sets do not move. Query terms holding a digit
 * ("il-10", "brca1": one gene or protein, not a topic) at 2.5 took train from 0.7075 to 0.714
 * (2: 0.711, 3: 0.712, 4: 0.709); lifting their parts too ("il", "fold" of "5-fold") gained less
 * (0.7116), and counting all-capital acronyms ("TNF", "LLM", ×1.45: 0.7085) cost the sample's dev
 * queries ("RLHF", "MLLMs").
 */
export const QUERY_TERMS = { compoundWeight: 0.8, codeWeight: 2.5 } as const;
