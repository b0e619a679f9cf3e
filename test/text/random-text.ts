import fc from 'fast-check';

/**
 * Random text for the differential tests. The characters exercise every branch of the tokenizer:
 * case changes that alter length (İ), final sigma, ligatures, combining marks, astral letters,
 * non-ASCII digits, and each joiner; the words exercise stemming, stop words and possessives.
 */
const TRICKY_CHARACTERS = [
  'a',
  'b',
  'e',
  's',
  'S',
  'x',
  'Z',
  'é',
  'ß',
  'İ',
  'ı',
  'Σ',
  'ς',
  'ﬁ',
  'ǅ',
  '中',
  '\u0301',
  '𝐀',
  '😀',
  '0',
  '7',
  '٣',
  '²',
  '-',
  '^',
  '/',
  '.',
  "'",
  '’',
  ' ',
  ' ',
  '\n',
  ',',
  '(',
];
const WORDS = [
  'reward',
  'rewards',
  "GRPO's",
  'the',
  'of',
  'Text',
  'to',
  'Image',
  'qwen',
  '2.5',
  '7B',
  'e.g',
  'models',
  'running',
  'i',
  'a',
  '3',
];

export const trickyText = fc.string({ unit: fc.constantFrom(...TRICKY_CHARACTERS), maxLength: 60 });
export const wordyText = fc
  .array(fc.tuple(fc.constantFrom(...WORDS), fc.constantFrom(' ', '-', '^', '/', '.', "'s ", '’S ', ', ')), { maxLength: 15 })
  .map((pairs) => pairs.flat().join(''));
