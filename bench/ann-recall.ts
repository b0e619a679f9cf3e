/**
 * The HNSW graph's recall against an exact scan of the same vectors, on an index on disk, by the
 * search's breadth (hnswlib's ef): the queries are the eval sets' (`--queries`, JSON lists of
 * `{ query }`) and the titles of papers spread over the index, embedded as a search embeds them.
 * Recall@k counts the graph's top k among the scan's; "with ties" also counts a paper whose
 * similarity equals the scan's k-th (near-duplicate abstracts tie). At k = 10 (a page, the similar
 * papers) and k = 100 (`MIN_POOL`: what hybrid ranking reads); CPU per graph search beside it.
 *   npx tsx bench/ann-recall.ts --data-dir INDEX --queries A.json,B.json [--titles 150] [--ef 80,100,200]
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { Level0Vectors } from '../indexer/ann/exact-scan.js';
import type { Neighbour } from '../indexer/ann/index.js';
import { loadEngine } from '../server/engine/load.js';
import { loadAverage, round } from './stats.js';

const { values } = parseArgs({
  options: {
    'data-dir': { type: 'string' },
    queries: { type: 'string', default: '' },
    titles: { type: 'string', default: '150' },
    ef: { type: 'string', default: '80,100,150,200,300,400,600' },
  },
});
if (!values['data-dir']) throw new Error('give --data-dir INDEX');
const dataDir = path.resolve(values['data-dir']);
const efs = values.ef.split(',').map(Number);
const querySetSchema = z.array(z.object({ query: z.string() }));

const { state } = await loadEngine({ dataDir, cacheDir: path.join(homedir(), '.cache', 'paperscope'), offline: true });
await state.ann.graphLoaded;
const count = state.ann.size;
const texts: string[] = [];
for (const file of values.queries.split(',').filter(Boolean))
  texts.push(...querySetSchema.parse(JSON.parse(await readFile(file, 'utf8'))).map(({ query }) => query));
const titles = Number(values.titles);
for (let n = 0; n < titles; n++) texts.push(state.papers.at(Math.floor(((n + 0.5) * count) / titles))?.title ?? '');
const vectors = await Promise.all(texts.map((text) => state.embedder.embedQuery(text)));

const scan = await Level0Vectors.read(path.join(dataDir, 'papers.hnsw'), { dimension: state.ann.dimension, count });
if (!scan) throw new Error('the graph file is not laid out as hnswlib lays it out');
const exact = vectors.map((vector) => scan.nearest(vector, 100));

/** The share of `found` in `truth`'s first k; with ties, also those as similar as its k-th. */
function recall(found: readonly Neighbour[], truth: readonly Neighbour[], k: number): { strict: number; ties: number } {
  const best = new Set(truth.slice(0, k).map(({ label }) => label));
  const kth = truth[k - 1]?.similarity ?? Number.NEGATIVE_INFINITY;
  const top = found.slice(0, k);
  const strict = top.filter(({ label }) => best.has(label)).length;
  const ties = top.filter(({ label, similarity }) => best.has(label) || similarity >= kth - 1e-6).length;
  return { strict: strict / k, ties: ties / k };
}

const fromSets = texts.length - titles;
console.log(`${count} papers, ${vectors.length} queries (${fromSets} from the sets, ${titles} titles), load ${loadAverage()}`);
console.log('ef\tk\trecall: all / sets / titles\twith ties: all / sets / titles\tCPU µs per search');
for (const ef of efs) {
  for (const k of [10, 100]) {
    const started = process.cpuUsage();
    const found = vectors.map((vector) => state.ann.search(vector, k, undefined, ef));
    const { user, system } = process.cpuUsage(started);
    const scores = found.map((hits, query) => recall(hits, exact[query] as Neighbour[], k));
    const mean = (from: number, to: number, pick: (score: { strict: number; ties: number }) => number) =>
      round(scores.slice(from, to).reduce((sum, score) => sum + pick(score), 0) / Math.max(1, to - from), 3);
    const groups = (pick: (score: { strict: number; ties: number }) => number) =>
      [mean(0, scores.length, pick), mean(0, fromSets, pick), mean(fromSets, scores.length, pick)].join(' / ');
    const cpuUs = round((user + system) / vectors.length, 0);
    console.log(`${Math.max(ef, k)}\t${k}\t${groups((score) => score.strict)}\t${groups((score) => score.ties)}\t${cpuUs}`);
  }
}
await state.close();
