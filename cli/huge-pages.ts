import { readFile, stat } from 'node:fs/promises';
import { dataDirLayout } from '../indexer/store/files.js';
import { RELAUNCHED_VARIABLE } from './heap.js';

/**
 * From an HNSW file this large `serve` runs in a process whose allocations get transparent huge
 * pages: hnswlib's `readIndex` fills one allocation the size of the file (≈ 6 s of CPU at a million
 * papers, 548 MB, most of it first touches of fresh memory and system calls on this kind of VM),
 * and with huge pages that memory is touched in 2 MB pages rather than 4 kB ones (−1.4 to −2.6 s of
 * the start's CPU there). The relaunch itself costs ≈ 0.25 s (a second Node and its bundle), more
 * than huge pages save on a graph of a few tens of MB (100,000 papers: 55 MB).
 */
export const HUGE_PAGES_MIN_GRAPH_BYTES = 256 * 1024 * 1024;
/** glibc's tunable that makes malloc ask for transparent huge pages (`madvise`) on its memory: glibc ≥ 2.35. */
const HUGE_PAGES_TUNABLE = 'glibc.malloc.hugetlb';
const FIRST_GLIBC_WITH_TUNABLE = [2, 35];

export interface HugePageSituation {
  env: Readonly<Record<string, string | undefined>>;
  /** The size of the data dir's HNSW file; 0 when there is none (or the data dir is not local). */
  graphBytes: number;
  /** The kernel's transparent huge page mode (`always`, `madvise`, `never`); undefined where there is none. */
  thpMode: string | undefined;
  /** The glibc this Node runs on ("2.36"); undefined on another C library. */
  glibc: string | undefined;
}

/**
 * The environment `serve` should run again with so that malloc asks for huge pages, or undefined
 * when it runs as it is: a small graph, a kernel that gives huge pages to every allocation
 * (`always`) or to none (`never`), a C library without the tunable, a user who set it, or a
 * process that was relaunched already.
 * @example hugePagesEnv({ env: {}, graphBytes: 548e6, thpMode: 'madvise', glibc: '2.36' }) // → { GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1' }
 */
export function hugePagesEnv(situation: HugePageSituation): Record<string, string | undefined> | undefined {
  const { env, graphBytes, thpMode, glibc } = situation;
  if (env[RELAUNCHED_VARIABLE] || graphBytes < HUGE_PAGES_MIN_GRAPH_BYTES || thpMode !== 'madvise') return undefined;
  const [major = 0, minor = 0] = (glibc ?? '').split('.').map(Number);
  const [firstMajor = 0, firstMinor = 0] = FIRST_GLIBC_WITH_TUNABLE;
  if (!glibc || major < firstMajor || (major === firstMajor && minor < firstMinor)) return undefined;
  const tunables = env.GLIBC_TUNABLES;
  if (tunables?.includes(HUGE_PAGES_TUNABLE)) return undefined;
  const wanted = `${HUGE_PAGES_TUNABLE}=1`;
  return { ...env, GLIBC_TUNABLES: tunables ? `${tunables}:${wanted}` : wanted };
}

/** The bracketed mode of `/sys/kernel/mm/transparent_hugepage/enabled` ("always [madvise] never"). */
export function selectedThpMode(enabled: string): string | undefined {
  return /\[(\w+)\]/.exec(enabled)?.[1];
}

/** This process's situation for `hugePagesEnv`; the C library is looked up only for a graph large enough to matter. */
export async function currentHugePageSituation(dataDir: string, env: HugePageSituation['env']): Promise<HugePageSituation> {
  const graphBytes = dataDir.includes('://') ? 0 : ((await stat(dataDirLayout(dataDir).annIndex).catch(() => undefined))?.size ?? 0);
  if (graphBytes < HUGE_PAGES_MIN_GRAPH_BYTES) return { env, graphBytes, thpMode: undefined, glibc: undefined };
  const enabled = await readFile('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8').catch(() => '');
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  return { env, graphBytes, thpMode: selectedThpMode(enabled), glibc: header?.glibcVersionRuntime };
}
