/** The engine: loads an index (load.ts) and answers queries, one file per operation; the server swaps it live. */

export type { ApiAskEvent } from './ask.js';
export { LiveEngine } from './live-engine.js';
export type { EngineOptions } from './load.js';
export { type ReloadWatch, watchForNewIndex } from './reload-watch.js';
export * from './schemas.js';
export { SearchEngine } from './search-engine.js';
