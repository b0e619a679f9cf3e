import { describe, expect, it } from 'vitest';
import { PhraseTable } from '../../indexer/cluster/phrase-table.js';

describe('PhraseTable', () => {
  it('gives a word and a bigram one id each, whatever how often they are asked for', () => {
    const table = new PhraseTable();
    const reward = table.word('reward');
    const noise = table.word('nois');
    const pair = table.pair(reward, noise);
    expect(table.word('reward')).toBe(reward);
    expect(table.pair(reward, noise)).toBe(pair);
    expect(table.keyOf(pair)).toBe('reward nois');
    expect(table.isBigram(pair)).toBe(true);
    expect(table.isBigram(reward)).toBe(false);
    expect(table.size).toBe(3);
  });

  it('tells a bigram from its reverse', () => {
    const table = new PhraseTable();
    const [a, b] = [table.word('model'), table.word('reward')];
    expect(table.pair(a, b)).not.toBe(table.pair(b, a));
    expect(table.keyOf(table.pair(b, a))).toBe('reward model');
  });

  it('keeps every id as it grows past its first arrays and hash slots', () => {
    const table = new PhraseTable();
    const words = Array.from({ length: 300 }, (_, index) => table.word(`w${index}`));
    const pairs = new Map<string, number>();
    for (const first of words.slice(0, 40))
      for (const second of words.slice(0, 40)) pairs.set(`${first},${second}`, table.pair(first, second));
    expect(table.size).toBe(300 + 1600);
    for (const [key, id] of pairs) {
      const [first, second] = key.split(',').map(Number) as [number, number];
      expect(table.pair(first, second)).toBe(id);
      expect(table.keyOf(id)).toBe(`${table.keyOf(first)} ${table.keyOf(second)}`);
    }
    expect(table.size).toBe(1900);
  });
});
