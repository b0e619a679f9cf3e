import { clusterPapers, layoutMap } from './indexer/cluster/index.js';
import { createRandom } from './indexer/cluster/random.js';
const r = createRandom(7); const d = 384; const n = 100_000;
const gauss = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
const centers = Array.from({ length: 8 }, () => Array.from({ length: d }, gauss));
const vectors = Array.from({ length: n }, (_, i) => { const c = centers[i % 8]!; const v = new Float32Array(d); for (let j = 0; j < d; j++) v[j] = c[j]! + gauss() * 1.2; return v; });
let t = Date.now(); const c = clusterPapers({ vectors }); console.log('cluster', c.k, Date.now() - t, 'ms');
t = Date.now(); const m = layoutMap(vectors); console.log('map', m.length, Date.now() - t, 'ms');
