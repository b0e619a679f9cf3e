import { PaperscopeError } from '../../core/errors.js';
import { BOILERPLATE_WORDS, stem, type Token, terms, tokenize } from '../../indexer/text/index.js';
import { findingStrength, isQuestionSentence } from './findings.js';

/** One sentence of a candidate paper's abstract, with its vector when the index has one. */
export interface SentenceCandidate {
  text: string;
  vector?: Float32Array;
}

/** A paper the search found, with the sentences of its abstract that may be quoted. */
export interface PaperCandidate {
  id: string;
  title: string;
  sentences: readonly SentenceCandidate[];
}

export interface Citation {
  id: string;
  title: string;
  /** The sentence quoted from this paper, verbatim. */
  sentence: string;
}

export interface ComposedAnswer {
  answer: string;
  /** `[n]` in the answer refers to `citations[n - 1]`: one claim per paper, best paper first. */
  citations: Citation[];
  grounded: boolean;
  /** Grounded, but the quoted sentences cover only part of what the question asks. */
  partial: boolean;
  /** Papers read but not quoted, offered as further reading beside an answer; empty under a refusal. */
  seeAlso: Array<{ id: string; title: string }>;
}

export interface AnswerOptions {
  /**
   * The search matched the question's words more strongly than off-topic questions match this
   * corpus: the papers are relevant even when no single sentence grounds the answer (a paraphrase),
   * which is then answered as partial.
   */
  searchFound?: boolean;
  /** When given with sentence vectors, similarity is the cosine to it. */
  questionVector?: Float32Array;
  /** Corpus IDF of a stemmed term; terms absent from the corpus should weigh the most. */
  idf?: (term: string) => number;
  /** Claims (papers) quoted at most. */
  maxClaims?: number;
  /**
   * Claims quoted at most when only the search grounds the answer (partial): no sentence matches the
   * question, so a lower paper's claim is weaker evidence (team set paraphrases: citation precision
   * 0.213 -> 0.278 at 3 instead of 4, the best paper cited as often).
   */
  maxPartialClaims?: number;
  /** Distinct question terms one sentence with its paper's title must match to ground the answer lexically. */
  minMatchedTerms?: number;
  /**
   * Share of the question's term weight one sentence with its title must match to ground the answer
   * lexically: "best pizza recipe" matching "best" and "recipe" is not enough when "pizza" is the point.
   */
  minCoverage?: number;
  /**
   * Paper-level relevance, the search's own evidence: a paper among the search's first `paperDepth`
   * whose title and abstract together match at least `minPaperTerms` distinct topical terms of the
   * question and `minPaperCoverage` of their weight was found for the question, even when no single
   * sentence matches enough of it (a claim words its finding otherwise than the abstract does);
   * the answer is then given, as partial unless a sentence grounds it. The 3 terms are what keep
   * off-topic questions out (none reaches them on the sample); the weight share is low (0.1, not
   * 0.25) because a long paraphrase spreads its weight over many words: a quarter refused
   * held-out paraphrases whose best paper the search ranked first (SciFact train best paper cited
   * 0.737 -> 0.742, the team set unchanged).
   */
  paperDepth?: number;
  minPaperTerms?: number;
  minPaperCoverage?: number;
  /** Share of the question's term weight the quoted evidence must match for a full (not partial) answer. */
  fullCoverage?: number;
  /**
   * Similarity at or above which a sentence grounds the answer, though it (with its title) matches
   * too few of the question's words (a paraphrase), when it shares at least one topical word with
   * the question: an anchor.
   */
  minSimilarity?: number;
  /**
   * Similarity at or above which a sentence grounds the answer with no topical word of the question;
   * default: halfway from `minSimilarity` to 1 (0.82 with word vectors on the sample). Word vectors
   * put unrelated sentences above `minSimilarity` now and then: "Who wrote the novel War and Peace?"
   * found a sentence at 0.65 against a bar of 0.63 on the sample, sharing only "novel", not topical in
   * an abstract. Requiring the shared word moved no figure of the team set or SciFact train; an
   * embedder that matches meaning rather than words may still ground a paraphrase on similarity alone.
   */
  minUnanchoredSimilarity?: number;
  /** Similarity that unrelated text reaches by chance: below it, similarity says nothing. */
  chanceSimilarity?: number;
  /** How much a reported result outweighs background of the same relevance when picking a paper's claim. */
  findingWeight?: number;
  /** A paper's claim is chosen among its sentences at least this share as relevant as its most relevant one. */
  claimRelevance?: number;
  /**
   * How much a paper's place in the search's ranking counts when choosing which papers' claims are
   * quoted: a paper at place `r` (0 for the first) starts from `1 / (1 + rankDecay × r)`, to which
   * `evidenceWeight × relevance` of its claim is added. The search's order is the stronger signal on
   * paraphrases, where the claims' own relevance is low everywhere; relevance lets a clearly better
   * sentence from a lower paper in.
   */
  rankDecay?: number;
  evidenceWeight?: number;
  /**
   * Word-vector similarity of a word to each of `others` (undefined for a word without a vector), as
   * the word-vector embedder's `wordSimilarities` gives it. With it, an answer only the search
   * grounds (a paraphrase) orders the papers read by their place in the search plus
   * `alignmentWeight` × how closely their title and abstract align with the question's words.
   */
  wordSimilarities?: (word: string, others: readonly string[]) => ReadonlyArray<number | undefined>;
  /**
   * Weight of a paper's soft alignment with the question (see `softAlignment`) beside
   * `1 / (1 + rankDecay × place)` when only the search grounds the answer. A paraphrase shares one
   * to three common words with its best paper, so the search ranks it 6th-7th; its other words'
   * closest words there ("mistakes": "errors" 0.79; "python" in the abstract) lift it to the first
   * three (team set 35 -> 37 of 41 best paper cited at 6, 8 or 12, 36 at 4, held-out alike; SciFact
   * train 600 of 809 at 6, as without it, 596-599 at 4, 8 and 12).
   */
  alignmentWeight?: number;
  /** A paper after the first is quoted only when its claim's value is at least this share of the best claim's. */
  minRelativeValue?: number;
  /**
   * When sentences ground the answer, a paper after the first is also quoted only when its claim is
   * at least this share as relevant as the best one: then relevance is a reliable signal. On an
   * answer grounded only by the search (a paraphrase) it is not, and the search's order decides.
   */
  minRelativeRelevance?: number;
  /**
   * A paper after the first is quoted only when its title and abstract match at least this share of
   * the question's term weight that the best-matching paper read matches: a lower hit that shares one
   * word of the question is not relevant however well one sentence reads (citation precision).
   */
  minRelativeCoverage?: number;
  seeAlso?: number;
}

const DEFAULTS = {
  maxClaims: 4,
  maxPartialClaims: 3,
  minMatchedTerms: 2,
  minCoverage: 0.4,
  paperDepth: 3,
  minPaperTerms: 3,
  minPaperCoverage: 0.1,
  fullCoverage: 0.75,
  minSimilarity: 0.5,
  chanceSimilarity: 0.2,
  findingWeight: 0.5,
  claimRelevance: 0.3,
  rankDecay: 0.25,
  evidenceWeight: 0.5,
  alignmentWeight: 6,
  minRelativeValue: 0.5,
  minRelativeRelevance: 0.4,
  minRelativeCoverage: 0.5,
  seeAlso: 3,
} satisfies Omit<Required<AnswerOptions>, 'questionVector' | 'idf' | 'searchFound' | 'minUnanchoredSimilarity' | 'wordSimilarities'>;

type Settings = typeof DEFAULTS & { minUnanchoredSimilarity: number };

export const NOT_ANSWERED = 'The indexed abstracts do not answer this question.';

// Words that frame a question without naming its subject; they are not stop words for indexing.
const QUESTION_WORDS = ['does', 'why', 'when', 'explain', 'describe', 'tell', 'know', 'way', 'ways', 'kind', 'kinds', 'difference'];
const NON_TOPIC_TERMS: ReadonlySet<string> = new Set([...QUESTION_WORDS, ...BOILERPLATE_WORDS].map((word) => stem(word)));

/** How one sentence bears on the question. */
interface Reading {
  paper: PaperCandidate;
  sentence: string;
  /** In [0, 1]: the larger of the sentence's own term coverage and its similarity above chance. */
  relevance: number;
  /** This sentence (with its title) alone would ground the answer. */
  supports: boolean;
  /** Question term weight matched by the sentence with its title. */
  coverage: number;
  /** Similar enough to the question to ground the answer (`minSimilarity`, `minUnanchoredSimilarity`). */
  close: boolean;
}

/**
 * Reads the papers a search found (best first) and answers from them. Each paper's claim is, among
 * its sentences nearly as relevant as its most relevant one (`claimRelevance`), the one that best
 * reports a result (`findingWeight`: findings before background and set-up), never a question; one
 * numbered claim per paper, quoted verbatim, in search order, at most `maxClaims`: the search's best
 * first, then the papers valued most for their place in the search plus their relevance
 * (`rankDecay`, `evidenceWeight`, `minRelativeValue`, `minRelativeRelevance`) among those whose
 * title and abstract match at least `minRelativeCoverage` of what the best-matching paper matches.
 * On an answer only the search grounds, given `wordSimilarities`, the search's order is first
 * amended by how closely each paper's words align with the question's (`alignmentWeight`).
 * The answer is grounded when some sentence, with its paper's title, matches at least
 * `minMatchedTerms` of the question's topical terms and `minCoverage` of their weight, or is at least
 * `minSimilarity` similar to the question while sharing one of those terms (`minUnanchoredSimilarity`
 * without); it is given as partial when only the search grounds it
 * (`searchFound`, or a paper among the first `paperDepth` matching `minPaperTerms` terms and
 * `minPaperCoverage` of the weight), or when what is quoted covers less than `fullCoverage` of that
 * weight and no quoted sentence is that close. Otherwise it says the abstracts do not answer,
 * and cites and lists no paper: none is close.
 * @example composeAnswer('How robust is RL to noisy rewards?', papers, { questionVector, idf })
 */
export function composeAnswer(question: string, papers: readonly PaperCandidate[], options: AnswerOptions = {}): ComposedAnswer {
  const merged = { ...DEFAULTS, ...options };
  // A bar calibrated above 1 (an embedder whose off-topic probes reach cosine ≈ 1) leaves no halfway point.
  const halfway = Math.max(merged.minSimilarity, (1 + merged.minSimilarity) / 2);
  const settings = { ...merged, minUnanchoredSimilarity: options.minUnanchoredSimilarity ?? halfway };
  validate(settings);
  const questionTerms = new Set(terms(question).filter((term) => !NON_TOPIC_TERMS.has(term)));
  const required = Math.min(settings.minMatchedTerms, questionTerms.size);
  const weight = (term: string): number => options.idf?.(term) ?? 1;
  const questionWeight = [...questionTerms].reduce((sum, term) => sum + weight(term), 0);
  const share = (matched: Iterable<string>): number =>
    questionWeight > 0 ? [...matched].reduce((sum, term) => sum + weight(term), 0) / questionWeight : 0;
  const aboveChance = (similarity: number): number =>
    Math.max(0, Math.min(1, (similarity - settings.chanceSimilarity) / Math.max(1e-6, settings.minSimilarity - settings.chanceSimilarity)));

  const claims: Reading[] = [];
  let grounded = false;
  let paperFound = false;
  const paperCoverage = new Map<PaperCandidate, number>();
  for (const [rank, paper] of papers.entries()) {
    const titleTerms = new Set(terms(paper.title));
    const paperTerms = new Set([...titleTerms, ...paper.sentences.flatMap(({ text }) => terms(text))]);
    const matched = [...questionTerms].filter((term) => paperTerms.has(term));
    paperCoverage.set(paper, share(matched));
    paperFound ||=
      rank < settings.paperDepth &&
      matched.length >= Math.min(settings.minPaperTerms, questionTerms.size) &&
      share(matched) >= settings.minPaperCoverage;
    const readings: Reading[] = [];
    for (const { text, vector } of paper.sentences) {
      if (isQuestionSentence(text)) continue;
      const sentenceTerms = new Set(terms(text));
      const inSentence = [...questionTerms].filter((term) => sentenceTerms.has(term));
      const withTitle = [...questionTerms].filter((term) => sentenceTerms.has(term) || titleTerms.has(term));
      const similarity = settings.questionVector && vector ? cosine(settings.questionVector, vector) : 0;
      const relevance = Math.max(share(inSentence), aboveChance(similarity));
      if (relevance <= 0) continue;
      const coverage = share(withTitle);
      const close = similarity >= (withTitle.length > 0 ? settings.minSimilarity : settings.minUnanchoredSimilarity);
      const supports = (required > 0 && withTitle.length >= required && coverage >= settings.minCoverage) || close;
      grounded ||= supports;
      readings.push({ paper, sentence: text, relevance, coverage, close, supports });
    }
    const claim = chooseClaim(readings, settings);
    if (claim) claims.push(claim);
  }
  const bySearch = !grounded && (options.searchFound === true || paperFound) && claims.length > 0;
  if (!grounded && !bySearch) return refusal();

  // The search's best paper with a claim leads; the others, among the papers matching enough of the
  // question, are quoted by value (their place in the search and their relevance), best first up to
  // `maxClaims`, and shown in the search's order. When only the search grounds the answer, the place
  // is in the search's order amended by the papers' alignment with the question's words.
  const place = bySearch && options.wordSimilarities ? alignedOrder(question, papers, options.wordSimilarities, weight, settings) : papers;
  const valued = claims.map((claim) => {
    const rank = place.indexOf(claim.paper);
    const coverage = paperCoverage.get(claim.paper) ?? 0;
    return { claim, rank, coverage, value: 1 / (1 + settings.rankDecay * rank) + settings.evidenceWeight * claim.relevance };
  });
  valued.sort((a, b) => a.rank - b.rank);
  const minCoverage = bySearch ? 0 : settings.minRelativeCoverage * Math.max(...valued.map(({ coverage }) => coverage));
  const bestValue = Math.max(...valued.map(({ value }) => value));
  const minRelevance = bySearch ? 0 : settings.minRelativeRelevance * Math.max(...claims.map((claim) => claim.relevance));
  const [lead, ...others] = valued.filter(
    ({ claim, value, coverage }, index) =>
      index === 0 ||
      (coverage >= minCoverage && (claim.supports || (value >= settings.minRelativeValue * bestValue && claim.relevance >= minRelevance))),
  );
  const quoted = [
    ...(lead ? [lead] : []),
    ...others
      .sort((a, b) => b.value - a.value)
      .slice(0, (bySearch ? Math.min(settings.maxClaims, settings.maxPartialClaims) : settings.maxClaims) - 1),
  ]
    .sort((a, b) => a.rank - b.rank)
    .map(({ claim }) => claim);
  const citations = quoted.map((claim) => ({ id: claim.paper.id, title: claim.paper.title, sentence: claim.sentence }));
  const covered = new Set(
    quoted.flatMap((claim) => [...questionTerms].filter((term) => terms(`${claim.paper.title} ${claim.sentence}`).includes(term))),
  );
  const partial = bySearch || (share(covered) < settings.fullCoverage && !quoted.some((claim) => claim.close));
  const cited = new Set(citations.map((citation) => citation.id));
  return {
    answer: citations.map((citation, index) => withMarker(citation.sentence, index + 1)).join(' '),
    citations,
    grounded: true,
    partial,
    seeAlso: papers
      .filter((paper) => !cited.has(paper.id))
      .slice(0, settings.seeAlso)
      .map(({ id, title }) => ({ id, title })),
  };
}

/**
 * How much of the question's word-vector-readable weight a soft alignment takes; raised to this power
 * and scaling the alignment, it keeps a claim full of words without vectors ("HOXB4", "HSC": hashed
 * in the embedder, unknown to `wordSimilarities`) in the search's order (SciFact train: 591 of 809
 * best paper cited unscaled, 597 squared, 600 at the fourth power, 600 without the reordering).
 */
const ALIGNMENT_SHARE_POWER = 4;

/**
 * The papers read, reordered by `1 / (1 + rankDecay × place)` plus `alignmentWeight` × their soft
 * alignment with the question: each of the question's topical words with a word vector counts its
 * IDF weight times 1 when the paper's title or abstract holds it, else its best similarity to one of
 * the paper's words (a relaxed Word Mover's Distance), over the weight of those words, scaled by
 * their share of the question's whole weight (`ALIGNMENT_SHARE_POWER`).
 */
function alignedOrder(
  question: string,
  papers: readonly PaperCandidate[],
  similarities: NonNullable<AnswerOptions['wordSimilarities']>,
  weight: (term: string) => number,
  settings: Settings,
): PaperCandidate[] {
  const words = new Map<string, string>();
  for (const { term, word } of tokenize(question)) if (!NON_TOPIC_TERMS.has(term) && !words.has(term)) words.set(term, word);
  const all = [...words.keys()].reduce((sum, term) => sum + weight(term), 0);
  const readable = [...words].filter(([, word]) => similarities(word, [word])[0] !== undefined);
  const readableWeight = readable.reduce((sum, [term]) => sum + weight(term), 0);
  if (readableWeight <= 0) return [...papers];
  const share = (readableWeight / all) ** ALIGNMENT_SHARE_POWER;
  const read = papers.map((paper) => tokenize([paper.title, ...paper.sentences.map(({ text }) => text)].join(' ')));
  // Each question word is compared once with every distinct word of the papers read.
  const vocabulary = [...new Set(read.flatMap((tokens) => tokens.map((token) => token.word)))];
  const closeness = readable.map(([, word]) => {
    const scores = similarities(word, vocabulary);
    return new Map(vocabulary.map((other, index) => [other, Math.max(0, scores[index] ?? 0)]));
  });
  const alignment = (tokens: readonly Token[]): number => {
    const paperTerms = new Set(tokens.map((token) => token.term));
    let aligned = 0;
    readable.forEach(([term], index) => {
      const close = closeness[index] as Map<string, number>;
      aligned += weight(term) * (paperTerms.has(term) ? 1 : Math.max(0, ...tokens.map((token) => close.get(token.word) ?? 0)));
    });
    return (share * aligned) / readableWeight;
  };
  return papers
    .map((paper, rank) => ({
      paper,
      rank,
      value: 1 / (1 + settings.rankDecay * rank) + settings.alignmentWeight * alignment(read[rank] as Token[]),
    }))
    .sort((a, b) => b.value - a.value || a.rank - b.rank)
    .map(({ paper }) => paper);
}

/**
 * A paper's claim: among its sentences at least `claimRelevance` as relevant as its most relevant one,
 * the one valued most for relevance plus `findingWeight` × how strongly it reads as a result. The
 * claim carries the paper's best relevance, so preferring a finding changes what is quoted from a
 * paper, not which papers are quoted.
 */
function chooseClaim(readings: readonly Reading[], settings: Settings): Reading | undefined {
  if (readings.length === 0) return undefined;
  const best = Math.max(...readings.map((reading) => reading.relevance));
  let claim: Reading | undefined;
  let claimScore = -Infinity;
  for (const reading of readings) {
    if (reading.relevance < settings.claimRelevance * best) continue;
    const score = reading.relevance + settings.findingWeight * findingStrength(reading.sentence);
    if (score > claimScore) {
      claim = reading;
      claimScore = score;
    }
  }
  return claim && { ...claim, relevance: best, supports: readings.some((reading) => reading.supports) };
}

/**
 * Lists no papers: a refused question matched nothing more strongly than off-topic questions do, so
 * its search's top hits are not close to it (on the team and held-out sets, none of the refused
 * answerable questions had its best paper there, and every off-topic question would list unrelated ones).
 */
function refusal(): ComposedAnswer {
  return { answer: NOT_ANSWERED, citations: [], grounded: false, partial: false, seeAlso: [] };
}

/** "A sentence." → "A sentence [2]." so the marker reads as part of the claim it supports. */
function withMarker(sentence: string, marker: number): string {
  const trimmed = sentence.trim();
  const match = /[.!]+$/.exec(trimmed);
  return match ? `${trimmed.slice(0, match.index)} [${marker}]${match[0]}` : `${trimmed} [${marker}].`;
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

function validate(settings: Settings): void {
  const share = (value: number) => value >= 0 && value <= 1;
  const checks: Array<[keyof Settings, boolean]> = [
    ['maxClaims', Number.isInteger(settings.maxClaims) && settings.maxClaims >= 1],
    ['maxPartialClaims', Number.isInteger(settings.maxPartialClaims) && settings.maxPartialClaims >= 1],
    ['minMatchedTerms', Number.isInteger(settings.minMatchedTerms) && settings.minMatchedTerms >= 1],
    ['minCoverage', share(settings.minCoverage)],
    ['paperDepth', Number.isInteger(settings.paperDepth) && settings.paperDepth >= 0],
    ['minPaperTerms', Number.isInteger(settings.minPaperTerms) && settings.minPaperTerms >= 1],
    ['minPaperCoverage', share(settings.minPaperCoverage)],
    ['fullCoverage', share(settings.fullCoverage)],
    ['minSimilarity', Number.isFinite(settings.minSimilarity)],
    [
      'minUnanchoredSimilarity',
      Number.isFinite(settings.minUnanchoredSimilarity) && settings.minUnanchoredSimilarity >= settings.minSimilarity,
    ],
    ['chanceSimilarity', Number.isFinite(settings.chanceSimilarity) && settings.chanceSimilarity < settings.minSimilarity],
    ['findingWeight', Number.isFinite(settings.findingWeight) && settings.findingWeight >= 0],
    ['claimRelevance', share(settings.claimRelevance)],
    ['rankDecay', Number.isFinite(settings.rankDecay) && settings.rankDecay >= 0],
    ['evidenceWeight', Number.isFinite(settings.evidenceWeight) && settings.evidenceWeight >= 0],
    ['alignmentWeight', Number.isFinite(settings.alignmentWeight) && settings.alignmentWeight >= 0],
    ['minRelativeValue', share(settings.minRelativeValue)],
    ['minRelativeRelevance', share(settings.minRelativeRelevance)],
    ['minRelativeCoverage', share(settings.minRelativeCoverage)],
    ['seeAlso', Number.isInteger(settings.seeAlso) && settings.seeAlso >= 0],
  ];
  for (const [field, valid] of checks) {
    if (!valid) throw new PaperscopeError('INVALID_PARAMETER', `Answer option ${field} is out of range: ${settings[field]}`, { field });
  }
}
