/**
 * Why a derived file was not loaded, for the caller to act on by kind: rebuild it in every case,
 * and warn unless it is simply `missing` (a first start, or a file an older version did not write).
 * `stale` files are intact but describe another table version, count or embedder; `damaged` ones
 * do not read back as written.
 */
export type LoadProblem = { kind: 'missing' | 'stale' | 'damaged'; message: string };

export const missingFile = (message = 'missing'): LoadProblem => ({ kind: 'missing', message });
export const staleFile = (message: string): LoadProblem => ({ kind: 'stale', message });
export const damagedFile = (message: string): LoadProblem => ({ kind: 'damaged', message });

/** The problem of a file whose read failed: missing when it does not exist, else damaged. */
export function unreadableFile(error: unknown, missingMessage?: string): LoadProblem {
  return (error as NodeJS.ErrnoException).code === 'ENOENT' ? missingFile(missingMessage) : damagedFile((error as Error).message);
}
