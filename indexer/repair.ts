import { staleFile } from '../core/load-problem.js';
import type { AnnIndex } from './ann/index.js';
import {
  buildDerivedIndexes,
  type DerivedFile,
  type DerivedFileProblem,
  describeProblem,
  loadDerivedIndexes,
  loadLexical,
  recordRows,
  relatedViewFor,
  saveDerivedIndexes,
  sentenceFilesProblem,
  sentenceIndexFor,
  sentenceSources,
} from './derive.js';
import type { Embedder, EmbedderInfo } from './embed/index.js';
import type { IndexEvent } from './events.js';
import { type RelatedView, readRelatedFile } from './related/index.js';
import {
  type DataDirLayout,
  type Manifest,
  type PaperRecords,
  type PapersTable,
  recordsFileProblem,
  type TopicsFile,
  writeRecordsFile,
} from './store/index.js';
import { type StageTimings, timeStage } from './timings.js';

/** The derived files as they read back (the BM25 and sentence files judged, not loaded), with what did not. */
export interface DerivedHealth {
  problems: DerivedFileProblem[];
  ann?: AnnIndex;
  topics?: TopicsFile;
  previousTopics?: TopicsFile;
  related?: RelatedView;
}

/**
 * Reads every file derived from the papers table at `expected.tableVersion` with the loaders a
 * server uses, and says which is missing, stale (an earlier format, another table version,
 * embedder or paper set) or damaged. `papers` are the table's rows in order (ids and hashes);
 * without `embedder` (a manifest lost) the sentence index is not judged.
 */
export async function derivedFileHealth(
  layout: DataDirLayout,
  expected: { dimension: number; count: number; tableVersion: number },
  papers: ReadonlyArray<{ id: string; contentHash: string }>,
  embedder: EmbedderInfo | undefined,
): Promise<DerivedHealth> {
  // The BM25 and sentence files, the costliest to decode, are judged by their checksums and headers alone.
  const [loaded, records, sentences] = await Promise.all([
    loadDerivedIndexes(layout, expected, { lexical: 'check' }),
    recordsFileProblem(layout, expected),
    embedder && sentenceFilesProblem(layout, papers, expected.tableVersion, embedder),
  ]);
  const problems = [...loaded.problems];
  if (records) problems.push({ file: 'records file', problem: records });
  // The view is fitted at the topic count: without sound topics it is judged once they are rebuilt.
  const topicCount = loaded.topics?.topics.length;
  const related = topicCount === undefined ? undefined : await readRelatedFile(layout, { ...expected, topicCount });
  if (related && 'problem' in related) problems.push({ file: 'related-papers view', problem: related.problem });
  if (sentences) problems.push({ file: 'sentence index', problem: sentences });
  return { ...loaded, problems, related: related && 'view' in related ? related.view : undefined };
}

/**
 * Rebuilds exactly the derived files of a published index that are missing, stale or damaged, from
 * the papers table, and saves only those (the caller holds the writer lock). Returns what was
 * rebuilt and why; nothing is written when every file is sound. `records` are the table's rows.
 *
 * @example const rebuilt = await repairDerivedFiles(layout, table, records, manifest, embedder, { onEvent });
 */
export async function repairDerivedFiles(
  layout: DataDirLayout,
  table: PapersTable,
  records: PaperRecords,
  manifest: Manifest,
  embedder: Embedder,
  events: { onEvent: (event: IndexEvent) => void; timings?: StageTimings },
): Promise<DerivedFileProblem[]> {
  const { tableVersion } = manifest;
  const dimension = embedder.info.dimension;
  const expected = { dimension, count: records.briefs.length, tableVersion };
  const health = await timeStage(events.timings, 'check derived', () =>
    derivedFileHealth(layout, expected, records.briefs.all(), embedder.info),
  );
  const { problems } = health;
  if (problems.length === 0) return problems;
  const files = new Set<DerivedFile>(problems.map(({ file }) => file));
  if (files.has('topics') && !files.has('related-papers view')) {
    // Fitted at the topic count, so it follows topics rebuilt.
    problems.push({ file: 'related-papers view', problem: staleFile('it follows the topics, which are rebuilt') });
    files.add('related-papers view');
  }
  for (const problem of problems)
    events.onEvent({
      type: problem.problem.kind === 'missing' ? 'info' : 'warning',
      message: `Rebuilding the ${describeProblem(problem)}`,
    });

  await timeStage(events.timings, 'repair', async () => {
    if (files.has('HNSW index') || files.has('BM25 index') || files.has('topics')) {
      const stored = await table.readAll();
      const policy = {
        clusters: manifest.clustering.requested,
        seed: manifest.clustering.seed,
        previous: health.previousTopics,
        timings: events.timings,
      };
      // A sound BM25 file is loaded now, to be kept (the topics' view counts the terms without it).
      const lexical = files.has('BM25 index') ? undefined : await loadLexical(layout, expected);
      const current = {
        ann: health.ann,
        lexical: lexical && 'index' in lexical ? lexical.index : undefined,
        topics: health.topics,
        related: health.related && !files.has('related-papers view') ? Promise.resolve(health.related) : undefined,
      };
      const derived = await buildDerivedIndexes(stored, tableVersion, dimension, policy, current);
      await saveDerivedIndexes(layout, derived, tableVersion, stored, files);
    } else {
      if (files.has('records file')) await writeRecordsFile(layout, recordRows(records), tableVersion);
      if (files.has('related-papers view') && health.topics) {
        const docs = () => records.briefs.all().map(({ title }, position) => ({ title, abstract: records.details(position).abstract }));
        // Reported above: the view's own warning would say it twice.
        await relatedViewFor(
          layout,
          docs,
          { ...expected, topicCount: health.topics.topics.length },
          {
            onRebuild: () => {},
            onWarning: (message) => events.onEvent({ type: 'warning', message }),
          },
        );
      }
    }
    if (files.has('sentence index'))
      await sentenceIndexFor(layout, sentenceSources(records), tableVersion, embedder, {
        onProgress: (done, total) => events.onEvent({ type: 'progress', stage: 'Embedding sentences', done, total }),
        onWarning: (message) => events.onEvent({ type: 'warning', message }),
        onRebuild: () => {},
        timings: events.timings,
      });
  });
  return problems;
}
