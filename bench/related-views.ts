/**
 * Same-topic precision@5 of the views and re-rankings related papers were chosen from, every pair
 * scored (no floor, no candidate cut), beside TF-IDF cosine and the shipped ranking, over an index and
 * labels (paper id or title → topic). What docs/related-papers.md's tables come from. Not part of the
 * test suite; it measures.
 *
 *   npx tsx bench/related-views.ts DATA_DIR LABELS_JSON [lexical|graph|topics|all]
 *
 * e.g. DATA_DIR an index of data/ with test/fixtures/topic-labels.json, or of arxiv-2007/papers.jsonl
 * with arxiv-2007/labels.json (2,000 papers: a few minutes per group).
 */
import { readSettings } from '../core/config.js';
import { classicTfIdf, nmf } from '../indexer/cluster/index.js';
import type { TermMatrix } from '../indexer/cluster/text-view.js';
import { buildRelatedView, topicMixtures } from '../indexer/related/index.js';
import { STOP_WORDS } from '../indexer/text/index.js';
import { loadEngine } from '../server/engine/load.js';
import { RelatedPapers } from '../server/ranking/related.js';
import { readHandLabels } from '../server/topics/index.js';

const [dataDir, labelsFile] = process.argv.slice(2) as [string, string];
const settings = readSettings();
const { state } = await loadEngine({ dataDir, cacheDir: settings.cacheDir, offline: true });
const handLabels = await readHandLabels(labelsFile);
const norm = (s: string) => s.normalize('NFKC').replace(/\s+/g, ' ').trim().toLowerCase();
const labelMap = new Map(Object.entries(handLabels).map(([k, v]) => [norm(k), v]));
const n = state.papers.length;
const briefs = state.papers.all();
const docs = briefs.map((b, p) => ({ title: b.title, abstract: state.recordAt(p).abstract }));
const labels = briefs.map((b) => labelMap.get(norm(b.id)) ?? labelMap.get(norm(b.title)));
const scored = labels.flatMap((l, i) => (l === undefined ? [] : [i]));
const K = 5;

type Matrix = Float32Array[]; // dense n×n, diagonal -Inf

function dense(matrix: TermMatrix): Matrix {
  const post: Array<Array<[number, number]>> = Array.from({ length: matrix.vocabularySize }, () => []);
  matrix.rows.forEach((r, d) => {
    r.columns.forEach((c, e) => {
      post[c]?.push([d, r.weights[e] as number]);
    });
  });
  return matrix.rows.map((r, i) => {
    const out = new Float32Array(n);
    r.columns.forEach((c, e) => {
      const w = r.weights[e] as number;
      for (const [d, v] of post[c] as Array<[number, number]>) out[d] = (out[d] as number) + w * v;
    });
    out[i] = Number.NEGATIVE_INFINITY;
    return out;
  });
}
function fromVectors(rows: ArrayLike<number>[]): Matrix {
  const units = rows.map((v) => {
    let s = 0;
    for (let i = 0; i < v.length; i++) s += (v[i] as number) ** 2;
    s = Math.sqrt(s) || 1;
    return Float32Array.from(v as ArrayLike<number>, (x) => x / s);
  });
  return units.map((a, i) => {
    const out = new Float32Array(n);
    for (let j = 0; j < n; j++) {
      if (j === i) {
        out[j] = Number.NEGATIVE_INFINITY;
        continue;
      }
      const b = units[j] as Float32Array;
      let s = 0;
      for (let d = 0; d < a.length; d++) s += (a[d] as number) * (b[d] as number);
      out[j] = s;
    }
    return out;
  });
}
function zscore(m: Matrix): Matrix {
  let s = 0;
  let s2 = 0;
  let c = 0;
  for (const row of m)
    for (const v of row)
      if (Number.isFinite(v)) {
        s += v;
        s2 += v * v;
        c++;
      }
  const mu = s / c;
  const sd = Math.sqrt(s2 / c - mu * mu) || 1;
  return m.map((row) => row.map((v) => (Number.isFinite(v) ? (v - mu) / sd : v)));
}
function add(parts: Array<[number, Matrix]>): Matrix {
  return Array.from({ length: n }, (_, i) => {
    const out = new Float32Array(n);
    for (const [w, m] of parts) {
      const row = m[i] as Float32Array;
      for (let j = 0; j < n; j++) out[j] = (out[j] as number) + w * (row[j] as number);
    }
    out[i] = Number.NEGATIVE_INFINITY;
    return out;
  });
}
function topk(row: Float32Array, k: number): number[] {
  const idx = Array.from({ length: n }, (_, j) => j);
  return idx.sort((a, b) => (row[b] as number) - (row[a] as number) || a - b).slice(0, k);
}
function precision(rank: (i: number) => number[]): number {
  let hits = 0;
  for (const i of scored)
    hits += rank(i)
      .slice(0, K)
      .filter((j) => labels[j] === labels[i]).length;
  return hits / (scored.length * K);
}
const ofMatrix = (m: Matrix) => (i: number) => topk(m[i] as Float32Array, K);
/** CSLS: 2 s(i,j) − r_i − r_j, r = mean of the top-k similarities (hubness reduction). */
function csls(m: Matrix, k: number): Matrix {
  const r = m.map((row) => {
    const t = topk(row, k);
    return t.reduce((s, j) => s + (row[j] as number), 0) / k;
  });
  return m.map((row, i) => row.map((v, j) => (j === i ? v : 2 * v - (r[i] as number) - (r[j] as number))));
}
/** Mutual kNN: boost j when i is among j's top-k (by rank in j's list). */
function mutual(m: Matrix, k: number, beta: number): Matrix {
  const lists = m.map((row) => topk(row, k));
  const rankIn = lists.map((l) => new Map(l.map((j, r) => [j, r])));
  return m.map((row, i) =>
    row.map((v, j) => {
      if (j === i) return v;
      const r = rankIn[j]?.get(i);
      return r === undefined ? v : v + beta * (1 - r / k);
    }),
  );
}
/** Local scaling: s / sqrt(σi σj), σ = similarity to the k-th neighbour. */
function localScale(m: Matrix, k: number): Matrix {
  const sig = m.map((row) => {
    const t = topk(row, k);
    return Math.max(1e-6, row[t[k - 1] as number] as number);
  });
  return m.map((row, i) => row.map((v, j) => (j === i ? v : v / Math.sqrt((sig[i] as number) * (sig[j] as number)))));
}
/** Candidates ranked by the cosine of their top-`size` profiles with the paper's (shared nearest neighbours, weighted). */
function secondOrder(m: Matrix, size: number): (i: number) => number[] {
  const lists = m.map((row) => topk(row, size));
  const profiles = lists.map((list, i) => {
    const profile = new Map<number, number>(list.map((j) => [j, Math.max(0, (m[i] as Float32Array)[j] as number)]));
    profile.set(i, Math.max(...profile.values()));
    return profile;
  });
  const length = (x: Map<number, number>) => Math.sqrt([...x.values()].reduce((sum, v) => sum + v * v, 0));
  const cosine = (a: Map<number, number>, b: Map<number, number>) => {
    let product = 0;
    for (const [key, value] of a) product += value * (b.get(key) ?? 0);
    return product / (length(a) * length(b) || 1);
  };
  return (i) =>
    (lists[i] as number[])
      .map((j) => [j, cosine(profiles[i] as Map<number, number>, profiles[j] as Map<number, number>)] as const)
      .sort((a, b) => b[1] - a[1] || a[0] - b[0])
      .map(([j]) => j);
}
function rrf(ms: Array<[number, Matrix]>, c = 60, depth = 100): (i: number) => number[] {
  return (i) => {
    const score = new Map<number, number>();
    for (const [w, m] of ms)
      topk(m[i] as Float32Array, depth).forEach((j, r) => {
        score.set(j, (score.get(j) ?? 0) + w / (c + r + 1));
      });
    return [...score].sort((a, b) => b[1] - a[1] || a[0] - b[0]).map(([j]) => j);
  };
}

/** TF-IDF variants: title repeats, bigrams, sublinear. */
const TOKEN = /\b\w\w+\b/gu;
function tfidfVariant(opts: { titleRepeats: number; bigrams: number; minDf?: number }): TermMatrix {
  const counts = docs.map((doc) => {
    const tally = new Map<string, number>();
    const addText = (text: string, times: number) => {
      const words = [...text.toLowerCase().matchAll(TOKEN)].map((m) => m[0]);
      words.forEach((w, i) => {
        if (!STOP_WORDS.has(w)) tally.set(w, (tally.get(w) ?? 0) + times);
        const next = words[i + 1];
        if (opts.bigrams > 0 && next && !STOP_WORDS.has(w) && !STOP_WORDS.has(next))
          tally.set(`${w} ${next}`, (tally.get(`${w} ${next}`) ?? 0) + times);
      });
    };
    addText(doc.title, opts.titleRepeats);
    addText(doc.abstract, 1);
    return tally;
  });
  const df = new Map<string, number>();
  for (const t of counts) for (const w of t.keys()) df.set(w, (df.get(w) ?? 0) + 1);
  const vocab = [...df].filter(([, d]) => d >= (opts.minDf ?? 2)).map(([w]) => w);
  const col = new Map(vocab.map((w, i) => [w, i]));
  const rows = counts.map((t) => {
    const e = [...t].flatMap(([w, c]) => {
      const i = col.get(w);
      if (i === undefined) return [];
      const idf = Math.log((1 + n) / (1 + (df.get(w) as number))) + 1;
      return [[i, (1 + Math.log(c)) * idf * (w.includes(' ') ? opts.bigrams : 1)] as const];
    });
    const s = Math.sqrt(e.reduce((a, [, v]) => a + v * v, 0)) || 1;
    return { columns: Int32Array.from(e, ([i]) => i), weights: Float32Array.from(e, ([, v]) => v / s) };
  });
  return { vocabularySize: vocab.length, rows };
}

const results: Array<[string, number]> = [];
const report = (name: string, p: number) => {
  results.push([name, p]);
  console.log(`${name.padEnd(48)} ${p.toFixed(3)}`);
};
const classic = classicTfIdf(docs);
const T = dense(classic);
const base = precision(ofMatrix(T));
report('tfidf (baseline)', base);
const shipped = new RelatedPapers({
  view: buildRelatedView(docs, state.topics.topics.length),
  vector: (p) => state.vectorAt(p),
  nearestByVector: (p, k) => state.vectorRanking(state.vectorAt(p), k).map((h) => state.positionById.get(h.id) ?? -1),
  embeddingWeight: 0.3,
});
report(
  'shipped',
  precision((i) => shipped.of(i, K).map((h) => h.position)),
);
const V = fromVectors(Array.from({ length: n }, (_, i) => state.vectorAt(i)));
report('wordvec', precision(ofMatrix(V)));
const Tz = zscore(T);
const Vz = zscore(V);
for (const w of [0.2, 0.3, 0.5])
  report(
    `z tfidf + ${w} wv`,
    precision(
      ofMatrix(
        add([
          [1, Tz],
          [w, Vz],
        ]),
      ),
    ),
  );
const F = add([
  [1, Tz],
  [0.3, Vz],
]);
const group = process.argv[4] ?? 'all';
if (group === 'all' || group === 'graph' || group === 'lexical') {
  for (const k of [5, 10, 20]) {
    report(`csls tfidf k${k}`, precision(ofMatrix(csls(T, k))));
    report(`csls fused k${k}`, precision(ofMatrix(csls(F, k))));
  }
  for (const k of [7, 10]) report(`localscale tfidf k${k}`, precision(ofMatrix(localScale(T, k))));
  for (const k of [5, 10, 20])
    for (const b of [0.5, 1, 2]) {
      report(`mutual tfidf(z) k${k} b${b}`, precision(ofMatrix(mutual(Tz, k, b))));
      report(`mutual fused k${k} b${b}`, precision(ofMatrix(mutual(F, k, b))));
    }
  // tuned tf-idf
  for (const [tr, bg] of [
    [2, 0],
    [1, 0.5],
    [2, 0.5],
    [1, 1],
  ] as const)
    report(`tfidf title×${tr} bigrams×${bg}`, precision(ofMatrix(dense(tfidfVariant({ titleRepeats: tr, bigrams: bg })))));
  // NMF soft membership
  for (const k of [Math.max(2, Math.round(Math.sqrt(n / 2))), 10, 20, 40]) {
    if (k >= n / 2) continue;
    const W = fromVectors(nmf(classic, k, { seed: 42 }).weights);
    report(`nmf k${k} W cosine`, precision(ofMatrix(W)));
    const Wz = zscore(W);
    for (const a of [0.3, 0.6])
      report(
        `tfidf + ${a} nmf k${k}`,
        precision(
          ofMatrix(
            add([
              [1, Tz],
              [a, Wz],
            ]),
          ),
        ),
      );
    report(
      `fused + 0.3 nmf k${k}`,
      precision(
        ofMatrix(
          add([
            [1, F],
            [0.3, Wz],
          ]),
        ),
      ),
    );
    report(
      `rrf tfidf wv nmf k${k}`,
      precision(
        rrf([
          [1, T],
          [0.5, V],
          [0.5, W],
        ]),
      ),
    );
  }
}
if (group === 'all' || group === 'topics') {
  const kA = Math.max(2, Math.round(Math.sqrt(n / 2)));
  const Ws = new Map<number, Matrix>();
  const Wof = (k: number, seed = 42) => {
    const key = k * 1000 + seed;
    if (!Ws.has(key)) Ws.set(key, fromVectors(nmf(classic, k, { seed }).weights));
    return Ws.get(key) as Matrix;
  };
  const mean = (ms: Matrix[]) => add(ms.map((m) => [1 / ms.length, m] as [number, Matrix]));
  const ks = [...new Set([Math.max(2, Math.round(kA / 2)), kA, kA * 2])].filter((k) => k < n / 2);
  const E = mean(ks.map((k) => Wof(k)));
  report(`nmf ensemble k${ks.join('/')}`, precision(ofMatrix(E)));
  const Ez = zscore(E);
  for (const a of [0.3, 0.6, 1, 1.5])
    report(
      `tfidf + ${a} nmf-ens`,
      precision(
        ofMatrix(
          add([
            [1, Tz],
            [a, Ez],
          ]),
        ),
      ),
    );
  for (const a of [0.6, 1])
    report(
      `fused + ${a} nmf-ens`,
      precision(
        ofMatrix(
          add([
            [1, F],
            [a, Ez],
          ]),
        ),
      ),
    );
  const S = mean([42, 7, 1234].map((seed) => Wof(kA, seed)));
  report(`nmf k${kA} 3 seeds`, precision(ofMatrix(S)));
  for (const a of [0.6, 1])
    report(
      `tfidf + ${a} nmf k${kA} 3seeds`,
      precision(
        ofMatrix(
          add([
            [1, Tz],
            [a, zscore(S)],
          ]),
        ),
      ),
    );
  for (const k of [ks[0] as number, kA * 2])
    for (const a of [0.6, 1])
      report(
        `tfidf + ${a} nmf k${k}`,
        precision(
          ofMatrix(
            add([
              [1, Tz],
              [a, zscore(Wof(k))],
            ]),
          ),
        ),
      );
  const B = add([
    [1, Tz],
    [1, Ez],
  ]);
  for (const size of [10, 20]) report(`2nd-order(tfidf+nmf-ens) p${size}`, precision(secondOrder(B, size)));
}
if (group === 'all' || group === 'topics') {
  const kT = state.topics.topics.length;
  console.log('topics k', kT);
  const mean = (ms: Matrix[]) => add(ms.map((m) => [1 / ms.length, m] as [number, Matrix]));
  const W = (k: number, seed = 42) => fromVectors(nmf(classic, k, { seed }).weights);
  const one = W(kT);
  const seeds = mean([one, W(kT, 7), W(kT, 1234)]);
  const near = mean([W(kT - 1), one, W(kT + 1)]);
  const sq = Math.max(2, Math.round(Math.sqrt(n / 2)));
  const both = mean([one, W(sq)]);
  for (const [name, M] of [
    [`k${kT}`, one],
    [`k${kT} 3 seeds`, seeds],
    [`k${kT}±1`, near],
    [`k${kT}+k${sq}`, both],
  ] as Array<[string, Matrix]>) {
    report(`nmf ${name} alone`, precision(ofMatrix(M)));
    const Mz = zscore(M);
    for (const a of [0.6, 1, 1.5, 2])
      report(
        `tfidf + ${a} nmf ${name}`,
        precision(
          ofMatrix(
            add([
              [1, Tz],
              [a, Mz],
            ]),
          ),
        ),
      );
    report(
      `fused + 1 nmf ${name}`,
      precision(
        ofMatrix(
          add([
            [1, F],
            [1, Mz],
          ]),
        ),
      ),
    );
  }
}
if (group === 'all' || group === 'topics') {
  const kT = state.topics.topics.length;
  const iters = Number(process.argv[5] ?? 200);
  const mean = (ms: Matrix[]) => add(ms.map((m) => [1 / ms.length, m] as [number, Matrix]));
  const W = (k: number, seed: number) => fromVectors(nmf(classic, k, { seed, maxIterations: iters }).weights);
  const t0 = performance.now();
  const runs: Matrix[] = [];
  for (const k of [kT - 1, kT, kT + 1]) for (const seed of [42, 7, 1234]) runs.push(W(k, seed));
  console.log('9 runs incl. dense cosine ms', Math.round(performance.now() - t0), 'iters', iters);
  const C = mean(runs);
  const Cz = zscore(C);
  report('nmf consensus 9 alone', precision(ofMatrix(C)));
  for (const a of [1, 1.5, 2, 3])
    report(
      `tfidf + ${a} consensus9`,
      precision(
        ofMatrix(
          add([
            [1, Tz],
            [a, Cz],
          ]),
        ),
      ),
    );
  for (const a of [1.5, 2, 3])
    report(
      `fused + ${a} consensus9`,
      precision(
        ofMatrix(
          add([
            [1, F],
            [a, Cz],
          ]),
        ),
      ),
    );
  const B = add([
    [1, Tz],
    [2, Cz],
  ]);
  for (const size of [10, 20]) report(`2nd-order(tfidf+2 cons9) p${size}`, precision(secondOrder(B, size)));
}
if (group === 'all' || group === 'topics' || group === 'shipped') {
  // The topic view as related papers build it (topic count ±1, one seed), blended as they blend it.
  const view = zscore(fromVectors(topicMixtures(classic, state.topics.topics.length, 42)));
  for (const w of [1, 2, 3, 4])
    report(
      `fused + ${w} topic view`,
      precision(
        ofMatrix(
          add([
            [1, F],
            [w, view],
          ]),
        ),
      ),
    );
  report(
    '2nd-order(fused + 3 topic view) p20',
    precision(
      secondOrder(
        add([
          [1, F],
          [3, view],
        ]),
        20,
      ),
    ),
  );
}
console.log('ratios vs tfidf:');
for (const [name, p] of results) console.log(`${name.padEnd(48)} ${(p / base).toFixed(3)}`);
process.exit(0);
