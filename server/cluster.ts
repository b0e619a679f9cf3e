import cluster, { type Worker } from 'node:cluster';
import { nodeFlagGiven } from '../core/process.js';

/** What a worker tells the primary once it answers on the shared port. */
interface ReadyMessage {
  type: 'paperscope:ready';
  url: string;
  /** "100,000 papers (word-vectors: …)", for the primary's one start-up line. */
  summary: string;
}

function isReadyMessage(message: unknown): message is ReadyMessage {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'paperscope:ready';
}

/** Whether this process is one of `serve --workers`' workers. */
export function isServeWorker(): boolean {
  return cluster.isWorker;
}

/** Tells the primary that this worker answers at `url`. */
export function reportReady(url: string, summary: string): void {
  const message: ReadyMessage = { type: 'paperscope:ready', url, summary };
  process.send?.(message);
}

/**
 * V8's young generation for a serving process, per semi-space, in MB, fixed: a distinct search
 * allocates ≈ 0.3 MB, so at V8's default (growing to 16 MB only while much survives) it collects
 * every ≈ 50 requests, and the requests waiting on the other connections survive and are promoted.
 * Fixed at 32 MB, 6,000 distinct requests on 100k realistic papers took 45 scavenges instead of 114
 * (a maximum alone, without the minimum, 84–111: see docs/scaling.md). At most 64 MB more per process.
 */
export const SERVING_SEMI_SPACE_MB = 32;

/**
 * V8's interrupt budget for a serving process, in bytes of bytecode run between a function's
 * tier-up checks: an eighth of V8's default (67,584). A request runs hundreds of functions once
 * each (the HTTP parser, the router, zod, the ranking's setup), so at the default each is optimised
 * only after ≈ 1,000 requests, and every worker's first ≈ 1,500 measured requests cost ≈ 2× the CPU
 * of later ones — the slowest 1 % of a closed loop's answers came from them (docs/scaling.md, h23p).
 */
export const SERVING_INTERRUPT_BUDGET = 8448;

/**
 * How far a serving process's old generation may grow past what its last full collection kept, in
 * percent: 300 fixes V8's growing factor at 4, its largest. V8 picks the factor from its collector's
 * speed against the old generation's growth, aiming at 3 % of the time in full collections: a
 * worker's heap (≈ 50 MB at 100k papers) is collected fast and grows slowly, so once serving it
 * chose 1.1–1.3, and a full collection came every few thousand requests (every ≈ 25 MB promoted by
 * the requests in flight at each scavenge). Each one's incremental marking took 10–35 ms of CPU from
 * ≈ 10 requests in a row, then paused the worker 30–300 ms, which the ≈ 25 requests queued at it all
 * waited on (docs/scaling.md, h24p). The cost: up to four times the live heap before a collection.
 */
export const SERVING_HEAP_GROWING_PERCENT = 300;

/** The Node flags a serve worker starts with: the young generation, interrupt budget and heap growth above, each unless the user set it (flags or NODE_OPTIONS). */
export function servingNodeFlags(execArgv: readonly string[], nodeOptions = ''): string[] {
  const userSet = (name: string) => nodeFlagGiven(name, execArgv, nodeOptions);
  return [
    ...(userSet('semi-space-size')
      ? []
      : [`--min-semi-space-size=${SERVING_SEMI_SPACE_MB}`, `--max-semi-space-size=${SERVING_SEMI_SPACE_MB}`]),
    ...(userSet('interrupt-budget') ? [] : [`--interrupt-budget=${SERVING_INTERRUPT_BUDGET}`]),
    ...(userSet('heap-growing-percent') ? [] : [`--heap-growing-percent=${SERVING_HEAP_GROWING_PERCENT}`]),
  ];
}

export interface WorkerPool {
  url: string;
  summary: string;
  /** Stops every worker (each finishes its requests in flight) and resolves when all have exited. */
  stop(): Promise<void>;
}

/**
 * Runs this same command (`process.argv`) as `count` cluster workers that share one port, each
 * holding the index in memory: Node answers on one thread, so one process uses one core. The
 * first worker starts alone and the others once it answers, so the first answer comes as soon as
 * one process has loaded the index (two loading at once on two cores would each take longer).
 * Workers listen only once their index is open, and the primary hands connections only to workers
 * that listen, so no request reaches one still loading. A worker that exits after it was ready is
 * replaced; one that exits before (no index, a bad file) stops the pool, and the promise rejects.
 * `nodeOptions` is the environment's NODE_OPTIONS, which the workers inherit (see `servingNodeFlags`).
 */
export function startWorkerPool(count: number, log: (line: string) => void, nodeOptions?: string): Promise<WorkerPool> {
  cluster.setupPrimary({ execArgv: [...process.execArgv, ...servingNodeFlags(process.execArgv, nodeOptions)] });
  return new Promise((resolve, reject) => {
    let first: ReadyMessage | undefined;
    let stopping = false;
    let announced = false;
    const ready = new Set<Worker>();
    const stop = async () => {
      stopping = true;
      const workers = Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => worker !== undefined);
      await Promise.all(
        workers.map(
          (worker) =>
            new Promise<void>((done) => {
              if (worker.isDead()) return done();
              worker.once('exit', () => done());
              worker.process.kill('SIGTERM');
            }),
        ),
      );
    };
    const fork = () => {
      const worker = cluster.fork();
      worker.on('message', (message: unknown) => {
        if (!isReadyMessage(message)) return;
        ready.add(worker);
        if (first) {
          if (ready.size === count && !announced) log(`All ${count} workers answer\n`);
          announced ||= ready.size === count;
          return;
        }
        first = message;
        for (let started = 1; started < count; started++) fork();
        resolve({ url: message.url, summary: message.summary, stop });
      });
      worker.once('exit', (code, signal) => {
        if (stopping) return;
        if (!ready.has(worker)) {
          const failure = `a serve worker exited before it was ready (${signal ?? `code ${code}`})`;
          // Before the first answer the caller hears of it; a replacement that fails ends the pool.
          void stop().then(() => {
            if (!first) return reject(new Error(failure));
            log(`${failure}; stopping\n`);
            process.exit(1);
          });
          return;
        }
        ready.delete(worker);
        log(`A serve worker exited (${signal ?? `code ${code}`}); starting another\n`);
        fork();
      });
    };
    fork();
  });
}
