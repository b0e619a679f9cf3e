import { type Command, InvalidArgumentError, Option } from 'commander';
import type { Settings } from '../core/config.js';
import { plural } from '../core/plural.js';
import type { PipelineOptions } from '../indexer/index.js';
import type { FetchContext, FetchSummary, SourceSpec } from '../indexer/sources/index.js';
import { createReporter } from './reporter.js';

/** What the source commands borrow from main.ts: its shared options and how it builds the indexer's. */
export interface SourceCommandHelpers {
  settings: Settings;
  withEmbedOptions(command: Command): Command;
  pipelineOptions(options: { dataDir: string }, onEvent: PipelineOptions['onEvent']): PipelineOptions;
}

function isoDay(value: string): string {
  const date = new Date(`${value}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value) {
    throw new InvalidArgumentError('expected a day as YYYY-MM-DD');
  }
  return value;
}

function positiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new InvalidArgumentError('expected a positive whole number');
  return number;
}

/** `fetch arxiv`, `fetch hf-daily` and `sync`: live sources, indexed as `index` does. */
export function addSourceCommands(program: Command, helpers: SourceCommandHelpers): void {
  const fetch = program.command('fetch').description('read new papers from a live source, index them and remember the source for "sync"');
  helpers
    .withEmbedOptions(
      fetch.command('arxiv').description('papers from the arXiv API, newest submissions first (endpoint: env PAPERSCOPE_ARXIV_API)'),
    )
    .requiredOption('--query <search_query>', 'an arXiv API search_query, e.g. "cat:cs.CL AND abs:retrieval"')
    .option('--from <day>', 'only papers submitted on or after this day (YYYY-MM-DD)', isoDay)
    .option('--max <n>', 'read at most this many papers', positiveInteger, 100)
    .option('--json', 'print the summary as JSON')
    .action((options: { query: string; from?: string; max: number; dataDir: string; json?: boolean }) =>
      runSources(helpers, options, { kind: 'arxiv', query: options.query, from: options.from, max: options.max }),
    );
  helpers
    .withEmbedOptions(fetch.command('hf-daily').description("Hugging Face's daily papers, with their upvotes (base URL: env HF_ENDPOINT)"))
    .addOption(new Option('--date <day>', 'the papers of this day (default: today, UTC)').argParser(isoDay).conflicts('since'))
    .addOption(new Option('--since <day>', 'the papers of every day from this one to today').argParser(isoDay))
    .option('--json', 'print the summary as JSON')
    .action((options: { date?: string; since?: string; dataDir: string; json?: boolean }) =>
      runSources(helpers, options, { kind: 'hf-daily', date: options.date, since: options.since }),
    );
  helpers
    .withEmbedOptions(program.command('sync').description('fetch again every source "fetch" has read into this data dir'))
    .option('--json', 'print the summaries as JSON')
    .action((options: { dataDir: string; json?: boolean }) => runSources(helpers, options, 'all'));
}

async function runSources(
  helpers: SourceCommandHelpers,
  options: { dataDir: string; json?: boolean },
  spec: SourceSpec | 'all',
): Promise<void> {
  const reporter = createReporter({ quiet: Boolean(options.json) });
  try {
    const [{ createIndexer }, { fetchSource, syncSources }] = await Promise.all([
      import('../indexer/index.js'),
      import('../indexer/sources/index.js'),
    ]);
    const context = await sourceContext(helpers, options, createIndexer(), reporter.onEvent);
    const summaries = spec === 'all' ? await syncSources(context) : [await fetchSource(spec, context)];
    if (options.json) process.stdout.write(`${JSON.stringify(spec === 'all' ? summaries : summaries[0], null, 2)}\n`);
    else for (const summary of summaries) process.stdout.write(`${describe(summary)}\n`);
  } finally {
    reporter.stop();
  }
}

async function sourceContext(
  helpers: SourceCommandHelpers,
  options: { dataDir: string },
  indexer: FetchContext['indexer'],
  onEvent: FetchContext['onEvent'],
): Promise<FetchContext> {
  const { openDataDir } = await import('../indexer/store/index.js');
  const { settings } = helpers;
  const dataDir = openDataDir(options.dataDir, { cacheDir: settings.cacheDir, role: 'index', objectStore: settings.objectStore });
  return {
    settings: settings.sources,
    sourcesFile: dataDir.layout.sources,
    sourcesCopy: dataDir,
    indexer,
    pipeline: helpers.pipelineOptions(options, onEvent),
    onEvent,
  };
}

const INTERVAL_UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
/** Node's timers hold at most a signed 32-bit count of milliseconds (about 24.8 days). */
const LONGEST_TIMER_MS = 2 ** 31 - 1;

/** `--sync-every`: "6h", "30m", "90s" or "1d" in milliseconds. */
export function syncInterval(value: string): number {
  const match = /^(\d+(?:\.\d+)?)([smhd])$/.exec(value.trim());
  const ms = match ? Number(match[1]) * (INTERVAL_UNITS[match[2] as string] as number) : Number.NaN;
  if (!(ms >= 1_000 && ms <= LONGEST_TIMER_MS))
    throw new InvalidArgumentError('expected an interval from 1s to 24d, such as 6h, 30m or 90s');
  return ms;
}

/**
 * `serve --sync-every`: runs `sync` now and then every `everyMs`, indexing in a worker thread so the
 * server keeps answering; the server's reload watch then serves the new index. A sync still running
 * when the next is due is not doubled, and a failed one is reported and retried at the next.
 * Returns a function that stops it.
 */
export function syncInBackground(helpers: SourceCommandHelpers, options: { dataDir: string }, everyMs: number): () => void {
  const reporter = createReporter({ quiet: true });
  let running = false;
  const run = async () => {
    if (running) return;
    running = true;
    try {
      const { syncSources, workerIndexer } = await import('../indexer/sources/index.js');
      await syncSources(await sourceContext(helpers, options, workerIndexer, reporter.onEvent), (summary) =>
        process.stderr.write(`Sync: ${describe(summary)}\n`),
      );
    } catch (error) {
      process.stderr.write(`Sync failed: ${error instanceof Error ? error.message : String(error)}\n`);
    } finally {
      running = false;
    }
  };
  void run();
  const timer = setInterval(run, everyMs);
  return () => {
    clearInterval(timer);
    reporter.stop();
  };
}

function describe({ spec, requests, fetched, issues, index }: FetchSummary): string {
  const what =
    spec.kind === 'arxiv'
      ? `arXiv (${spec.query})`
      : `Hugging Face daily papers (${spec.date ?? (spec.since ? `since ${spec.since}` : 'today')})`;
  const skipped = issues.length > 0 ? `, ${issues.length} skipped` : '';
  const indexed = index
    ? `: ${index.added} added, ${index.updated} updated, ${index.unchanged} unchanged; ${plural(index.total, 'paper')} in the index`
    : '';
  return `Fetched ${plural(fetched, 'paper')} from ${what} in ${plural(requests, 'request')}${skipped}${indexed}.`;
}
