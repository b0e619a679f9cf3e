import { PaperscopeError } from '../../core/errors.js';
import { BOILERPLATE_WORDS, forEachWord, STOP_WORDS, type Token, stem, terms } from '../text/index.js';
import { DEFAULT_CLUSTER_SEED, sampleIndices } from './random.js';

export interface LabelInput {
  docs: ReadonlyArray<{ title: string; abstract: string }>;
  assignments: readonly number[];
  k: number;
  /** At most this many phrases in a label (default 3). */
  maxPhrases?: number;
}

export interface TopicLabel {
  /** One to three phrases joined by " / ", unique across topics. */
  label: string;
  /** Share of the topic's (sampled) papers holding one of the label's phrases. */
  coverage: number;
  /** How many times more often the label's phrases occur in the topic's papers than in the others' (Infinity: only inside). */
  distinctiveness: number;
  /** The topic's most distinctive phrases; the strongest has weight 1. */
  keywords: Array<{ term: string; weight: number }>;
}

const KEYWORD_COUNT = 10;
const TITLE_WEIGHT = 2;
/**
 * Phrases after the first must score at least this share of the first one's relevance. Measured
 * (mean label coverage, offline embedder): 0.6 left most arXiv topics with one or two phrases
 * (59% coverage); 0.35 lets a label name the rest of its topic (68%), and 0.2 admits generic words.
 */
const SECOND_PHRASE_SHARE = 0.35;
/** A phrase after the first must name at least this share of the topic's papers the label does not name yet. */
const MIN_GAIN_SHARE = 0.05;
/** …and be at least this many times as frequent in the topic's papers as in the others'. */
const MIN_PHRASE_DISTINCTIVENESS = 3;
/**
 * A bigram is rarer than each of its words, so its score is scaled up when choosing a label:
 * "diffusion models" (0.023) then beats "diffusion" (0.026), being the more specific name.
 */
const BIGRAM_PREFERENCE = 2;
/**
 * Labels are computed from a seeded sample of at most this many papers (plus top-ups for small
 * topics): with a dozen topics ('auto' chooses at most 12) that leaves a hundred or more papers per
 * topic, whose phrase statistics rank its phrases as all would, and phrase extraction and counting
 * cost ≈ 0.5 ms per paper.
 */
const LABEL_SAMPLE_SIZE = 1_000;
/** Each topic contributes at least this many papers to the label sample (all of them if fewer). */
const MIN_TOPIC_SAMPLE = 100;
/** A topic with this many sampled papers is named only by phrases found in two of them or more. */
const MIN_SAMPLE_FOR_TWO_PAPERS = 4;
/** Weight of a phrase's precision (share of its papers inside the topic) when choosing a label. */
const PRECISION_EXPONENT = 0.5;
/** A phrase in every title of a topic scores this much more, in proportion to the titles it is in. */
const TITLE_BONUS = 1;
/** A word is named by a bigram found in at least this share of the topic's papers that hold the word. */
const EXTENSION_SHARE = 0.5;
/** How strongly a phrase found in many of the corpus' papers (generic: "language models") is demoted. */
const GENERIC_EXPONENT = 2;
/** A word is taken for a noun only after this many uses as the head of a noun phrase. */
const MIN_HEAD_USES = 2;
/** A word in this many of a topic's titles is what its authors call the subject, whatever its grammar. */
const MIN_TITLE_USES = 2;
/** Endings that mark an English adjective ("probabilistic", "robust" aside): modifiers, not names. */
const ADJECTIVE_ENDING = /(?:ic|ical|ous|ive|able|ible|ful|less)$/i;
/** Words before a noun phrase: the word they introduce, when it ends the phrase, is a noun. */
const DETERMINER_BEFORE = /\b(?:a|an|the|this|that|these|those|its|their|our|each|every|such)\s+$/i;
/** How much a next phrase's relevance counts beside the papers it adds to the label. */
const RELEVANCE_EXPONENT = 0.5;
const LABEL_POOL = 30;
/** Phrases considered per topic: enough for keywords, word extension and the label pool. */
const CANDIDATES = 300;
/** A phrase in more than this share of all papers is the corpus' theme, not a topic's. */
const MAX_CORPUS_SHARE = 0.5;

/** Words that say nothing about a topic's subject, on top of the shared boilerplate list. */
const LABEL_BOILERPLATE = [
  'ability',
  'abilities',
  'able',
  'accuracy',
  'achieving',
  'analysis',
  'baseline',
  'baselines',
  'better',
  'capability',
  'capabilities',
  'challenge',
  'challenges',
  'challenging',
  'compared',
  'comparable',
  'competitive',
  'comprehensive',
  'crucial',
  'critical',
  'current',
  'demonstrated',
  'design',
  'designed',
  'despite',
  'due',
  'effectiveness',
  'efficacy',
  'enable',
  'enables',
  'enabling',
  'enhance',
  'enhances',
  'enhancing',
  'ensure',
  'essential',
  'evaluate',
  'evaluated',
  'example',
  'extensive',
  'general',
  'generalize',
  'given',
  'high',
  'higher',
  'impact',
  'important',
  'importance',
  'include',
  'including',
  'insight',
  'insights',
  'issue',
  'issues',
  'lead',
  'leads',
  'leverage',
  'leverages',
  'leveraging',
  'limitation',
  'limitations',
  'limited',
  'low',
  'lower',
  'make',
  'makes',
  'making',
  'need',
  'notably',
  'number',
  'particular',
  'particularly',
  'potential',
  'practical',
  'previous',
  'prior',
  'promising',
  'range',
  'remain',
  'remains',
  'require',
  'requires',
  'requiring',
  'robust',
  'setting',
  'settings',
  'several',
  'shown',
  'specific',
  'specifically',
  'strong',
  'substantial',
  'substantially',
  'superior',
  'surpass',
  'surpasses',
  'sota',
  'type',
  'types',
  'typically',
  'understanding',
  'wide',
  'widely',
  'world',
  'real',
  'gain',
  'gains',
  'improvement',
  'improvements',
  'way',
  'ways',
  'aim',
  'aims',
  'goal',
  'allow',
  'allows',
  'help',
  'helps',
  'highlight',
  'highlights',
  'reveal',
  'reveals',
  'suggest',
  'suggests',
  'yield',
  'yields',
  'open',
  'source',
  'publicly',
  'release',
  'released',
  'respectively',
  'contrast',
  'cause',
  'causes',
  'caused',
  'lack',
  'fail',
  'fails',
  'observe',
  'observed',
  'finding',
  'findings',
  'exhibit',
  'exhibits',
  'when',
  'where',
  'while',
  'which',
  'whose',
  'during',
  'further',
  'offer',
  'offers',
  'provide',
  'various',
  'via',
  'toward',
  'towards',
  'simple',
  'effective',
  'state-of-the-art',
  'large-scale',
  'real-world',
  'fine-grained',
  'high-quality',
  'open-source',
  'end-to-end',
  'off-the-shelf',
  'plug-and-play',
  'step-by-step',
  'well-known',
  'trade-off',
  'in-depth',
  'so-called',
  'long-term',
];

/** Function words the `stopword` list lacks ("its", "will"): never a keyword. */
const LABEL_STOP_WORDS = [
  'its',
  'itself',
  'will',
  'cannot',
  'does',
  'done',
  'whereby',
  'may',
  'might',
  'must',
  'shall',
  'should',
  'would',
  'could',
  'per',
  'whose',
  'whom',
  'thereby',
  'hence',
  'whereas',
  'wherein',
  'along',
  'around',
  'beyond',
  'either',
  'neither',
  'nor',
  'else',
  'ever',
  'every',
  'few',
  'less',
  'least',
  'perhaps',
  'quite',
  'rather',
  'since',
  'sometimes',
  'together',
  'unless',
  'until',
  'already',
  'always',
  'almost',
  'although',
  'become',
  'becomes',
  'behind',
  'below',
  'beside',
  'besides',
  'cannot',
  'get',
  'gets',
  'give',
  'gives',
  'indeed',
  'last',
  'latter',
  'mostly',
  'namely',
  'next',
  'none',
  'nothing',
  'now',
  'part',
  'seem',
  'seems',
  'something',
  'though',
  'throughout',
  'whole',
  'whether',
  'without',
  'within',
  'upon',
  'thus',
  'yet',
  'well',
  'still',
  'often',
  'much',
  'many',
];

/** Boilerplate heads that still make a technical phrase after a topical word ("reward model"). */
const HEAD_TERMS: ReadonlySet<string> = new Set(['model', 'learn', 'data', 'train', 'evalu', 'benchmark', 'task', 'framework']);

const BOILERPLATE_TERMS: ReadonlySet<string> = new Set(
  [...BOILERPLATE_WORDS, ...LABEL_BOILERPLATE, ...LABEL_STOP_WORDS].flatMap((word) => [word, stem(word)]),
);

const URL_PATTERN = /\b(?:https?:\/\/|www\.)\S+/gi;

interface Occurrence {
  key: string;
  surface: string;
  weight: number;
}

/** How often a word ends a noun phrase (head) or modifies the next word: nouns name topics, adjectives do not. */
interface WordRoles {
  heads: number;
  modifiers: number;
}

interface PhraseStats {
  /** Sublinear weight of the phrase in each topic. */
  byTopic: Map<number, number>;
  /** Papers of each topic that contain the phrase. */
  papers: Map<number, Set<number>>;
  /** Papers of each topic whose title contains the phrase. */
  titles: Map<number, number>;
  surfaces: Map<string, number>;
  total: number;
}

/**
 * Names topics with class-based TF-IDF over unigrams and bigrams: how much more a phrase belongs to
 * one topic's papers than to the corpus. Titles count twice. The label takes up to three phrases
 * that together name most of its papers (greedy cover), never repeating a word, and is unique across topics (larger
 * topics choose first).
 *
 * @example labelTopics({ docs, assignments, k: 5 })[0].label // → "reward noise / RLVR"
 */
export function labelTopics(input: LabelInput): TopicLabel[] {
  const { docs, assignments, k } = input;
  const maxPhrases = input.maxPhrases ?? 3;
  if (!Number.isInteger(maxPhrases) || maxPhrases < 1) {
    throw new PaperscopeError('INVALID_PARAMETER', `maxPhrases must be a positive integer, got ${maxPhrases}`, { field: 'maxPhrases' });
  }
  if (docs.length !== assignments.length) {
    throw new PaperscopeError('INVALID_INPUT', `${docs.length} docs but ${assignments.length} assignments`, { field: 'assignments' });
  }
  const sizes = new Array<number>(k).fill(0);
  assignments.forEach((topic, index) => {
    if (!Number.isInteger(topic) || topic < 0 || topic >= k) {
      throw new PaperscopeError('INVALID_INPUT', `assignments[${index}] is ${topic}, not a topic id below ${k}`, {
        field: 'assignments',
        index,
      });
    }
    sizes[topic] = (sizes[topic] as number) + 1;
  });

  const sample = labelSample(assignments, sizes);
  const sampleSizes = new Array<number>(k).fill(0);
  for (const index of sample) sampleSizes[assignments[index] as number] = (sampleSizes[assignments[index] as number] as number) + 1;
  const { phrases, roles, topicMass } = collectPhrases(
    sample.map((index) => docs[index] as LabelInput['docs'][number]),
    sample.map((index) => assignments[index] as number),
    k,
    sampleSizes.map((size) => size < MIN_SAMPLE_FOR_TWO_PAPERS),
  );
  if (k > 1) {
    for (const [key, stats] of phrases) {
      const papers = [...stats.papers.values()].reduce((sum, set) => sum + set.size, 0);
      if (papers <= sample.length * MAX_CORPUS_SHARE) continue;
      phrases.delete(key);
      for (const [topic, weight] of stats.byTopic) topicMass[topic] = (topicMass[topic] as number) - weight;
    }
  }
  const scores = classTfIdf(phrases, topicMass);
  const owners = phraseOwners(scores);
  const order = sizes.map((_, topic) => topic).sort((a, b) => (sizes[b] as number) - (sizes[a] as number) || a - b);
  const usedPhrases = new Set<string>();
  const labels = new Array<TopicLabel>(k);
  // A phrase is ranked in two lists of each topic that holds it: its spelling is found once.
  const displays = new Map<string, string>();
  const displayOf = (key: string): string => {
    let display = displays.get(key);
    if (display === undefined) {
      display = displayForm(phrases.get(key) as PhraseStats);
      displays.set(key, display);
    }
    return display;
  };
  for (const topic of order) {
    // A phrase found in one paper only describes that paper, not the topic.
    const minPapers = (sampleSizes[topic] as number) >= MIN_SAMPLE_FOR_TWO_PAPERS ? 2 : 1;
    const eligible = [...(scores[topic] ?? [])].filter(([key]) => (phrases.get(key)?.papers.get(topic)?.size ?? 0) >= minPapers);
    const withDisplay = (key: string, score: number) => ({ key, score, display: displayOf(key) });
    const ranked = topCandidates(eligible).map(([key, score]) => withDisplay(key, score));
    const byRelevance = topCandidates(
      eligible.map(
        ([key, score]) =>
          [key, score * labelPreference(phrases.get(key) as PhraseStats, key, topic, sampleSizes[topic] as number, sample.length)] as const,
      ),
    ).map(([key, score]) => withDisplay(key, score));
    const top = ranked[0]?.score ?? 1;
    const keywords = dedupeByDisplay(ranked)
      .slice(0, KEYWORD_COUNT)
      .map((phrase) => ({ term: phrase.display, weight: Math.round((phrase.score / top) * 1e4) / 1e4 }));
    const extended = extendWords(byRelevance, phrases, roles, topic);
    // A phrase names the topic it is most distinctive of; other topics use it only as a last resort.
    const owned = extended.filter((phrase) => owners.get(phrase.key) === topic);
    const labelSizes = { topic: sampleSizes[topic] as number, corpus: sample.length };
    const chosen =
      chooseLabelPhrases(owned, phrases, topic, maxPhrases, usedPhrases, labelSizes) ??
      chooseLabelPhrases(extended, phrases, topic, maxPhrases, usedPhrases, labelSizes) ??
      [];
    const label = chosen.length > 0 ? chosen.map((phrase) => phrase.display).join(' / ') : `topic ${topic + 1}`;
    for (const phrase of chosen) usedPhrases.add(phrase.display.toLowerCase());
    labels[topic] = { label, keywords, ...labelQuality(chosen, phrases, topic, sampleSizes[topic] as number, sample.length) };
  }
  return labels;
}

/** The best-scoring phrases, best first (ties by key): keywords and labels come from the top few. */
function topCandidates(scored: ReadonlyArray<readonly [string, number]>): Array<readonly [string, number]> {
  return [...scored].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, CANDIDATES);
}

/**
 * The papers whose phrases are counted: all of a small corpus; on a large one a seeded sample,
 * topped up from each topic's first members so that a small topic is still described by enough
 * papers. Phrase frequencies from two thousand papers rank phrases much as all of them would.
 */
function labelSample(assignments: readonly number[], sizes: readonly number[]): number[] {
  const n = assignments.length;
  if (n <= LABEL_SAMPLE_SIZE) return assignments.map((_, index) => index);
  const chosen = new Set(sampleIndices(n, LABEL_SAMPLE_SIZE, DEFAULT_CLUSTER_SEED));
  const counts = new Array<number>(sizes.length).fill(0);
  for (const index of chosen) counts[assignments[index] as number] = (counts[assignments[index] as number] as number) + 1;
  assignments.forEach((topic, index) => {
    if ((counts[topic] as number) >= Math.min(sizes[topic] as number, MIN_TOPIC_SAMPLE) || chosen.has(index)) return;
    chosen.add(index);
    counts[topic] = (counts[topic] as number) + 1;
  });
  return [...chosen].sort((a, b) => a - b);
}

/**
 * Extracts the phrases of the papers every label sample of `docs` holds (the seeded part, before
 * the top-ups), so that labelling them later, once their topics are known, finds them done: a
 * worker does this while the topics are being clustered.
 */
export function prepareLabels(docs: LabelInput['docs']): void {
  const n = docs.length;
  const sampled = n <= LABEL_SAMPLE_SIZE ? docs.keys() : sampleIndices(n, LABEL_SAMPLE_SIZE, DEFAULT_CLUSTER_SEED);
  for (const index of sampled) docPhrases(docs[index] as LabelInput['docs'][number]);
}

/** Coverage and distinctiveness of the papers holding any of the label's phrases (see `TopicLabel`). */
function labelQuality(
  chosen: readonly RankedPhrase[],
  phrases: Map<string, PhraseStats>,
  topic: number,
  size: number,
  corpusSize: number,
): Pick<TopicLabel, 'coverage' | 'distinctiveness'> {
  const inside = new Set<number>();
  const outside = new Set<number>();
  for (const phrase of chosen) {
    for (const [other, papers] of phrases.get(phrase.key)?.papers ?? [])
      for (const paper of papers) (other === topic ? inside : outside).add(paper);
  }
  const coverage = size > 0 ? inside.size / size : 0;
  const outsideShare = corpusSize > size ? outside.size / (corpusSize - size) : 0;
  const distinctiveness = outsideShare > 0 ? coverage / outsideShare : coverage > 0 ? Number.POSITIVE_INFINITY : 0;
  return {
    coverage: Math.round(coverage * 1e4) / 1e4,
    distinctiveness: Number.isFinite(distinctiveness) ? Math.round(distinctiveness * 100) / 100 : distinctiveness,
  };
}

/**
 * How much better a distinctive phrase names its topic: a bigram is more specific than a word, a
 * phrase in several of the topic's titles is what its authors call the subject (one title is one
 * paper's wording), and a phrase that also occurs across other topics (low precision) or in many
 * of the corpus' papers (generic) names the corpus rather than this topic.
 */
function labelPreference(stats: PhraseStats, key: string, topic: number, size: number, corpusSize: number): number {
  const inTopic = stats.papers.get(topic)?.size ?? 0;
  const everywhere = [...stats.papers.values()].reduce((sum, papers) => sum + papers.size, 0);
  const precision = inTopic / Math.max(1, everywhere);
  const titles = stats.titles.get(topic) ?? 0;
  const titleShare = titles >= 2 ? titles / Math.max(1, size) : 0;
  const specificity = (1 - everywhere / Math.max(1, corpusSize)) ** GENERIC_EXPONENT;
  return (key.includes(' ') ? BIGRAM_PREFERENCE : 1) * precision ** PRECISION_EXPONENT * specificity * (1 + TITLE_BONUS * titleShare);
}

/**
 * A single word is replaced by the bigram it mostly occurs in within the topic ("multimodal" by
 * "multimodal reward"), which names the subject more specifically, at the word's relevance. A word
 * that is not a noun ("clean", "probabilistic") and is not in several of the topic's titles cannot name a topic alone: it takes its most
 * frequent bigram in the topic whatever that bigram's share, or is dropped when it has none.
 */
function extendWords(
  ranked: RankedPhrase[],
  phrases: Map<string, PhraseStats>,
  roles: ReadonlyMap<string, WordRoles>,
  topic: number,
): RankedPhrase[] {
  const papersIn = (key: string) => phrases.get(key)?.papers.get(topic)?.size ?? 0;
  // The longer phrases holding each word, in ranked order: found once, not by scanning the list for every word.
  const holding = new Map<string, RankedPhrase[]>();
  for (const other of ranked) {
    if (!other.key.includes(' ')) continue;
    for (const word of new Set(other.key.split(' '))) {
      const list = holding.get(word);
      if (list) list.push(other);
      else holding.set(word, [other]);
    }
  }
  const seen = new Set<string>();
  const extended: RankedPhrase[] = [];
  for (const phrase of ranked) {
    let chosen: RankedPhrase | undefined = phrase;
    if (!phrase.key.includes(' ')) {
      const bigrams = [...(holding.get(phrase.key) ?? [])].sort(
        (a, b) => papersIn(b.key) - papersIn(a.key) || b.score - a.score || (a.key < b.key ? -1 : 1),
      );
      const inTitles = (phrases.get(phrase.key)?.titles.get(topic) ?? 0) >= MIN_TITLE_USES && !ADJECTIVE_ENDING.test(phrase.display);
      const noun = inTitles || isNounLike(phrase, roles);
      const bigram = bigrams.find((other) => !noun || papersIn(other.key) >= papersIn(phrase.key) * EXTENSION_SHARE);
      chosen = bigram ? { ...bigram, score: Math.max(bigram.score, phrase.score) } : noun ? phrase : undefined;
    }
    if (!chosen || seen.has(chosen.key)) continue;
    seen.add(chosen.key);
    extended.push(chosen);
  }
  return extended.sort((a, b) => b.score - a.score || (a.key < b.key ? -1 : 1));
}

/**
 * A word may name a topic alone when it is a noun: an acronym or name written with inner capitals
 * (RLVR, LLMs), a hyphenated compound, or a word the corpus uses as the head of noun phrases, and at least as often as it
 * uses it to modify the next word ("reward noise", "the noise" against "clean rewards").
 */
function isNounLike(phrase: RankedPhrase, roles: ReadonlyMap<string, WordRoles>): boolean {
  // A compound ("text-to-image") is itself the established name of its subject.
  if (/^.+\p{Lu}/u.test(phrase.display) || phrase.key.includes('-')) return true;
  const { heads, modifiers } = roles.get(phrase.key) ?? { heads: 0, modifiers: 0 };
  // One use as a head ("previously reported") is chance, not evidence of a noun.
  return heads >= MIN_HEAD_USES && heads >= modifiers;
}

function phraseOwners(scores: Array<Map<string, number>>): Map<string, number> {
  const owners = new Map<string, number>();
  const best = new Map<string, number>();
  scores.forEach((topicScores, topic) => {
    for (const [key, score] of topicScores) {
      if (score > (best.get(key) ?? Number.NEGATIVE_INFINITY)) {
        best.set(key, score);
        owners.set(key, topic);
      }
    }
  });
  return owners;
}

/**
 * Every phrase's statistics, except those of phrases found in a single paper of a topic where a
 * label needs two (`singlesCount[topic]` false): those can never be chosen, yet most bigrams are such,
 * and their maps were most of labelling's time and garbage. They still count in `topicMass`, the
 * weight of all of a topic's phrases.
 */
function collectPhrases(
  docs: LabelInput['docs'],
  assignments: readonly number[],
  k: number,
  singlesCount: readonly boolean[],
): { phrases: Map<string, PhraseStats>; roles: Map<string, WordRoles>; topicMass: number[] } {
  const phrases = new Map<string, PhraseStats>();
  const roles = new Map<string, WordRoles>();
  const topicMass = new Array<number>(k).fill(0);
  const extracted = docs.map((doc) => docPhrases(doc));
  // Each phrase's paper count, and its statistics once counted: one look-up a phrase and paper below.
  const found = new Map<string, { papers: number; stats?: PhraseStats }>();
  extracted.forEach(({ keys }, index) => {
    const topic = assignments[index] as number;
    for (const { key, weight } of keys) {
      const entry = found.get(key);
      if (entry) entry.papers++;
      else found.set(key, { papers: 1 });
      topicMass[topic] = (topicMass[topic] as number) + weight;
    }
  });
  extracted.forEach(({ keys, titleKeys, roles: docRoles }, index) => {
    const topic = assignments[index] as number;
    for (const [term, { heads, modifiers }] of docRoles) {
      const role = roles.get(term);
      if (role) {
        role.heads += heads;
        role.modifiers += modifiers;
      } else roles.set(term, { heads, modifiers });
    }
    const singles = singlesCount[topic] === true;
    for (const { key, weight, surfaces } of keys) {
      const entry = found.get(key) as { papers: number; stats?: PhraseStats };
      if (!singles && entry.papers <= 1) continue;
      let stats = entry.stats;
      if (!stats) {
        stats = { byTopic: new Map(), papers: new Map(), titles: new Map(), surfaces: new Map(), total: 0 };
        entry.stats = stats;
        phrases.set(key, stats);
      }
      for (const [surface, count] of surfaces) stats.surfaces.set(surface, (stats.surfaces.get(surface) ?? 0) + count);
      stats.byTopic.set(topic, (stats.byTopic.get(topic) ?? 0) + weight);
      stats.total += weight;
      const papers = stats.papers.get(topic);
      if (papers) papers.add(index);
      else stats.papers.set(topic, new Set([index]));
    }
    for (const key of titleKeys) {
      const stats = phrases.get(key);
      if (stats) stats.titles.set(topic, (stats.titles.get(topic) ?? 0) + 1);
    }
  });
  return { phrases, roles, topicMass };
}

/** A paper's phrases, each once: its sublinear weight in the paper and how it was spelled. */
interface DocPhrases {
  keys: Array<{ key: string; weight: number; surfaces: Array<[string, number]> }>;
  /** Phrases of the title, each once. */
  titleKeys: string[];
  roles: Array<[string, WordRoles]>;
}

/**
 * Each paper's phrases, kept while the paper object lives: the second level labels the same papers
 * again, and extraction is most of what labelling costs (SciFact: half of the topics' time).
 */
const extracted = new WeakMap<object, { title: string; abstract: string; phrases: DocPhrases }>();

function docPhrases(doc: LabelInput['docs'][number]): DocPhrases {
  const known = extracted.get(doc);
  if (known && known.title === doc.title && known.abstract === doc.abstract) return known.phrases;
  const roles = new Map<string, WordRoles>();
  const inTitle = extractPhrases(doc.title, TITLE_WEIGHT, roles);
  // A phrase's spellings in one paper are one or two: a list searched in order of first use, not a map each.
  const byKey = new Map<string, { key: string; weight: number; surfaces: Array<[string, number]> }>();
  const add = ({ key, surface, weight }: Occurrence) => {
    const entry = byKey.get(key);
    if (!entry) {
      byKey.set(key, { key, weight, surfaces: [[surface, 1]] });
      return;
    }
    entry.weight += weight;
    const spelled = entry.surfaces.find(([known]) => known === surface);
    if (spelled) spelled[1]++;
    else entry.surfaces.push([surface, 1]);
  };
  inTitle.forEach(add);
  extractPhrases(doc.abstract, 1, roles).forEach(add);
  const keys = [...byKey.values()];
  // Sublinear, so that one paper repeating a word does not make it the topic's word.
  for (const entry of keys) entry.weight = 1 + Math.log(entry.weight);
  const phrases: DocPhrases = {
    keys,
    titleKeys: [...new Set(inTitle.map((occurrence) => occurrence.key))],
    roles: [...roles],
  };
  extracted.set(doc, { title: doc.title, abstract: doc.abstract, phrases });
  return phrases;
}

/**
 * c-TF-IDF (Grootendorst 2022): tf within the topic × log(1 + average topic mass / corpus frequency).
 * `topicMass` is the weight of all of each topic's phrases, counted or not.
 */
function classTfIdf(phrases: Map<string, PhraseStats>, topicMass: readonly number[]): Array<Map<string, number>> {
  const k = topicMass.length;
  const averageMass = topicMass.reduce((sum, mass) => sum + mass, 0) / Math.max(1, k);
  const scores = Array.from({ length: k }, () => new Map<string, number>());
  for (const [key, stats] of phrases) {
    const idf = Math.log(1 + averageMass / stats.total);
    for (const [topic, weight] of stats.byTopic) {
      scores[topic]?.set(key, (weight / (topicMass[topic] as number)) * idf);
    }
  }
  return scores;
}

/**
 * Unigrams (compounds kept whole) and bigrams of adjacent content words, keyed by stems. Counts
 * into `roles` how each word is used: first of a pair (modifier), last of a pair or alone after a
 * determiner (head).
 */
function extractPhrases(text: string, weight: number, roles: Map<string, WordRoles>): Occurrence[] {
  const clean = text.replace(URL_PATTERN, ' ');
  const { words, starts, texts } = wholeWords(clean);
  const count = words.length;
  const ends = words.map((token, position) => (starts[position] as number) + token.end - token.start);
  // Most words are whole matches: their matched text, already in the tokenizer's cache, is the surface.
  const surface = (position: number): string => texts[position] ?? clean.slice(starts[position], ends[position]);
  const phraseWord = words.map(isPhraseWord);
  const occurrences: Occurrence[] = [];
  const role = (term: string) => roles.get(term) ?? (roles.set(term, { heads: 0, modifiers: 0 }).get(term) as WordRoles);
  // Adjacent only when nothing but spaces separates them: no stop word, no punctuation.
  const pairedWithNext = words.map(
    (token, position) =>
      position + 1 < count &&
      phraseWord[position] === true &&
      phraseWord[position + 1] === true &&
      (words[position + 1] as Token).term !== token.term &&
      onlySpaces(clean, ends[position] as number, starts[position + 1] as number),
  );
  for (let position = 0; position < count; position++) {
    if (!phraseWord[position]) continue;
    const token = words[position] as Token;
    const start = starts[position] as number;
    const boilerplate = isBoilerplate(token);
    if (!boilerplate) occurrences.push({ key: token.term, surface: surface(position), weight });
    const paired = pairedWithNext[position] === true;
    if (paired) role(token.term).modifiers++;
    // The head of a run of content words is its last word: "clean" in "original clean target" is not one.
    const endsRun =
      !paired && (pairedWithNext[position - 1] === true || DETERMINER_BEFORE.test(clean.slice(Math.max(0, start - 8), start)));
    if (endsRun) role(token.term).heads++;
    if (boilerplate || !paired) continue;
    const next = words[position + 1] as Token;
    if (isBoilerplate(next) && !HEAD_TERMS.has(next.term)) continue;
    // Only spaces lie between the two words, and none inside either: the spaced-out pair.
    occurrences.push({ key: `${token.term} ${next.term}`, surface: `${surface(position)} ${surface(position + 1)}`, weight });
  }
  return occurrences;
}

/**
 * The text's words as `tokenize` gives them, less the parts the tokenizer adds after a compound
 * (keeping "text-to-image" as one word): each word's token (the tokenizer's shared object, offsets
 * relative to its match) and its start in the text. `texts[i]` is the word's matched text when the
 * token is all of it (its surface, without slicing the text again).
 */
function wholeWords(text: string): { words: Token[]; starts: number[]; texts: Array<string | undefined> } {
  const words: Token[] = [];
  const starts: number[] = [];
  const texts: Array<string | undefined> = [];
  let compoundEnd = -1;
  forEachWord(text, (analysed, at) => {
    for (const token of analysed.tokens) {
      if (at + token.start < compoundEnd) continue;
      words.push(token);
      starts.push(at + token.start);
      texts.push(token.start === 0 && token.end === analysed.text.length ? analysed.text : undefined);
      if (/[-^/.]/.test(token.word)) compoundEnd = at + token.end;
    }
  });
  return { words, starts, texts };
}

/** Whether `text[from, to)` is one or more whitespace characters (`/^\s+$/`), without slicing it. */
function onlySpaces(text: string, from: number, to: number): boolean {
  if (from >= to) return false;
  for (let i = from; i < to; i++) if (!isSpace(text.charCodeAt(i))) return false;
  return true;
}

/** JavaScript's `\s`: ASCII and Unicode spaces, line terminators and the BOM. */
function isSpace(code: number): boolean {
  return (
    (code >= 0x09 && code <= 0x0d) ||
    code === 0x20 ||
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}

// A corpus repeats few distinct words: each is judged once (bounded, like the tokenizer's caches).
const PHRASE_WORD_CACHE_LIMIT = 100_000;
const phraseWords = new Map<string, boolean>();

function isPhraseWord(token: Token): boolean {
  const known = phraseWords.get(token.word);
  if (known !== undefined) return known;
  if (phraseWords.size >= PHRASE_WORD_CACHE_LIMIT) phraseWords.clear();
  const judged = judgePhraseWord(token.word);
  phraseWords.set(token.word, judged);
  return judged;
}

function judgePhraseWord(word: string): boolean {
  // Version numbers, file names and "7b" are not topics.
  if (word.includes('.') || (word.match(/\p{L}/gu)?.length ?? 0) < 2) return false;
  const parts = word.split(/[-^/]/);
  const edges = [parts[0] ?? '', parts.at(-1) ?? ''];
  // "llm-based", "state-of-the-art": a compound that starts or ends with filler.
  return parts.length === 1 || !edges.some((part) => STOP_WORDS.has(part) || BOILERPLATE_TERMS.has(stem(part)));
}

function isBoilerplate(token: Token): boolean {
  return BOILERPLATE_TERMS.has(token.word) || BOILERPLATE_TERMS.has(token.term);
}

/**
 * The most frequent spelling of a phrase, lower-cased except for words written with capitals
 * inside them (acronyms and names such as RLVR, LLMs, ReNO).
 */
function displayForm(stats: PhraseStats): string {
  const byLower = new Map<string, Map<string, number>>();
  for (const [surface, count] of stats.surfaces) {
    const lower = surface.toLowerCase();
    const variants = byLower.get(lower) ?? new Map<string, number>();
    variants.set(surface, count);
    byLower.set(lower, variants);
  }
  const total = (variants: Map<string, number>) => [...variants.values()].reduce((sum, count) => sum + count, 0);
  const [, variants] = mostFrequent(
    [...byLower].map(([lower, group]) => [lower, total(group)] as const),
    byLower,
  );
  const [surface] = mostFrequent([...variants], variants);
  return surface.replace(/[\p{L}\p{N}]+/gu, (part) => (/^.+\p{Lu}/u.test(part) ? part : part.toLowerCase()));
}

function mostFrequent<T>(counts: ReadonlyArray<readonly [string, number]>, values: Map<string, T>): [string, T] {
  const [best] = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const key = best?.[0] ?? '';
  return [key, values.get(key) as T];
}

interface RankedPhrase {
  key: string;
  score: number;
  display: string;
}

function dedupeByDisplay(ranked: RankedPhrase[]): RankedPhrase[] {
  const seen = new Set<string>();
  return ranked.filter((phrase) => !seen.has(phrase.display.toLowerCase()) && seen.add(phrase.display.toLowerCase()));
}

/**
 * Greedy cover: after the most relevant phrase, each next one is the phrase that names most of the
 * topic's papers the label does not name yet, weighted by its relevance, so the label describes most
 * of its members; it must be distinctive itself (`MIN_PHRASE_DISTINCTIVENESS`). Phrases sharing a word
 * (or its root) with a chosen one, or used by a larger topic, are skipped.
 */
function chooseLabelPhrases(
  ranked: RankedPhrase[],
  phrases: Map<string, PhraseStats>,
  topic: number,
  maxPhrases: number,
  usedPhrases: ReadonlySet<string>,
  sizes: { topic: number; corpus: number },
): RankedPhrase[] | undefined {
  const pool = ranked.filter((phrase) => !usedPhrases.has(phrase.display.toLowerCase())).slice(0, LABEL_POOL);
  const first = pool[0];
  if (!first) return undefined;
  const papersOf = (phrase: RankedPhrase) => phrases.get(phrase.key)?.papers.get(topic) ?? new Set<number>();
  const distinctiveness = (phrase: RankedPhrase) => {
    const everywhere = [...(phrases.get(phrase.key)?.papers.values() ?? [])].reduce((sum, papers) => sum + papers.size, 0);
    const inside = papersOf(phrase).size;
    const outsideShare = (everywhere - inside) / Math.max(1, sizes.corpus - sizes.topic);
    return outsideShare > 0 ? inside / Math.max(1, sizes.topic) / outsideShare : Number.POSITIVE_INFINITY;
  };
  const chosen: RankedPhrase[] = [];
  const chosenWords = new Set<string>();
  const covered = new Set<number>();
  let candidate: RankedPhrase | undefined = first;
  while (candidate) {
    chosen.push(candidate);
    for (const term of terms(candidate.display)) chosenWords.add(wordRoot(term));
    for (const paper of papersOf(candidate)) covered.add(paper);
    if (chosen.length >= maxPhrases) break;
    let best: { phrase: RankedPhrase; value: number } | undefined;
    for (const phrase of pool) {
      if (phrase.score < first.score * SECOND_PHRASE_SHARE) break;
      if (terms(phrase.display).some((term) => chosenWords.has(wordRoot(term)))) continue;
      let gained = 0;
      for (const paper of papersOf(phrase)) if (!covered.has(paper)) gained++;
      if (gained < Math.max(1, MIN_GAIN_SHARE * sizes.topic) || distinctiveness(phrase) < MIN_PHRASE_DISTINCTIVENESS) continue;
      const value = (phrase.score / first.score) ** RELEVANCE_EXPONENT * gained;
      if (!best || value > best.value) best = { phrase, value };
    }
    candidate = best?.phrase;
  }
  return chosen;
}

/** Stems that differ only in their ending ("noise", "noisi") share a root: one label says it once. */
function wordRoot(term: string): string {
  return term.length > 4 && !term.includes('-') ? term.slice(0, 4) : term;
}
