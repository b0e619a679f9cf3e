import { nmfTopics, sparseKmeans } from './baselines.js';
import { classicTfIdf } from './classic-tfidf.js';
import { DEFAULT_CLUSTER_SEED } from './random.js';
import { adjustedRandIndex, normalizedMutualInfo } from './metrics.js';
import { modelTopics, type TopicDoc } from './topics.js';

export interface QualityReportOptions {
  k?: number | 'auto';
  seed?: number;
  /** Hand labels by paper id or title; compared case- and whitespace-insensitively. */
  handLabels?: Readonly<Record<string, string>>;
}

export interface PartitionQuality {
  k: number;
  sizes: number[];
  /** Agreement with the hand labels over the papers they name; null without hand labels. */
  nmi: number | null;
  ari: number | null;
}

export interface QualityReport {
  papers: number;
  requested: number | 'auto';
  seed: number;
  topics: PartitionQuality & {
    silhouette: number;
    labels: Array<{ label: string; coverage: number; distinctiveness: number }>;
    ms: number;
  };
  /** The classic topic models on TF-IDF of title + abstract (`classicTfIdf`) with the same k and seed. */
  baselines: Array<PartitionQuality & { method: string; ms: number }>;
  handLabels: { matched: number; unmatched: number; classes: number } | null;
}

/**
 * How good the topics are: k, silhouette and sizes of the clustering the index uses, beside NMF
 * and k-means on TF-IDF with the same k, all scored (NMI, ARI) against hand labels, with the time
 * each took.
 *
 * @example qualityReport(papers, { k: 5, handLabels }).topics.nmi // → 0.53
 */
export function qualityReport(docs: readonly TopicDoc[], options: QualityReportOptions = {}): QualityReport {
  const seed = options.seed ?? DEFAULT_CLUSTER_SEED;
  const requested = options.k ?? 'auto';
  const [model, modelMs] = timed(() => modelTopics(docs, { k: requested, seed }));
  const [matrix, matrixMs] = timed(() => classicTfIdf(docs));
  const [nmf, nmfMs] = timed(() => nmfTopics(matrix, model.k, seed));
  const [kmeans, kmeansMs] = timed(() => sparseKmeans(matrix, model.k, seed));
  const matched = options.handLabels ? handLabelsOf(docs, options.handLabels) : undefined;
  // No labelled paper gives no agreement to report, not a perfect one.
  const truth = matched && matched.indices.length > 0 ? matched : undefined;
  const score = (assignments: readonly number[], k: number): PartitionQuality => {
    const sizes = new Array<number>(k).fill(0);
    for (const topic of assignments) sizes[topic] = (sizes[topic] as number) + 1;
    sizes.sort((a, b) => b - a);
    const labelled = truth?.indices.map((index) => assignments[index] as number);
    return {
      k,
      sizes,
      nmi: truth && labelled ? normalizedMutualInfo(truth.classes, labelled) : null,
      ari: truth && labelled ? adjustedRandIndex(truth.classes, labelled) : null,
    };
  };
  return {
    papers: docs.length,
    requested,
    seed,
    topics: {
      ...score(model.assignments, model.k),
      silhouette: model.silhouette,
      labels: model.topics.map(({ label, coverage, distinctiveness }) => ({ label, coverage, distinctiveness })),
      ms: modelMs,
    },
    baselines: [
      { method: 'NMF on TF-IDF', ...score(nmf, model.k), ms: matrixMs + nmfMs },
      { method: 'k-means on TF-IDF', ...score(kmeans, model.k), ms: matrixMs + kmeansMs },
    ],
    handLabels: truth
      ? { matched: truth.indices.length, unmatched: docs.length - truth.indices.length, classes: new Set(truth.classes).size }
      : null,
  };
}

/** The report as the terminal shows it. */
export function formatQualityReport(report: QualityReport): string {
  const agreement = (quality: PartitionQuality) =>
    quality.nmi === null || quality.ari === null ? '' : `, NMI ${quality.nmi.toFixed(3)}, ARI ${quality.ari.toFixed(3)}`;
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const lines = [
    `${report.papers} papers, ${report.requested === 'auto' ? 'k chosen automatically' : `k = ${report.requested} requested`}, seed ${report.seed}`,
    `topics:   k = ${report.topics.k}, silhouette ${report.topics.silhouette.toFixed(3)}${agreement(report.topics)} (${seconds(report.topics.ms)})`,
    `          sizes ${report.topics.sizes.join(', ')}`,
    ...report.topics.labels.map(
      ({ label, coverage, distinctiveness }, index) =>
        `          [${index}] ${label} (${report.topics.sizes[index]}): in ${Math.round(coverage * 100)}% of its papers, ${Number.isFinite(distinctiveness) ? `${distinctiveness.toFixed(1)}× as often as outside` : 'in none outside'}`,
    ),
    `          labels: a phrase of the label in ${Math.round(meanOf(report.topics.labels.map((label) => label.coverage)) * 100)}% of a topic's papers on average`,
    ...report.baselines.flatMap((baseline) => [
      `baseline: ${baseline.method}, k = ${baseline.k}${agreement(baseline)} (${seconds(baseline.ms)})`,
      `          sizes ${baseline.sizes.join(', ')}`,
    ]),
  ];
  if (report.handLabels) {
    lines.push(
      `hand labels: ${report.handLabels.matched} papers in ${report.handLabels.classes} classes` +
        (report.handLabels.unmatched ? `; ${report.handLabels.unmatched} papers have no hand label and are not scored` : ''),
    );
  } else {
    lines.push('no hand labels (--labels FILE): NMI and ARI not computed');
  }
  return `${lines.join('\n')}\n`;
}

/** Hand labels keyed by paper id (as arXiv label files are) or by title. */
function handLabelsOf(docs: readonly TopicDoc[], labels: Readonly<Record<string, string>>): { indices: number[]; classes: number[] } {
  const byKey = new Map(Object.entries(labels).map(([key, label]) => [normalizeTitle(key), label]));
  const classIds = new Map<string, number>();
  const indices: number[] = [];
  const classes: number[] = [];
  docs.forEach((doc, index) => {
    const label = byKey.get(normalizeTitle(doc.id)) ?? byKey.get(normalizeTitle(doc.title));
    if (label === undefined) return;
    if (!classIds.has(label)) classIds.set(label, classIds.size);
    indices.push(index);
    classes.push(classIds.get(label) as number);
  });
  return { indices, classes };
}

function meanOf(values: readonly number[]): number {
  return values.length > 0 ? values.reduce((sum, value) => sum + value, 0) / values.length : 0;
}

function timed<T>(run: () => T): [T, number] {
  const started = performance.now();
  const result = run();
  return [result, performance.now() - started];
}

function normalizeTitle(title: string): string {
  return title.toLowerCase().replace(/\s+/g, ' ').trim();
}
