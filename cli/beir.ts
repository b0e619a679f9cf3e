import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PaperscopeError } from '../core/errors.js';

/** A BEIR dataset split: the corpus as papers, and the split's queries with their relevant documents. */
export interface BeirSplit {
  corpus: Array<{ id: string; title: string; abstract: string }>;
  queries: Array<{ id: string; text: string; judgments: Map<string, number> }>;
}

/**
 * Reads a BEIR folder (`corpus.jsonl` with `_id`/`title`/`text`, `queries.jsonl` with `_id`/`text`,
 * `qrels/<split>.tsv` with a header then `query-id corpus-id score`). Only queries judged in the split
 * are returned; a malformed line is an INVALID_INPUT naming the file and the line.
 * @example const { corpus, queries } = await readBeirSplit('datasets/scifact', 'test');
 */
export async function readBeirSplit(dir: string, split: string): Promise<BeirSplit> {
  const qrelsFile = path.join(dir, 'qrels', `${split}.tsv`);
  const judged = new Map<string, Map<string, number>>();
  for (const [index, line] of (await readText(qrelsFile)).split(/\r?\n/).entries()) {
    if (index === 0 || !line.trim()) continue;
    const [queryId, docId, score] = line.split('\t');
    const grade = Number(score);
    if (!queryId || !docId || !Number.isFinite(grade)) throw malformed(qrelsFile, index + 1, 'expected "query-id<TAB>corpus-id<TAB>score"');
    if (grade <= 0) continue;
    const judgments = judged.get(queryId) ?? new Map<string, number>();
    judgments.set(docId, grade);
    judged.set(queryId, judgments);
  }
  const corpus = jsonLines(path.join(dir, 'corpus.jsonl'), await readText(path.join(dir, 'corpus.jsonl'))).map(({ record }) => ({
    id: String(record._id),
    title: String(record.title ?? ''),
    abstract: String(record.text ?? ''),
  }));
  const queries = jsonLines(path.join(dir, 'queries.jsonl'), await readText(path.join(dir, 'queries.jsonl'))).flatMap(({ record }) => {
    const judgments = judged.get(String(record._id));
    return judgments ? [{ id: String(record._id), text: String(record.text ?? ''), judgments }] : [];
  });
  if (queries.length === 0)
    throw new PaperscopeError('INVALID_INPUT', `No query of ${path.join(dir, 'queries.jsonl')} is judged in ${qrelsFile}`, {
      file: qrelsFile,
    });
  return { corpus, queries };
}

/** Writes the corpus as JSONL the indexer reads (`id`, `title`, `abstract`). */
export async function writeBeirCorpus(file: string, corpus: BeirSplit['corpus']): Promise<void> {
  await writeFile(file, `${corpus.map((paper) => JSON.stringify(paper)).join('\n')}\n`);
}

/**
 * Writes the corpus where the indexer reads it, in a scratch folder, and runs `use` with that file
 * and the data dir to index into: `keepIndex` when given (kept, so a later run only re-reads it),
 * else one in the scratch folder. The scratch folder is removed afterwards.
 */
export async function withBeirIndex<T>(
  beir: BeirSplit,
  keepIndex: string | undefined,
  use: (corpusFile: string, dataDir: string) => Promise<T>,
): Promise<T> {
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'paperscope-beir-'));
  try {
    const corpusFile = path.join(scratch, 'corpus.jsonl');
    await writeBeirCorpus(corpusFile, beir.corpus);
    return await use(corpusFile, keepIndex ?? path.join(scratch, 'index'));
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new PaperscopeError('INVALID_INPUT', `Cannot read the BEIR file ${file}: ${(error as Error).message}`, { file });
  }
}

function jsonLines(file: string, text: string): Array<{ record: Record<string, unknown> }> {
  const records: Array<{ record: Record<string, unknown> }> = [];
  for (const [index, line] of text.split(/\r?\n/).entries()) {
    if (!line.trim()) continue;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch (error) {
      throw malformed(file, index + 1, (error as Error).message);
    }
    if (typeof record !== 'object' || record === null || !('_id' in record))
      throw malformed(file, index + 1, 'expected an object with "_id"');
    records.push({ record: record as Record<string, unknown> });
  }
  return records;
}

function malformed(file: string, line: number, message: string): PaperscopeError {
  return new PaperscopeError('INVALID_INPUT', `${file}:${line}: ${message}`, { file, line });
}
