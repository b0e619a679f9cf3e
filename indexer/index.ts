import { mkdir } from 'node:fs/promises';
import { PaperscopeError } from '../core/errors.js';
import { APP_VERSION } from '../core/version.js';
import { buildDerivedIndexes, saveDerivedIndexes } from './derive.js';
import { createEmbedder, type Embedder, type EmbedderChoice, embedderForIndex } from './embed/index.js';
import { contentHash, type Paper, type ParseIssue, readListings } from './parse/index.js';
import { acquireWriterLock, dataDirLayout, type Manifest, PapersTable, readManifest, type StoredPaper, writeManifest } from './store/index.js';

export { buildTopics, loadDerivedIndexes, topicOf, type DerivedIndexes } from './derive.js';

/** Progress and messages from a long operation, rendered by the CLI or ignored by tests. */
export type IndexEvent =
  | { type: 'info'; message: string }
  | { type: 'warning'; message: string }
  | { type: 'progress'; stage: string; done: number; total: number };

export interface IndexOptions {
  paths: string[];
  dataDir: string;
  cacheDir: string;
  modelDir?: string;
  offline: boolean;
  embedder: EmbedderChoice;
  model?: string;
  clusters: 'auto' | number;
  seed?: number;
  year?: number;
  strict?: boolean;
  /** Rebuild every vector, e.g. to switch embedder. */
  reembed?: boolean;
  onEvent?: (event: IndexEvent) => void;
}

export interface IndexSummary {
  parsed: number;
  added: number;
  updated: number;
  unchanged: number;
  total: number;
  issues: ParseIssue[];
  embedder: Manifest['embedder'];
  topics: number;
  buildMs: number;
}

const EMBED_BATCH = 64;

/** The text that represents a paper for embedding: the title carries the most signal. */
export function documentText(paper: Pick<Paper, 'title' | 'abstract'>): string {
  return `${paper.title}. ${paper.abstract}`;
}

/**
 * Parses the inputs, embeds new and changed papers, writes them to the table, then rebuilds the
 * derived indexes and the manifest. Unchanged papers are not re-embedded; an index built by
 * another embedder is never mixed with new vectors.
 */
export async function runIndex(options: IndexOptions): Promise<IndexSummary> {
  const started = performance.now();
  const emit = options.onEvent ?? (() => {});
  const layout = dataDirLayout(options.dataDir);
  await mkdir(layout.root, { recursive: true });
  const release = await acquireWriterLock(layout);
  let embedder: Embedder | undefined;
  try {
    const { papers, issues } = await readListings(options.paths, { year: options.year, strict: options.strict });
    for (const issue of issues) emit({ type: 'warning', message: `${issue.file}:${issue.line}${issue.field ? ` (${issue.field})` : ''}: ${issue.message}` });
    emit({ type: 'info', message: `Parsed ${papers.length} papers from ${options.paths.join(', ')}${issues.length ? ` (${issues.length} skipped)` : ''}` });

    const manifest = options.reembed ? undefined : await readManifest(layout);
    embedder = manifest ? await reopenEmbedder(manifest, options, emit) : await createEmbedder({
      choice: options.embedder,
      model: options.model,
      modelDir: options.modelDir,
      cacheDir: options.cacheDir,
      offline: options.offline,
      onWarning: (message) => emit({ type: 'warning', message }),
    });
    const dimension = embedder.info.dimension;
    emit({ type: 'info', message: `Embedder: ${embedder.info.kind} (${embedder.info.model}, ${dimension} dimensions)` });

    const table = manifest
      ? await PapersTable.open(layout, dimension)
      : await PapersTable.recreate(layout, dimension);
    if (!table) throw new PaperscopeError('INTERNAL', `Could not open the papers table in ${layout.database}.`);
    if ((await table.dimension()) !== dimension) {
      throw new PaperscopeError('INDEX_MISMATCH', `The papers table holds ${await table.dimension()}-d vectors but the embedder makes ${dimension}-d ones; run "paperscope index --reembed".`);
    }

    const known = manifest ? await table.contentHashes() : new Map<string, string>();
    const hashed = papers.map((paper) => ({ paper, hash: contentHash(paper) }));
    const changed = hashed.filter(({ paper, hash }) => known.get(paper.id) !== hash);
    const added = changed.filter(({ paper }) => !known.has(paper.id)).length;

    if (!manifest) {
      // The word-vector embedder fits its weighting on the corpus it will index.
      await embedder.fit(papers.map(documentText));
    }

    if (changed.length > 0) {
      const vectors = await embedder.embedDocuments(
        changed.map(({ paper }) => documentText(paper)),
        (done, total) => emit({ type: 'progress', stage: 'Embedding', done, total }),
      );
      const rows: StoredPaper[] = changed.map(({ paper, hash }, position) => {
        const { source, ...fields } = paper;
        const vector = vectors[position];
        if (!vector) throw new PaperscopeError('INTERNAL', `The embedder returned no vector for "${paper.title}".`);
        return { ...fields, sourceFile: source.file, sourceLine: source.line, contentHash: hash, vector };
      });
      // Record the embedder before the first batch lands, so committed rows are never orphaned.
      if (!manifest) await writeManifest(layout, manifestFor(embedder, 0, await table.version(), 0, options, 1));
      await table.upsert(rows, EMBED_BATCH * 16, (done) => emit({ type: 'progress', stage: 'Writing', done, total: rows.length }));
    }

    const tableVersion = await table.version();
    const stored = await table.readAll();
    if (stored.length === 0) throw new PaperscopeError('INVALID_INPUT', `No papers to index in ${options.paths.join(', ')}.`);
    const upToDate = manifest && changed.length === 0 && manifest.tableVersion === tableVersion && (options.clusters === manifest.clustering.requested);
    let topicCount = manifest?.clustering.k ?? 0;
    if (!upToDate) {
      emit({ type: 'info', message: `Building the search indexes and topics for ${stored.length} papers` });
      const derived = buildDerivedIndexes(stored, tableVersion, dimension, { clusters: options.clusters, seed: options.seed ?? 42 });
      await saveDerivedIndexes(layout, derived, tableVersion);
      topicCount = derived.topics.k;
    }
    const buildMs = performance.now() - started;
    if (!upToDate) await writeManifest(layout, manifestFor(embedder, stored.length, tableVersion, buildMs, options, topicCount));

    return {
      parsed: papers.length,
      added,
      updated: changed.length - added,
      unchanged: papers.length - changed.length,
      total: stored.length,
      issues,
      embedder: embedder.info,
      topics: topicCount,
      buildMs,
    };
  } finally {
    await embedder?.close();
    await release();
  }
}

function manifestFor(embedder: Embedder, count: number, tableVersion: number, buildMs: number, options: IndexOptions, k: number): Manifest {
  return {
    format: 1,
    appVersion: APP_VERSION,
    builtAt: new Date().toISOString(),
    buildMs: Math.round(buildMs),
    embedder: embedder.info,
    embedderState: embedder.state(),
    count,
    tableVersion,
    clustering: { k, requested: options.clusters, seed: options.seed ?? 42 },
  };
}

/** Adding to an existing index: the embedder must be the one that built it. */
async function reopenEmbedder(manifest: Manifest, options: IndexOptions, emit: (event: IndexEvent) => void): Promise<Embedder> {
  const built = manifest.embedder;
  const wantsOtherKind = options.embedder !== 'auto' && options.embedder !== built.kind;
  const wantsOtherModel = options.model !== undefined && built.kind === 'transformer' && options.model !== built.model;
  if (wantsOtherKind || wantsOtherModel) {
    throw new PaperscopeError(
      'INDEX_MISMATCH',
      `The index in ${options.dataDir} was built with ${built.kind} (${built.model}); vectors from another embedder cannot be mixed in. Run with --reembed to rebuild it.`,
    );
  }
  return embedderForIndex(built, manifest.embedderState, {
    cacheDir: options.cacheDir,
    modelDir: options.modelDir,
    offline: options.offline,
    onWarning: (message) => emit({ type: 'warning', message }),
  });
}
