/**
 * Times the views the indexer derives on its worker lane beside the clustering (the topics'
 * labels and second level, the map, the related-papers view) on an indexed corpus, each in this
 * one thread, against the partition the index stored, and prints what each produced so two
 * versions can be compared: the topics' and sub-topics' labels, the map's 2-D silhouette by topic
 * (Euclidean, seeded 2,000 papers) and a checksum of the related view.
 *
 *   npx tsx bench/lane-views.ts --data-dir <DIR> [--repeat 3] [--only describe,map,related]
 */
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { clusterVectors, describePartition, layoutMap, type TopicPartition } from '../indexer/cluster/index.js';
import { countCorpusTerms, withoutPositions } from '../indexer/lexical/index.js';
import { buildRelatedView } from '../indexer/related/view.js';
import { openDataDir, PapersTable, readTopicsFile } from '../indexer/store/index.js';
import { silhouette2d } from './stats.js';

const { values } = parseArgs({
  options: {
    'data-dir': { type: 'string' },
    repeat: { type: 'string', default: '3' },
    only: { type: 'string', default: 'describe,map,related' },
  },
});
const dir = values['data-dir'];
if (!dir) throw new Error('usage: lane-views.ts --data-dir DIR [--repeat N] [--only describe,map,related]');
const { layout } = openDataDir(dir, { cacheDir: '/tmp', role: 'serve' });
const table = await PapersTable.open(layout);
const stored = await readTopicsFile(layout);
if (!table || !stored) throw new Error(`no index with topics in ${dir}`);
const papers = await table.readAll();
const repeat = Number(values.repeat);
const only = new Set(values.only.split(','));

function timed<T>(label: string, run: () => T): T {
  let result: T | undefined;
  const cpu: string[] = [];
  for (let round = 0; round < repeat; round++) {
    const used = process.cpuUsage();
    result = run();
    const spent = process.cpuUsage(used);
    cpu.push(((spent.user + spent.system) / 1e6).toFixed(2));
  }
  console.log(`${label.padEnd(28)} CPU s ${cpu.join(', ')}`);
  return result as T;
}

console.log(
  `${papers.length} papers in ${dir}, ${stored.topics.length} topics; load ${(await import('node:os')).loadavg()[0]?.toFixed(2)}`,
);
const counted = withoutPositions(countCorpusTerms(papers, { positions: true }));
const ids = [...new Set(Object.values(stored.assignments))].sort((a, b) => a - b);
const localOf = new Map(ids.map((id, index) => [id, index]));
const partition: TopicPartition = {
  local: papers.map((paper) => localOf.get(stored.assignments[paper.id] as number) as number),
  ids,
  meta: {
    silhouette: stored.silhouette,
    seed: stored.seed,
    requested: stored.requested,
    clusteredCount: stored.clusteredCount,
    nextId: stored.nextId,
  },
};
if (only.has('describe')) {
  const topics = timed('labels, second level', () => describePartition(papers, partition, counted));
  for (const topic of topics.topics) {
    console.log(`  ${topic.id} (${topic.size}) ${topic.label}`);
    for (const sub of topics.subtopics?.[String(topic.id)]?.clusters ?? []) console.log(`      ${sub.size} ${sub.label}`);
  }
}
if (only.has('map')) {
  const vectors = clusterVectors(papers, stored.seed, counted);
  const map = timed('map', () => layoutMap(vectors, { seed: stored.seed }));
  console.log(`  2-D silhouette by topic ${silhouette2d(map, partition.local).toFixed(3)}`);
}
if (only.has('related')) {
  const view = timed('related view', () => buildRelatedView(papers, stored.topics.length));
  const hash = createHash('sha256').update(new Uint8Array(view.mixtures.buffer)).update(new Uint8Array(view.tfIdf.weights.buffer));
  console.log(`  mixtures ${view.mixtureSize} wide, sha256 ${hash.digest('hex').slice(0, 16)}`);
}
