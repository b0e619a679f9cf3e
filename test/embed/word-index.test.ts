import { describe, expect, it } from 'vitest';
import { createRandom } from '../../core/random.js';
import { WordIndex } from '../../indexer/embed/word-vectors/word-index.js';

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
