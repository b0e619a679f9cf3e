/**
 * Times topics (with their second level) and the map on an indexed corpus, and scores how well the
 * map shows the topics: the 2-D silhouette of the papers' topics (Euclidean, on at most 2,000 papers)
 * on Paperscope's map beside a UMAP of the TF-IDF (its 50-d LSA, as is usual for UMAP on text).
 *
 *   npx tsx bench/topics-map.ts --data-dir /tmp/scifact-index [--clusters auto|N]
 */
import { parseArgs } from 'node:util';
import { clusterVectors, latentSemanticVectors, layoutMap, tfIdfMatrix, updateTopics } from '../indexer/cluster/index.js';
import { countCorpusTerms } from '../indexer/lexical/index.js';
import { openDataDir, PapersTable } from '../indexer/store/index.js';
import { silhouette2d } from './stats.js';

const { values } = parseArgs({ options: { 'data-dir': { type: 'string' }, clusters: { type: 'string', default: 'auto' } } });
const dir = values['data-dir'];
if (!dir) throw new Error('usage: topics-map.ts --data-dir DIR [--clusters auto|N]');
const table = await PapersTable.open(openDataDir(dir, { cacheDir: '/tmp', role: 'serve' }).layout);
if (!table) throw new Error(`no index in ${dir}`);
const papers = await table.readAll();
const clusters = values.clusters === 'auto' ? 'auto' : Number(values.clusters);

function timed<T>(label: string, run: () => T): T {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const result = run();
  const used = process.cpuUsage(cpu);
  console.log(
    `${label.padEnd(44)} ${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s wall, ${((used.user + used.system) / 1e6).toFixed(1).padStart(6)} s CPU`,
  );
  return result;
}

console.log(`${papers.length} papers in ${dir}, clusters ${clusters}`);
const topics = timed('topics (NMF + k-means, labels, second level)', () => updateTopics(papers, { clusters, seed: 42 }));
console.log(`  k = ${topics.k}, sizes ${topics.topics.map((topic) => topic.size).join(', ')}`);
const embeddingMap = timed('map: UMAP of the embeddings (as indexed)', () => layoutMap(papers.map((paper) => paper.vector)));
const combinedMap = timed('map: UMAP of embedding + LSA (the topics view)', () => layoutMap(clusterVectors(papers, 42)));
const tfidfMap = timed('baseline map: UMAP of TF-IDF (LSA 50-d)', () =>
  layoutMap(latentSemanticVectors(tfIdfMatrix(countCorpusTerms(papers)), 50, 42)),
);
const labels = papers.map((paper) => topics.topics.findIndex((topic) => topic.id === topics.assignments[paper.id]));
for (const [name, map] of [
  ['embeddings', embeddingMap],
  ['embedding + LSA', combinedMap],
  ['TF-IDF', tfidfMap],
] as const) {
  console.log(`2-D silhouette by topic, UMAP of ${name.padEnd(16)} ${silhouette2d(map, labels).toFixed(3)}`);
}
