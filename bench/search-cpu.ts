/**
 * The CPU of one distinct search in process, by stage, on an index on disk: the query's analysis
 * with its word-vector expansions, the lexical ranking (MaxScore and the proximity bonus), the
 * ten hits of a page with their snippets, the whole `search` (those, and the vector search where
 * the plan reads it) and the response's JSON. Each figure is the least of `--passes` passes of
 * `--requests` searches of the bench's distinct mix (`serve-load`'s: its 100 queries, each with
 * its number appended), after a warm-up that weighs every term: a shared machine slows some
 * passes, seldom all.
 *   npx tsx bench/search-cpu.ts --datasets DIR --data-dir INDEX [--requests 500] [--passes 21]
 */
import { homedir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { type SearchParams, searchParamsSchema } from '../server/engine/index.js';
import { loadEngine } from '../server/engine/load.js';
import { search } from '../server/engine/search.js';
import { benchQueries } from './queries.js';
import { readDatasets } from './realistic-corpus.js';
import { loadAverage, round } from './stats.js';

const { values } = parseArgs({
  options: {
    datasets: { type: 'string' },
    'data-dir': { type: 'string' },
    requests: { type: 'string', default: '500' },
    passes: { type: 'string', default: '21' },
  },
});
if (!values.datasets || !values['data-dir']) throw new Error('give --datasets DIR and --data-dir INDEX');
const requests = Number(values.requests);
const passes = Number(values.passes);
const sources = [...(await readDatasets(values.datasets)).values()].flat();
const queries = benchQueries(sources, 100, 7);
const { state } = await loadEngine({
  dataDir: path.resolve(values['data-dir']),
  cacheDir: path.join(homedir(), '.cache', 'paperscope'),
  offline: true,
});

const textOf = (n: number) => `${queries[n % queries.length] ?? ''} ${n}`;
const paramsOf = (n: number): SearchParams => searchParamsSchema.parse({ q: textOf(n), k: '10' });
const analyse = (n: number) => state.lexical.analyse(textOf(n), { expansions: state.expander?.expand(textOf(n)) });
// The bench's queries differ only in their number: one analysis per query serves the ranking's figure.
const analysed = queries.map((_, n) => analyse(n));
const rank = (n: number) => state.lexical.rankAnalysed(analysed[n % queries.length] as ReturnType<typeof analyse>, { k: 10, cap: 1000 });
const responses = await Promise.all(queries.map((_, n) => search(state, paramsOf(n))));
// The hits of each query's ranking, shown again: what a search adds per page (snippets, summaries).
const ranked = queries.map((_, n) => rank(n).hits.map(({ id, score }) => ({ position: state.positionOf(id), score })));
const hits = (n: number) => {
  for (const { position, score } of ranked[n % queries.length] ?? []) state.hitAt(position, score, textOf(n));
};
for (let n = 0; n < 3_000; n++) await search(state, paramsOf(n));

/** Microseconds of CPU per call, the least of the passes. */
async function cpuPerCall(run: (n: number) => unknown): Promise<number> {
  let least = Number.POSITIVE_INFINITY;
  for (let pass = 0; pass < passes; pass++) {
    const started = process.cpuUsage();
    for (let n = 0; n < requests; n++) await run(n);
    const { user, system } = process.cpuUsage(started);
    least = Math.min(least, (user + system) / requests);
  }
  return round(least, 1);
}

const figures = {
  analyseUs: await cpuPerCall(analyse),
  rankUs: await cpuPerCall(rank),
  hitsUs: await cpuPerCall(hits),
  searchUs: await cpuPerCall((n) => search(state, paramsOf(n))),
  jsonUs: await cpuPerCall((n) => JSON.stringify(responses[n % responses.length])),
  load: loadAverage(),
};
console.log(JSON.stringify(figures));
await state.close();
