import { readSettings } from '../../core/config.js';
import { type Embedder, embedderForIndex } from '../../indexer/embed/index.js';
import type { Manifest } from '../../indexer/store/index.js';
import { SearchEngine } from '../../server/engine/index.js';

/**
 * The embedder an index was built with (offline, the run's cache), wrapped: it counts the documents
 * it embeds, and with `held` their embedding (what a sentence index rebuild does) waits for
 * `release()`, so a test can look at a server while a rebuild is under way without sleeping.
 */
export async function heldEmbedder(manifest: Manifest, { held = false } = {}) {
  const inner = await embedderForIndex(manifest.embedder, manifest.embedderState, { cacheDir: readSettings().cacheDir, offline: true });
  let release = () => {};
  const gate = held
    ? new Promise<void>((resolve) => {
        release = resolve;
      })
    : Promise.resolve();
  const counts = { documents: 0 };
  const embedder: Embedder = {
    info: inner.info,
    fit: (documents) => inner.fit(documents),
    state: () => inner.state(),
    embedQuery: (text) => inner.embedQuery(text),
    wordSimilarities: inner.wordSimilarities?.bind(inner),
    close: () => inner.close(),
    embedDocuments: async (texts, onProgress) => {
      await gate;
      counts.documents += texts.length;
      return inner.embedDocuments(texts, onProgress);
    },
  };
  return { embedder, counts, release: () => release() };
}

/**
 * Opens the index in `dataDir` with a held embedder (see `heldEmbedder`): `release()` lets a
 * rebuild that embeds go on; `documentsEmbedded()` counts what it embedded.
 */
export async function openWithHeldEmbedder(dataDir: string) {
  let held: Awaited<ReturnType<typeof heldEmbedder>> | undefined;
  const engine = await SearchEngine.open({
    dataDir,
    cacheDir: readSettings().cacheDir,
    offline: true,
    embedder: async (manifest) => {
      held = await heldEmbedder(manifest, { held: true });
      return held.embedder;
    },
  });
  return { engine, release: () => held?.release(), documentsEmbedded: () => held?.counts.documents ?? 0 };
}
