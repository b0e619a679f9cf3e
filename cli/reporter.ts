import cliProgress from 'cli-progress';
import type { IndexEvent } from '../indexer/index.js';

/**
 * Renders indexing events on stderr: messages as lines, long stages as progress bars, so that
 * stdout stays clean for --json output.
 */
export function createReporter(options: { quiet?: boolean } = {}): { onEvent: (event: IndexEvent) => void; stop: () => void } {
  let bar: cliProgress.SingleBar | undefined;
  let barStage = '';
  const stop = () => {
    bar?.stop();
    bar = undefined;
  };
  const onEvent = (event: IndexEvent) => {
    if (event.type === 'progress') {
      if (options.quiet) return;
      if (!bar || barStage !== event.stage) {
        stop();
        barStage = event.stage;
        bar = new cliProgress.SingleBar(
          { format: `${event.stage.padEnd(10)} [{bar}] {value}/{total} {percentage}% | {eta_formatted} left`, stream: process.stderr, hideCursor: true },
          cliProgress.Presets.shades_classic,
        );
        bar.start(event.total, 0);
      }
      bar.update(event.done);
      if (event.done >= event.total) stop();
      return;
    }
    stop();
    if (event.type === 'warning') process.stderr.write(`warning: ${event.message}\n`);
    else if (!options.quiet) process.stderr.write(`${event.message}\n`);
  };
  return { onEvent, stop };
}
