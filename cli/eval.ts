import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { PaperscopeError } from '../core/errors.js';
import { classicTfIdf, sparseCosine } from '../indexer/cluster/index.js';
import type { SearchEngine } from '../server/engine/index.js';
import { type Judgments, meanReciprocalRank, ndcgAtK, OkapiBm25, recallAtK } from '../server/ranking/index.js';

/** A labelled query set: each query with the titles of its relevant papers graded 1–3. */
export const evalQueriesSchema = z
  .array(
    z.object({
      query: z.string().trim().min(1),
      relevant: z
        .record(z.string().min(1), z.number().int().min(1).max(3))
        .refine((grades) => Object.keys(grades).length > 0, 'must name at least one paper'),
    }),
  )
  .min(1, 'must hold at least one query');

export type EvalQueries = z.infer<typeof evalQueriesSchema>;

/** The engine's three modes, then a plain Okapi BM25 over the same papers: the baseline to beat. */
export const EVAL_SYSTEMS = ['hybrid', 'vector', 'lexical', 'bm25'] as const;

export type EvalSystem = (typeof EVAL_SYSTEMS)[number];

export interface SystemScores {
  ndcg10: number;
  recall5: number;
  recall100: number;
  mrr10: number;
}

export interface EvalReport {
  queries: number;
  systems: Record<EvalSystem, SystemScores>;
}

/** A query with the graded relevance of papers by id (0 = judged not relevant). */
export interface JudgedQuery {
  query: string;
  judgments: Judgments;
}

/** Results scored per query: enough for Recall@100. */
const RUN_DEPTH = 100;

/** Reads and validates a query file; a bad file is an INVALID_INPUT naming the file and the field. */
export async function readEvalQueries(file: string): Promise<EvalQueries> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new PaperscopeError('INVALID_INPUT', `Cannot read the query file ${file}: ${(error as Error).message}`, { file });
  }
  const parsed = evalQueriesSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PaperscopeError('INVALID_INPUT', `Invalid query file ${file} at ${issue?.path.join('.') || '(root)'}: ${issue?.message}`, {
      file,
    });
  }
  return parsed.data;
}

/**
 * Scores labelled queries whose relevant papers are named by title. Titles are matched to the
 * index's papers ignoring case and spacing; a title that matches none is an error naming the query
 * and the title.
 * @example const report = await evaluate(engine, await readEvalQueries('test/eval/queries.json'));
 */
export async function evaluate(engine: SearchEngine, queries: EvalQueries): Promise<EvalReport> {
  const judge = titleJudge(engine);
  return evaluateJudged(
    engine,
    queries.map(({ query, relevant }) => ({ query, judgments: judge(query, relevant) })),
  );
}

/**
 * Runs every query through hybrid, vector-only and lexical search and through a plain Okapi BM25
 * built over the same papers in this run, and averages nDCG@10, Recall@5, Recall@100 and MRR@10.
 */
export async function evaluateJudged(engine: SearchEngine, judged: readonly JudgedQuery[]): Promise<EvalReport> {
  const baseline = new OkapiBm25(engine.map().points.map(({ id, title }) => ({ id, text: `${title}\n${engine.paper(id).abstract}` })));
  const systems = {} as EvalReport['systems'];
  for (const system of EVAL_SYSTEMS) {
    const runs: Array<{ ranked: string[]; judgments: Judgments }> = [];
    for (const { query, judgments } of judged) {
      const hits =
        system === 'bm25'
          ? baseline.search(query, RUN_DEPTH)
          : (await engine.search({ q: query, k: RUN_DEPTH, offset: 0, mode: system, sort: 'relevance' })).results;
      runs.push({ ranked: hits.map((hit) => hit.id), judgments });
    }
    const mean = (score: (run: (typeof runs)[number]) => number): number =>
      round(runs.reduce((sum, run) => sum + score(run), 0) / runs.length);
    systems[system] = {
      ndcg10: mean((run) => ndcgAtK(run.ranked, run.judgments, 10)),
      recall5: mean((run) => recallAtK(run.ranked, run.judgments, 5)),
      recall100: mean((run) => recallAtK(run.ranked, run.judgments, RUN_DEPTH)),
      mrr10: round(meanReciprocalRank(runs, 10)),
    };
  }
  return { queries: judged.length, systems };
}

/** The report as an aligned text table. */
export function formatEvalReport(report: EvalReport): string {
  const columns: Array<[string, keyof SystemScores]> = [
    ['nDCG@10', 'ndcg10'],
    ['Recall@5', 'recall5'],
    ['Recall@100', 'recall100'],
    ['MRR@10', 'mrr10'],
  ];
  const header = ['system'.padEnd(8), ...columns.map(([name]) => name.padStart(10))].join(' ');
  const rows = EVAL_SYSTEMS.map((system) =>
    [system.padEnd(8), ...columns.map(([, key]) => report.systems[system][key].toFixed(3).padStart(10))].join(' '),
  );
  return [`${report.queries} queries (bm25: plain Okapi BM25, k1 0.9, b 0.4, over the same papers)`, header, ...rows].join('\n');
}

export interface RelatedReport {
  /** Labelled papers that were scored. */
  papers: number;
  k: number;
  /** Share of the first k related papers that carry the paper's own hand label; a slot left empty counts as a miss. */
  ours: { precision: number; meanShown: number; withNone: number };
  /** TF-IDF cosine over title + abstract (`classicTfIdf`): the classic "more like this". */
  baseline: { method: string; precision: number };
}

/**
 * Same-topic precision@k of related papers against hand labels (paper id or title → topic name), beside
 * TF-IDF cosine over the indexed papers. Related papers may show fewer than k neighbours (a floor
 * for "nothing is close"); the missing slots count as misses, so the floor cannot raise the score.
 *
 * @example (await evaluateRelated(engine, handLabels)).ours.precision // → 0.71
 */
export async function evaluateRelated(engine: SearchEngine, handLabels: Readonly<Record<string, string>>, k = 5): Promise<RelatedReport> {
  const points = engine.map().points;
  const labels = new Map(Object.entries(handLabels).map(([title, label]) => [normaliseTitle(title), label]));
  const labelOf = (position: number) =>
    labels.get(normaliseTitle(points[position]?.id ?? '')) ?? labels.get(normaliseTitle(points[position]?.title ?? ''));
  const positionOf = new Map(points.map((point, position) => [point.id, position]));
  const scored = points.flatMap((_, position) => (labelOf(position) === undefined ? [] : [position]));
  if (scored.length === 0)
    throw new PaperscopeError('INVALID_INPUT', 'None of the hand-labelled titles is an indexed paper', { field: 'labels' });
  const matrix = classicTfIdf(points.map((point) => ({ title: point.title, abstract: engine.paper(point.id).abstract })));
  let ours = 0;
  let baseline = 0;
  let shown = 0;
  let withNone = 0;
  for (const position of scored) {
    const own = labelOf(position);
    const related = (await engine.similar(points[position]?.id as string, k)).results.map((hit) => positionOf.get(hit.id) ?? -1);
    shown += related.length;
    if (related.length === 0) withNone++;
    ours += related.filter((other) => labelOf(other) === own).length;
    const row = matrix.rows[position] as (typeof matrix.rows)[number];
    const nearest = matrix.rows
      .map((other, index) => ({ index, similarity: index === position ? Number.NEGATIVE_INFINITY : sparseCosine(row, other) }))
      .sort((a, b) => b.similarity - a.similarity || a.index - b.index)
      .slice(0, k);
    baseline += nearest.filter(({ index }) => labelOf(index) === own).length;
  }
  return {
    papers: scored.length,
    k,
    ours: { precision: round(ours / (scored.length * k)), meanShown: round(shown / scored.length), withNone },
    baseline: { method: 'TF-IDF cosine (title + abstract)', precision: round(baseline / (scored.length * k)) },
  };
}

export function formatRelatedReport(report: RelatedReport): string {
  const ratio = report.baseline.precision > 0 ? ` (${(report.ours.precision / report.baseline.precision).toFixed(2)}× the baseline)` : '';
  return [
    `related papers, same-topic precision@${report.k} over ${report.papers} hand-labelled papers`,
    `ours     ${report.ours.precision.toFixed(3)}${ratio}; ${report.ours.meanShown.toFixed(1)} shown on average, none for ${report.ours.withNone}`,
    `baseline ${report.baseline.precision.toFixed(3)}  ${report.baseline.method}`,
  ].join('\n');
}

/**
 * Graded titles as graded paper ids, matched ignoring case and spacing; a title that matches no
 * paper is an INVALID_INPUT naming the query and the title.
 */
export function titleJudge(engine: SearchEngine): (query: string, relevant: Record<string, number>) => Map<string, number> {
  const idByTitle = new Map(engine.map().points.map((point) => [normaliseTitle(point.title), point.id]));
  return (query, relevant) => {
    const judgments = new Map<string, number>();
    for (const [title, grade] of Object.entries(relevant)) {
      const id = idByTitle.get(normaliseTitle(title));
      if (!id)
        throw new PaperscopeError('INVALID_INPUT', `Query "${query}" names a paper that is not in the index: "${title}"`, { query, title });
      judgments.set(id, grade);
    }
    return judgments;
  };
}

function normaliseTitle(title: string): string {
  return title.normalize('NFKC').replace(/\s+/g, ' ').trim().toLowerCase();
}

function round(value: number): number {
  return Math.round(value * 1e4) / 1e4;
}
