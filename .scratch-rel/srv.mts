import { createApp, SearchEngine } from '/work/main/server/index.ts';
import { serve } from '/work/main/node_modules/@hono/node-server/dist/index.mjs';
import { buildSampleIndex } from '/work/main/test/helpers/sample-index.ts';
import { readSettings } from '/work/main/core/config.ts';
const dataDir = process.argv[2] ?? await buildSampleIndex();
console.log(dataDir);
const engine = await SearchEngine.open({ dataDir, cacheDir: readSettings().cacheDir, offline: true });
serve({ fetch: createApp({ engine, http: { rateLimitPerMinute: 0 } }).fetch, hostname: '127.0.0.1', port: 3999 });
