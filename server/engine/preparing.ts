import { PaperscopeError } from '../../core/errors.js';
import type { LoadProblem } from '../../core/load-problem.js';

/** The parts of an index a server loads on first use, and rebuilds then when they are missing, stale or damaged. */
export type PreparedPart = 'sentence index' | 'related-papers view';

/** What the API needs each part for, in the message that refuses it meanwhile. */
const NEEDED_FOR: Record<PreparedPart, string> = { 'sentence index': 'Ask', 'related-papers view': 'Related papers' };

/**
 * How long a request waits for a rebuild before it is refused: a small index's rebuild is over by
 * then, and the request is answered as if nothing happened.
 */
const GRACE_MS = 1_000;
/** A rebuild's first estimate of its remaining time, and the bounds of any estimate, in seconds. */
const FIRST_RETRY_S = 2;
const MIN_RETRY_S = 1;
const MAX_RETRY_S = 30;

interface Rebuild {
  reason: string;
  started: number;
  done?: number;
  total?: number;
}

/** One part being rebuilt, as `/api/status` reports it. */
export interface PreparingStatus {
  part: PreparedPart;
  reason: string;
  elapsed_s: number;
  done: number | null;
  total: number | null;
}

/**
 * The parts of a loaded index being rebuilt, for the API to answer within a second ("being rebuilt,
 * try again in N s") instead of keeping a client waiting past its timeout, and for `/api/status` to report.
 *
 * @example
 * const loading = loadSentences(preparing.hooks('sentence index'));
 * const sentences = await preparing.orRefuse('sentence index', loading);
 */
export class Preparing {
  readonly #rebuilds = new Map<PreparedPart, Rebuild>();
  /** Callbacks of requests waiting on a load, told when it turns out to be a rebuild. */
  readonly #listeners = new Map<PreparedPart, Set<() => void>>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** The loader's hooks for `part`: a rebuild starts, makes progress; the load settles. */
  hooks(part: PreparedPart) {
    return {
      onRebuild: (problem: LoadProblem) => {
        this.#rebuilds.set(part, { reason: problem.message, started: this.#now() });
        for (const listener of this.#listeners.get(part) ?? []) listener();
        this.#listeners.delete(part);
      },
      onProgress: (done: number, total: number) => {
        const rebuild = this.#rebuilds.get(part);
        if (rebuild) Object.assign(rebuild, { done, total });
      },
      settled: () => {
        this.#rebuilds.delete(part);
        this.#listeners.delete(part);
      },
    };
  }

  status(): PreparingStatus[] {
    return [...this.#rebuilds].map(([part, { reason, started, done, total }]) => ({
      part,
      reason,
      elapsed_s: Math.floor((this.#now() - started) / 1000),
      done: done ?? null,
      total: total ?? null,
    }));
  }

  /**
   * `loading`'s value; but once `part` has been rebuilding for a second (`loading` may turn out to
   * be a rebuild), an INDEX_PREPARING error instead, with the seconds to wait as `retryAfter`.
   */
  orRefuse<T>(part: PreparedPart, loading: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const refuseAfterGrace = () => {
        const started = this.#rebuilds.get(part)?.started ?? this.#now();
        timer = setTimeout(
          () => {
            // Settled meanwhile: `loading` answers.
            if (this.#rebuilds.has(part)) reject(this.#refusal(part));
          },
          Math.max(0, started + GRACE_MS - this.#now()),
        );
      };
      const listeners = this.#listeners.get(part) ?? new Set();
      if (this.#rebuilds.has(part)) refuseAfterGrace();
      else {
        listeners.add(refuseAfterGrace);
        this.#listeners.set(part, listeners);
      }
      loading.then(resolve, reject).finally(() => {
        clearTimeout(timer);
        listeners.delete(refuseAfterGrace);
      });
    });
  }

  #refusal(part: PreparedPart): PaperscopeError {
    const rebuild = this.#rebuilds.get(part) as Rebuild;
    const elapsedS = (this.#now() - rebuild.started) / 1000;
    const { done, total } = rebuild;
    const progress = done !== undefined && total ? `, ${done.toLocaleString('en')} of ${total.toLocaleString('en')} embedded` : '';
    // The rate so far, once there is one, says how long the rest takes.
    const remainingS = done && total ? (elapsedS * (total - done)) / done : FIRST_RETRY_S;
    const retryAfter = Math.min(MAX_RETRY_S, Math.max(MIN_RETRY_S, Math.ceil(remainingS)));
    return new PaperscopeError(
      'INDEX_PREPARING',
      `The ${part} is being rebuilt (${Math.floor(elapsedS)} s so far${progress}: ${rebuild.reason}); ${NEEDED_FOR[part]} works again when it is done, search works meanwhile. Try again in ${retryAfter} s.`,
      { part, retryAfter },
    );
  }
}
