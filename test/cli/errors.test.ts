import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCatalog } from '../../core/errors.js';
import { INDEX_SAMPLE_MS } from '../helpers/limits.js';
import { buildSampleIndex, SAMPLE_FILE } from '../helpers/sample-index.js';
import { type ChildOutcome, outcomeOf, spawnCli } from '../reliability/cli.js';

/** The lines Paperscope itself wrote to stderr (a library may warn on its own lines). */
const ownLines = (outcome: ChildOutcome) => outcome.stderr.split('\n').filter((line) => line.startsWith('paperscope:'));
const hasStack = (outcome: ChildOutcome) => /^\s+at /m.test(outcome.stderr);

function expectReadableFailure(outcome: ChildOutcome, exitCode: number, message: RegExp) {
  expect(outcome.code, outcome.stderr).toBe(exitCode);
  expect(hasStack(outcome), outcome.stderr).toBe(false);
  expect(outcome.stderr).toMatch(message);
}

describe('CLI errors a person can read', () => {
  let dataDir: string;
  let busy: Server;
  let busyPort: number;

  beforeAll(async () => {
    dataDir = await buildSampleIndex();
    busy = createServer();
    busyPort = await new Promise<number>((resolve) =>
      busy.listen(0, '127.0.0.1', () => resolve((busy.address() as { port: number }).port)),
    );
  }, INDEX_SAMPLE_MS);
  afterAll(() => new Promise<void>((resolve) => busy.close(() => resolve())));

  it('exits quietly with 0 when the reader of stdout goes away (search … | head -1)', async () => {
    const child = spawnCli(['search', 'reward', '-k', '100', '--data-dir', dataDir]);
    // The reader is gone before the first result is written: every write meets a closed pipe.
    child.stdout?.destroy();
    const outcome = await outcomeOf(child);
    expect(outcome.code, outcome.stderr).toBe(0);
    expect(outcome.stderr).not.toMatch(/EPIPE|Error/);
  });

  it('says in one line that a busy port is busy, with its own exit code and no stack', async () => {
    const outcome = await outcomeOf(spawnCli(['serve', '--port', String(busyPort), '--data-dir', dataDir]));
    expectReadableFailure(outcome, errorCatalog.CANNOT_LISTEN.exit, /already in use.*--port/);
    expect(ownLines(outcome)).toHaveLength(1);
  });

  it('refuses --port abc before doing anything, naming the flag and the range', async () => {
    const outcome = await outcomeOf(spawnCli(['serve', '--port', 'abc', '--data-dir', dataDir]));
    expectReadableFailure(outcome, errorCatalog.INVALID_INPUT.exit, /--port.*'abc'.*0 to 65535/);
    expect(outcome.stderr.trim().split('\n').length).toBeLessThanOrEqual(2);
  });

  it('adds the stack with --verbose', async () => {
    const outcome = await outcomeOf(spawnCli(['serve', '--verbose', '--port', String(busyPort), '--data-dir', dataDir]));
    expect(outcome.code).toBe(errorCatalog.CANNOT_LISTEN.exit);
    expect(outcome.stderr).toMatch(/EADDRINUSE/);
    expect(hasStack(outcome)).toBe(true);
  });

  it('names the CLI flag, not the API parameter, in a validation error', async () => {
    const outcome = await outcomeOf(spawnCli(['search', 'reward', '--min-upvotes', '-1', '--data-dir', dataDir]));
    expectReadableFailure(outcome, errorCatalog.INVALID_PARAMETER.exit, /--min-upvotes: must be 0 or more/);
    expect(outcome.stderr).not.toMatch(/min_upvotes/);
    expect(ownLines(outcome)).toHaveLength(1);
  });

  it('refuses an impossible month and a start date after the end date', async () => {
    const month = await outcomeOf(spawnCli(['search', 'reward', '--from', '2025-13', '--data-dir', dataDir]));
    expectReadableFailure(month, errorCatalog.INVALID_PARAMETER.exit, /--from: expected a date/);
    const order = await outcomeOf(spawnCli(['search', 'reward', '--from', '2025-06', '--to', '2025-05', '--data-dir', dataDir]));
    expectReadableFailure(order, errorCatalog.INVALID_PARAMETER.exit, /--from: is after the end date/);
  });

  it('reports a bad environment variable in one line, before any command runs', async () => {
    const outcome = await outcomeOf(spawnCli(['status', '--data-dir', dataDir], { PORT: 'abc' }));
    expectReadableFailure(outcome, errorCatalog.INVALID_CONFIG.exit, /Invalid environment variable PORT/);
    expect(ownLines(outcome)).toHaveLength(1);
  });

  it('fails loudly, without falling back, when an explicit model folder or model cannot be loaded', async () => {
    const scratch = await mkdtemp(path.join(os.tmpdir(), 'paperscope-cli-model-'));
    try {
      const newIndex = path.join(scratch, 'index');
      const folder = await outcomeOf(spawnCli(['index', SAMPLE_FILE, '--model-dir', path.join(scratch, 'nope'), '--data-dir', newIndex]));
      expectReadableFailure(folder, errorCatalog.MODEL_UNAVAILABLE.exit, /model folder .*nope is missing/);
      expect(ownLines(folder)).toHaveLength(1);
      const model = await outcomeOf(
        spawnCli(['index', SAMPLE_FILE, '--model', 'Xenova/bge-small-en-v1.5', '--offline', '--data-dir', newIndex], {
          PAPERSCOPE_CACHE_DIR: scratch,
        }),
      );
      expectReadableFailure(model, errorCatalog.MODEL_UNAVAILABLE.exit, /Xenova\/bge-small-en-v1\.5 is not available offline/);
      expect(ownLines(model)).toHaveLength(1);
      // Nothing was indexed with a substitute embedder.
      expect(await readdir(newIndex).catch(() => [])).not.toContain('manifest.json');
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  });
});
