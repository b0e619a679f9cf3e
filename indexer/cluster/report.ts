import { clusterPapers } from './kmeans.js';
import { DEFAULT_CLUSTER_SEED } from './random.js';
import { adjustedRandIndex, normalizedMutualInfo } from './metrics.js';
import { countCorpusTerms } from '../lexical/index.js';
import { denseRows, tfIdfMatrix } from './text-view.js';
import { modelTopics, type TopicDoc } from './topics.js';

export interface QualityReportOptions {
  k?: number | 'auto';
  seed?: number;
  /** Hand labels by paper title; titles are compared case- and whitespace-insensitively. */
  handLabels?: Readonly<Record<string, string>>;
}

export interface PartitionQuality {
  k: number;
  silhouette: number;
  sizes: number[];
  /** Agreement with the hand labels over the papers they name; null without hand labels. */
  nmi: number | null;
  ari: number | null;
}

export interface QualityReport {
  papers: number;
  requested: number | 'auto';
  seed: number;
  topics: PartitionQuality & { labels: string[] };
  /** k-means on plain TF-IDF vectors with the same k and seed. */
  baseline: PartitionQuality & { method: string };
  handLabels: { matched: number; unmatched: number; classes: number } | null;
}

/**
 * How good the topics are: k, silhouette and sizes of the clustering the index uses, beside
 * k-means on plain TF-IDF with the same k, and both scored (NMI, ARI) against hand labels.
 *
 * @example qualityReport(papers, { k: 5, handLabels }).topics.nmi // → 0.32
 */
export function qualityReport(docs: readonly TopicDoc[], options: QualityReportOptions = {}): QualityReport {
  const seed = options.seed ?? DEFAULT_CLUSTER_SEED;
  const requested = options.k ?? 'auto';
  const model = modelTopics(docs, { k: requested, seed });
  const baseline = clusterPapers({ vectors: denseRows(tfIdfMatrix(countCorpusTerms(docs))), k: model.k, seed });
  const truth = options.handLabels ? handLabelsOf(docs, options.handLabels) : undefined;
  const score = (assignments: readonly number[], k: number, silhouette: number): PartitionQuality => {
    const sizes = new Array<number>(k).fill(0);
    for (const topic of assignments) sizes[topic] = (sizes[topic] as number) + 1;
    const labelled = truth?.indices.map((index) => assignments[index] as number);
    return {
      k,
      silhouette,
      sizes,
      nmi: truth && labelled ? normalizedMutualInfo(truth.classes, labelled) : null,
      ari: truth && labelled ? adjustedRandIndex(truth.classes, labelled) : null,
    };
  };
  return {
    papers: docs.length,
    requested,
    seed,
    topics: { ...score(model.assignments, model.k, model.silhouette), labels: model.topics.map((topic) => topic.label) },
    baseline: { method: 'k-means on TF-IDF', ...score(baseline.assignments, baseline.k, baseline.silhouette) },
    handLabels: truth ? { matched: truth.indices.length, unmatched: docs.length - truth.indices.length, classes: new Set(truth.classes).size } : null,
  };
}

/** The report as the terminal shows it. */
export function formatQualityReport(report: QualityReport): string {
  const agreement = (quality: PartitionQuality) =>
    quality.nmi === null || quality.ari === null ? '' : `, NMI ${quality.nmi.toFixed(3)}, ARI ${quality.ari.toFixed(3)}`;
  const lines = [
    `${report.papers} papers, ${report.requested === 'auto' ? 'k chosen automatically' : `k = ${report.requested} requested`}, seed ${report.seed}`,
    `topics:   k = ${report.topics.k}, silhouette ${report.topics.silhouette.toFixed(3)}${agreement(report.topics)}`,
    `          sizes ${report.topics.sizes.join(', ')}`,
    ...report.topics.labels.map((label, index) => `          [${index}] ${label} (${report.topics.sizes[index]})`),
    `baseline: ${report.baseline.method}, k = ${report.baseline.k}, silhouette ${report.baseline.silhouette.toFixed(3)}${agreement(report.baseline)}`,
    `          sizes ${report.baseline.sizes.join(', ')}`,
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

function handLabelsOf(docs: readonly TopicDoc[], labels: Readonly<Record<string, string>>): { indices: number[]; classes: number[] } {
  const byTitle = new Map(Object.entries(labels).map(([title, label]) => [normalizeTitle(title), label]));
  const classIds = new Map<string, number>();
  const indices: number[] = [];
  const classes: number[] = [];
  docs.forEach((doc, index) => {
    const label = byTitle.get(normalizeTitle(doc.title));
    if (label === undefined) return;
    if (!classIds.has(label)) classIds.set(label, classIds.size);
    indices.push(index);
    classes.push(classIds.get(label) as number);
  });
  return { indices, classes };
}

function normalizeTitle(title: string): string {
  return title.toLowerCase().replace(/\s+/g, ' ').trim();
}
