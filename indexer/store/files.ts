import { createHash, randomBytes } from 'node:crypto';
import { open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';

/** The data directory's layout: no other module builds paths inside it. */
export interface DataDirLayout {
  root: string;
  /** LanceDB database folder; the table `papers` lives inside it. */
  database: string;
  manifest: string;
  annIndex: string;
  annMeta: string;
  lexical: string;
  topics: string;
  /** Abstract sentences: offsets, calibration and BM25 as JSON, vectors as raw Float32. */
  sentences: string;
  sentenceVectors: string;
  lock: string;
}

export function dataDirLayout(root: string): DataDirLayout {
  const resolved = path.resolve(root);
  return {
    root: resolved,
    database: path.join(resolved, 'lancedb'),
    manifest: path.join(resolved, 'manifest.json'),
    annIndex: path.join(resolved, 'papers.hnsw'),
    annMeta: path.join(resolved, 'papers.hnsw.json'),
    lexical: path.join(resolved, 'lexical.json'),
    topics: path.join(resolved, 'topics.json'),
    sentences: path.join(resolved, 'sentences.json'),
    sentenceVectors: path.join(resolved, 'sentences.f32'),
    lock: path.join(resolved, 'index.lock'),
  };
}

/** A sibling temporary path, so the final rename stays on one file system. */
export function temporaryPathFor(target: string): string {
  return `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
}

/** The pid of the process that made a temporary file named by `temporaryPathFor`, if it is one. */
export function temporaryFileOwner(name: string): number | undefined {
  const match = /\.(\d+)\.[0-9a-f]{8}\.tmp$/.exec(name);
  return match ? Number(match[1]) : undefined;
}

/**
 * Replaces `target` with the bytes produced by `write` only once they are on disk: a crash
 * leaves either the old file or the new one, never half of one.
 */
export async function replaceFileAtomically(target: string, write: (temporaryPath: string) => Promise<void>): Promise<void> {
  const temporary = temporaryPathFor(target);
  try {
    await write(temporary);
    const handle = await open(temporary, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

export async function writeJsonAtomically(target: string, value: unknown): Promise<void> {
  await replaceFileAtomically(target, async (temporary) => {
    const handle = await open(temporary, 'w');
    try {
      await handle.writeFile(JSON.stringify(value));
    } finally {
      await handle.close();
    }
  });
}

/** Reads JSON, returning undefined when the file does not exist. */
export async function readJsonIfPresent(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return JSON.parse(text) as unknown;
}

export async function sha256OfFile(file: string): Promise<string> {
  return createHash('sha256').update(await readFile(file)).digest('hex');
}
