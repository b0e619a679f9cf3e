import { toPaperscopeError } from '../core/errors.js';
import { describeProblem } from './derive.js';
import { type IndexOptions, type IndexSummary, runIndex } from './index.js';
import { derivedFileHealth } from './repair.js';
import { type DamagedPaper, damagedPapers, openDataDir, type PaperBrief, PapersTable, readManifestOrProblem } from './store/index.js';

/** What `paperscope check` found: the table first (the source of truth), then the files derived from it. */
export interface CheckReport {
  /** Problems that lose or corrupt papers until repaired; empty when the table is sound. */
  damage: string[];
  /** Papers whose stored row does not match its content hash. */
  damaged: DamagedPaper[];
  /** Derived files that are missing, damaged or stale: rebuilt from the table by the next `index` (or `serve`, as it needs them). */
  derived: string[];
  papers: number;
  tableVersion: number | undefined;
  /** The index run that repaired from the source files, when paths were given. */
  repair?: IndexSummary;
}

/**
 * Scans everything an index holds: every row of the papers table against its content hash, the
 * manifest, and each derived file. With `paths`, the damaged papers are written again from those
 * source files (an ordinary index run, which checks and repairs as it goes), then the scan is repeated.
 *
 * @example const report = await checkIndex({ ...indexOptions, paths: ['data/'] });
 */
export async function checkIndex(options: IndexOptions): Promise<CheckReport> {
  if (options.paths.length === 0) return scan(options);
  const repair = await runIndex(options);
  return { ...(await scan(options)), repair };
}

async function scan(options: Pick<IndexOptions, 'dataDir' | 'cacheDir'>): Promise<CheckReport> {
  const dataDir = openDataDir(options.dataDir, { cacheDir: options.cacheDir, role: 'serve' });
  await dataDir.pull();
  const { layout } = dataDir;
  const report: CheckReport = { damage: [], damaged: [], derived: [], papers: 0, tableVersion: undefined };
  const found = await readManifestOrProblem(layout).catch((error: unknown) => {
    report.damage.push(`manifest: ${toPaperscopeError(error).message}`);
    return undefined;
  });
  const manifest = found && 'manifest' in found ? found.manifest : undefined;
  let table: PapersTable | undefined;
  try {
    table = await PapersTable.openForReading(layout, { onWarning: (message) => report.damage.push(`papers table: ${message}`) });
  } catch (error) {
    report.damage.push(`papers table: ${toPaperscopeError(error).message}`);
    return report;
  }
  if (!table) {
    report.damage.push(`papers table: missing from ${layout.database}`);
    return report;
  }
  if (found && 'problem' in found)
    report.derived.push(`manifest: ${layout.manifest} ${found.problem} (rebuilt from the table by the next "paperscope index")`);
  report.tableVersion = await table.version();
  let stored: PaperBrief[];
  try {
    const records = await table.readRecords();
    stored = records.briefs.all();
    report.papers = records.briefs.length;
    report.damaged = damagedPapers(records);
    for (const { id, source } of report.damaged)
      report.damage.push(
        `paper "${id}": its stored row does not match its content hash (index ${source.file} again to repair it; it was read from line ${source.line})`,
      );
  } catch (error) {
    report.damage.push(`papers table: ${toPaperscopeError(error).message}`);
    return report;
  }
  if (manifest && manifest.tableVersion !== report.tableVersion) {
    report.derived.push(
      `manifest: describes table version ${manifest.tableVersion}, the table is at ${report.tableVersion} (an index run did not finish; the next one publishes the rest)`,
    );
  }
  const expected = { dimension: await table.dimension(), count: report.papers, tableVersion: report.tableVersion };
  const health = await derivedFileHealth(layout, expected, stored, manifest?.embedder);
  report.derived.push(...health.problems.map(describeProblem));
  return report;
}
