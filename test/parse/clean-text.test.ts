import { describe, expect, it } from 'vitest';
import { cleanText } from '../../indexer/parse/index.js';

describe('cleanText', () => {
  it('collapses every run of white space to one space and trims, clean or not', () => {
    const cases: Array<[string, string]> = [
      ['Reward  noise', 'Reward noise'],
      ['Reward\tnoise', 'Reward noise'],
      ['Reward\r\nnoise', 'Reward noise'],
      ['  Reward noise ', 'Reward noise'],
      ['Reward\u00a0noise', 'Reward noise'],
      ['Reward\u2003 noise', 'Reward noise'],
      ['Reward \n noise', 'Reward noise'],
      ['Reward noise', 'Reward noise'],
      ['', ''],
      [' \n ', ''],
    ];
    for (const [text, clean] of cases) expect(cleanText(text), JSON.stringify(text)).toBe(clean);
  });
});
