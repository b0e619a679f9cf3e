import cliProgress from 'cli-progress';
import type { IndexEvent } from '../indexer/events.js';

type ProgressEvent = Extract<IndexEvent, { type: 'progress' }>;

const BYTE_UNITS: ReadonlyArray<readonly [number, string]> = [
  [1e9, 'GB'],
  [1e6, 'MB'],
  [1e3, 'kB'],
];

/**
 * Bytes done out of a total, both in the total's unit: "12.3/86.2 MB". An unknown total (0) shows
 * only the bytes done.
 *
 * @example
 * formatByteProgress(12_300_000, 86_200_000); // "12.3/86.2 MB"
 */
export function formatByteProgress(loaded: number, total: number): string {
  const reference = total > 0 ? total : loaded;
  const [scale, unit] = BYTE_UNITS.find(([size]) => reference >= size) ?? [1, 'B'];
  const show = (bytes: number): string => (scale === 1 ? String(Math.round(bytes)) : (bytes / scale).toFixed(1));
  return total > 0 ? `${show(loaded)}/${show(total)} ${unit}` : `${show(loaded)} ${unit}`;
}

export interface ReporterOptions {
  /** Only warnings: no info lines, no bars. */
  quiet?: boolean;
  /** Where to draw (default stderr, so that stdout stays clean for --json output). */
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Without a terminal, a long stage writes a line at most this often (default 5 s). */
  lineEveryMs?: number;
  /** The clock, in milliseconds (tests pass their own). */
  now?: () => number;
}

const LINE_EVERY_MS = 5_000;

/**
 * Renders indexing events: messages as lines, long stages as progress bars (model downloads in
 * bytes). Without a terminal (a log, CI), a stage still running writes a line every few seconds
 * ("Embedding: 1,024 of 5,000 (20%)"), and one more when it is done; a short stage writes nothing.
 *
 * @example
 * const reporter = createReporter();
 * await runIndex({ ...options, onEvent: reporter.onEvent }).finally(reporter.stop);
 */
export function createReporter(options: ReporterOptions = {}): { onEvent: (event: IndexEvent) => void; stop: () => void } {
  const stream = options.stream ?? process.stderr;
  let bar: cliProgress.SingleBar | undefined;
  let barStage = '';
  // transformers.js may report a finished file twice; the second report must not draw a new bar.
  let finishedStage = '';
  const stop = () => {
    bar?.stop();
    bar = undefined;
  };
  const payload = (event: ProgressEvent) => ({ bytes: formatByteProgress(event.done, event.total) });
  const now = options.now ?? (() => performance.now());
  const lineEveryMs = options.lineEveryMs ?? LINE_EVERY_MS;
  // Without a terminal: when the stage began, and whether a line was written for it.
  let lineStage = '';
  let lastLineAt = 0;
  let wroteLine = false;
  const onLine = (event: ProgressEvent, complete: boolean) => {
    if (event.stage !== lineStage) {
      lineStage = event.stage;
      lastLineAt = now();
      wroteLine = false;
    }
    if (event.unit === 'bytes') {
      if (complete) stream.write(`${event.stage.replace(/^Downloading/, 'Downloaded')} (${formatByteProgress(event.total, 0)})\n`);
      return;
    }
    if (!(complete ? wroteLine : now() - lastLineAt >= lineEveryMs)) return;
    const share = event.total > 0 ? ` (${Math.floor((100 * event.done) / event.total)}%)` : '';
    stream.write(
      `${event.stage}: ${event.done.toLocaleString('en')} of ${event.total.toLocaleString('en')}${complete ? ', done' : share}\n`,
    );
    lastLineAt = now();
    wroteLine = true;
  };
  const onProgress = (event: ProgressEvent) => {
    const complete = event.total > 0 && event.done >= event.total;
    if (complete && event.stage === finishedStage) return;
    if (complete) finishedStage = event.stage;
    if (!stream.isTTY) {
      onLine(event, complete);
      return;
    }
    if (!bar || barStage !== event.stage) {
      stop();
      barStage = event.stage;
      const format =
        event.unit === 'bytes'
          ? `${event.stage} [{bar}] {bytes}`
          : `${event.stage.padEnd(10)} [{bar}] {value}/{total} {percentage}% | {eta_formatted} left`;
      bar = new cliProgress.SingleBar({ format, stream, hideCursor: true }, cliProgress.Presets.shades_classic);
      bar.start(Math.max(event.total, event.done), event.done, payload(event));
    }
    bar.update(event.done, payload(event));
    if (complete) stop();
  };
  const onEvent = (event: IndexEvent) => {
    if (event.type === 'progress') {
      if (!options.quiet) onProgress(event);
      return;
    }
    stop();
    if (event.type === 'warning') stream.write(`warning: ${event.message}\n`);
    else if (!options.quiet) stream.write(`${event.message}\n`);
  };
  return { onEvent, stop };
}
