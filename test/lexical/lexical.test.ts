import { describe, expect, it } from 'vitest';
import { decodeLexicalData, encodeLexicalFile } from '../../indexer/lexical/format.js';
import {
  buildLexicalIndex,
  decodeVarints,
  encodeVarints,
  type LexicalIndex,
  loadLexicalFile,
  loadLexicalIndex,
} from '../../indexer/lexical/index.js';
import { PackedStrings, TermTable } from '../../indexer/lexical/term-table.js';
import { openSealedFile, sealFile } from '../../indexer/store/index.js';
import { legacyLexicalFile } from '../helpers/legacy-files.js';
import { readSampleCorpus } from './sample-corpus.js';

const corpus = [
  {
    id: 'a',
    title: 'Noisy rewards in reinforcement learning',
    abstract: 'We study noisy rewards. Rewards that are noisy hurt policy optimization.',
  },
  { id: 'b', title: 'Policy optimization with GRPO', abstract: 'GRPO is a policy optimization method; rewards are verifiable (RLVR).' },
  {
    id: 'c',
    title: 'Text-to-image diffusion',
    abstract: 'A text-to-image model generates an image from text prompts with reward guidance.',
  },
  { id: 'd', title: 'Scaling laws', abstract: 'We measure scaling of language models with compute and data size.' },
  { id: 'e', title: 'Robust reasoning', abstract: 'Reasoning under label noise: the reward signal is noisy and the policy still learns.' },
];

const ids = (index: LexicalIndex, query: string, k = 5, filter?: (i: number) => boolean) =>
  index.search(query, { k, ...(filter ? { filter } : {}) }).map((hit) => hit.id);

describe('buildLexicalIndex / search', () => {
  const index = buildLexicalIndex(corpus);

  it('ranks by BM25 in an exact, explainable order', () => {
    // "a" has both terms in title and abstract; "e" has both once; "b" only "rewards".
    expect(ids(index, 'noisy rewards')).toEqual(['a', 'e', 'b', 'c']);
  });

  it('weights rare terms above common ones (IDF)', () => {
    // "policy" is in three documents, "scaling" in one: the scaling document wins a two-term query.
    const hits = index.search('policy scaling', { k: 5 });
    expect(hits[0]?.id).toBe('d');
    expect(index.idf('scale')).toBeGreaterThan(index.idf('polici'));
  });

  it('weights a title occurrence above an abstract occurrence', () => {
    const docs = [
      { id: 'in-abstract', title: 'Other topic', abstract: 'This is about calibration of classifiers.' },
      { id: 'in-title', title: 'Calibration', abstract: 'This is about other topic of classifiers.' },
    ];
    expect(ids(buildLexicalIndex(docs), 'calibration')).toEqual(['in-title', 'in-abstract']);
    expect(ids(buildLexicalIndex(docs, { titleWeight: 0.2 }), 'calibration')).toEqual(['in-abstract', 'in-title']);
    expect(() => buildLexicalIndex(docs, { titleWeight: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER' }));
  });

  it('applies the filter before ranking, so low-ranked matches still fill the results', () => {
    expect(ids(index, 'noisy rewards', 1)).toEqual(['a']);
    const onlyC = (i: number) => index.idAt(i) === 'c';
    expect(ids(index, 'noisy rewards', 1, onlyC)).toEqual(['c']);
    expect(ids(index, 'noisy rewards', 2, (i) => i >= 2)).toEqual(['e', 'c']);
  });

  it('finds compounds whole and in parts, and acronyms', () => {
    expect(ids(index, 'text-to-image')[0]).toBe('c');
    expect(ids(index, 'image')).toEqual(['c']);
    expect(ids(index, 'RLVR')).toEqual(['b']);
    expect(ids(index, 'grpo')).toEqual(['b']);
  });

  it('analyses a query into terms, phrases and weights that rank as the text does', () => {
    const analysed = index.analyse('"noisy rewards" policy');
    expect(analysed.parsed).toMatchObject({ terms: ['noisi', 'reward', 'polici'], phrases: [[{ term: 'noisi' }, { term: 'reward' }]] });
    expect(analysed.queryTerms.size).toBe(3);
    expect(index.rankAnalysed(analysed, { k: 5 })).toEqual(index.rank('"noisy rewards" policy', { k: 5 }));
    // The expansions and repeats are part of the analysis: one without them ranks otherwise.
    const scaling = index.analyse('scaling').parsed.terms[0] as string;
    const expansions = new Map([[scaling, 0.5]]);
    const expanded = index.analyse('noisy rewards', { expansions });
    expect(index.rankAnalysed(expanded, { k: 5 })).toEqual(index.rank('noisy rewards', { k: 5, expansions }));
    expect(index.rankAnalysed(expanded, { k: 5 }).total).toBe(index.rank('noisy rewards', { k: 5 }).total + 1);
    expect(index.widestTerm(index.analyse('scaling', { expansions: new Map([['reward', 0.5]]) }))).toBe(4);
    expect(index.widestTerm(index.analyse('scaling'))).toBe(1);
    const counted = index.analyse('noisy rewards rewards', { repeats: 'counted' });
    expect(counted.queryTerms.get(index.analyse('reward').termWeights.keys().next().value as number)).toBe(2);
    expect(index.rankAnalysed(counted, { k: 5 })).toEqual(index.rank('noisy rewards rewards', { k: 5, repeats: 'counted' }));
  });

  it('stems query and document alike', () => {
    expect(ids(index, 'reward')).toEqual(ids(index, 'rewards'));
    expect(ids(index, 'reward')).toContain('e');
  });

  it('returns nothing for unknown or stop-word-only queries and rejects a bad k', () => {
    expect(index.search('zzzz the of', { k: 3 })).toEqual([]);
    expect(() => index.search('reward', { k: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER' }));
  });

  it('rejects duplicate ids, naming them', () => {
    const [first] = corpus;
    if (!first) throw new Error('empty fixture');
    expect(() => buildLexicalIndex([first, first])).toThrow(/Duplicate document id "a" at positions 0 and 1/);
  });

  it('keeps an empty index usable', () => {
    expect(buildLexicalIndex([]).search('anything', { k: 3 })).toEqual([]);
  });
});

describe('serialisation', () => {
  const index = buildLexicalIndex(corpus);

  it('round-trips through JSON text to an equal index', () => {
    const text = JSON.stringify(index.toJSON());
    const loaded = loadLexicalIndex(text);
    expect(loaded.toJSON()).toEqual(index.toJSON());
    for (const query of ['noisy rewards', 'text-to-image', 'policy scaling']) {
      expect(loaded.search(query, { k: 5 })).toEqual(index.search(query, { k: 5 }));
    }
    expect(loaded.sharedTerms('a', 'e', 5)).toEqual(index.sharedTerms('a', 'e', 5));
  });

  it('names the broken field of a corrupt index', () => {
    const stored = index.toJSON();
    expect(() => loadLexicalIndex({ ...stored, version: 99 })).toThrow(/field "version"/);
    expect(() => loadLexicalIndex({ ...stored, postingGaps: stored.titleLengths })).toThrow(/field "postingGaps"/);
    expect(() => loadLexicalIndex({ ...stored, surfaces: [] })).toThrow(
      expect.objectContaining({ code: 'INDEX_MISMATCH', details: { field: 'surfaces' } }),
    );
    expect(() => loadLexicalIndex('{not json')).toThrow(/not JSON/);
  });

  it('refuses a term listed twice, in either stored form', () => {
    const stored = index.toJSON();
    const twice = { ...stored, terms: [stored.terms[1] as string, ...stored.terms.slice(1)] };
    expect(() => loadLexicalIndex(twice)).toThrow(expect.objectContaining({ code: 'INDEX_MISMATCH', details: { field: 'terms' } }));
    // A file written so (its checksum holds): the sorted terms hold one twice, side by side, in place of its neighbour.
    const sound = decodeLexicalData(stored);
    const { sorted, surfaces, order, rank } = sound.terms;
    const repeated = sorted.all();
    repeated[2] = repeated[1] as string;
    const file = Buffer.concat(
      encodeLexicalFile({ ...sound, terms: new TermTable(PackedStrings.pack(repeated), surfaces, order, rank) }, 3),
    );
    expect(loadLexicalFile(file)).toEqual({
      problem: expect.objectContaining({ kind: 'damaged', message: expect.stringMatching(/"terms": contains duplicates/) }),
    });
  });

  it('names the term whose postings are out of order, out of range or empty', () => {
    const stored = index.toJSON();
    const gaps = decodeVarints(stored.postingGaps, stored.postingCount);
    const frequencies = decodeVarints(stored.documentFrequencies, stored.terms.length);
    // The first term found in two or more documents, and where its postings start.
    const term = frequencies.findIndex((frequency) => frequency >= 2);
    const start = frequencies.slice(0, term).reduce((sum, frequency) => sum + frequency, 0);
    const withGap = (posting: number, gap: number) => {
      const changed = Uint32Array.from(gaps);
      changed[posting] = gap;
      return { ...stored, postingGaps: encodeVarints(changed) };
    };
    expect(() => loadLexicalIndex(withGap(start + 1, 0))).toThrow(`term "${stored.terms[term]}" lists a document twice or out of order`);
    expect(() => loadLexicalIndex(withGap(start, 1000))).toThrow(`term "${stored.terms[term]}" points past the last document`);
    const noOccurrence = (field: 'titleTf' | 'abstractTf') => {
      const values = decodeVarints(stored[field], stored.postingCount);
      values[start] = 0;
      return encodeVarints(values);
    };
    expect(() => loadLexicalIndex({ ...stored, titleTf: noOccurrence('titleTf'), abstractTf: noOccurrence('abstractTf') })).toThrow(
      `term "${stored.terms[term]}" has a posting with no occurrences`,
    );
  });

  it('checks a binary file term by term on first use: a sealed file written wrong fails the search that reaches the term', () => {
    const data = decodeLexicalData(index.toJSON());
    const term = data.terms.idOf('noisi');
    const start = data.termOffsets[term] as number;
    expect((data.termOffsets[term + 1] as number) - start).toBeGreaterThanOrEqual(2);
    const damaged = (edit: (copy: typeof data) => void) => {
      const copy = { ...data, postingDocs: data.postingDocs.slice(), positions: data.positions?.slice() };
      edit(copy);
      const saved = loadLexicalFile(Buffer.concat(encodeLexicalFile(copy, 1)));
      if ('problem' in saved) throw new Error(saved.problem.message);
      return saved.index;
    };
    const outOfOrder = damaged((copy) => {
      copy.postingDocs[start + 1] = copy.postingDocs[start] as number;
    });
    // Other terms still serve; the damaged one is named.
    expect(ids(outOfOrder, 'scaling')).toEqual(['d']);
    expect(() => outOfOrder.search('noisy', { k: 5 })).toThrow(
      expect.objectContaining({ code: 'INDEX_DAMAGED', details: { term: 'noisi', part: 'postings' } }),
    );
    // "a" has "noisy" at 0 in its title, then twice in its abstract: its positions reversed.
    const posting = start + data.postingDocs.subarray(start, data.termOffsets[term + 1]).indexOf(0);
    let at = 0;
    for (let p = 0; p < posting; p++) at += (data.titleTf[p] as number) + (data.abstractTf[p] as number);
    const positions = damaged((copy) => {
      (copy.positions as Uint16Array).subarray(at, at + 2).reverse();
    });
    expect(ids(positions, 'noisy')).toEqual(ids(index, 'noisy'));
    expect(() => positions.search('noisy rewards', { k: 5 })).toThrow(
      expect.objectContaining({ code: 'INDEX_DAMAGED', details: { term: 'noisi', part: 'positions' } }),
    );
  });

  it('round-trips through the binary file form with its table version', () => {
    const saved = loadLexicalFile(Buffer.concat(index.toFile(12)));
    if ('problem' in saved) throw new Error(saved.problem.message);
    expect(saved.tableVersion).toBe(12);
    expect(saved.index.toJSON()).toEqual(index.toJSON());
    expect(saved.index.search('noisy rewards', { k: 5 })).toEqual(index.search('noisy rewards', { k: 5 }));
    // A Buffer sliced at an odd offset (typed-array views need alignment) loads too.
    const file = Buffer.concat(index.toFile(3));
    const shifted = Buffer.alloc(file.length + 1);
    file.copy(shifted, 1);
    expect(loadLexicalFile(shifted.subarray(1))).toMatchObject({ tableVersion: 3 });
  });

  it('reports a damaged binary file as damaged, saying why', () => {
    const file = Buffer.concat(index.toFile(1));
    const problem = (bytes: Buffer) => {
      const saved = loadLexicalFile(bytes);
      return 'problem' in saved ? saved.problem : undefined;
    };
    const damaged = (message: RegExp) => ({ kind: 'damaged', message: expect.stringMatching(message) });
    expect(problem(Buffer.from('not an index'))).toEqual(damaged(/not a Paperscope lexical index/));
    expect(problem(file.subarray(0, file.length - 1))).toEqual(damaged(/checksum/));
    for (const at of [14, file.length - 20]) {
      // A flipped byte in the JSON header or in a posting list.
      const flipped = Buffer.from(file);
      flipped[at] = (flipped[at] ?? 0) ^ 0x01;
      expect(problem(flipped)).toEqual(damaged(/checksum/));
    }
    // A header that is sealed (its checksum matches) but says the wrong thing.
    const sealed = openSealedFile(file, 'PSBM', 'lexical index');
    if ('problem' in sealed) throw new Error(sealed.problem);
    const reseal = (edit: Record<string, unknown>) =>
      Buffer.concat(sealFile('PSBM', { ...(sealed.header as object), ...edit }, [sealed.body]));
    expect(problem(reseal({ postingCount: 'many' }))).toEqual(damaged(/postingCount/));
    expect(problem(reseal({ termCount: (sealed.header as { termCount: number }).termCount + 1 }))).toEqual(damaged(/expected/));
  });

  it('reports a file of an earlier format or version as stale, to be rebuilt', () => {
    const file = Buffer.concat(index.toFile(1));
    expect(loadLexicalFile(legacyLexicalFile(file))).toEqual({
      problem: { kind: 'stale', message: expect.stringMatching(/older version/) },
    });
    const sealed = openSealedFile(file, 'PSBM', 'lexical index');
    if ('problem' in sealed) throw new Error(sealed.problem);
    const future = Buffer.concat(sealFile('PSBM', { ...(sealed.header as object), version: 99 }, [sealed.body]));
    expect(loadLexicalFile(future)).toEqual({ problem: { kind: 'stale', message: expect.stringMatching(/version 99/) } });
  });
});

describe('distinctive and shared terms', () => {
  const docs = [
    {
      id: 'x',
      title: 'RLVR under noisy rewards',
      abstract: 'RLVR with noisy rewards: we propose a model. Noisy labels and RLVR training.',
    },
    { id: 'y', title: 'Noisy rewards for RLVR', abstract: 'Rewards are noisy in RLVR. Our method improves results.' },
    { id: 'z', title: 'Diffusion sampling', abstract: 'Faster diffusion sampling with fewer steps.' },
  ];
  const index = buildLexicalIndex(docs);

  it('lists readable surface words, not stems, without stop words or boilerplate', () => {
    const shared = index.sharedTerms('x', 'y', 5);
    expect(shared).toEqual(expect.arrayContaining(['RLVR', 'noisy', 'rewards']));
    for (const word of shared) expect(['model', 'method', 'results', 'propose', 'we', 'noisi', 'reward']).not.toContain(word);
    expect(index.sharedTerms('x', 'z', 5)).toEqual([]);
    expect(index.termsOf('z', 3)).toEqual(expect.arrayContaining(['diffusion', 'sampling']));
  });

  it('throws NOT_FOUND for an unknown id', () => {
    expect(() => index.sharedTerms('x', 'nope', 3)).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
  });
});

describe('the sample corpus', () => {
  const papers = readSampleCorpus();
  const index = buildLexicalIndex(papers);

  it('ranks the noisy-rewards paper in the top 3', () => {
    const titles = index
      .search('noisy rewards in reinforcement learning for LLM reasoning', { k: 3 })
      .map((hit) => papers[hit.index]?.title);
    expect(titles).toContain('The Climb Carves Wisdom Deeper Than the Summit: On the Noisy Rewards in Learning to Reason');
  });

  it('finds text-to-image papers by the compound', () => {
    const hits = index.search('text-to-image', { k: 3 });
    for (const hit of hits) expect(`${papers[hit.index]?.title} ${papers[hit.index]?.abstract}`).toMatch(/text-to-image/i);
  });
});
