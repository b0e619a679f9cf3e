import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';
import { quantizedFrom, readSettings } from '../core/config.js';
import { PaperscopeError } from '../core/errors.js';
import type { IndexEvent } from '../indexer/events.js';
import { createApp } from './app.js';
import type { LlmSettings } from './ask/index.js';
import { LiveEngine, SearchEngine, watchForNewIndex } from './engine/index.js';
import { mcpToken } from './mcp/http.js';
import { StartingProgress, startingApp } from './routes/starting.js';

export { createApp } from './app.js';
export { SearchEngine } from './engine/index.js';

export interface ServerOptions {
  dataDir: string;
  host?: string;
  port?: number;
  cacheDir?: string;
  modelDir?: string;
  offline?: boolean;
  /** Must match the index's transformer weights when given; default PAPERSCOPE_PRECISION, else as the index was built. */
  quantized?: boolean;
  /** The model server for streamed answers; default: PAPERSCOPE_LLM_URL / _MODEL / _KEY. */
  llm?: LlmSettings;
  webDir?: string;
  /** Serve MCP over streamable HTTP at /mcp (needs PAPERSCOPE_ADMIN_TOKEN). */
  mcp?: boolean;
  /** How often to look for a newly published index; 0 turns it off. Default: PAPERSCOPE_RELOAD_INTERVAL_MS. */
  reloadIntervalMs?: number;
  onEvent?: (event: IndexEvent) => void;
  onError?: (error: PaperscopeError) => void;
  /**
   * Builds the index on a first run, after the port is open: its events feed the progress page and
   * `/api/status`. The engine is opened when it resolves.
   */
  prepare?: (onEvent: (event: IndexEvent) => void) => Promise<unknown>;
  /** Called with the URL as soon as the port is open, before `prepare` runs and the index is opened. */
  onListening?: (url: string) => void;
  /**
   * Open the index before the port, with no progress page (a `serve --workers` worker: the primary
   * hands connections to the workers that listen, so none should listen before it can answer).
   */
  listenWhenOpen?: boolean;
}

export interface RunningServer {
  url: string;
  engine: SearchEngine;
  close(): Promise<void>;
}

/**
 * Serves the API and the web page on the index in `dataDir`; port 0 picks a free port. The port is
 * opened first: until the index is open (and while `prepare` builds it on a first run), the page
 * shows the progress, `/api/status` reports it, and the other API routes answer 503.
 * The environment is read here, once; what is below receives its settings.
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const settings = readSettings();
  const engineOptions = {
    dataDir: options.dataDir,
    cacheDir: options.cacheDir ?? settings.cacheDir,
    modelDir: options.modelDir ?? settings.modelDir,
    offline: options.offline ?? settings.offline,
    quantized: options.quantized ?? quantizedFrom(settings.precision),
    llm: options.llm ?? settings.llm,
    objectStore: settings.objectStore,
    lockTtlMs: settings.lockTtlMs,
    onEvent: options.onEvent,
  };
  // Refused before the port opens, not once the index is loaded.
  if (options.mcp) mcpToken(settings.adminToken);
  const progress = new StartingProgress();
  let handle: Hono['fetch'] = startingApp(progress).fetch;
  // Live, so that POST /api/papers can swap in the updated index.
  const openEngine = async (onEvent = options.onEvent) =>
    new LiveEngine(await SearchEngine.open({ ...engineOptions, onEvent }), engineOptions);
  const opened = options.listenWhenOpen ? await openEngine() : undefined;
  const { server, url } = await listen(options.host ?? settings.host, options.port ?? settings.port, (request, env) =>
    handle(request, env),
  ).catch(async (error: unknown) => {
    await opened?.close();
    throw error;
  });
  let live: LiveEngine;
  try {
    options.onListening?.(url);
    if (opened) live = opened;
    else {
      if (options.prepare) await options.prepare(progress.onEvent);
      progress.loading();
      // The first open's events feed the progress page too: rebuilding a stale HNSW or BM25 file takes a while on a large index.
      const onEvent = (event: IndexEvent) => {
        progress.onEvent(event);
        options.onEvent?.(event);
      };
      live = await openEngine(onEvent);
    }
  } catch (error) {
    await closeServer(server);
    throw error;
  }
  const { rateLimitPerMinute, requestTimeoutMs, corsOrigin, adminToken } = settings;
  handle = createApp({
    engine: live,
    http: { rateLimitPerMinute, requestTimeoutMs, corsOrigin, adminToken },
    webDir: options.webDir,
    mcp: options.mcp,
    onError: options.onError,
  }).fetch;
  // Replicas pick up what another process indexed (`paperscope index`, or a writer on object storage).
  const reloadIntervalMs = options.reloadIntervalMs ?? settings.reloadIntervalMs;
  const watch = reloadIntervalMs > 0 ? watchForNewIndex(live, { intervalMs: reloadIntervalMs, onEvent: options.onEvent }) : undefined;
  return {
    url,
    get engine() {
      return live.current;
    },
    close: async () => {
      await closeServer(server);
      await watch?.stop();
      await live.close();
    },
  };
}

type NodeServer = ReturnType<typeof serve>;

function listen(host: string, port: number, fetch: Hono['fetch']): Promise<{ server: NodeServer; url: string }> {
  return new Promise((resolve, reject) => {
    const fail = (error: unknown) => reject(listenFailure(error, host, port));
    try {
      const server = serve({ fetch, hostname: host, port }, (address: AddressInfo) => {
        const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
        resolve({ server, url: `http://${shownHost}:${address.port}` });
      });
      server.once('error', fail);
    } catch (error) {
      // An invalid port throws before any 'error' event.
      fail(error);
    }
  });
}

/** In-flight requests finish; idle keep-alive sockets are closed so shutdown is prompt. */
function closeServer(server: NodeServer): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    if ('closeIdleConnections' in server) server.closeIdleConnections();
  });
}

const LISTEN_PROBLEMS: Record<string, string> = {
  EADDRINUSE: 'the port is already in use. Stop what is using it, or choose another port with --port (or PORT); 0 picks a free one',
  EACCES: 'permission denied (ports below 1024 need privileges). Choose a port of 1024 or more with --port (or PORT)',
  EADDRNOTAVAIL: 'this machine has no such address. Choose another with --host (or HOST), such as 127.0.0.1',
  ENOTFOUND: 'this host name does not resolve. Choose another with --host (or HOST), such as 127.0.0.1',
  ERR_SOCKET_BAD_PORT: 'not a port number. Choose a port from 0 to 65535 with --port (or PORT)',
};

/** Why the server cannot listen, as a catalog error a person can act on. */
function listenFailure(error: unknown, host: string, port: number): PaperscopeError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? '';
  const problem = LISTEN_PROBLEMS[code] ?? (error instanceof Error ? error.message : String(error));
  return new PaperscopeError(
    'CANNOT_LISTEN',
    `Cannot listen on ${host}:${port}: ${problem}.`,
    { host, port, reason: code },
    { cause: error },
  );
}
