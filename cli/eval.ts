import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { PaperscopeError } from '../core/errors.js';
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
      if (!id) throw new PaperscopeError('INVALID_INPUT', `Query "${query}" names a paper that is not in the index: "${title}"`, { query, title });
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
