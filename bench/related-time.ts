/**
 * Time of related papers: the first request of a loaded index (reads the related-papers view the
 * indexer saved, fitting it only when missing, stale or damaged, and calibrates) and each request after.
 *
 *   npx tsx bench/related-time.ts DATA_DIR [--requests 200]
 */
import { readSettings } from '../core/config.js';
import { SearchEngine } from '../server/index.js';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: tsx bench/related-time.ts DATA_DIR [--requests N]');
const at = process.argv.indexOf('--requests');
const requests = at === -1 ? 200 : Number(process.argv[at + 1]);
const engine = await SearchEngine.open({ dataDir, cacheDir: readSettings().cacheDir, offline: true });
const ids = engine.map().points.map((point) => point.id);
// CPU time beside wall time: on a shared machine the wall time mostly measures the others' load.
const cpuMs = (since: NodeJS.CpuUsage) => {
  const { user, system } = process.cpuUsage(since);
  return (user + system) / 1000;
};
let started = performance.now();
let cpu = process.cpuUsage();
await engine.similar(ids[0] as string, 10);
const build = performance.now() - started;
const buildCpu = cpuMs(cpu);
// Spread over the corpus, so most requests find their neighbours' profiles not yet cached.
const step = Math.max(1, Math.floor(ids.length / requests));
const sample = Array.from({ length: Math.min(requests, ids.length) }, (_, index) => ids[(1 + index * step) % ids.length] as string);
started = performance.now();
cpu = process.cpuUsage();
for (const id of sample) await engine.similar(id, 10);
const perRequest = (performance.now() - started) / sample.length;
const perRequestCpu = cpuMs(cpu) / sample.length;
console.log(
  `${ids.length} papers: first request (loads the related-papers view) ${Math.round(build)} ms (CPU ${Math.round(buildCpu)} ms); ` +
    `then ${perRequest.toFixed(1)} ms per request (CPU ${perRequestCpu.toFixed(1)} ms) over ${sample.length} papers; load average ${(await import('node:os')).loadavg()[0]?.toFixed(1)}`,
);
await engine.close();
