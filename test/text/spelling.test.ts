import { describe, expect, it } from 'vitest';
import { buildLexicalIndex } from '../../indexer/lexical/index.js';
import { terms, tokenize } from '../../indexer/text/index.js';
import { mayRespell, normaliseSpelling } from '../../indexer/text/spelling.js';
import { readSampleCorpus } from '../lexical/sample-corpus.js';

describe('normaliseSpelling', () => {
  it('spells British forms the American way, derivatives and compounds included', () => {
    const pairs: Array<[string, string]> = [
      ['tumour', 'tumor'],
      ['tumourigenesis', 'tumorigenesis'],
      ['intratumoural', 'intratumoral'],
      ['ischaemic', 'ischemic'],
      ['leukaemia', 'leukemia'],
      ['haematopoietic', 'hematopoietic'],
      ['oestrogen', 'estrogen'],
      ['paediatric', 'pediatric'],
      ['diarrhoea', 'diarrhea'],
      ['centres', 'centers'],
      ['analysed', 'analyzed'],
      ['tumour-associated', 'tumor-associated'],
      ['analogues', 'analogs'],
      ['defence', 'defense'],
      ['sulphate', 'sulfate'],
    ];
    for (const [british, american] of pairs) expect(normaliseSpelling(british), british).toBe(american);
  });

  it('leaves American words alone, those ending in -ise and -our included, and -ise as it is', () => {
    for (const word of [
      'tumor',
      'hour',
      'four',
      'contour',
      'exercise',
      'promising',
      'unsupervised',
      'otherwise',
      'noise',
      'analyses',
      'comprise',
      'academia',
      'genre',
      'rise',
    ])
      expect(normaliseSpelling(word), word).toBe(word);
  });

  it('spells Greek letters by their names', () => {
    expect(normaliseSpelling('tnf-α')).toBe('tnf-alpha');
    expect(normaliseSpelling('nf-κb')).toBe('nf-kappab');
    expect(normaliseSpelling('il-1β')).toBe('il-1beta');
    expect(normaliseSpelling('ß-catenin')).toBe('beta-catenin');
  });
});

// Snippets fold a sentence word by word only when `mayRespell` says a word may change.
describe('mayRespell', () => {
  it('finds every word normaliseSpelling changes, in a sentence around it', () => {
    const british = ['tumour', 'intratumoural', 'leukaemia', 'haematopoietic', 'orthopaedic', 'gynaecology', 'aetiology', 'caesarean'];
    british.push('faecal', 'foetal', 'oesophageal', 'oestrogen', 'oedema', 'coeliac', 'dyspnoea', 'micrometres', 'hydrolysed');
    british.push('homologues', 'licences', 'sulphide', 'aluminium', 'programmes', 'practise', 'tnf-α', 'ß-catenin', 'il-1β');
    for (const word of british) {
      expect(normaliseSpelling(word), word).not.toBe(word);
      expect(mayRespell(`in the ${word}-rich cells we saw`), word).toBe(true);
    }
  });

  it('is false only where no word changes, over the sample abstracts', () => {
    let spared = 0;
    for (const { title, abstract } of readSampleCorpus()) {
      for (const word of `${title} ${abstract}`.toLowerCase().match(/[\p{L}\p{N}]+(?:[-^/.][\p{L}\p{N}]+)*/gu) ?? []) {
        if (mayRespell(word)) continue;
        spared++;
        expect(normaliseSpelling(word), word).toBe(word);
      }
    }
    expect(spared).toBeGreaterThan(5_000);
  });
});

describe('matching across spellings', () => {
  it('gives both spellings one term, and keeps the surface word as written', () => {
    expect(terms('tumours tumors')).toEqual(['tumor', 'tumor']);
    expect(terms('TNF-α TNF-alpha')).toEqual(['tnf-alpha', 'tnf', 'alpha', 'tnf-alpha', 'tnf', 'alpha']);
    expect(tokenize('Tumour').map((token) => token.word)).toEqual(['tumour']);
  });

  it('finds the paper written in the other spelling', () => {
    const index = buildLexicalIndex([
      { id: 'tumor', title: 'Glutamine metabolism', abstract: 'PKC zeta controls tumor growth.' },
      {
        id: 'alpha',
        title: 'Cytokines in sepsis',
        abstract: 'TNF-alpha rises early in septic shock and in other inflammatory conditions.',
      },
      { id: 'beta', title: 'TNF-beta and TNF receptors', abstract: 'TNF-beta binds TNF receptors.' },
    ]);
    expect(index.search('tumour', { k: 3 }).map((hit) => hit.id)).toEqual(['tumor']);
    // Without the Greek letter's name the query is "TNF" alone, which the paper on TNF-beta says most.
    expect(index.search('TNF-α', { k: 3 }).map((hit) => hit.id)).toEqual(['alpha', 'beta']);
  });
});
