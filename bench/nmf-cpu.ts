/**
 * CPU of the NMF fits SciFact-sized corpora pay at index time, each in this one thread, with a
 * SHA-256 of the factors (to show a change kept the bytes) and the load average: the related
 * view's three fits on its 2,000-paper sample of 4,096 widespread terms, and the clustering's
 * start on its 1,000-paper fit sample's classic TF-IDF. Rounds after the first are warm.
 *
 *   npx tsx bench/nmf-cpu.ts --corpus PAPERS.jsonl [--topics 11] [--rounds 3]
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { classicTfIdf } from '../indexer/cluster/classic-tfidf.js';
import { nmf } from '../indexer/cluster/nmf.js';
import { DEFAULT_CLUSTER_SEED, sampleIndices, TOPIC_SAMPLE_SIZE } from '../indexer/cluster/random.js';
import { prepareRelatedView } from '../indexer/related/view.js';

const { values } = parseArgs({
  options: { corpus: { type: 'string' }, topics: { type: 'string', default: '11' }, rounds: { type: 'string', default: '3' } },
});
if (!values.corpus) throw new Error('usage: nmf-cpu.ts --corpus PAPERS.jsonl [--topics K] [--rounds N]');
const docs = readFileSync(values.corpus, 'utf8')
  .split('\n')
  .filter((line) => line.length > 0)
  .map((line) => JSON.parse(line) as { title: string; abstract: string });
const k = Number(values.topics);
const seed = DEFAULT_CLUSTER_SEED;
const { sample } = prepareRelatedView(docs);
const start = classicTfIdf(sampleIndices(docs.length, TOPIC_SAMPLE_SIZE, seed).map((index) => docs[index] as (typeof docs)[number]));
const fits = [
  ...[k - 1, k, k + 1].map((topics) => ({ name: `related k ${topics}`, matrix: sample, topics, passes: 50 })),
  { name: `start k ${k}`, matrix: start, topics: k, passes: 50 },
];

for (let round = 1; round <= Number(values.rounds); round++) {
  const figures = fits.map(({ name, matrix, topics, passes }) => {
    const since = process.cpuUsage();
    const { weights, components, iterations } = nmf(matrix, topics, { seed, maxIterations: passes });
    const { user, system } = process.cpuUsage(since);
    const hash = createHash('sha256');
    for (const row of [...weights, ...components]) hash.update(new Uint8Array(row.buffer, row.byteOffset, row.byteLength));
    return `${name}: ${((user + system) / 1e3).toFixed(0)} ms (${iterations} passes, sha256 ${hash.digest('hex').slice(0, 12)})`;
  });
  console.log(`round ${round}: ${figures.join('; ')}; load ${loadavg()[0]?.toFixed(1)}`);
}
