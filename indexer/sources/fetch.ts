import type { SourceSettings } from '../../core/config.js';
import { PaperscopeError, toPaperscopeError } from '../../core/errors.js';
import type { IndexEvent } from '../events.js';
import type { Indexer, IndexSummary, PipelineOptions } from '../index.js';
import type { Paper, ParseIssue } from '../parse/index.js';
import type { DataDir } from '../store/index.js';
import { indexPapersInWorker } from '../worker.js';
import { ARXIV_PAGE_SIZE, afterArxivPage, arxivPageUrl, parseArxivPage } from './arxiv.js';
import { dailyPapersUrl, daysBetween, parseDailyPapers } from './hf-daily.js';
import { politeClient } from './http.js';
import { reconcile } from './merge.js';
import { type Resume, readSources, rememberLatestRun, rememberSource, type SourceEntry, type SourceSpec, sourceKey } from './registry.js';

export interface FetchContext {
  settings: SourceSettings;
  /** The data dir's sources file (`DataDirLayout.sources`). */
  sourcesFile: string;
  /** On object storage, keeps the sources file in step with the store: pulled before a run, uploaded after. */
  sourcesCopy?: Pick<DataDir, 'pullSources' | 'publishSources'>;
  /** Adds the fetched papers: `createIndexer()`, or `workerIndexer` beside a server. */
  indexer: Pick<Indexer, 'add'>;
  pipeline: PipelineOptions;
  onEvent?: (event: IndexEvent) => void;
  now?: () => Date;
}

export interface FetchSummary {
  spec: SourceSpec;
  requests: number;
  fetched: number;
  issues: ParseIssue[];
  /** What indexing did; undefined when nothing was fetched. */
  index: IndexSummary | undefined;
}

const SOURCE_NAMES: Record<SourceSpec['kind'], string> = { arxiv: 'arXiv', 'hf-daily': 'Hugging Face daily papers' };

/**
 * Reads `spec`'s source, indexes what it got (matched to the stored papers, never duplicated) and
 * remembers the source for `sync`. When a request fails for good, the papers read before it are
 * still indexed and the error (SOURCE_FAILED) says how many were kept.
 */
export async function fetchSource(spec: SourceSpec, context: FetchContext): Promise<FetchSummary> {
  await context.sourcesCopy?.pullSources();
  return recordingRun(context, (added) => runSource(spec, spec, context, added));
}

/**
 * Runs a fetch or a sync and, once it is over, remembers the papers it added as the new ones. A run
 * that failed before adding anything leaves the previous run's new papers marked.
 */
async function recordingRun<T>(context: FetchContext, run: (added: string[]) => Promise<T>): Promise<T> {
  const added: string[] = [];
  let failed = false;
  try {
    return await run(added);
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    if (!failed || added.length > 0) await rememberLatestRun(context.sourcesFile, { at: new Date().toISOString(), added });
    await context.sourcesCopy?.publishSources();
  }
}

/**
 * Adds fetched papers in a worker thread, matched to the stored ones there, as `POST /api/papers`
 * does: a server syncing in the background keeps answering meanwhile.
 */
export const workerIndexer: Pick<Indexer, 'add'> = {
  add: (papers, { onEvent, reconcile: matching, ...options }) =>
    indexPapersInWorker(papers, { ...options, matchStored: matching !== undefined }, onEvent),
};

/** How many days back a `--since` source is read again on `sync`: upvotes keep coming for a few days. */
const RESYNC_DAYS = 3;

/** What `sync` reads for a remembered source: a `--since` source from a few days before its last run on. */
export function syncRequest(spec: SourceSpec, lastRunAt: string): SourceSpec {
  if (spec.kind !== 'hf-daily' || spec.since === undefined) return spec;
  const resume = new Date(lastRunAt);
  resume.setUTCDate(resume.getUTCDate() - RESYNC_DAYS);
  const day = resume.toISOString().slice(0, 10);
  // biome-ignore lint/complexity/useMathMinMax: YYYY-MM-DD days, compared as strings.
  return { ...spec, since: day > spec.since ? day : spec.since };
}

/**
 * Runs every remembered source again, one after another; a failing one does not stop the others.
 * `onSynced` hears of each source as it is done.
 */
export async function syncSources(context: FetchContext, onSynced?: (summary: FetchSummary) => void): Promise<FetchSummary[]> {
  await context.sourcesCopy?.pullSources();
  const entries = await readSources(context.sourcesFile);
  if (entries.length === 0)
    throw new PaperscopeError(
      'NOT_FOUND',
      `No sources remembered in ${context.sourcesFile}: run "paperscope fetch arxiv" or "paperscope fetch hf-daily" first.`,
    );
  return recordingRun(context, (added) => syncEntries(entries, context, added, onSynced));
}

async function syncEntries(
  entries: SourceEntry[],
  context: FetchContext,
  added: string[],
  onSynced: ((summary: FetchSummary) => void) | undefined,
): Promise<FetchSummary[]> {
  const summaries: FetchSummary[] = [];
  const failures: string[] = [];
  for (const entry of entries) {
    try {
      const summary = await runSource(entry.spec, syncRequest(entry.spec, entry.lastRunAt), context, added);
      summaries.push(summary);
      onSynced?.(summary);
    } catch (error) {
      failures.push(toPaperscopeError(error).message);
    }
  }
  if (failures.length > 0) {
    throw new PaperscopeError(
      'SOURCE_FAILED',
      `${failures.length} of ${entries.length} sources failed (the others were synced):\n${failures.join('\n')}`,
      { failed: failures.length },
    );
  }
  return summaries;
}

/** Reads one source and indexes what it got; the ids it added go into `added`, even when it then fails. */
async function runSource(spec: SourceSpec, request: SourceSpec, context: FetchContext, added: string[]): Promise<FetchSummary> {
  const name = SOURCE_NAMES[spec.kind];
  const emit = context.onEvent ?? (() => {});
  const client = politeClient({ source: name, pauseMs: context.settings.pauseMs, timeoutMs: context.settings.timeoutMs, onEvent: emit });
  const resume = (await readSources(context.sourcesFile)).find((entry) => sourceKey(entry.spec) === sourceKey(spec))?.resume;
  if (resume)
    emit({
      type: 'info',
      message: `${name}: going on where the last fetch stopped (${'day' in resume ? resume.day : `result ${resume.start}`})`,
    });
  const read: Read = { papers: [], issues: [], requests: 0, resume };
  let failure: PaperscopeError | undefined;
  try {
    if (request.kind === 'arxiv') await readArxiv(request, context.settings.arxivApi, client, read, emit);
    else await readDailyPapers(request, context.settings.hfEndpoint, (context.now ?? (() => new Date()))(), client, read, emit);
    read.resume = undefined;
  } catch (error) {
    failure = toPaperscopeError(error);
  }
  for (const issue of read.issues)
    emit({ type: 'warning', message: `${issue.file} #${issue.line}${issue.field ? ` (${issue.field})` : ''}: ${issue.message}` });
  const index =
    read.papers.length > 0 ? await context.indexer.add(read.papers, { ...context.pipeline, source: name, reconcile }) : undefined;
  added.push(...(index?.addedIds ?? []));
  if (read.requests > 0)
    await rememberSource(context.sourcesFile, {
      spec,
      lastRunAt: new Date().toISOString(),
      papers: read.papers.length,
      resume: read.resume,
    });
  if (failure) {
    const kept = index
      ? `kept the ${read.papers.length} papers read before it (indexed: ${index.added} added, ${index.updated} updated)`
      : 'nothing was read, the index is unchanged';
    throw new PaperscopeError(
      'SOURCE_FAILED',
      `${failure.message}; ${kept}`,
      { ...failure.details, source: name, kept: read.papers.length },
      { cause: failure },
    );
  }
  return { spec, requests: read.requests, fetched: read.papers.length, issues: read.issues, index };
}

interface Read {
  papers: Paper[];
  issues: ParseIssue[];
  /** Requests answered, so a source that never answered is not remembered. */
  requests: number;
  /** Where the next request starts: remembered when the fetch stops early, so the next one goes on from there. */
  resume: Resume | undefined;
}

type Client = ReturnType<typeof politeClient>;

async function readArxiv(
  request: Extract<SourceSpec, { kind: 'arxiv' }>,
  api: string,
  client: Client,
  read: Read,
  emit: (event: IndexEvent) => void,
): Promise<void> {
  const from = read.resume && 'start' in read.resume ? read.resume : { start: 0, kept: 0 };
  for (let start = from.start; ; ) {
    read.resume = { start, kept: from.kept + read.papers.length };
    const url = arxivPageUrl(api, request.query, start, Math.min(ARXIV_PAGE_SIZE, request.max - read.resume.kept));
    const page = parseArxivPage(await client.get(url), url);
    read.requests++;
    start += page.entries;
    const { keep, more } = afterArxivPage(page, request, read.resume.kept, start);
    read.papers.push(...keep);
    read.issues.push(...page.issues);
    emit({ type: 'info', message: `arXiv: ${read.papers.length} papers read` });
    if (!more) return;
  }
}

async function readDailyPapers(
  request: Extract<SourceSpec, { kind: 'hf-daily' }>,
  endpoint: string,
  now: Date,
  client: Client,
  read: Read,
  emit: (event: IndexEvent) => void,
): Promise<void> {
  const today = now.toISOString().slice(0, 10);
  const since = read.resume && 'day' in read.resume ? read.resume.day : request.since;
  const days = request.date ? [request.date] : daysBetween(since ?? today, today);
  for (const day of days) {
    read.resume = { day };
    const url = dailyPapersUrl(endpoint, day);
    const parsed = parseDailyPapers(await client.get(url), url, endpoint);
    read.requests++;
    read.papers.push(...parsed.papers);
    read.issues.push(...parsed.issues);
    emit({ type: 'info', message: `Hugging Face daily papers of ${day}: ${parsed.papers.length} papers` });
  }
}
