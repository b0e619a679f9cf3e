import { describe, expect, it } from 'vitest';
import { createRandom } from '../../core/random.js';
import { encodeVocabulary, Vocabulary, WordIndex } from '../../indexer/embed/word-vectors/word-index.js';

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
    const { bytes, starts } = encodeVocabulary(words);
    expect(bytes.toString()).toBe(words.join('\n'));
    const vocabulary = new Vocabulary(bytes, starts);
    expect(vocabulary.length).toBe(words.length);
    for (let row = 0; row < words.length; row += 97) expect(vocabulary.at(row)).toBe(words[row]);
    const fromBytes = WordIndex.restore(vocabulary, index.slots.slice());
    for (const word of [...expected.keys(), 'rewards', 'RLVR', 'rewar', 'rewardé', 'é']) expect(fromBytes?.get(word)).toBe(index.get(word));
  });

  it('checks the ranges of its starts and bytes before reading a word, and refuses starts outside its bytes', () => {
    const { bytes, starts } = encodeVocabulary(['the', 'reward', '', 'modèle']);
    const checked: string[] = [];
    const vocabulary = new Vocabulary(
      bytes,
      starts,
      (start, end) => checked.push(`starts ${start}-${end}`),
      (start, end) => checked.push(`bytes ${start}-${end}`),
    );
    expect([0, 1, 2, 3, 4, -1].map((row) => vocabulary.at(row))).toEqual(['the', 'reward', '', 'modèle', undefined, undefined]);
    expect(checked.slice(0, 4)).toEqual(['starts 0-2', 'bytes 0-3', 'starts 1-3', 'bytes 4-10']);
    expect(vocabulary.holds(1, 'reward')).toBe(true);
    expect(new Vocabulary(Buffer.from('one'), Int32Array.of(0, 4)).at(0)).toBe('one');
    expect(() => new Vocabulary(Buffer.from('one'), Int32Array.of(0, 9)).at(0)).toThrow(/outside its bytes/);
  });

  it('restores no index from slots of another size, and throws on a slot that cannot be one of the words', () => {
    const words = ['the', 'reward', 'model'];
    const { slots } = new WordIndex(words);
    expect(WordIndex.restore(words, slots.slice(1))).toBeUndefined();
    const checked: number[] = [];
    expect(WordIndex.restore(words, slots, (start) => checked.push(start))?.get('model')).toBe(2);
    expect(checked.length).toBeGreaterThan(0);
    const pastTheEnd = WordIndex.restore(
      words,
      slots.map((row) => (row === 2 ? 3 : row)),
    );
    expect(() => pastTheEnd?.get('model')).toThrow(/holds row 3/);
    const full = WordIndex.restore(
      words,
      slots.map((row) => (row === -1 ? 0 : row)),
    );
    expect(() => full?.get('absent')).toThrow(/no empty slot/);
  });

  it('answers nothing from an empty vocabulary', () => {
    expect(new WordIndex([]).get('reward')).toBeUndefined();
  });
});
