import type { EmbedderOptions } from './embed/index.js';

/** Progress and messages from a long operation, rendered by the CLI or ignored by tests. */
export type IndexEvent =
  | { type: 'info'; message: string }
  | { type: 'warning'; message: string }
  /** `unit: 'bytes'` for downloads; counts of items otherwise. */
  | { type: 'progress'; stage: string; done: number; total: number; unit?: 'bytes' };

/** An embedder's warnings, one-time setup messages and model download bytes, as index events. */
export function embedderEvents(
  emit: (event: IndexEvent) => void,
): Pick<EmbedderOptions, 'onWarning' | 'onProgress' | 'onDownloadProgress'> {
  return {
    onWarning: (message) => emit({ type: 'warning', message }),
    onProgress: (message) => emit({ type: 'info', message }),
    onDownloadProgress: (file, done, total) => emit({ type: 'progress', stage: `Downloading ${file}`, done, total, unit: 'bytes' }),
  };
}
