import { PaperscopeError } from '../../core/errors.js';
import { type AnalysedWord, BOILERPLATE_WORDS, forEachWord, STOP_WORDS, type Token, stem, terms } from '../text/index.js';
import { compactLabels } from './metrics.js';
import { PhraseTable } from './phrase-table.js';
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

/**
 * Every phrase of the papers being labelled, counted by local phrase index p (0…m − 1, in order of
 * first use in the papers) in flat typed arrays, `[p * k + topic]` where per topic. Only phrases
 * that may name a topic have statistics (`counted[p]`): a phrase in a single paper is counted only
 * where that paper's topic is small enough to be named by such phrases.
 */
interface PhraseCounts {
  k: number;
  /** Phrase p's id in the phrase table. */
  ids: Int32Array;
  /** 1 where phrase p is counted and not the corpus' theme (`MAX_CORPUS_SHARE`). */
  counted: Uint8Array;
  /** Sublinear weight of phrase p in each topic. */
  byTopic: Float64Array;
  /** Phrase p's weight in all topics. */
  total: Float64Array;
  /** Papers of each topic that hold phrase p. */
  papersIn: Int32Array;
  /** Papers that hold phrase p. */
  papers: Int32Array;
  /** Papers of each topic whose title holds phrase p. */
  titles: Int32Array;
  /** Phrase p's papers (indices into the labelled papers, ascending) are `docs[start[p]…start[p + 1])`, at `slots` in each paper's phrases. */
  start: Int32Array;
  docs: Int32Array;
  slots: Int32Array;
  /** Weight of all of each topic's phrases, counted or not. */
  topicMass: number[];
  /** How often each word (by phrase id) heads a noun phrase or modifies the next word. */
  heads: Int32Array;
  modifiers: Int32Array;
  extracted: DocPhrases[];
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

  renewPhraseTable();
  const sample = labelSample(assignments, sizes);
  const sampleSizes = new Array<number>(k).fill(0);
  for (const index of sample) sampleSizes[assignments[index] as number] = (sampleSizes[assignments[index] as number] as number) + 1;
  const topicOf = Int32Array.from(sample, (index) => assignments[index] as number);
  const counts = collectPhrases(
    sample.map((index) => docs[index] as LabelInput['docs'][number]),
    topicOf,
    k,
    sampleSizes.map((size) => size < MIN_SAMPLE_FOR_TWO_PAPERS),
  );
  if (k > 1) dropCorpusThemes(counts, sample.length * MAX_CORPUS_SHARE);
  const scores = classTfIdf(counts);
  const owners = phraseOwners(counts, scores);
  const order = sizes.map((_, topic) => topic).sort((a, b) => (sizes[b] as number) - (sizes[a] as number) || a - b);
  const usedPhrases = new Set<string>();
  const labels = new Array<TopicLabel>(k);
  // A phrase is ranked in two lists of each topic that holds it: its spelling is found once.
  const displays = new Map<number, string>();
  const displayOf = (phrase: number): string => {
    let display = displays.get(phrase);
    if (display === undefined) {
      display = displayForm(surfacesOf(counts, phrase));
      displays.set(phrase, display);
    }
    return display;
  };
  const keyOf = (phrase: number) => phraseTable.keyOf(counts.ids[phrase] as number);
  for (const topic of order) {
    // A phrase found in one paper only describes that paper, not the topic.
    const minPapers = (sampleSizes[topic] as number) >= MIN_SAMPLE_FOR_TWO_PAPERS ? 2 : 1;
    const eligible = eligiblePhrases(counts, scores, topic, minPapers);
    const withDisplay = ([phrase, score]: readonly [number, number]) => new RankedPhrase(phrase, keyOf(phrase), score, displayOf);
    const ranked = topCandidates(eligible, keyOf).map(withDisplay);
    const byRelevance = topCandidates(
      eligible.map(
        ([phrase, score]) =>
          [phrase, score * labelPreference(counts, phrase, topic, sampleSizes[topic] as number, sample.length)] as [number, number],
      ),
      keyOf,
    ).map(withDisplay);
    const top = ranked[0]?.score ?? 1;
    const keywords = dedupeByDisplay(ranked, KEYWORD_COUNT).map((phrase) => ({
      term: phrase.display,
      weight: Math.round((phrase.score / top) * 1e4) / 1e4,
    }));
    const extended = extendWords(byRelevance, counts, topic);
    // A phrase names the topic it is most distinctive of; other topics use it only as a last resort.
    const owned = extended.filter((phrase) => owners[phrase.phrase] === topic);
    const labelSizes = { topic: sampleSizes[topic] as number, corpus: sample.length };
    const chosen =
      chooseLabelPhrases(owned, counts, topicOf, topic, maxPhrases, usedPhrases, labelSizes) ??
      chooseLabelPhrases(extended, counts, topicOf, topic, maxPhrases, usedPhrases, labelSizes) ??
      [];
    const label = chosen.length > 0 ? chosen.map((phrase) => phrase.display).join(' / ') : `topic ${topic + 1}`;
    for (const phrase of chosen) usedPhrases.add(phrase.display.toLowerCase());
    labels[topic] = { label, keywords, ...labelQuality(chosen, counts, topicOf, topic, sampleSizes[topic] as number, sample.length) };
  }
  return labels;
}

/**
 * The counted phrases found in at least `minPapers` of the topic's papers, with their scores in it.
 * A function of its own: as `labelTopics`' inner loop over every phrase it had TurboFan compile the
 * whole labelling, its callees inlined, on-stack and again (5 compiles in a SciFact run); what
 * remains of `labelTopics` runs once per topic.
 */
function eligiblePhrases(counts: PhraseCounts, scores: Float64Array, topic: number, minPapers: number): Array<[number, number]> {
  const { k, counted, papersIn } = counts;
  const eligible: Array<[number, number]> = [];
  for (let phrase = 0; phrase < counted.length; phrase++) {
    if (counted[phrase] === 1 && (papersIn[phrase * k + topic] as number) >= minPapers)
      eligible.push([phrase, scores[phrase * k + topic] as number]);
  }
  return eligible;
}

/** The best-scoring phrases, best first (ties by key): keywords and labels come from the top few. */
function topCandidates(
  scored: ReadonlyArray<readonly [number, number]>,
  keyOf: (phrase: number) => string,
): Array<readonly [number, number]> {
  return [...scored].sort((a, b) => b[1] - a[1] || (keyOf(a[0]) < keyOf(b[0]) ? -1 : 1)).slice(0, CANDIDATES);
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
 * The papers (indices) whose phrases `labelTopics` extracts for these topics (`topics[p]`: paper
 * p's topic, any numbering): the second level samples them first, finding their phrases done.
 */
export function labelledPapers(topics: readonly number[]): Set<number> {
  const { labels: assignments, count } = compactLabels(topics);
  const sizes = new Array<number>(count).fill(0);
  for (const topic of assignments) sizes[topic] = (sizes[topic] as number) + 1;
  return new Set(labelSample(assignments, sizes));
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
  counts: PhraseCounts,
  topicOf: Int32Array,
  topic: number,
  size: number,
  corpusSize: number,
): Pick<TopicLabel, 'coverage' | 'distinctiveness'> {
  const inside = new Set<number>();
  const outside = new Set<number>();
  for (const { phrase } of chosen) {
    for (let at = counts.start[phrase] as number; at < (counts.start[phrase + 1] as number); at++) {
      const paper = counts.docs[at] as number;
      (topicOf[paper] === topic ? inside : outside).add(paper);
    }
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
function labelPreference(counts: PhraseCounts, phrase: number, topic: number, size: number, corpusSize: number): number {
  const at = phrase * counts.k + topic;
  const inTopic = counts.papersIn[at] as number;
  const everywhere = counts.papers[phrase] as number;
  const precision = inTopic / Math.max(1, everywhere);
  const titles = counts.titles[at] as number;
  const titleShare = titles >= 2 ? titles / Math.max(1, size) : 0;
  const specificity = (1 - everywhere / Math.max(1, corpusSize)) ** GENERIC_EXPONENT;
  const bigram = phraseTable.isBigram(counts.ids[phrase] as number);
  return (bigram ? BIGRAM_PREFERENCE : 1) * precision ** PRECISION_EXPONENT * specificity * (1 + TITLE_BONUS * titleShare);
}

/**
 * A single word is replaced by the bigram it mostly occurs in within the topic ("multimodal" by
 * "multimodal reward"), which names the subject more specifically, at the word's relevance. A word
 * that is not a noun ("clean", "probabilistic") and is not in several of the topic's titles cannot name a topic alone: it takes its most
 * frequent bigram in the topic whatever that bigram's share, or is dropped when it has none.
 */
function extendWords(ranked: RankedPhrase[], counts: PhraseCounts, topic: number): RankedPhrase[] {
  const papersIn = (phrase: RankedPhrase) => counts.papersIn[phrase.phrase * counts.k + topic] as number;
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
  const seen = new Set<number>();
  const extended: RankedPhrase[] = [];
  for (const phrase of ranked) {
    let chosen: RankedPhrase | undefined = phrase;
    if (!phrase.key.includes(' ')) {
      const bigrams = [...(holding.get(phrase.key) ?? [])].sort(
        (a, b) => papersIn(b) - papersIn(a) || b.score - a.score || (a.key < b.key ? -1 : 1),
      );
      const inTitles =
        (counts.titles[phrase.phrase * counts.k + topic] as number) >= MIN_TITLE_USES && !ADJECTIVE_ENDING.test(phrase.display);
      const noun = inTitles || isNounLike(phrase, counts);
      const bigram = bigrams.find((other) => !noun || papersIn(other) >= papersIn(phrase) * EXTENSION_SHARE);
      chosen = bigram ? bigram.withScore(Math.max(bigram.score, phrase.score)) : noun ? phrase : undefined;
    }
    if (!chosen || seen.has(chosen.phrase)) continue;
    seen.add(chosen.phrase);
    extended.push(chosen);
  }
  return extended.sort((a, b) => b.score - a.score || (a.key < b.key ? -1 : 1));
}

/**
 * A word may name a topic alone when it is a noun: an acronym or name written with inner capitals
 * (RLVR, LLMs), a hyphenated compound, or a word the corpus uses as the head of noun phrases, and at least as often as it
 * uses it to modify the next word ("reward noise", "the noise" against "clean rewards").
 */
function isNounLike(phrase: RankedPhrase, counts: PhraseCounts): boolean {
  const word = counts.ids[phrase.phrase] as number;
  const heads = counts.heads[word] as number;
  // One use as a head ("previously reported") is chance, not evidence of a noun.
  if (heads >= MIN_HEAD_USES && heads >= (counts.modifiers[word] as number)) return true;
  // A compound ("text-to-image") is itself the established name of its subject.
  return phrase.key.includes('-') || /^.+\p{Lu}/u.test(phrase.display);
}

/** Each phrase's topic: the one it scores highest in (the first such). */
function phraseOwners(counts: PhraseCounts, scores: Float64Array): Int32Array {
  const { k } = counts;
  const owners = new Int32Array(counts.ids.length).fill(-1);
  for (let phrase = 0; phrase < owners.length; phrase++) {
    if (counts.counted[phrase] !== 1) continue;
    let best = Number.NEGATIVE_INFINITY;
    for (let topic = 0; topic < k; topic++) {
      const at = phrase * k + topic;
      if ((counts.papersIn[at] as number) > 0 && (scores[at] as number) > best) {
        best = scores[at] as number;
        owners[phrase] = topic;
      }
    }
  }
  return owners;
}

/**
 * Every phrase's statistics, except those of phrases found in a single paper of a topic where a
 * label needs two (`singlesCount[topic]` false): those can never be chosen, yet most bigrams are
 * such. They still count in `topicMass`, the weight of all of a topic's phrases. Weights are summed
 * paper by paper in order, so every sum is the same whatever the ids.
 */
function collectPhrases(docs: LabelInput['docs'], topicOf: Int32Array, k: number, singlesCount: readonly boolean[]): PhraseCounts {
  const topicMass = new Array<number>(k).fill(0);
  const extracted = docs.map((doc) => docPhrases(doc));
  const localOf = new Int32Array(phraseTable.size).fill(-1);
  let entries = 0;
  for (const { ids } of extracted) entries += ids.length;
  const globalIds = new Int32Array(entries);
  const papers = new Int32Array(entries);
  let m = 0;
  extracted.forEach(({ ids, weights }, index) => {
    const topic = topicOf[index] as number;
    for (let slot = 0; slot < ids.length; slot++) {
      const id = ids[slot] as number;
      let phrase = localOf[id] as number;
      if (phrase === -1) {
        phrase = m++;
        localOf[id] = phrase;
        globalIds[phrase] = id;
      }
      papers[phrase] = (papers[phrase] as number) + 1;
      topicMass[topic] = (topicMass[topic] as number) + (weights[slot] as number);
    }
  });
  const counted = new Uint8Array(m);
  const start = new Int32Array(m + 1);
  const byTopic = new Float64Array(m * k);
  const total = new Float64Array(m);
  const papersIn = new Int32Array(m * k);
  const titles = new Int32Array(m * k);
  for (let phrase = 0; phrase < m; phrase++) start[phrase + 1] = (start[phrase] as number) + (papers[phrase] as number);
  const filled = start.slice(0, m);
  const docIndices = new Int32Array(start[m] as number);
  const slots = new Int32Array(start[m] as number);
  const heads = new Int32Array(phraseTable.size);
  const modifiers = new Int32Array(phraseTable.size);
  extracted.forEach(({ ids, weights, titleCount, roleIds, roleHeads, roleModifiers }, index) => {
    const topic = topicOf[index] as number;
    for (let role = 0; role < roleIds.length; role++) {
      const word = roleIds[role] as number;
      heads[word] = (heads[word] as number) + (roleHeads[role] as number);
      modifiers[word] = (modifiers[word] as number) + (roleModifiers[role] as number);
    }
    const singles = singlesCount[topic] === true;
    for (let slot = 0; slot < ids.length; slot++) {
      const phrase = localOf[ids[slot] as number] as number;
      const at = filled[phrase] as number;
      filled[phrase] = at + 1;
      docIndices[at] = index;
      slots[at] = slot;
      // A phrase is in one paper only, or counted in every paper it is in.
      if (!singles && (papers[phrase] as number) <= 1) continue;
      counted[phrase] = 1;
      byTopic[phrase * k + topic] = (byTopic[phrase * k + topic] as number) + (weights[slot] as number);
      total[phrase] = (total[phrase] as number) + (weights[slot] as number);
      papersIn[phrase * k + topic] = (papersIn[phrase * k + topic] as number) + 1;
      if (slot < titleCount) titles[phrase * k + topic] = (titles[phrase * k + topic] as number) + 1;
    }
  });
  return {
    k,
    ids: globalIds.slice(0, m),
    counted,
    byTopic,
    total,
    papersIn,
    papers: papers.slice(0, m),
    titles,
    start,
    docs: docIndices,
    slots,
    topicMass,
    heads,
    modifiers,
    extracted,
  };
}

/** Drops the phrases found in more than `maxPapers` papers (the corpus' theme) and their weight from their topics' mass. */
function dropCorpusThemes(counts: PhraseCounts, maxPapers: number): void {
  const { k, topicMass } = counts;
  for (let phrase = 0; phrase < counts.counted.length; phrase++) {
    if (counts.counted[phrase] !== 1 || (counts.papers[phrase] as number) <= maxPapers) continue;
    counts.counted[phrase] = 0;
    for (let topic = 0; topic < k; topic++) {
      const at = phrase * k + topic;
      if ((counts.papersIn[at] as number) > 0) topicMass[topic] = (topicMass[topic] as number) - (counts.byTopic[at] as number);
    }
  }
}

/** How phrase p was spelled in its papers, with counts. */
function surfacesOf(counts: PhraseCounts, phrase: number): Map<string, number> {
  const surfaces = new Map<string, number>();
  for (let at = counts.start[phrase] as number; at < (counts.start[phrase + 1] as number); at++) {
    const spelled = counts.extracted[counts.docs[at] as number]?.surfaces[counts.slots[at] as number] ?? [];
    for (const [surface, count] of spelled) surfaces.set(surface, (surfaces.get(surface) ?? 0) + count);
  }
  return surfaces;
}

/** A paper's phrases, each once, in order of first use (the title's first), as ids of `phraseTable`. */
interface DocPhrases {
  ids: Int32Array;
  /** Each phrase's sublinear weight in the paper. */
  weights: Float64Array;
  /** How the paper spelled each phrase, with counts. */
  surfaces: Array<Array<[string, number]>>;
  /** The first `titleCount` phrases are the title's. */
  titleCount: number;
  /** How often the paper uses each word (`roleIds`, phrase ids) as the head of a noun phrase or as a modifier. */
  roleIds: Int32Array;
  roleHeads: Int32Array;
  roleModifiers: Int32Array;
}

/** Phrase ids are interned here; renewed when it grows past this many, as the phrases cached on papers then refer to the old one. */
const PHRASE_TABLE_LIMIT = 1 << 21;
let phraseTable = new PhraseTable();

function renewPhraseTable(): void {
  if (phraseTable.size < PHRASE_TABLE_LIMIT) return;
  phraseTable = new PhraseTable();
  wordInfos.clear();
}

/**
 * Each paper's phrases, kept while the paper object lives: the second level labels the same papers
 * again, and extraction is most of what labelling costs (SciFact: half of the topics' time).
 */
const extracted = new WeakMap<object, { title: string; abstract: string; table: PhraseTable; phrases: DocPhrases }>();

function docPhrases(doc: LabelInput['docs'][number]): DocPhrases {
  // Read once: a paper in shared memory decodes its text at each read.
  const { title, abstract } = doc;
  const known = extracted.get(doc);
  if (known && known.title === title && known.abstract === abstract && known.table === phraseTable) return known.phrases;
  const builder = new DocBuilder();
  extractPhrases(title, TITLE_WEIGHT, builder);
  const titleCount = builder.ids.length;
  extractPhrases(abstract, 1, builder);
  const phrases: DocPhrases = {
    ids: Int32Array.from(builder.ids),
    // Sublinear, so that one paper repeating a word does not make it the topic's word.
    weights: Float64Array.from(builder.weights, (weight) => 1 + Math.log(weight)),
    surfaces: builder.surfaces,
    titleCount,
    roleIds: Int32Array.from(builder.roleIds),
    roleHeads: Int32Array.from(builder.heads),
    roleModifiers: Int32Array.from(builder.modifiers),
  };
  extracted.set(doc, { title, abstract, table: phraseTable, phrases });
  return phrases;
}

/** A paper's phrases and word roles as they are found. */
class DocBuilder {
  readonly ids: number[] = [];
  readonly weights: number[] = [];
  readonly surfaces: Array<Array<[string, number]>> = [];
  readonly roleIds: number[] = [];
  readonly heads: number[] = [];
  readonly modifiers: number[] = [];
  readonly #slots = new Map<number, number>();
  readonly #roles = new Map<number, number>();

  add(id: number, surface: string, weight: number): void {
    const slot = this.#slots.get(id);
    if (slot === undefined) {
      this.#slots.set(id, this.ids.length);
      this.ids.push(id);
      this.weights.push(weight);
      this.surfaces.push([[surface, 1]]);
      return;
    }
    this.weights[slot] = (this.weights[slot] as number) + weight;
    // A phrase's spellings in one paper are one or two: a list searched in order of first use.
    const spellings = this.surfaces[slot] as Array<[string, number]>;
    const spelled = spellings.find(([known]) => known === surface);
    if (spelled) spelled[1]++;
    else spellings.push([surface, 1]);
  }

  head(word: number): void {
    const role = this.#role(word);
    this.heads[role] = (this.heads[role] as number) + 1;
  }

  modifier(word: number): void {
    const role = this.#role(word);
    this.modifiers[role] = (this.modifiers[role] as number) + 1;
  }

  #role(word: number): number {
    let role = this.#roles.get(word);
    if (role === undefined) {
      role = this.roleIds.length;
      this.#roles.set(word, role);
      this.roleIds.push(word);
      this.heads.push(0);
      this.modifiers.push(0);
    }
    return role;
  }
}

/**
 * c-TF-IDF (Grootendorst 2022): tf within the topic × log(1 + average topic mass / corpus frequency),
 * at `[p * k + topic]` for the counted phrases. `topicMass` is the weight of all of each topic's phrases, counted or not.
 */
function classTfIdf(counts: PhraseCounts): Float64Array {
  const { k, topicMass } = counts;
  const averageMass = topicMass.reduce((sum, mass) => sum + mass, 0) / Math.max(1, k);
  const scores = new Float64Array(counts.byTopic.length);
  for (let phrase = 0; phrase < counts.counted.length; phrase++) {
    if (counts.counted[phrase] !== 1) continue;
    const idf = Math.log(1 + averageMass / (counts.total[phrase] as number));
    for (let topic = 0; topic < k; topic++) {
      const at = phrase * k + topic;
      if ((counts.papersIn[at] as number) > 0) scores[at] = ((counts.byTopic[at] as number) / (topicMass[topic] as number)) * idf;
    }
  }
  return scores;
}

/**
 * Unigrams (compounds kept whole) and bigrams of adjacent content words, keyed by stems, into
 * `into`. Counts how each word is used: first of a pair (modifier), last of a pair or alone after a
 * determiner (head). The words are those `tokenize` gives, less the parts the tokenizer adds after a
 * compound (keeping "text-to-image" as one word), read in one pass: each word is settled once the
 * next one is read, as whether they pair decides its roles and its bigram.
 */
function extractPhrases(text: string, weight: number, into: DocBuilder): void {
  const clean = text.replace(URL_PATTERN, ' ');
  // The word read last, not settled yet: its facts, place in the text and matched text (its surface when the token is all of it).
  let held: WordInfo | undefined;
  let heldStart = 0;
  let heldEnd = 0;
  let heldText: string | undefined;
  // Whether the word before the held one paired with it.
  let heldEndsPair = false;
  const settle = (next: WordInfo | undefined, nextStart: number, nextEnd: number, nextText: string | undefined): void => {
    const info = held;
    if (info === undefined) return;
    // Adjacent only when nothing but spaces separates them: no stop word, no punctuation.
    const paired = next !== undefined && info.phrase && next.phrase && next.id !== info.id && onlySpaces(clean, heldEnd, nextStart);
    if (info.phrase) {
      const surface = heldText ?? clean.slice(heldStart, heldEnd);
      if (!info.boilerplate) into.add(info.id, surface, weight);
      if (paired) into.modifier(info.id);
      // The head of a run of content words is its last word: "clean" in "original clean target" is not one.
      const endsRun = !paired && (heldEndsPair || DETERMINER_BEFORE.test(clean.slice(Math.max(0, heldStart - 8), heldStart)));
      if (endsRun) into.head(info.id);
      // Only spaces lie between the two words, and none inside either: the spaced-out pair.
      if (paired && !info.boilerplate && !(next.boilerplate && !next.headTerm)) {
        into.add(phraseTable.pair(info.id, next.id), `${surface} ${nextText ?? clean.slice(nextStart, nextEnd)}`, weight);
      }
    }
    heldEndsPair = paired;
  };
  let compoundEnd = -1;
  forEachWord(clean, (analysed, at) => {
    const { tokens } = analysed;
    const known = tokenInfos(analysed);
    for (let index = 0; index < tokens.length; index++) {
      const token = tokens[index] as Token;
      if (at + token.start < compoundEnd) continue;
      const info = known[index] as WordInfo;
      const start = at + token.start;
      const end = start + token.end - token.start;
      const whole = token.start === 0 && token.end === analysed.text.length ? analysed.text : undefined;
      settle(info, start, end, whole);
      held = info;
      heldStart = start;
      heldEnd = end;
      heldText = whole;
      if (info.compound) compoundEnd = at + token.end;
    }
  });
  settle(undefined, 0, 0, undefined);
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

/** What labelling needs of a word, judged once per distinct word: a corpus repeats few. */
interface WordInfo {
  /** Whether it may be part of a phrase (`judgePhraseWord`). */
  phrase: boolean;
  /** Says nothing about a topic's subject (`BOILERPLATE_TERMS`, by the word or its stem). */
  boilerplate: boolean;
  /** A boilerplate head that still makes a technical phrase after a topical word (`HEAD_TERMS`). */
  headTerm: boolean;
  /** Its stem's id in `phraseTable`. */
  id: number;
  /** A compound ("text-to-image"): the tokenizer's parts after it are not words of their own here. */
  compound: boolean;
}

// Bounded, like the tokenizer's caches.
const WORD_INFO_LIMIT = 100_000;
const wordInfos = new Map<string, WordInfo>();

function wordInfo(token: Token): WordInfo {
  const known = wordInfos.get(token.word);
  if (known !== undefined) return known;
  if (wordInfos.size >= WORD_INFO_LIMIT) wordInfos.clear();
  const info: WordInfo = {
    phrase: judgePhraseWord(token.word),
    boilerplate: BOILERPLATE_TERMS.has(token.word) || BOILERPLATE_TERMS.has(token.term),
    headTerm: HEAD_TERMS.has(token.term),
    id: phraseTable.word(token.term),
    compound: /[-^/.]/.test(token.word),
  };
  wordInfos.set(token.word, info);
  return info;
}

/** Its tokens' `WordInfo`, kept on the tokenizer's shared word while the phrase table lasts: no look-up at each occurrence. */
function tokenInfos(analysed: AnalysedWord): WordInfo[] {
  const memo = analysed.memo;
  if (memo !== undefined && memo.owner === phraseTable) return memo.value as WordInfo[];
  const infos = analysed.tokens.map(wordInfo);
  analysed.memo = { owner: phraseTable, value: infos };
  return infos;
}

function judgePhraseWord(word: string): boolean {
  // Version numbers, file names and "7b" are not topics.
  if (word.includes('.') || (word.match(/\p{L}/gu)?.length ?? 0) < 2) return false;
  const parts = word.split(/[-^/]/);
  const edges = [parts[0] ?? '', parts.at(-1) ?? ''];
  // "llm-based", "state-of-the-art": a compound that starts or ends with filler.
  return parts.length === 1 || !edges.some((part) => STOP_WORDS.has(part) || BOILERPLATE_TERMS.has(stem(part)));
}

/**
 * The most frequent spelling of a phrase, lower-cased except for words written with capitals
 * inside them (acronyms and names such as RLVR, LLMs, ReNO).
 */
function displayForm(surfaces: ReadonlyMap<string, number>): string {
  const byLower = new Map<string, Map<string, number>>();
  for (const [surface, count] of surfaces) {
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

/** A phrase ranked for a topic. Its display form is found when first read: most ranked phrases are never shown. */
class RankedPhrase {
  readonly #displayOf: (phrase: number) => string;

  constructor(
    /** Its index in the `PhraseCounts`. */
    readonly phrase: number,
    readonly key: string,
    readonly score: number,
    displayOf: (phrase: number) => string,
  ) {
    this.#displayOf = displayOf;
  }

  get display(): string {
    return this.#displayOf(this.phrase);
  }

  withScore(score: number): RankedPhrase {
    return new RankedPhrase(this.phrase, this.key, score, this.#displayOf);
  }
}

/** The first `limit` phrases of distinct display forms (case aside). */
function dedupeByDisplay(ranked: readonly RankedPhrase[], limit: number): RankedPhrase[] {
  const seen = new Set<string>();
  const kept: RankedPhrase[] = [];
  for (const phrase of ranked) {
    if (kept.length >= limit) break;
    const lower = phrase.display.toLowerCase();
    if (seen.has(lower)) continue;
    seen.add(lower);
    kept.push(phrase);
  }
  return kept;
}

/**
 * Greedy cover: after the most relevant phrase, each next one is the phrase that names most of the
 * topic's papers the label does not name yet, weighted by its relevance, so the label describes most
 * of its members; it must be distinctive itself (`MIN_PHRASE_DISTINCTIVENESS`). Phrases sharing a word
 * (or its root) with a chosen one, or used by a larger topic, are skipped.
 */
function chooseLabelPhrases(
  ranked: RankedPhrase[],
  counts: PhraseCounts,
  topicOf: Int32Array,
  topic: number,
  maxPhrases: number,
  usedPhrases: ReadonlySet<string>,
  sizes: { topic: number; corpus: number },
): RankedPhrase[] | undefined {
  const pool: RankedPhrase[] = [];
  for (const phrase of ranked) {
    if (pool.length >= LABEL_POOL) break;
    if (!usedPhrases.has(phrase.display.toLowerCase())) pool.push(phrase);
  }
  const first = pool[0];
  if (!first) return undefined;
  const papersOf = ({ phrase }: RankedPhrase) => {
    const inTopic: number[] = [];
    for (let at = counts.start[phrase] as number; at < (counts.start[phrase + 1] as number); at++) {
      if (topicOf[counts.docs[at] as number] === topic) inTopic.push(counts.docs[at] as number);
    }
    return inTopic;
  };
  const distinctiveness = ({ phrase }: RankedPhrase) => {
    const everywhere = counts.papers[phrase] as number;
    const inside = counts.papersIn[phrase * counts.k + topic] as number;
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
