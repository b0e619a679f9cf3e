import { useEffect, useState } from 'preact/hooks';
import { api, type Cluster, isAbort, preparingDelay, type Status } from './api.js';

export type Load<T> =
  | { state: 'idle' }
  /** `preparing`: the server's message while a part of the index the request needs is rebuilt; asked again by itself. */
  | { state: 'loading'; previous?: T; preparing?: string }
  | { state: 'ready'; data: T }
  | { state: 'error'; error: Error };

/**
 * Run `load` whenever `deps` change, aborting the previous request so a slow stale
 * response can never overwrite a newer one. `load` returning undefined means "nothing to do".
 */
export function useApi<T>(load: (signal: AbortSignal) => Promise<T> | undefined, deps: unknown[]): Load<T> {
  const [result, setResult] = useState<Load<T>>({ state: 'idle' });
  // Bumped to ask again once a part of the index being rebuilt should be ready.
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    const controller = new AbortController();
    let retry: ReturnType<typeof setTimeout> | undefined;
    const pending = load(controller.signal);
    if (!pending) {
      setResult({ state: 'idle' });
      return;
    }
    // Keep the last good data on screen while the next request runs, so typing does not flicker.
    // A rebuild's message stays while it is asked again: the part is still being rebuilt until the answer says otherwise.
    setResult((prev) => ({
      state: 'loading',
      previous: prev.state === 'ready' ? prev.data : prev.state === 'loading' ? prev.previous : undefined,
      preparing: prev.state === 'loading' ? prev.preparing : undefined,
    }));
    pending.then(
      (data) => setResult({ state: 'ready', data }),
      (error: unknown) => {
        if (isAbort(error)) return;
        const delay = preparingDelay(error);
        if (delay !== undefined) {
          const preparing = (error as Error).message;
          setResult((prev) => ({ state: 'loading', previous: prev.state === 'loading' ? prev.previous : undefined, preparing }));
          retry = setTimeout(() => setAttempt((n) => n + 1), delay);
          return;
        }
        setResult({ state: 'error', error: error instanceof Error ? error : new Error(String(error)) });
      },
    );
    return () => {
      controller.abort();
      clearTimeout(retry);
    };
  }, [...deps, attempt]);
  return result;
}

/** Data that changes only when the index is rebuilt: fetched once per page load and shared by every view. */
function shared<T>(load: (signal: AbortSignal) => Promise<T>): (signal: AbortSignal) => Promise<T> {
  let cached: Promise<T> | undefined;
  return () => {
    cached ??= load(new AbortController().signal).catch((error: unknown) => {
      cached = undefined;
      throw error;
    });
    return cached;
  };
}

const loadClusters = shared((signal) => api.clusters(signal).then((body) => body.clusters));
const loadStatus = shared((signal) => api.status(signal));

/** A topic's second level, as `GET /api/clusters/:id/subtopics` gives it. */
export interface SecondLevel {
  clusters: Cluster[];
  /** Why the topic was not split, when `clusters` is empty. */
  reason?: string;
}

// The second level is stored with the topics, so every topic's is fetched at once for the overview and the map.
const loadSecondLevel = shared(async (signal) => {
  const clusters = await loadClusters(signal);
  const levels = await Promise.all(clusters.map((cluster) => api.subtopics(cluster.id, signal)));
  return new Map(clusters.map((cluster, index) => [cluster.id, levels[index] as SecondLevel]));
});

export const useClusters = (): Load<Cluster[]> => useApi(loadClusters, []);
/** Topic id → its sub-topics. */
export const useSecondLevel = (): Load<Map<number, SecondLevel>> => useApi(loadSecondLevel, []);
export const useStatus = (): Load<Status> => useApi(loadStatus, []);

export function useDocumentTitle(title: string): void {
  useEffect(() => {
    document.title = title ? `${title} · Paperscope` : 'Paperscope';
  }, [title]);
}
