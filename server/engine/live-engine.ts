import type { Context, MiddlewareHandler } from 'hono';
import type { EngineOptions } from './load.js';
import { SearchEngine } from './search-engine.js';

/**
 * The engine the server answers with, swapped whole when the index changes. Each request keeps
 * the engine that was current when it arrived until it ends; a replaced engine is closed once its
 * last request is done. `options` say how to reopen the index; without them it cannot be reloaded.
 *
 * @example
 * const live = new LiveEngine(await SearchEngine.open(options), options);
 * app.use('/api/*', live.pin());
 * app.get('/api/status', (c) => c.json(live.for(c).status()));
 * await live.reload();
 */
export class LiveEngine {
  readonly options: EngineOptions | undefined;
  #current: SearchEngine;
  readonly #pinned = new WeakMap<Request, SearchEngine>();
  readonly #inFlight = new Map<SearchEngine, number>();
  readonly #retired = new Set<SearchEngine>();

  constructor(engine: SearchEngine, options?: EngineOptions) {
    this.#current = engine;
    this.options = options;
  }

  get current(): SearchEngine {
    return this.#current;
  }

  /** The engine pinned to this request, or the current one outside `pin()`. */
  for(c: Context): SearchEngine {
    return this.#pinned.get(c.req.raw) ?? this.#current;
  }

  pin(): MiddlewareHandler {
    return (c, next) =>
      this.use((engine) => {
        this.#pinned.set(c.req.raw, engine);
        return next();
      });
  }

  /** Runs `task` on the current engine, which is not closed before `task` ends even if another is swapped in meanwhile. */
  async use<T>(task: (engine: SearchEngine) => T | Promise<T>): Promise<T> {
    const engine = this.#current;
    this.#inFlight.set(engine, (this.#inFlight.get(engine) ?? 0) + 1);
    try {
      return await task(engine);
    } finally {
      const left = (this.#inFlight.get(engine) ?? 1) - 1;
      if (left > 0) this.#inFlight.set(engine, left);
      else {
        this.#inFlight.delete(engine);
        if (this.#retired.delete(engine)) await engine.close();
      }
    }
  }

  /** Makes `next` current; the previous engine closes when its in-flight requests end. */
  async swap(next: SearchEngine): Promise<void> {
    const previous = this.#current;
    this.#current = next;
    if (previous === next) return;
    if (this.#inFlight.has(previous)) this.#retired.add(previous);
    else await previous.close();
  }

  /** Opens the index again (after the indexer changed it) and swaps the new engine in. */
  async reload(): Promise<void> {
    if (!this.options) throw new Error('This engine was not given the options to reopen its index.');
    await this.swap(await SearchEngine.open(this.options));
  }

  /** Closes the current engine, for shutdown once the server has stopped taking requests. */
  async close(): Promise<void> {
    await this.#current.close();
  }
}
