import { describe, expect, it } from 'vitest';
import { WordCache } from '../../indexer/text/word-cache.js';

/** A cache of `limit` words that records which texts it analysed. */
function countingCache(limit: number) {
  const analysed: string[] = [];
  const cache = new WordCache(limit, (text) => {
    analysed.push(text);
    return { text };
  });
  const find = (word: string) => cache.find(` ${word} `, 1, word.length + 1);
  return { analysed, find };
}

describe('WordCache', () => {
  it('analyses a word once and returns the same object for each occurrence', () => {
    const { analysed, find } = countingCache(8);
    const first = find('reward');
    expect(find('reward')).toBe(first);
    expect(find('rewards')).not.toBe(first);
    expect(analysed).toEqual(['reward', 'rewards']);
  });

  it('keeps the words found again when full, and drops the ones met once', () => {
    const { analysed, find } = countingCache(8);
    const common = find('the');
    find('the');
    for (let i = 0; i < 40; i++) {
      find(`rare${i}`);
      expect(find('the')).toBe(common);
    }
    find('rare0');
    expect(analysed.filter((text) => text === 'the')).toEqual(['the']);
    expect(analysed.filter((text) => text === 'rare0')).toEqual(['rare0', 'rare0']);
  });

  it('keeps at most half of its words when every one was found again', () => {
    const { analysed, find } = countingCache(4);
    const words = Array.from({ length: 12 }, (_, i) => `word${i}`);
    for (const word of words) {
      find(word);
      find(word);
    }
    for (const word of words) expect(find(word).text).toBe(word);
    expect(analysed.length).toBeGreaterThan(words.length);
  });
});
