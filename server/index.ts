import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { readSettings } from '../core/config.js';
import type { PaperscopeError } from '../core/errors.js';
import type { IndexEvent } from '../indexer/events.js';
import { createApp } from './app.js';
import type { LlmSettings } from './ask/index.js';
import { LiveEngine, SearchEngine, watchForNewIndex } from './engine/index.js';

export { createApp } from './app.js';
export { SearchEngine } from './engine/index.js';

export interface ServerOptions {
  dataDir: string;
  host?: string;
  port?: number;
  cacheDir?: string;
  modelDir?: string;
  offline?: boolean;
  /** The model server for streamed answers; default: PAPERSCOPE_LLM_URL / _MODEL / _KEY. */
  llm?: LlmSettings;
  webDir?: string;
  /** How often to look for a newly published index; 0 turns it off. Default: PAPERSCOPE_RELOAD_INTERVAL_MS. */
  reloadIntervalMs?: number;
  onEvent?: (event: IndexEvent) => void;
  onError?: (error: PaperscopeError) => void;
}

export interface RunningServer {
  url: string;
  engine: SearchEngine;
  close(): Promise<void>;
}

/**
 * Loads the index in `dataDir` and serves the API and the web page; port 0 picks a free port.
 * The environment is read here, once; what is below receives its settings.
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const settings = readSettings();
  const engineOptions = {
    dataDir: options.dataDir,
    cacheDir: options.cacheDir ?? settings.cacheDir,
    modelDir: options.modelDir ?? settings.modelDir,
    offline: options.offline ?? settings.offline,
    llm: options.llm ?? settings.llm,
    objectStore: settings.objectStore,
    lockTtlMs: settings.lockTtlMs,
    onEvent: options.onEvent,
  };
  // Live, so that POST /api/papers can swap in the updated index.
  const live = new LiveEngine(await SearchEngine.open(engineOptions), engineOptions);
  const { rateLimitPerMinute, requestTimeoutMs, corsOrigin, adminToken } = settings;
  const app = createApp({ engine: live, http: { rateLimitPerMinute, requestTimeoutMs, corsOrigin, adminToken }, webDir: options.webDir, onError: options.onError });
  // Replicas pick up what another process indexed (`paperscope index`, or a writer on object storage).
  const reloadIntervalMs = options.reloadIntervalMs ?? settings.reloadIntervalMs;
  const watch = reloadIntervalMs > 0 ? watchForNewIndex(live, { intervalMs: reloadIntervalMs, onEvent: options.onEvent }) : undefined;
  const host = options.host ?? settings.host;
  const { server, address } = await new Promise<{ server: ReturnType<typeof serve>; address: AddressInfo }>((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: host, port: options.port ?? settings.port }, (info) => resolve({ server, address: info }));
    server.once('error', (error) => {
      void watch?.stop();
      reject(error);
    });
  });
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}`,
    get engine() {
      return live.current;
    },
    close: async () => {
      // In-flight requests finish; idle keep-alive sockets are closed so shutdown is prompt.
      await new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        if ('closeIdleConnections' in server) server.closeIdleConnections();
      });
      await watch?.stop();
      await live.close();
    },
  };
}
