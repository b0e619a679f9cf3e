import { LRUCache } from 'lru-cache';
import type { SearchEngine, SearchParams } from '../engine/index.js';

export interface SearchCacheOptions {
  /** Responses kept per engine; as many keys again are remembered for admission (see `answer`). */
  maxEntries?: number;
  /** Characters of JSON kept per engine, so that deep pages (k up to 100) cannot grow it unbounded. */
  maxChars?: number;
}

const DEFAULTS = { maxEntries: 1_000, maxChars: 16 * 1024 * 1024 } satisfies Required<SearchCacheOptions>;

/** A response's JSON split around the value of `took_ms`, which each answer fills in with its own time. */
interface CachedJson {
  head: string;
  tail: string;
}

/** The engine's answer; only its `search` is needed. */
type Searcher = Pick<SearchEngine, 'search'>;

interface EngineEntries {
  responses: LRUCache<string, CachedJson>;
  /** Keys searched once and not kept yet. */
  seen: LRUCache<string, true>;
}

/**
 * The normalised, validated parameters as one string: every key in a fixed order, so defaults
 * and trimming (done by the schema) make equal searches share an entry, and a parameter added to
 * the schema later can never be left out of the key.
 */
export function searchKey(params: SearchParams): string {
  return JSON.stringify(
    Object.keys(params)
      .sort()
      .map((key) => [key, params[key as keyof SearchParams] ?? null]),
  );
}

/**
 * Complete `/api/search` responses as JSON, per engine: an engine answers the same parameters the
 * same way for its whole life, and a reload makes a new engine, so its entries go with the old
 * one (held weakly). A cached answer says `"cached": true` and its `took_ms` is the time of the
 * lookup, not of the search that first computed it. A response is kept the second time its
 * parameters come: traffic that never repeats then costs no more than without a cache (keeping
 * every answer for a while kept the garbage collector busy, some 10% of each such request's CPU).
 *
 * @example
 * const searches = new SearchResponseCache();
 * api.get('/search', async (c) => jsonResponse(await searches.answer(engineFor(c), params)));
 */
export class SearchResponseCache {
  readonly #options: Required<SearchCacheOptions>;
  readonly #byEngine = new WeakMap<Searcher, EngineEntries>();

  constructor(options: SearchCacheOptions = {}) {
    this.#options = { ...DEFAULTS, ...options };
  }

  /** The JSON response to `params` from `engine`: from the cache, or searched (and kept if asked for before). */
  async answer(engine: Searcher, params: SearchParams): Promise<string> {
    const started = performance.now();
    const key = searchKey(params);
    const { responses, seen } = this.#entriesOf(engine);
    const cached = responses.get(key);
    if (cached !== undefined) return `${cached.head}${roundMs(performance.now() - started)}${cached.tail}`;
    const { query, took_ms: tookMs, ...rest } = await engine.search(params);
    // Serialised once, query and took_ms first; the cache's halves are cut out of it only when the
    // response is kept (joining halves for every answer copied the whole JSON once more).
    const json = JSON.stringify({ query, took_ms: tookMs, ...rest, cached: false });
    if (seen.delete(key)) {
      const head = `{"query":${JSON.stringify(query)},"took_ms":`;
      const tail = json.slice(head.length + JSON.stringify(tookMs).length, -'false}'.length);
      responses.set(key, { head, tail: `${tail}true}` });
    } else seen.set(key, true);
    return json;
  }

  #entriesOf(engine: Searcher): EngineEntries {
    let entries = this.#byEngine.get(engine);
    if (entries === undefined) {
      const { maxEntries, maxChars } = this.#options;
      entries = {
        responses: new LRUCache({ max: maxEntries, maxSize: maxChars, sizeCalculation: (entry) => entry.head.length + entry.tail.length }),
        seen: new LRUCache({ max: maxEntries }),
      };
      this.#byEngine.set(engine, entries);
    }
    return entries;
  }
}

/** As the engine rounds `took_ms`: to hundredths of a millisecond. */
function roundMs(ms: number): number {
  return Math.round(ms * 100) / 100;
}
