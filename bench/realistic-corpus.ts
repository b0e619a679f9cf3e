import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { splitSentences } from '../indexer/text/index.js';
import { paperMetadata, type SyntheticPaper } from './corpus.js';
import { seededRandom } from './random.js';

/** A real paper the realistic corpus recombines. */
export interface SourcePaper {
  title: string;
  abstract: string;
}

/** The real abstracts a datasets folder holds, and the file each list came from. */
export const DATASET_FILES = [
  { name: 'scifact', file: 'scifact/corpus.jsonl' },
  { name: 'arxiv-2007', file: 'arxiv-2007/papers.jsonl' },
] as const;

/**
 * The real papers of a datasets folder: BEIR SciFact (`{ _id, title, text }`) and arXiv
 * (`{ id, title, abstract }`), by dataset name; a dataset whose file is missing is left out, and
 * none at all is an error naming what was looked for.
 */
export async function readDatasets(dir: string): Promise<Map<string, Array<SourcePaper & { id: string }>>> {
  const found = new Map<string, Array<SourcePaper & { id: string }>>();
  for (const { name, file } of DATASET_FILES) {
    const full = path.join(dir, file);
    if (
      !(await access(full).then(
        () => true,
        () => false,
      ))
    )
      continue;
    const papers: Array<SourcePaper & { id: string }> = [];
    let line = 0;
    for await (const text of createInterface({ input: createReadStream(full) })) {
      line++;
      if (text.trim() === '') continue;
      const record = JSON.parse(text) as { _id?: string; id?: string; title?: string; text?: string; abstract?: string };
      const abstract = (record.abstract ?? record.text ?? '').trim();
      const id = record.id ?? record._id;
      if (!id || abstract === '') throw new Error(`${full}:${line}: a paper needs an id and an abstract`);
      // BEIR titles may be empty; the indexer needs one, so the abstract's first words stand in.
      papers.push({ id, title: record.title?.trim() || abstract.split(/\s+/).slice(0, 12).join(' '), abstract });
    }
    found.set(name, papers);
  }
  if (found.size === 0) throw new Error(`no dataset in ${dir}: expected ${DATASET_FILES.map(({ file }) => file).join(' or ')}`);
  return found;
}

/** Heaps' law, V = K · n^β: distinct word forms V after n word tokens. */
export interface HeapsLaw {
  k: number;
  beta: number;
}

// Words as the vocabulary counts them: letters and digits, joined by inner hyphens or apostrophes.
const WORD = /[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu;
/** A word is a slot for a new form when it is lower-case letters only, this long at least, and rare in the sources. */
const MIN_SLOT_LENGTH = 5;
const RARE_COUNT = 2;
/** A synthetic paper keeps this share of its sentences from its topic paper, so topics stay coherent. */
const OWN_TOPIC_SHARE = 0.6;
/** A slot whose word has invented forms already uses one of them this often: new forms recur, as real coinages do. */
const REUSE_SHARE = 0.3;
const PREFIXES = [
  'nano',
  'poly',
  'meta',
  'hetero',
  'iso',
  'neo',
  'proto',
  'trans',
  'para',
  'hyper',
  'micro',
  'multi',
  'pseudo',
  'quasi',
  'semi',
  'ultra',
  'bio',
  'electro',
  'thermo',
  'photo',
];

/**
 * Fits Heaps' law to texts read in order: distinct lower-cased word forms against word tokens,
 * a least-squares line in log–log space over the checkpoints past the first tenth of the tokens
 * (the start of a corpus grows faster than its tail).
 * @example fitHeaps(papers.map((paper) => `${paper.title} ${paper.abstract}`)) // → { k: 9.1, beta: 0.62 }
 */
export function fitHeaps(texts: readonly string[]): HeapsLaw {
  const seen = new Set<string>();
  const points: Array<[number, number]> = [];
  let tokens = 0;
  const total = texts.reduce((sum, text) => sum + (text.match(WORD)?.length ?? 0), 0);
  const step = Math.max(1, Math.floor(total / 50));
  let next = step;
  for (const text of texts) {
    for (const word of text.match(WORD) ?? []) {
      seen.add(word.toLowerCase());
      if (++tokens >= next) {
        next += step;
        if (tokens >= total / 10) points.push([Math.log(tokens), Math.log(seen.size)]);
      }
    }
  }
  if (points.length < 2) throw new Error(`fitHeaps needs more text: ${tokens} words`);
  const meanX = points.reduce((sum, [x]) => sum + x, 0) / points.length;
  const meanY = points.reduce((sum, [, y]) => sum + y, 0) / points.length;
  const beta = points.reduce((sum, [x, y]) => sum + (x - meanX) * (y - meanY), 0) / points.reduce((sum, [x]) => sum + (x - meanX) ** 2, 0);
  return { k: Math.exp(meanY - beta * meanX), beta };
}

/** A source text cut into its words, each a source vocabulary id, and the text between them. */
interface Template {
  /** Text before word i is gaps[i]; the last gap follows the last word. */
  gaps: string[];
  words: Int32Array;
  /** The words as written ("However", "RNA"). */
  surfaces: string[];
}

/** Vocabulary statistics of a generated corpus, as it grew. */
export interface GeneratedVocabulary {
  tokens: number;
  distinct: number;
  invented: number;
}

/**
 * Synthetic papers whose text is real: each abstract recombines sentences of the source abstracts
 * (most from one "topic" paper, as many as it has, the rest from anywhere), each title is a real
 * title, half of them spliced with another's tail. Recombined sentences alone would stop growing
 * the vocabulary at the sources' size, so new word forms are coined (a prefix on a rare word,
 * two rare words compounded, a rare word numbered: "heterokinase", "lattice-oxide", "kinase7")
 * whenever the distinct forms fall behind the Heaps law fitted to the sources, and reused later
 * as real coinages recur. Pure and seeded; papers are yielded one at a time, so a million fit.
 * `vocabulary` is updated as papers are drawn.
 * @example for (const paper of realisticCorpus(sources, 1_000_000, 7)) out.write(JSON.stringify(paper));
 */
export function* realisticCorpus(
  sources: readonly SourcePaper[],
  count: number,
  seed: number,
  vocabulary: GeneratedVocabulary = { tokens: 0, distinct: 0, invented: 0 },
): Generator<SyntheticPaper> {
  if (sources.length === 0) throw new Error('realisticCorpus needs at least one source paper');
  if (!Number.isInteger(count) || count < 0) throw new Error(`count must be a non-negative integer, got ${count}`);
  const random = seededRandom(seed);
  const order = shuffled(sources.length, random);
  const heaps = fitHeaps(order.map((at) => `${sources[at]?.title} ${sources[at]?.abstract}`));

  const forms: string[] = [];
  const ids = new Map<string, number>();
  const counts: number[] = [];
  const template = (text: string): Template => {
    const gaps: string[] = [];
    const words: number[] = [];
    const surfaces: string[] = [];
    let last = 0;
    for (const match of text.matchAll(WORD)) {
      gaps.push(text.slice(last, match.index));
      const lower = match[0].toLowerCase();
      let id = ids.get(lower);
      if (id === undefined) {
        id = forms.length;
        ids.set(lower, id);
        forms.push(match[0]);
        counts.push(0);
      }
      counts[id] = (counts[id] as number) + 1;
      words.push(id);
      surfaces.push(match[0]);
      last = match.index + match[0].length;
    }
    gaps.push(text.slice(last));
    return { gaps, words: Int32Array.from(words), surfaces };
  };
  const sentencesOf = sources.map((paper) => splitSentences(paper.abstract).map((sentence) => template(sentence.text)));
  const titles = sources.map((paper) => template(paper.title));
  const allSentences = sentencesOf.flat();
  const slot = counts.map(
    (frequency, id) => frequency <= RARE_COUNT && (forms[id] as string).length >= MIN_SLOT_LENGTH && /^\p{Ll}+$/u.test(forms[id] as string),
  );
  const rareWords = slot.flatMap((isSlot, id) => (isSlot ? [id] : []));

  const emitted = new Uint8Array(forms.length);
  const coined = new Map<number, string[]>();
  const taken = new Set(ids.keys());
  const coin = (word: string): string | undefined => {
    for (let attempt = 0; attempt < 8; attempt++) {
      const draw = random();
      const other = forms[rareWords[Math.floor(random() * rareWords.length)] ?? 0] ?? 'form';
      const form =
        draw < 0.45
          ? `${PREFIXES[Math.floor(random() * PREFIXES.length)]}${word}`
          : draw < 0.8
            ? `${word}-${other}`
            : `${word}${1 + Math.floor(random() * 99)}`;
      if (!taken.has(form)) {
        taken.add(form);
        return form;
      }
    }
    return undefined;
  };
  /** The template's words `from` … `to` − 1, with the text between them (and around them at the ends). */
  const render = (source: Template, from = 0, to = source.words.length): string => {
    let text = from === 0 ? (source.gaps[0] as string) : '';
    for (let i = from; i < to; i++) {
      const id = source.words[i] as number;
      let word: string | undefined;
      if (slot[id]) {
        const own = coined.get(id);
        const target = heaps.k * vocabulary.tokens ** heaps.beta;
        if (vocabulary.distinct < target) {
          word = coin(forms[id] as string);
          if (word !== undefined) {
            if (own) own.push(word);
            else coined.set(id, [word]);
            vocabulary.distinct++;
            vocabulary.invented++;
          }
        } else if (own && random() < REUSE_SHARE) {
          // Earlier coinages are the common ones, as in a Zipf tail.
          word = own[Math.floor(own.length * random() ** 2)];
        }
      }
      if (word === undefined) {
        word = source.surfaces[i] as string;
        if (emitted[id] === 0) {
          emitted[id] = 1;
          vocabulary.distinct++;
        }
      }
      vocabulary.tokens++;
      text += i === from ? word : source.gaps[i] + word;
    }
    return to === source.words.length ? text + source.gaps[to] : text;
  };

  for (let index = 0; index < count; index++) {
    const topic = order[index % order.length] as number;
    const own = sentencesOf[topic] ?? [];
    const length = Math.max(2, own.length + Math.floor(random() * 3) - 1);
    const ownOrder = shuffled(own.length, random);
    const sentences: string[] = [];
    for (let at = 0; at < length; at++) {
      const fromOwn = at < ownOrder.length && random() < OWN_TOPIC_SHARE;
      const chosen = fromOwn ? own[ownOrder[at] as number] : allSentences[Math.floor(random() * allSentences.length)];
      if (chosen) sentences.push(render(chosen));
    }
    const ownTitle = titles[topic] as Template;
    const other = titles[Math.floor(random() * titles.length)] as Template;
    // Half the titles end as another title does: "Reward noise in … | … diffusion models".
    const title =
      random() < 0.5 && ownTitle.words.length > 1 && other.words.length > 1
        ? `${render(ownTitle, 0, Math.ceil(ownTitle.words.length / 2))} ${render(other, Math.ceil(other.words.length / 2))}`
        : render(ownTitle);
    yield { ...paperMetadata(random, index), title, abstract: sentences.join(' ') };
  }
}

/** 0 … n−1 in a seeded random order (Fisher–Yates). */
function shuffled(n: number, random: () => number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  return order;
}
