import { describe, expect, it } from 'vitest';
import { createRandom } from '../../core/random.js';
import { Vocabulary, WordIndex } from '../../indexer/embed/word-vectors/word-index.js';

describe('WordIndex', () => {
  it('finds the first row of every word, as a Map filled backwards would', () => {
    const random = createRandom(5);
    const letters = 'abcdefghijklmnopqrstuvwxyzé-';
    const words = Array.from({ length: 20_000 }, () =>
      Array.from({ length: 1 + Math.floor(random() * 8) }, () => letters[Math.floor(random() * letters.length)]).join(''),
    );
    // Repeats, the empty word and look-alikes.
    words.push(...words.slice(0, 500), '', 'reward', 'Reward', 'reward ');
    const expected = new Map<string, number>();
    for (let row = words.length - 1; row >= 0; row--) expected.set(words[row] as string, row);
    const index = new WordIndex(words);
    for (const [word, row] of expected) expect(index.get(word)).toBe(row);
    for (const absent of ['rewards', 'zzzzzzzzzz', 'RLVR']) expect(index.get(absent)).toBe(expected.get(absent));
    // Restored from its slots (as the word-vector cache stores them), it answers the same without hashing the words again.
    const restored = WordIndex.restore(words, index.slots.slice());
    for (const word of [...expected.keys(), 'rewards', 'RLVR']) expect(restored?.get(word)).toBe(index.get(word));
    // And over the words kept as the cache's bytes, one per line (non-ASCII ones compared as strings).
    const vocabulary = Vocabulary.read(Buffer.from(words.join('\n')), words.length);
    expect(vocabulary?.length).toBe(words.length);
    for (let row = 0; row < words.length; row += 97) expect(vocabulary?.at(row)).toBe(words[row]);
    const fromBytes = vocabulary && WordIndex.restore(vocabulary, index.slots.slice());
    for (const word of [...expected.keys(), 'rewards', 'RLVR', 'rewar', 'rewardé', 'é']) expect(fromBytes?.get(word)).toBe(index.get(word));
  });

  it('reads a vocabulary only when its bytes hold as many words as expected', () => {
    const bytes = Buffer.from('the\nreward\n\nmodèle');
    expect(Vocabulary.read(bytes, 3)).toBeUndefined();
    expect(Vocabulary.read(bytes, 5)).toBeUndefined();
    const vocabulary = Vocabulary.read(bytes, 4);
    expect([0, 1, 2, 3, 4, -1].map((row) => vocabulary?.at(row))).toEqual(['the', 'reward', '', 'modèle', undefined, undefined]);
    expect(Vocabulary.read(Buffer.from('one'), 1)?.at(0)).toBe('one');
  });

  it('restores no index from slots that cannot be one of the words', () => {
    const words = ['the', 'reward', 'model'];
    const { slots } = new WordIndex(words);
    expect(WordIndex.restore(words, slots.slice(1))).toBeUndefined();
    expect(
      WordIndex.restore(
        words,
        slots.map((row) => (row === 2 ? 3 : row)),
      ),
    ).toBeUndefined();
    expect(
      WordIndex.restore(
        words,
        slots.map((row) => (row === -1 ? 0 : row)),
      ),
    ).toBeUndefined();
    expect(WordIndex.restore(words, slots)?.get('model')).toBe(2);
  });

  it('answers nothing from an empty vocabulary', () => {
    expect(new WordIndex([]).get('reward')).toBeUndefined();
  });
});
