import { Hono } from 'hono';
import { PaperscopeError } from '../../core/errors.js';
import type { IndexSummary } from '../../indexer/index.js';
import type { Paper } from '../../indexer/parse/index.js';
import { indexPapersInWorker, removePapersInWorker, type WorkerIndexOptions } from '../../indexer/worker.js';
import type { LiveEngine, RemovedPapersResponse } from '../engine/index.js';
import { adminAuth } from '../middleware/index.js';
import { jsonBody } from './api.js';

export interface AdminOptions {
  /** PAPERSCOPE_ADMIN_TOKEN; without it every admin route answers 403. */
  token: string | undefined;
  /** The served engine; it must know how to reopen its index (`LiveEngine.options`). */
  live: LiveEngine;
}

/** Named as the papers' source file in the table and in messages. */
const SOURCE = 'POST /api/papers';
/** Problems spelled out in one 400; the first also names the parameter. */
const PROBLEMS_SHOWN = 10;
/**
 * A paper is an object of strings, numbers and lists of strings; far deeper values are refused
 * before JSON.stringify, whose recursion would overflow the stack (a 500) on 100,000 levels.
 */
const MAX_NESTING = 32;

/** Whether `value` has containers nested more than `limit` deep; iterative, so any depth is safe. */
function nestedDeeperThan(value: unknown, limit: number): boolean {
  const pending: Array<[unknown, number]> = [[value, 0]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [item, depth] = next;
    if (typeof item !== 'object' || item === null) continue;
    if (depth >= limit) return true;
    for (const child of Object.values(item)) pending.push([child, depth + 1]);
  }
  return false;
}

/**
 * Reads a posted list of papers (the JSON input format: an array, or `{ "papers": [...] }`).
 * Any bad record rejects the whole request, naming the record and the field.
 */
export async function postedPapers(body: unknown): Promise<Paper[]> {
  const list = Array.isArray(body) ? body : typeof body === 'object' && body !== null && 'papers' in body ? body.papers : undefined;
  if (!Array.isArray(list) || list.length === 0) {
    throw new PaperscopeError('INVALID_PARAMETER', 'The body must be a non-empty JSON array of papers, or { "papers": [...] }.', {
      parameter: 'papers',
    });
  }
  const deep = list.findIndex((item) => nestedDeeperThan(item, MAX_NESTING));
  if (deep !== -1) {
    throw new PaperscopeError(
      'INVALID_PARAMETER',
      `papers[${deep}] is nested more than ${MAX_NESTING} levels deep; a paper is a flat object.`,
      {
        parameter: `papers[${deep}]`,
      },
    );
  }
  // Loaded on first use: the parsers (BibTeX's above all) would add a sixth of a second to every server start.
  const [{ formatIssue }, { parseListing }] = await Promise.all([
    import('../../indexer/parse/index.js'),
    import('../../indexer/parse/parse.js'),
  ]);
  // One record per line, so the parser's line n is record n - 1.
  const { papers, issues } = parseListing(list.map((item) => JSON.stringify(item)).join('\n'), { file: SOURCE, format: 'jsonl' });
  const firstIndex = new Map<string, number>();
  for (const paper of papers) {
    const first = firstIndex.get(paper.id);
    if (first === undefined) firstIndex.set(paper.id, paper.source.line - 1);
    else issues.push({ ...paper.source, field: 'id', message: `duplicate of papers[${first}] ("${paper.id}")` });
  }
  if (issues.length === 0) return papers;
  const where = (line: number, field?: string) => `papers[${line - 1}]${field ? `.${field}` : ''}`;
  const shown = issues.slice(0, PROBLEMS_SHOWN).map((issue) => `${where(issue.line, issue.field)}: ${issue.message}`);
  const first = issues[0];
  throw new PaperscopeError(
    'INVALID_PARAMETER',
    `${issues.length} invalid record field(s), nothing was added: ${shown.join('; ')}${issues.length > shown.length ? '; …' : ''}`,
    { parameter: first ? where(first.line, first.field) : 'papers', issues: issues.map(formatIssue) },
  );
}

/**
 * `POST /api/papers` adds or updates papers and `DELETE /api/papers/:id` removes one, with the real
 * indexer in a worker thread so searches keep being answered, then swaps in an engine on the new
 * index; requests already running finish on the old one. Writes run one at a time.
 */
export function adminRoutes(options: AdminOptions): Hono {
  const admin = new Hono();
  const { live } = options;
  let queue: Promise<unknown> = Promise.resolve();
  /** Runs `write` after the writes before it, with the settings that reopen the served index. */
  const queued = (write: (settings: WorkerIndexOptions) => Promise<IndexSummary>): Promise<IndexSummary> => {
    const engineOptions = live.options;
    if (!engineOptions) throw new PaperscopeError('READ_ONLY', 'This server was started without a data directory to write to.');
    const run = queue.then(async () => {
      const { manifest } = live.current;
      const { onEvent: _onEvent, llm: _llm, ...settings } = engineOptions;
      const summary = await write({
        ...settings,
        source: SOURCE,
        embedder: manifest.embedder.kind,
        clusters: manifest.clustering.requested,
        seed: manifest.clustering.seed,
      });
      await live.reload();
      return summary;
    });
    queue = run.catch(() => {});
    return run;
  };
  admin.post('/papers', adminAuth(options.token), async (c) => {
    const papers = await postedPapers(await jsonBody(c.req.raw));
    const { added, updated, unchanged, total } = await queued((settings) => indexPapersInWorker(papers, settings));
    return c.json({ added, updated, unchanged, total });
  });
  admin.delete('/papers/:id', adminAuth(options.token), async (c) => {
    const id = c.req.param('id');
    const { removedIds, total } = await queued((settings) => removePapersInWorker([id], settings));
    const response: RemovedPapersResponse = { removed: removedIds, total };
    return c.json(response);
  });
  return admin;
}
