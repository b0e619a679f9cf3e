import { PaperscopeError } from '../../core/errors.js';
import { BOILERPLATE_WORDS, stem, terms } from '../../indexer/text/index.js';

export interface Evidence {
  paperId: string;
  title: string;
  sentence: string;
  /** Higher is better. When `questionVector` is not given, it is taken as the question–sentence similarity. */
  relevance: number;
  vector?: Float32Array;
}

export interface Citation {
  id: string;
  title: string;
  /** The first cited sentence of this paper. */
  sentence: string;
}

export interface ComposedAnswer {
  answer: string;
  /** `[n]` in the answer refers to `citations[n - 1]`; one entry per paper. */
  citations: Citation[];
  /** Every quoted sentence in answer order, with the number of its citation (from 1). */
  quotes: Array<{ citation: number; sentence: string }>;
  grounded: boolean;
  /** Only when not grounded: the closest papers, offered as reading rather than as an answer. */
  seeAlso: Array<{ id: string; title: string }>;
}

export interface AnswerOptions {
  /** MMR trade-off: 1 ranks by relevance only, 0 by novelty only. */
  lambda?: number;
  maxSentences?: number;
  maxPerPaper?: number;
  /** Distinct question terms one sentence (with its paper's title) must match to ground the answer lexically. */
  minMatchedTerms?: number;
  /**
   * Share of the question's term weight (IDF when `idf` is given) that one sentence with its title
   * must match to ground the answer lexically: "best pizza recipe" matching "best" and "recipe" is
   * not enough when "pizza" is the point.
   */
  minCoverage?: number;
  /** Corpus IDF of a stemmed term; terms absent from the corpus should weigh the most. */
  idf?: (term: string) => number;
  /** Similarity at or above which a sentence grounds the answer even without shared words (paraphrase). */
  minSimilarity?: number;
  /** When given with evidence vectors, similarity is the cosine to it; otherwise `relevance` is used. */
  questionVector?: Float32Array;
  seeAlso?: number;
}

const DEFAULTS = {
  lambda: 0.7,
  maxSentences: 4,
  maxPerPaper: 2,
  minMatchedTerms: 2,
  minCoverage: 0.5,
  minSimilarity: 0.5,
  seeAlso: 3,
} satisfies Omit<Required<AnswerOptions>, 'questionVector' | 'idf'>;

export const NOT_ANSWERED = 'The indexed abstracts do not answer this question.';

// Words that frame a question without naming its subject; they are not stop words for indexing.
const QUESTION_WORDS = ['does', 'why', 'when', 'explain', 'describe', 'tell', 'know', 'way', 'ways', 'kind', 'kinds', 'difference'];
const NON_TOPIC_TERMS: ReadonlySet<string> = new Set([...QUESTION_WORDS, ...BOILERPLATE_WORDS].map((word) => stem(word)));

/**
 * Composes an extractive, cited answer. Sentences are picked by MMR (relevance against similarity
 * to sentences already picked; vectors when present, else term Jaccard), at most `maxPerPaper` per
 * paper. The answer is grounded when some sentence matches at least `minMatchedTerms` of the
 * question's topical terms (fewer if the question has fewer), together at least `minCoverage` of
 * the question's term weight, or is at least `minSimilarity` similar to the question. Otherwise it says the abstracts do not answer, cites nothing, and
 * lists the closest papers under `seeAlso`, so a reader can check without being misled.
 * @example composeAnswer('How robust is RL to noisy rewards?', evidence)
 */
export function composeAnswer(question: string, evidence: readonly Evidence[], options: AnswerOptions = {}): ComposedAnswer {
  const settings = { ...DEFAULTS, ...options };
  validate(settings);
  const questionTerms = new Set(terms(question).filter((term) => !NON_TOPIC_TERMS.has(term)));
  const required = Math.min(settings.minMatchedTerms, questionTerms.size);
  const weight = (term: string): number => options.idf?.(term) ?? 1;
  const questionWeight = [...questionTerms].reduce((sum, term) => sum + weight(term), 0);
  const candidates = evidence.map((item) => {
    const sentenceTerms = new Set(terms(item.sentence));
    const withTitle = new Set([...sentenceTerms, ...terms(item.title)]);
    const matchedWeight = [...questionTerms].filter((term) => withTitle.has(term)).reduce((sum, term) => sum + weight(term), 0);
    const similarity = settings.questionVector && item.vector ? cosine(settings.questionVector, item.vector) : item.relevance;
    return {
      item,
      sentenceTerms,
      similarity,
      matchedInSentence: countShared(questionTerms, sentenceTerms),
      matchedWithTitle: countShared(questionTerms, withTitle),
      coverage: questionWeight > 0 ? matchedWeight / questionWeight : 0,
    };
  });

  const supports = (candidate: (typeof candidates)[number]): boolean =>
    (required > 0 && candidate.matchedWithTitle >= required && candidate.coverage >= settings.minCoverage) ||
    candidate.similarity >= settings.minSimilarity;
  if (!candidates.some(supports)) return refusal(evidence, settings.seeAlso);

  // Only sentences that touch the question may be quoted, however relevant their paper.
  const eligible = candidates.filter((candidate) => candidate.matchedInSentence > 0 || candidate.similarity >= settings.minSimilarity);
  // Relevance is scaled by the best one so that it is commensurate with similarities in [0, 1].
  const top = Math.max(...eligible.map((candidate) => candidate.item.relevance));
  const normalised = (relevance: number): number => (top > 0 ? relevance / top : 1);

  const selected: typeof eligible = [];
  const perPaper = new Map<string, number>();
  while (selected.length < settings.maxSentences) {
    let best: (typeof eligible)[number] | undefined;
    let bestScore = -Infinity;
    for (const candidate of eligible) {
      if (selected.includes(candidate) || (perPaper.get(candidate.item.paperId) ?? 0) >= settings.maxPerPaper) continue;
      const redundancy = Math.max(0, ...selected.map((chosen) => similarity(candidate, chosen)));
      const score = settings.lambda * normalised(candidate.item.relevance) - (1 - settings.lambda) * redundancy;
      if (score > bestScore) {
        best = candidate;
        bestScore = score;
      }
    }
    if (!best) break;
    selected.push(best);
    perPaper.set(best.item.paperId, (perPaper.get(best.item.paperId) ?? 0) + 1);
  }
  if (selected.length === 0) return refusal(evidence, settings.seeAlso);

  // A paper's sentences are kept together, papers in the order they were first picked.
  const paperOrder = [...new Set(selected.map((candidate) => candidate.item.paperId))];
  const ordered = paperOrder.flatMap((paperId) => selected.filter((candidate) => candidate.item.paperId === paperId));
  const citations: Citation[] = paperOrder.map((paperId) => {
    const first = ordered.find((candidate) => candidate.item.paperId === paperId)?.item as Evidence;
    return { id: paperId, title: first.title, sentence: first.sentence };
  });
  const quotes = ordered.map((candidate) => ({ citation: paperOrder.indexOf(candidate.item.paperId) + 1, sentence: candidate.item.sentence }));
  const answer = quotes.map((quote) => withMarker(quote.sentence, quote.citation)).join(' ');
  return { answer, citations, quotes, grounded: true, seeAlso: [] };
}

function refusal(evidence: readonly Evidence[], count: number): ComposedAnswer {
  const seeAlso: Array<{ id: string; title: string }> = [];
  for (const item of [...evidence].sort((a, b) => b.relevance - a.relevance)) {
    if (seeAlso.length >= count) break;
    if (!seeAlso.some((paper) => paper.id === item.paperId)) seeAlso.push({ id: item.paperId, title: item.title });
  }
  return { answer: NOT_ANSWERED, citations: [], quotes: [], grounded: false, seeAlso };
}

/** "A sentence." → "A sentence [2]." so the marker reads as part of the claim it supports. */
function withMarker(sentence: string, marker: number): string {
  const trimmed = sentence.trim();
  const match = /[.!?]+$/.exec(trimmed);
  return match ? `${trimmed.slice(0, match.index)} [${marker}]${match[0]}` : `${trimmed} [${marker}].`;
}

function similarity(
  a: { item: Evidence; sentenceTerms: ReadonlySet<string> },
  b: { item: Evidence; sentenceTerms: ReadonlySet<string> },
): number {
  if (a.item.vector && b.item.vector) return cosine(a.item.vector, b.item.vector);
  const shared = countShared(a.sentenceTerms, b.sentenceTerms);
  const union = a.sentenceTerms.size + b.sentenceTerms.size - shared;
  return union === 0 ? 0 : shared / union;
}

function countShared(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  let shared = 0;
  for (const term of a) if (b.has(term)) shared++;
  return shared;
}

function cosine(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) {
    throw new PaperscopeError('INVALID_INPUT', `Vectors of different dimensions (${a.length} and ${b.length}) cannot be compared`, {
      field: 'vector',
    });
  }
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    dot += x * y;
    normA += x * x;
    normB += y * y;
  }
  return normA === 0 || normB === 0 ? 0 : dot / Math.sqrt(normA * normB);
}

function validate(settings: typeof DEFAULTS): void {
  const checks: Array<[keyof typeof DEFAULTS, boolean]> = [
    ['lambda', settings.lambda >= 0 && settings.lambda <= 1],
    ['maxSentences', Number.isInteger(settings.maxSentences) && settings.maxSentences >= 1],
    ['maxPerPaper', Number.isInteger(settings.maxPerPaper) && settings.maxPerPaper >= 1],
    ['minMatchedTerms', Number.isInteger(settings.minMatchedTerms) && settings.minMatchedTerms >= 1],
    ['minCoverage', settings.minCoverage >= 0 && settings.minCoverage <= 1],
    ['minSimilarity', Number.isFinite(settings.minSimilarity)],
    ['seeAlso', Number.isInteger(settings.seeAlso) && settings.seeAlso >= 0],
  ];
  for (const [field, valid] of checks) {
    if (!valid) throw new PaperscopeError('INVALID_PARAMETER', `Answer option ${field} is out of range: ${settings[field]}`, { field });
  }
}
