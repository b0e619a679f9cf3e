#!/usr/bin/env node
import path from 'node:path';
import v8 from 'node:v8';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import {
  armCrashPoint,
  DATA_DIR_NAME,
  PRECISIONS,
  type Precision,
  quantizedFrom,
  readSettings,
  type Settings,
  workerCountOf,
} from '../core/config.js';
import { errorCatalog, isPaperscopeError, PaperscopeError, toPaperscopeError } from '../core/errors.js';
import { armMemoryTrace } from '../core/memory-trace.js';
import { plural } from '../core/plural.js';
import { APP_VERSION, PROJECT_ROOT } from '../core/version.js';
import { embedderModelLabel } from '../indexer/embed/types.js';
import type { IndexEvent, IndexOptions, PipelineOptions } from '../indexer/index.js';
import type { EngineOptions, SearchEngine } from '../server/engine/index.js';
// The schemas and the validation alone, not their folders' indexes: those pull in the engine and
// the HTTP routes, which every command (`index`, `--version`) would evaluate before its own work.
import { askSchema, browseParamsSchema, EXPORT_FORMATS, type ExportFormat, searchParamsSchema } from '../server/engine/schemas.js';
import { exportPapers } from '../server/export/index.js';
import { validate } from '../server/routes/validate.js';
import { addSourceCommands, syncInBackground, syncInterval } from './fetch.js';
import { currentHeapSituation, followParent, heapFlags, indexingJitFlags, relaunchWith, workloadBytes } from './heap.js';
import { currentHugePageSituation, hugePagesEnv } from './huge-pages.js';
import { formatIndexSummary, formatRemoveSummary, printCheck, printClusters, printResults, printStatus } from './print.js';
import { createReporter } from './reporter.js';

// Each command imports what it runs when it runs: loading the indexer, the object-store client and
// the server for every command would add a second to `serve`'s cold start and to `--help`.

// A reader that stops early (`paperscope search … | head -1`) closes the pipe: normal, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' ? process.exit(0) : exitWith(error)));

const settings = settingsOrExit();
followParent(process.env);
armCrashPoint(settings.crashAt);
if (settings.memoryTrace)
  armMemoryTrace(({ stage, rssMb, heapUsedMb, externalMb, arrayBuffersMb }) =>
    process.stderr.write(
      `memory after ${stage}: RSS ${rssMb} MB, live heap ${heapUsedMb} MB, external ${externalMb} MB (array buffers ${arrayBuffersMb} MB)\n`,
    ),
  );
const SAMPLE_DATA = path.join(PROJECT_ROOT, 'data');

function positiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new InvalidArgumentError('expected a positive whole number');
  return number;
}

function workerCount(value: string): number {
  if (!/^(?:auto|[1-9]\d*)$/.test(value.trim())) throw new InvalidArgumentError('expected a positive whole number or "auto"');
  return workerCountOf(value.trim());
}

function portNumber(value: string): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isInteger(number) || number < 0 || number > 65535) {
    throw new InvalidArgumentError('expected a port number from 0 to 65535 (0 picks a free port)');
  }
  return number;
}

/** The CLI names its own flags in messages: `--min-upvotes`, not the API's `min_upvotes`. */
function cliName(parameter: string): string {
  if (parameter === 'q') return 'query';
  if (parameter === 'question') return 'question';
  return `option --${parameter.replace(/_/g, '-')}`;
}

function shareOf(value: string): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number < 0)
    throw new InvalidArgumentError('expected a share of 0 or more, such as 0.2 for 20%');
  return number;
}

function clusterCount(value: string): 'auto' | number {
  return value === 'auto' ? 'auto' : positiveInteger(value);
}

interface CommonOptions {
  dataDir: string;
  json?: boolean;
}

interface EmbedOptions extends CommonOptions {
  embedder: IndexOptions['embedder'];
  model?: string;
  modelDir?: string;
  offline?: boolean;
  precision?: Precision;
  clusters?: 'auto' | number;
  year?: number;
  strict?: boolean;
  reembed?: boolean;
  recluster?: boolean;
  reclusterGrowth?: number;
  prune?: boolean;
}

function withDataDir(command: Command): Command {
  return command.option(
    '--data-dir <dir>',
    'index directory, or s3://bucket/prefix on object storage (env PAPERSCOPE_DATA_DIR)',
    settings.dataDir,
  );
}

function withEmbedOptions(command: Command): Command {
  return withDataDir(command)
    .addOption(
      new Option('--embedder <kind>', 'embedder to build a new index with')
        .choices(['auto', 'transformer', 'word-vectors'])
        .default('auto'),
    )
    .option('--model <id>', 'transformer model id (default Xenova/all-MiniLM-L6-v2)')
    .option('--model-dir <dir>', 'local transformer model folder (env PAPERSCOPE_MODEL_DIR)', settings.modelDir)
    .option('--offline', 'never download a model (env PAPERSCOPE_OFFLINE=1)', settings.offline)
    .addOption(
      new Option(
        '--precision <weights>',
        "the transformer's weights for a new index or --reembed: int8 (onnx/model_quantized.onnx, about twice as fast; the default where the model offers it) or fp32; an index remembers them (env PAPERSCOPE_PRECISION)",
      )
        .choices(PRECISIONS)
        .default(settings.precision),
    )
    .option('--clusters <k>', 'number of topics, or "auto" (default: as the index was last built, else auto)', clusterCount)
    .option(
      '--year <year>',
      "year for dates that have none (default: the latest such date not after the page's own date or the file's time)",
      positiveInteger,
    )
    .option('--strict', 'fail on the first malformed record instead of skipping it')
    .option('--reembed', 'rebuild every vector, e.g. to switch embedder');
}

/** What the indexer needs besides its input, from a command's options and the settings. */
function pipelineOptions(options: EmbedOptions, onEvent: PipelineOptions['onEvent']): PipelineOptions {
  return {
    dataDir: options.dataDir,
    cacheDir: settings.cacheDir,
    modelDir: options.modelDir,
    offline: Boolean(options.offline),
    hubUrl: settings.hubUrl,
    objectStore: settings.objectStore,
    lockTtlMs: settings.lockTtlMs,
    writeBatch: settings.writeBatch,
    embedder: options.embedder,
    model: options.model,
    quantized: quantizedFrom(options.precision),
    clusters: options.clusters,
    reembed: options.reembed,
    recluster: options.recluster,
    reclusterGrowth: options.reclusterGrowth,
    onEvent,
  };
}

/** Runs the indexer with a terminal reporter (warnings only when `quiet`); `alsoTo` gets the events too (the first-run progress page). */
async function indexWith(
  paths: string[],
  options: EmbedOptions,
  { quiet = false, alsoTo }: { quiet?: boolean; alsoTo?: (event: IndexEvent) => void } = {},
) {
  const terminal = createReporter({ quiet });
  const reporter = {
    onEvent: (event: IndexEvent) => {
      terminal.onEvent(event);
      alsoTo?.(event);
    },
    stop: terminal.stop,
  };
  const { runIndex } = await import('../indexer/index.js');
  try {
    return await runIndex({
      ...pipelineOptions(options, reporter.onEvent),
      paths: paths.length > 0 ? paths : [SAMPLE_DATA],
      year: options.year,
      strict: options.strict,
      prune: options.prune,
    });
  } finally {
    reporter.stop();
  }
}

/** How a read command opens the engine, from the settings read at the top. */
function engineOptions(dataDir: string, onEvent: EngineOptions['onEvent']): EngineOptions {
  return {
    dataDir,
    cacheDir: settings.cacheDir,
    modelDir: settings.modelDir,
    offline: settings.offline,
    quantized: quantizedFrom(settings.precision),
    objectStore: settings.objectStore,
    onEvent,
  };
}

/** Opens the index for a read command; embedder warnings go to stderr. */
async function withEngine<T>(
  options: CommonOptions,
  use: (engine: SearchEngine) => Promise<T>,
  extra: Pick<EngineOptions, 'llm' | 'openTable'> = {},
): Promise<T> {
  const reporter = createReporter({ quiet: true });
  const { SearchEngine } = await import('../server/engine/index.js');
  const engine = await SearchEngine.open({ ...engineOptions(options.dataDir, reporter.onEvent), ...extra }).catch(
    explainNoIndex(options.dataDir),
  );
  try {
    return await use(engine);
  } finally {
    await engine.close();
  }
}

/** Whether the data dir holds an index; one whose manifest cannot be read counts (opening it says what is wrong). */
async function indexExists(dataDir: string): Promise<boolean> {
  const { openDataDir } = await import('../indexer/store/index.js');
  return openDataDir(dataDir, { cacheDir: settings.cacheDir, role: 'serve', objectStore: settings.objectStore })
    .readManifest()
    .then(
      (manifest) => manifest !== undefined,
      () => true,
    );
}

/** A missing index, told with where it was looked for and how to point elsewhere. */
function explainNoIndex(dataDir: string): (error: unknown) => never {
  return (error) => {
    throw isPaperscopeError(error) && error.code === 'NO_INDEX' ? noIndexHere(dataDir, error) : error;
  };
}

function noIndexHere(dataDir: string, cause: PaperscopeError): PaperscopeError {
  const given = process.argv.includes('--data-dir')
    ? 'given with --data-dir'
    : process.env.PAPERSCOPE_DATA_DIR
      ? 'from PAPERSCOPE_DATA_DIR'
      : `no ${DATA_DIR_NAME} in ${process.cwd()} or above it`;
  return new PaperscopeError(
    'NO_INDEX',
    `No index in ${dataDir} (${given}).\nBuild one with "paperscope index <files>", or point to an index with --data-dir <dir> or PAPERSCOPE_DATA_DIR=<dir>.`,
    { dataDir },
    { cause },
  );
}

function requireTopic(engine: SearchEngine, id: number): void {
  const ids = engine.clusters().clusters.map((cluster) => cluster.id);
  if (!ids.includes(id)) {
    throw new PaperscopeError('NOT_FOUND', `No topic ${id}: the topics are ${ids.join(', ')} ("paperscope clusters" lists them).`, {
      parameter: 'topic',
    });
  }
}

function output(options: CommonOptions, value: unknown, print: () => void): void {
  if (options.json) process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  else print();
}

/**
 * Ends an `index` or `remove` run once its summary is written, without freeing the heap first: the
 * run's work is done by then (the data dir published, the writer lock released, the worker lane told
 * to end), and the natural exit's teardown of the main isolate (unmapping its ≈ 0.5 GB page by page,
 * which the exit does at once anyway) cost SciFact's run ≈ 0.1–0.15 s of CPU and of wall at its
 * very end (docs/scaling.md, h25s). Node's exit still waits for worker threads to stop.
 */
function exitOnceWritten(): Promise<never> {
  return new Promise(() => process.stdout.write('', () => process.exit()));
}

const program = new Command()
  .name('paperscope')
  .description('Index research paper listings locally, then search, browse related papers, explore topics and ask questions.')
  .version(APP_VERSION)
  .option('--verbose', 'show the stack trace of an error')
  // Inherited by every command added below: usage errors throw to exitWith() instead of exiting with 1.
  .exitOverride()
  .showHelpAfterError('(add --help for usage)');

withEmbedOptions(
  program
    .command('index')
    .description('index paper listings (HF Daily Papers text, JSON/JSONL, CSV, arXiv Atom XML, BibTeX); default: the sample in data/')
    .argument('[paths...]', 'files or folders to index'),
)
  .option('--recluster', 'cluster the topics afresh instead of adding new papers to the existing ones')
  .option('--recluster-growth <share>', 're-cluster when the corpus grew by more than this share since the last clustering', shareOf, 0.2)
  .option('--prune', 'remove the indexed papers read from these paths that they no longer hold')
  .option('--json', 'print the summary as JSON')
  .action(async (paths: string[], options: EmbedOptions) => {
    await withLargeEnoughHeap(paths.length > 0 ? paths : [SAMPLE_DATA], options.dataDir);
    const summary = await indexWith(paths, options);
    output(options, summary, () => {
      process.stdout.write(`${formatIndexSummary(summary)}\n`);
    });
    await exitOnceWritten();
  });

withDataDir(
  program
    .command('remove')
    .description('remove papers from the index; topics, map and the search indexes follow')
    .argument('<ids...>', 'paper ids, as shown by search'),
)
  .option('--json', 'print the summary as JSON')
  .action(async (ids: string[], options: CommonOptions) => {
    // Checked first, so that a mistyped data dir is not created empty.
    if (!(await indexExists(options.dataDir)))
      throw noIndexHere(options.dataDir, new PaperscopeError('NO_INDEX', `No index in ${options.dataDir}.`));
    await withLargeEnoughHeap([], options.dataDir);
    const reporter = createReporter({ quiet: Boolean(options.json) });
    const { removePapers } = await import('../indexer/index.js');
    const embedOptions = { ...options, embedder: 'auto' as const, modelDir: settings.modelDir, offline: settings.offline };
    const summary = await removePapers(ids, pipelineOptions(embedOptions, reporter.onEvent))
      .catch(explainNoIndex(options.dataDir))
      .finally(reporter.stop);
    output(options, summary, () => process.stdout.write(`${formatRemoveSummary(summary)}\n`));
    await exitOnceWritten();
  });

const sourceHelpers = {
  settings,
  withEmbedOptions,
  pipelineOptions: (options: { dataDir: string }, onEvent: PipelineOptions['onEvent']) => pipelineOptions(options as EmbedOptions, onEvent),
};

withEmbedOptions(program.command('serve').description('serve the web app and the API'))
  .option('--host <host>', 'address to listen on (env HOST)', settings.host)
  .option('--port <port>', 'port to listen on, 0 for any free port (env PORT)', portNumber, settings.port)
  .option('--index-if-missing [paths...]', 'index the given paths (default: the sample in data/) first when there is no index')
  .option('--sync-every <interval>', 'run "sync" at start and then this often (6h, 30m, 90s), indexing in the background', syncInterval)
  .option('--mcp', 'also serve MCP (streamable HTTP) at /mcp, for requests with the admin token (PAPERSCOPE_ADMIN_TOKEN)')
  .option(
    '--workers <n>',
    'answer from n processes sharing the port, each holding the index in memory ("auto": one per CPU core; env PAPERSCOPE_WORKERS)',
    workerCount,
    settings.workers,
  )
  .action(
    async (
      options: EmbedOptions & {
        host: string;
        port: number;
        indexIfMissing?: string[] | boolean;
        syncEvery?: number;
        mcp?: boolean;
        workers: number;
      },
    ) => {
      // A large HNSW graph loads faster with huge pages, which malloc asks for only when told at the process's start.
      const hugePages = hugePagesEnv(await currentHugePageSituation(options.dataDir, process.env));
      if (hugePages) await relaunchWith([], hugePages);
      const { isServeWorker, reportReady } = await import('../server/cluster.js');
      if (options.workers > 1 && !isServeWorker()) return serveFromWorkers(options);
      const hasIndex = await indexExists(options.dataDir);
      const reporter = createReporter();
      const { startServer } = await import('../server/index.js');
      const { indexIfMissing } = options;
      // A first run opens the port at once: the page shows the indexing progress, then the app.
      const firstRun =
        !hasIndex && indexIfMissing
          ? {
              onListening: (url: string) =>
                process.stderr.write(
                  `No index in ${options.dataDir} yet: indexing ${Array.isArray(indexIfMissing) ? indexIfMissing.join(', ') : 'the sample corpus'}; ${url} shows the progress\n`,
                ),
              prepare: (onProgress: (event: IndexEvent) => void) =>
                indexWith(Array.isArray(indexIfMissing) ? indexIfMissing : [], options, { alsoTo: onProgress }),
            }
          : {};
      const server = await startServer({
        dataDir: options.dataDir,
        modelDir: options.modelDir,
        offline: Boolean(options.offline),
        quantized: quantizedFrom(options.precision),
        host: options.host,
        port: options.port,
        mcp: options.mcp,
        onEvent: reporter.onEvent,
        listenWhenOpen: isServeWorker(),
        ...firstRun,
      }).catch(explainNoIndex(options.dataDir));
      const status = server.engine.status();
      const summary = `${plural(status.papers, 'paper')} (${status.embedder.kind}: ${embedderModelLabel(status.embedder)})`;
      if (isServeWorker()) {
        // The primary tells the user; a worker stops with it (SIGTERM), or with the terminal's SIGINT.
        reportReady(server.url, summary);
        const stop = () =>
          void server.close().then(
            () => process.exit(0),
            () => process.exit(1),
          );
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        return;
      }
      process.stderr.write(`Serving ${summary}\n`);
      if (options.mcp) process.stderr.write(`MCP (streamable HTTP) at ${server.url}/mcp, for requests with the admin token\n`);
      process.stdout.write(`Paperscope is ready at ${server.url}\n`);
      shutDownOnSignal(() => server.close(), options.syncEvery ? syncInBackground(sourceHelpers, options, options.syncEvery) : undefined);
    },
  );

/**
 * `serve --workers n`: this command again in n cluster workers (server/cluster.ts); the primary
 * holds no index, prints the ready line once and runs `--sync-every` (the workers see a new
 * index on their next manifest check).
 */
async function serveFromWorkers(options: {
  dataDir: string;
  workers: number;
  mcp?: boolean;
  indexIfMissing?: unknown;
  syncEvery?: number;
}) {
  // MCP sessions live in the process that opened them, and a first run's progress page in one worker.
  if (options.mcp)
    throw new PaperscopeError(
      'INVALID_PARAMETER',
      '--mcp serves from one process: drop --workers, or run a separate `paperscope serve --mcp`.',
      {
        parameter: 'workers',
      },
    );
  if (options.indexIfMissing && !(await indexExists(options.dataDir)))
    throw new PaperscopeError(
      'INVALID_PARAMETER',
      `--workers needs an index: run \`paperscope index\` first (there is none in ${options.dataDir}).`,
      { parameter: 'workers' },
    );
  const { startWorkerPool } = await import('../server/cluster.js');
  const pool = await startWorkerPool(options.workers, (line) => process.stderr.write(line), process.env.NODE_OPTIONS).catch(
    explainNoIndex(options.dataDir),
  );
  process.stderr.write(`Serving ${pool.summary} from ${plural(options.workers, 'worker')}\n`);
  process.stdout.write(`Paperscope is ready at ${pool.url}\n`);
  shutDownOnSignal(() => pool.stop(), options.syncEvery ? syncInBackground(sourceHelpers, options, options.syncEvery) : undefined);
}

/** On SIGINT or SIGTERM: stops the background sync, closes what serves, and exits 0 (1 if closing failed). */
function shutDownOnSignal(close: () => Promise<unknown>, stopSync: (() => void) | undefined): void {
  const shutdown = () => {
    process.stderr.write('Shutting down…\n');
    stopSync?.();
    close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

withDataDir(
  program.command('mcp').description('serve the index to an AI assistant over the Model Context Protocol, on stdin and stdout'),
).action(async (options: CommonOptions) => {
  // Stdout carries the protocol: whatever a library logs goes to stderr instead.
  for (const method of ['log', 'info', 'debug', 'warn'] as const) console[method] = console.error;
  const reporter = createReporter({ quiet: true });
  const [{ LiveEngine, SearchEngine, watchForNewIndex }, { createMcpServer }, { StdioServerTransport }] = await Promise.all([
    import('../server/engine/index.js'),
    import('../server/mcp/index.js'),
    import('@modelcontextprotocol/sdk/server/stdio.js'),
  ]);
  const opened = engineOptions(options.dataDir, reporter.onEvent);
  const live = new LiveEngine(await SearchEngine.open(opened).catch(explainNoIndex(options.dataDir)), opened);
  // An assistant keeps this process for its whole session: a newer index (paperscope index) is swapped in.
  const watch =
    settings.reloadIntervalMs > 0
      ? watchForNewIndex(live, { intervalMs: settings.reloadIntervalMs, onEvent: reporter.onEvent })
      : undefined;
  const server = createMcpServer((task) => live.use(task));
  const stop = async () => {
    await watch?.stop();
    await live.close();
    process.exit(0);
  };
  const transport = new StdioServerTransport();
  // The client closing stdin ends the session.
  process.stdin.once('end', () => void server.close());
  transport.onclose = () => void stop();
  await server.connect(transport);
  const status = live.current.status();
  process.stderr.write(
    `Paperscope MCP server on stdio: ${plural(status.papers, 'paper')} (${status.embedder.kind}: ${embedderModelLabel(status.embedder)})\n`,
  );
});

withDataDir(program.command('search').description('search the index').argument('<query>', 'what to look for'))
  .option('-k, --k <k>', 'number of results', '10')
  .option('--offset <n>', 'skip the first n results', '0')
  .addOption(new Option('--mode <mode>', 'ranking').choices(['hybrid', 'vector', 'lexical']).default('hybrid'))
  .option('--from <date>', 'earliest date (YYYY, YYYY-MM or YYYY-MM-DD)')
  .option('--to <date>', 'latest date')
  .option('--topic <id>', 'only papers of this topic')
  .option('--min-upvotes <n>', 'only papers with at least n upvotes')
  .addOption(new Option('--sort <key>', 'order').choices(['relevance', 'date', 'upvotes']).default('relevance'))
  .option('--json', 'print JSON')
  .action(async (query: string, options: CommonOptions & Record<string, string | undefined>) => {
    const params = validate(
      searchParamsSchema,
      {
        q: query,
        k: options.k,
        offset: options.offset,
        mode: options.mode,
        from: options.from,
        to: options.to,
        topic: options.topic,
        min_upvotes: options.minUpvotes,
        sort: options.sort,
      },
      cliName,
    );
    const response = await withEngine(options, (engine) => {
      // An unknown topic is a mistake to name, not a search that finds nothing.
      if (params.topic !== undefined) requireTopic(engine, params.topic);
      return engine.search(params);
    });
    output(options, response, () =>
      printResults(response.results, {
        total: response.total,
        totalRelation: response.total_relation,
        tookMs: response.took_ms,
        offset: response.offset,
        nextOffset: response.next_offset,
      }),
    );
  });

withDataDir(
  program
    .command('export')
    .description('write papers as BibTeX, RIS, CSV or JSON Lines: a search, a topic, or the whole index (newest first)'),
)
  .option('--query <query>', "export this search's results")
  .option('--topic <id>', "only this topic's papers (with --query, the search within it)")
  .addOption(new Option('--format <format>', 'file format').choices([...EXPORT_FORMATS]).default('bibtex'))
  .option('-k, --k <k>', 'number of search results (with --query)', '100')
  .action(async (options: CommonOptions & { query?: string; topic?: string; format: ExportFormat; k: string }) => {
    const { topic } = validate(browseParamsSchema, { topic: options.topic }, cliName);
    const search =
      options.query === undefined
        ? undefined
        : validate(searchParamsSchema, { q: options.query, k: options.k, topic: options.topic }, cliName);
    const papers = await withEngine(options, async (engine) => {
      if (topic !== undefined) requireTopic(engine, topic);
      const ids = search
        ? (await engine.search(search)).results.map((hit) => hit.id)
        : topic !== undefined
          ? engine.cluster(topic).papers.map((paper) => paper.id)
          : engine.browse({ sort: 'date', k: Number.MAX_SAFE_INTEGER, offset: 0 }).results.map((paper) => paper.id);
      return ids.map((id) => engine.paper(id));
    });
    process.stdout.write(exportPapers(papers, options.format).body);
  });

withDataDir(program.command('similar').description('papers related to a paper').argument('<id>', 'paper id, as shown by search'))
  .option('-k, --k <k>', 'number of results', positiveInteger, 10)
  .option('--json', 'print JSON')
  .action(async (id: string, options: CommonOptions & { k: number }) => {
    const response = await withEngine(options, async (engine) => engine.similar(id, options.k));
    output(options, response, () => printResults(response.results, undefined, response.note));
  });

withDataDir(program.command('clusters').description('list the topics, or report how good they are'))
  .option('--report', 'print k, silhouette, sizes and label quality beside NMF and k-means on TF-IDF (NMI/ARI with --labels)')
  .option('--labels <file>', 'JSON object mapping paper ids or titles to hand labels, scored against with --report')
  .option('--clusters <k>', 'number of topics for --report, or "auto" (default: as indexed)', clusterCount)
  .option('--json', 'print JSON')
  .action(async (options: CommonOptions & { report?: boolean; labels?: string; clusters?: 'auto' | number }) => {
    if (!options.report && (options.clusters !== undefined || options.labels !== undefined)) {
      throw new PaperscopeError(
        'INVALID_INPUT',
        `${options.clusters !== undefined ? '--clusters' : '--labels'} only applies with --report. To change the number of topics of the index, run "paperscope index --clusters <k>".`,
      );
    }
    if (options.report) {
      const [{ readHandLabels }, { formatQualityReport }] = await Promise.all([
        import('../server/topics/index.js'),
        import('../indexer/cluster/index.js'),
      ]);
      const handLabels = options.labels ? await readHandLabels(options.labels) : undefined;
      const report = await withEngine(options, async (engine) => engine.topicReport({ clusters: options.clusters, handLabels }));
      output(options, report, () => process.stdout.write(formatQualityReport(report)));
      return;
    }
    const response = await withEngine(options, async (engine) => engine.clusters());
    output(options, response, () => printClusters(response.clusters));
  });

withDataDir(
  program
    .command('ask')
    .description("answer a question from the abstracts, with citations (written by PAPERSCOPE_LLM_URL's model when set)")
    .argument('<question>', 'a question in plain language'),
)
  .option('--json', 'print JSON')
  .action(async (question: string, options: CommonOptions) => {
    const params = validate(askSchema, { question }, cliName);
    const { streamAnswer } = await import('./ask.js');
    await withEngine(options, (engine) => streamAnswer(engine, params, { json: Boolean(options.json) }), { llm: settings.llm });
  });

withEmbedOptions(
  program
    .command('eval')
    .description(
      'score search (nDCG@10, Recall@5, Recall@100, MRR@10 of hybrid, vector-only and lexical beside a plain BM25), related papers (same-topic precision@5 beside TF-IDF cosine) or ask (answered, best paper cited, citation precision, refusals) on labelled data',
    ),
)
  .option('--queries <file>', 'search: JSON [{ "query": "…", "relevant": { "<paper title>": 1-3 } }]')
  .option(
    '--labels <file>',
    'related papers: JSON object mapping paper ids or titles to hand labels; same-topic precision@5 beside TF-IDF cosine',
  )
  .option(
    '--ask <file>',
    'ask: JSON { "answerable": [{ "question", "paraphrase"?, "relevant": { "<title>": 1-3 } }], "unanswerable": ["…"] }',
  )
  .option('--beir <dir>', 'search: a BEIR folder (corpus.jsonl, queries.jsonl, qrels/); its corpus is indexed into a temporary data dir')
  .option('--ask-beir <dir>', 'ask: a BEIR folder (corpus.jsonl, queries.jsonl, qrels/); its corpus is indexed into a temporary data dir')
  .option('--split <name>', 'qrels split for --beir and --ask-beir', 'test')
  .option('--keep-index <dir>', 'with --beir or --ask-beir: index the corpus into this data dir and keep it, so a later run reuses it')
  .option('--details', 'list the questions whose best paper was not cited')
  .option('--json', 'print JSON')
  .action(
    async (
      options: EmbedOptions & {
        queries?: string;
        labels?: string;
        beir?: string;
        ask?: string;
        askBeir?: string;
        split: string;
        keepIndex?: string;
        details?: boolean;
      },
    ) => {
      const chosen = [options.queries, options.labels, options.beir, options.ask, options.askBeir].filter(Boolean).length;
      if (chosen !== 1)
        throw new PaperscopeError('INVALID_PARAMETER', 'eval needs exactly one of --queries, --labels, --beir, --ask and --ask-beir', {
          parameter: 'queries',
        });
      if (options.labels) {
        const [{ evaluateRelated, formatRelatedReport }, { readHandLabels }] = await Promise.all([
          import('./eval.js'),
          import('../server/topics/index.js'),
        ]);
        const handLabels = await readHandLabels(options.labels);
        const report = await withEngine(options, (engine) => evaluateRelated(engine, handLabels));
        output(options, report, () => process.stdout.write(`${formatRelatedReport(report)}\n`));
        return;
      }
      if (options.queries) {
        const { evaluate, formatEvalReport, readEvalQueries } = await import('./eval.js');
        const queries = await readEvalQueries(options.queries);
        const report = await withEngine(options, (engine) => evaluate(engine, queries));
        output(options, report, () => process.stdout.write(`${formatEvalReport(report)}\n`));
        return;
      }
      if (options.beir) {
        const [{ evaluateJudged, formatEvalReport }, { readBeirSplit, withBeirIndex }] = await Promise.all([
          import('./eval.js'),
          import('./beir.js'),
        ]);
        const beir = await readBeirSplit(options.beir, options.split);
        const report = await withBeirIndex(beir, options.keepIndex, async (corpusFile, dataDir) => {
          await indexWith([corpusFile], { ...options, dataDir }, { quiet: Boolean(options.json) });
          return withEngine({ ...options, dataDir }, (engine) =>
            evaluateJudged(
              engine,
              beir.queries.map(({ text, judgments }) => ({ query: text, judgments })),
            ),
          );
        });
        output(options, report, () =>
          process.stdout.write(`${beir.queries.length} queries of ${options.beir} (${options.split})\n${formatEvalReport(report)}\n`),
        );
        return;
      }
      const { evaluateAsk, formatAskReport, judgeAskQuestions, readAskQuestions } = await import('./ask-eval.js');
      if (options.ask) {
        const questions = await readAskQuestions(options.ask);
        const report = await withEngine(options, (engine) =>
          evaluateAsk(engine, judgeAskQuestions(engine, questions), questions.unanswerable),
        );
        output(options, report, () => process.stdout.write(`${formatAskReport(report, options.details)}\n`));
        return;
      }
      const { readBeirSplit, withBeirIndex } = await import('./beir.js');
      const beir = await readBeirSplit(options.askBeir as string, options.split);
      const report = await withBeirIndex(beir, options.keepIndex, async (corpusFile, dataDir) => {
        await indexWith([corpusFile], { ...options, dataDir }, { quiet: Boolean(options.json) });
        const answerable = beir.queries.map(({ text, judgments }) => ({ question: text, paraphrase: false, judgments }));
        return withEngine({ ...options, dataDir }, (engine) => evaluateAsk(engine, answerable, []));
      });
      output(options, report, () =>
        process.stdout.write(
          `${beir.queries.length} claims of ${options.askBeir} (${options.split})\n${formatAskReport(report, options.details)}\n`,
        ),
      );
    },
  );

withEmbedOptions(
  program
    .command('check')
    .description(
      'check every stored paper against its content hash, the manifest and the derived files; repair from the source files given',
    )
    .argument('[paths...]', 'source files or folders to repair damaged papers from'),
)
  .option('--json', 'print the report as JSON')
  .action(async (paths: string[], options: EmbedOptions) => {
    const reporter = createReporter({ quiet: true });
    const { checkIndex } = await import('../indexer/check.js');
    const report = await checkIndex({
      ...pipelineOptions(options, reporter.onEvent),
      paths,
      year: options.year,
      strict: options.strict,
    }).finally(reporter.stop);
    output(options, report, () => printCheck(report));
    if (report.damage.length > 0) process.exitCode = errorCatalog.INDEX_DAMAGED.exit;
  });

withDataDir(program.command('status').description('what the index holds and which embedder built it'))
  .option('--json', 'print JSON')
  .action(async (options: CommonOptions) => {
    const response = await withEngine(options, async (engine) => ({ ...engine.status(), new_papers: await engine.newPapers() }), {
      openTable: true,
    });
    output(options, response, () => printStatus(response));
  });

addSourceCommands(program, sourceHelpers);

program.parseAsync().catch(exitWith);

/**
 * Every failure ends here: one or two lines a person can act on, and the catalog's exit code (see
 * the README). `--verbose` adds the stack; it is read from argv because the error may come before
 * the options are parsed.
 */
function exitWith(error: unknown): never {
  if (error instanceof CommanderError) {
    // Commander has printed the message (and the usage hint) already.
    process.exit(error.exitCode === 0 ? 0 : errorCatalog.INVALID_INPUT.exit);
  }
  const failure = toPaperscopeError(error);
  process.stderr.write(`paperscope: ${failure.message}\n`);
  const origin = failure.cause instanceof Error ? failure.cause : failure;
  if (process.argv.includes('--verbose')) process.stderr.write(`${origin.stack ?? ''}\n`);
  else if (failure.code === 'INTERNAL') process.stderr.write('This was not expected: run again with --verbose to see where it happened.\n');
  process.exit(failure.exitCode);
}

/**
 * `index` and `remove` over many papers (a million passed V8's default heap of ≈ 4 GB) run again in
 * a Node whose heap is sized from the memory: this process then only waits for that one. Either
 * way the indexing process tiers its code up with `indexingJitFlags`.
 */
async function withLargeEnoughHeap(paths: readonly string[], dataDir: string): Promise<void> {
  const flags = heapFlags(currentHeapSituation(await workloadBytes(paths, dataDir), process.env));
  if (flags.length > 0) await relaunchWith(flags, process.env);
  // Set here, before the indexer starts its workers: V8's flags are the process's, so they reach every isolate.
  for (const flag of indexingJitFlags(process.execArgv, process.env.NODE_OPTIONS)) v8.setFlagsFromString(flag);
}

/** The environment, read once for every command; a malformed variable exits with its code and name. */
function settingsOrExit(): Settings {
  try {
    return readSettings();
  } catch (error) {
    return exitWith(error);
  }
}
