import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { PaperscopeError } from '../core/errors.js';
import { ASK_PAPERS } from '../server/ask/index.js';
import type { SearchEngine } from '../server/engine/index.js';
import { recallAtK } from '../server/ranking/index.js';
import { titleJudge } from './eval.js';

const grades = z
  .record(z.string().min(1), z.number().int().min(1).max(3))
  .refine((map) => Object.keys(map).length > 0, 'must name at least one paper');

/**
 * Questions for `eval --ask`: answerable ones with the titles of the papers that answer them, graded
 * 1–3 (`paraphrase` marks those worded away from the abstracts), and questions the corpus does not answer.
 */
export const askQuestionsSchema = z.object({
  answerable: z
    .array(z.object({ question: z.string().trim().min(3), paraphrase: z.boolean().optional(), relevant: grades }))
    .min(1, 'must hold at least one question'),
  unanswerable: z.array(z.string().trim().min(3)),
});

export type AskQuestions = z.infer<typeof askQuestionsSchema>;

/** An answerable question with its judgments by paper id. */
export interface JudgedQuestion {
  question: string;
  paraphrase: boolean;
  judgments: Map<string, number>;
}

export interface AskScores {
  questions: number;
  /** Share of questions answered (not refused). */
  answered: number;
  /** Share of questions whose answer cites a paper of the highest grade (a refusal cites none). */
  bestCited: number;
  /** Over all answered questions: cited papers judged relevant / cited papers. */
  citationPrecision: number;
  /** The search beside it: share of questions with a paper of the highest grade in the hybrid top 3, and Recall@3. */
  bestInTop3: number;
  recall3: number;
}

export interface AskReport {
  all: AskScores;
  keyword?: AskScores;
  paraphrase?: AskScores;
  unanswerable: { questions: number; refused: number };
  /** Cited sentences that are themselves questions (should be 0). */
  citedQuestions: number;
  /**
   * Answerable questions whose best paper was not cited, with what was cited instead and where the
   * search ranked the best paper (1-based, null past the first 100): read for the answer when within `read`.
   */
  misses: Array<{
    question: string;
    grounded: boolean;
    cited: string[];
    best: Array<{ title: string; rank: number | null }>;
    read: number;
  }>;
}

/** Reads and validates an ask question file; a bad file is an INVALID_INPUT naming the file and the field. */
export async function readAskQuestions(file: string): Promise<AskQuestions> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new PaperscopeError('INVALID_INPUT', `Cannot read the question file ${file}: ${(error as Error).message}`, { file });
  }
  const parsed = askQuestionsSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PaperscopeError('INVALID_INPUT', `Invalid question file ${file} at ${issue?.path.join('.') || '(root)'}: ${issue?.message}`, {
      file,
    });
  }
  return parsed.data;
}

/** The question file's titles resolved to the engine's paper ids; a title no paper has is an error naming it. */
export function judgeAskQuestions(engine: SearchEngine, questions: AskQuestions): JudgedQuestion[] {
  const judge = titleJudge(engine);
  return questions.answerable.map(({ question, paraphrase, relevant }) => ({
    question,
    paraphrase: paraphrase ?? false,
    judgments: judge(question, relevant),
  }));
}

/**
 * Asks every question (offline: the extractive answer) and scores the answers: share answered,
 * share citing a best-graded paper, citation precision, refusals among the unanswerable; beside
 * them, the hybrid search's top 3 on the same questions, the strongest simple baseline (quoting
 * one sentence from each of the top 3 hits cites the best paper exactly when it is there).
 * @example await evaluateAsk(engine, judgeAskQuestions(engine, await readAskQuestions(file)), file.unanswerable)
 */
export async function evaluateAsk(
  engine: SearchEngine,
  answerable: readonly JudgedQuestion[],
  unanswerable: readonly string[],
): Promise<AskReport> {
  const runs: Array<Outcome & { paraphrase: boolean }> = [];
  const misses: AskReport['misses'] = [];
  let citedQuestions = 0;
  for (const { question, paraphrase, judgments } of answerable) {
    const answer = await engine.ask({ question });
    const { results } = await engine.search({ q: question, k: 3, offset: 0, mode: 'hybrid', sort: 'relevance' });
    const top = Math.max(...judgments.values());
    const best = (id: string) => judgments.get(id) === top;
    const cited = answer.citations.map((citation) => citation.id);
    citedQuestions += answer.citations.filter((citation) => isQuestion(citation.sentence)).length;
    const outcome = {
      paraphrase,
      answered: answer.grounded,
      bestCited: cited.some(best),
      cited: cited.length,
      citedRelevant: cited.filter((id) => judgments.has(id)).length,
      bestInTop3: results.some((hit) => best(hit.id)),
      recall3: recallAtK(
        results.map((hit) => hit.id),
        judgments,
        3,
      ),
    };
    runs.push(outcome);
    if (!outcome.bestCited) {
      const { results: ranked } = await engine.search({ q: question, k: MISS_DEPTH, offset: 0, mode: 'hybrid', sort: 'relevance' });
      const rankOf = (id: string) => {
        const at = ranked.findIndex((hit) => hit.id === id);
        return at < 0 ? null : at + 1;
      };
      misses.push({
        question,
        grounded: answer.grounded,
        cited: answer.citations.map((citation) => citation.title),
        best: [...judgments].filter(([, grade]) => grade === top).map(([id]) => ({ title: titleOf(engine, id), rank: rankOf(id) })),
        read: ASK_PAPERS,
      });
    }
  }
  let refused = 0;
  for (const question of unanswerable) if (!(await engine.ask({ question })).grounded) refused++;
  const keyword = runs.filter((run) => !run.paraphrase);
  const paraphrase = runs.filter((run) => run.paraphrase);
  return {
    all: scores(runs),
    ...(keyword.length > 0 && paraphrase.length > 0 ? { keyword: scores(keyword), paraphrase: scores(paraphrase) } : {}),
    unanswerable: { questions: unanswerable.length, refused },
    citedQuestions,
    misses,
  };
}

/** How deep the search is followed to say where a missed best paper ranked. */
const MISS_DEPTH = 100;

interface Outcome {
  answered: boolean;
  bestCited: boolean;
  cited: number;
  citedRelevant: number;
  bestInTop3: boolean;
  recall3: number;
}

function scores(runs: readonly Outcome[]): AskScores {
  const share = (count: number) => (runs.length === 0 ? 0 : round(count / runs.length));
  const cited = runs.reduce((sum, run) => sum + run.cited, 0);
  return {
    questions: runs.length,
    answered: share(runs.filter((run) => run.answered).length),
    bestCited: share(runs.filter((run) => run.bestCited).length),
    citationPrecision: cited === 0 ? 0 : round(runs.reduce((sum, run) => sum + run.citedRelevant, 0) / cited),
    bestInTop3: share(runs.filter((run) => run.bestInTop3).length),
    recall3: share(runs.reduce((sum, run) => sum + run.recall3, 0)),
  };
}

/** A judged paper's title; its id when the index does not hold it (a BEIR document the parser skipped). */
function titleOf(engine: SearchEngine, id: string): string {
  try {
    return engine.paper(id).title;
  } catch {
    return id;
  }
}

function isQuestion(sentence: string): boolean {
  return /\?\s*["'”’)]*\s*$/.test(sentence);
}

/** The report as an aligned table; `details` adds each question whose best paper was not cited. */
export function formatAskReport(report: AskReport, details = false): string {
  const columns: Array<[string, AskScores]> = [['all', report.all]];
  if (report.keyword && report.paraphrase) columns.push(['keyword', report.keyword], ['paraphrase', report.paraphrase]);
  const row = (label: string, value: (scores: AskScores) => string) =>
    `${label.padEnd(26)}${columns.map(([, scores]) => value(scores).padStart(12)).join('')}`;
  const { questions, refused } = report.unanswerable;
  const lines = [
    ' '.repeat(26) + columns.map(([name]) => name.padStart(12)).join(''),
    row('questions', (scores) => String(scores.questions)),
    row('answered', (scores) => scores.answered.toFixed(3)),
    row('best paper cited', (scores) => scores.bestCited.toFixed(3)),
    row('citation precision', (scores) => scores.citationPrecision.toFixed(3)),
    row('search: best in top 3', (scores) => scores.bestInTop3.toFixed(3)),
    row('search: Recall@3', (scores) => scores.recall3.toFixed(3)),
    questions > 0
      ? `unanswerable refused      ${refused} of ${questions} (${(refused / questions).toFixed(3)})`
      : 'unanswerable refused      (none asked)',
    `cited questions           ${report.citedQuestions}`,
  ];
  if (details) {
    for (const miss of report.misses) {
      lines.push(
        '',
        `${miss.grounded ? 'MISSED ' : 'REFUSED'} ${miss.question}`,
        ...miss.best.map(
          ({ title, rank }) =>
            `  best:  ${title} (search rank ${rank ?? `> ${MISS_DEPTH}`}${rank !== null && rank <= miss.read ? ', read' : `, not among the ${miss.read} read`})`,
        ),
        ...miss.cited.map((title) => `  cited: ${title}`),
      );
    }
  }
  return lines.join('\n');
}

function round(value: number): number {
  return Math.round(value * 1e4) / 1e4;
}
