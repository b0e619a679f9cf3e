/**
 * The server for the soak in bench/load.ts: `startServer` as `paperscope serve` runs it, plus its
 * memory figures on request over IPC. Run with --expose-gc, so "memory" collects garbage first and
 * heapUsed is what is still reachable: a leak keeps it growing, a warmed-up server keeps it flat.
 * Argument: the data dir. Messages in: "memory", or { snapshot: path } (v8.writeHeapSnapshot).
 */
import v8 from 'node:v8';
import { startServer } from '../server/index.js';

export interface SoakMemory {
  /** MB, after a full garbage collection. */
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

const dataDir = process.argv[2];
if (!dataDir || !process.send)
  throw new Error('usage: node --expose-gc --import tsx/esm bench/soak-server.ts <data-dir>, from a parent with an IPC channel');
const send = process.send.bind(process);
const server = await startServer({ dataDir, host: '127.0.0.1', port: 0, offline: true });
const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

process.on('message', (message: unknown) => {
  if (message === 'memory') {
    globalThis.gc?.();
    const usage = process.memoryUsage();
    const memory: SoakMemory = {
      rss: mb(usage.rss),
      heapUsed: mb(usage.heapUsed),
      heapTotal: mb(usage.heapTotal),
      external: mb(usage.external),
      arrayBuffers: mb(usage.arrayBuffers),
    };
    send({ memory });
  } else if (typeof message === 'object' && message !== null && 'snapshot' in message) {
    send({ snapshot: v8.writeHeapSnapshot(String(message.snapshot)) });
  }
});
process.once('SIGTERM', () => {
  void server.close().then(() => process.exit(0));
});
send({ url: server.url });
