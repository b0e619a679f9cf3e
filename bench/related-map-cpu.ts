/**
 * CPU of the related-papers view and the map at index time, each in this one thread, with a
 * SHA-256 of what they produce (to show a change kept the bytes) and the load average.
 *
 *   npx tsx bench/related-map-cpu.ts --corpus PAPERS.jsonl [--n 100000] [--topics 8]   # the related view
 *   npx tsx bench/related-map-cpu.ts --data-dir INDEX                                  # the map of an index's topic view
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { readSettings } from '../core/config.js';
import { clusterVectors, extendMap } from '../indexer/cluster/index.js';
import { finishRelatedView, prepareRelatedView } from '../indexer/related/view.js';
import { openDataDir, PapersTable } from '../indexer/store/index.js';

const { values } = parseArgs({
  options: { corpus: { type: 'string' }, n: { type: 'string' }, topics: { type: 'string', default: '8' }, 'data-dir': { type: 'string' } },
});

function cpuSeconds<T>(run: () => T): [T, number] {
  const since = process.cpuUsage();
  const result = run();
  const { user, system } = process.cpuUsage(since);
  return [result, (user + system) / 1e6];
}

function sha256(arrays: ReadonlyArray<Int32Array | Float32Array | Float64Array>): string {
  const hash = createHash('sha256');
  for (const array of arrays) hash.update(new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
  return hash.digest('hex').slice(0, 16);
}

const load = () => loadavg()[0]?.toFixed(1);

if (values.corpus) {
  const limit = values.n ? Number(values.n) : Number.POSITIVE_INFINITY;
  const docs: Array<{ title: string; abstract: string }> = [];
  for (const line of readFileSync(values.corpus, 'utf8').split('\n')) {
    if (docs.length >= limit) break;
    if (!line) continue;
    const { title, abstract } = JSON.parse(line) as { title: string; abstract: string };
    docs.push({ title, abstract });
  }
  const [prepared, prepareCpu] = cpuSeconds(() => prepareRelatedView(docs));
  const [view, finishCpu] = cpuSeconds(() => finishRelatedView(prepared, Number(values.topics)));
  const { offsets, columns, weights } = view.tfIdf;
  console.log(
    `related view of ${docs.length} papers at ${values.topics} topics: prepare ${prepareCpu.toFixed(2)} + finish ${finishCpu.toFixed(2)} CPU s, ` +
      `sha256 ${sha256([offsets, columns, weights, view.mixtures])}, load ${load()}`,
  );
} else if (values['data-dir']) {
  const table = await PapersTable.open(openDataDir(values['data-dir'], { cacheDir: readSettings().cacheDir, role: 'serve' }).layout);
  if (!table) throw new Error(`no index in ${values['data-dir']}`);
  const vectors = clusterVectors(await table.readAll(), 42);
  const [points, mapCpu] = cpuSeconds(() => extendMap(vectors, new Array(vectors.length).fill(undefined), { seed: 42 }));
  const coordinates = Float64Array.from(points.flatMap(({ x, y }) => [x, y]));
  console.log(`map of ${points.length} papers: ${mapCpu.toFixed(2)} CPU s, sha256 ${sha256([coordinates])}, load ${load()}`);
} else {
  throw new Error('usage: related-map-cpu.ts --corpus PAPERS.jsonl [--n N] [--topics K] | --data-dir INDEX');
}
