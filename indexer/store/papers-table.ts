import './lance-log-level.js';
import * as lancedb from '@lancedb/lancedb';
import { Field, FixedSizeList, Float32, Int32, List, Schema, Utf8 } from 'apache-arrow';
import { PaperscopeError } from '../../core/errors.js';
import type { Paper } from '../parse/paper.js';
import type { DataDirLayout } from './files.js';

const TABLE_NAME = 'papers';

/** A paper as stored: its parsed fields, the hash of its content and its vector. */
export interface StoredPaper extends Omit<Paper, 'source'> {
  sourceFile: string;
  sourceLine: number;
  contentHash: string;
  vector: Float32Array;
}

function paperSchema(dimension: number): Schema {
  const text = (name: string, nullable = false) => new Field(name, new Utf8(), nullable);
  return new Schema([
    text('id'),
    text('title'),
    text('abstract'),
    new Field('authors', new List(new Field('item', new Utf8(), true)), false),
    new Field('authors_count', new Int32(), true),
    text('organization', true),
    text('date', true),
    new Field('upvotes', new Int32(), false),
    text('url', true),
    new Field('categories', new List(new Field('item', new Utf8(), true)), false),
    text('source_file'),
    new Field('source_line', new Int32(), false),
    text('content_hash'),
    new Field('vector', new FixedSizeList(dimension, new Field('item', new Float32(), true)), false),
  ]);
}

function toRow(paper: StoredPaper): Record<string, unknown> {
  return {
    id: paper.id,
    title: paper.title,
    abstract: paper.abstract,
    authors: paper.authors,
    authors_count: paper.authorsCount,
    organization: paper.organization,
    date: paper.date,
    upvotes: paper.upvotes,
    url: paper.url,
    categories: paper.categories,
    source_file: paper.sourceFile,
    source_line: paper.sourceLine,
    content_hash: paper.contentHash,
    vector: Array.from(paper.vector),
  };
}

interface ArrowListLike {
  toArray(): ArrayLike<unknown>;
}

function listOfStrings(value: unknown): string[] {
  if (value == null) return [];
  return Array.from((value as ArrowListLike).toArray(), String);
}

function fromRow(row: Record<string, unknown>): StoredPaper {
  return {
    id: String(row.id),
    title: String(row.title),
    abstract: String(row.abstract),
    authors: listOfStrings(row.authors),
    authorsCount: row.authors_count == null ? null : Number(row.authors_count),
    organization: row.organization == null ? null : String(row.organization),
    date: row.date == null ? null : String(row.date),
    upvotes: Number(row.upvotes),
    url: row.url == null ? null : String(row.url),
    categories: listOfStrings(row.categories),
    sourceFile: String(row.source_file),
    sourceLine: Number(row.source_line),
    contentHash: String(row.content_hash),
    vector: Float32Array.from((row.vector as ArrowListLike).toArray() as ArrayLike<number>),
  };
}

/** A stored paper without its vector: what serving needs in memory (the HNSW index holds the vectors). */
export type PaperRecord = Omit<StoredPaper, 'vector'>;

/** The columns of a `PaperRecord`; reading only these skips decoding the vector column. */
const RECORD_COLUMNS = ['id', 'title', 'abstract', 'authors', 'authors_count', 'organization', 'date', 'upvotes', 'url', 'categories', 'source_file', 'source_line', 'content_hash'];

/** An Arrow column, read by shape since LanceDB may use its own copy of apache-arrow. */
interface ArrowColumn extends Iterable<unknown> {
  readonly data: ReadonlyArray<{ offset: number; length: number; valueOffsets?: Int32Array }>;
  getChildAt(index: number): ArrowColumn | null;
}

const LIST_COLUMNS = new Set(['authors', 'categories']);

/**
 * A list-of-strings column decoded from its flat values and offsets: ~7× faster than iterating
 * rows, which builds a vector object per row.
 */
function stringLists(column: ArrowColumn): string[][] {
  const values = Array.from(column.getChildAt(0) ?? [], String);
  const lists: string[][] = [];
  let base = 0;
  for (const { offset, length, valueOffsets } of column.data) {
    if (!valueOffsets) throw new PaperscopeError('INDEX_MISMATCH', 'The papers table has a list column without offsets; rebuild with --reembed.');
    const first = valueOffsets[offset] as number;
    for (let row = 0; row < length; row++) {
      lists.push(values.slice(base + (valueOffsets[offset + row] as number) - first, base + (valueOffsets[offset + row + 1] as number) - first));
    }
    base += (valueOffsets[offset + length] as number) - first;
  }
  return lists;
}

function recordsFromColumns(column: (name: string) => unknown[]): PaperRecord[] {
  const [ids, titles, abstracts, authors, authorsCounts, organizations, dates, upvotes, urls, categories, sourceFiles, sourceLines, hashes] =
    RECORD_COLUMNS.map(column) as unknown[][];
  return (ids as unknown[]).map((id, row) => ({
    id: String(id),
    title: String(titles?.[row]),
    abstract: String(abstracts?.[row]),
    authors: (authors?.[row] as string[] | undefined) ?? [],
    authorsCount: authorsCounts?.[row] == null ? null : Number(authorsCounts[row]),
    organization: organizations?.[row] == null ? null : String(organizations[row]),
    date: dates?.[row] == null ? null : String(dates[row]),
    upvotes: Number(upvotes?.[row]),
    url: urls?.[row] == null ? null : String(urls[row]),
    categories: (categories?.[row] as string[] | undefined) ?? [],
    sourceFile: String(sourceFiles?.[row]),
    sourceLine: Number(sourceLines?.[row]),
    contentHash: String(hashes?.[row]),
  }));
}

/** The LanceDB table of papers: the source of truth from which every other index is rebuilt. */
export class PapersTable {
  readonly #table: lancedb.Table;

  private constructor(table: lancedb.Table) {
    this.#table = table;
  }

  /** Opens the table, creating it for `dimension`-d vectors when `dimension` is given. */
  static async open(layout: DataDirLayout, dimension?: number): Promise<PapersTable | undefined> {
    const database = await lancedb.connect(layout.database);
    const names = await database.tableNames();
    if (names.includes(TABLE_NAME)) return new PapersTable(await database.openTable(TABLE_NAME));
    if (dimension === undefined) return undefined;
    return new PapersTable(await database.createEmptyTable(TABLE_NAME, paperSchema(dimension)));
  }

  /** Deletes every row, keeping older versions recoverable: used when re-embedding. */
  static async recreate(layout: DataDirLayout, dimension: number): Promise<PapersTable> {
    const database = await lancedb.connect(layout.database);
    const table = await database.createEmptyTable(TABLE_NAME, paperSchema(dimension), { mode: 'overwrite' });
    return new PapersTable(table);
  }

  async dimension(): Promise<number> {
    const schema = await this.#table.schema();
    const vector = schema.fields.find((field) => field.name === 'vector');
    // Checked by shape: LanceDB may hand back types from its own copy of apache-arrow.
    const listSize = (vector?.type as { listSize?: unknown } | undefined)?.listSize;
    if (typeof listSize !== 'number') {
      throw new PaperscopeError('INDEX_MISMATCH', 'The papers table has no vector column; rebuild with --reembed.');
    }
    return listSize;
  }

  async version(): Promise<number> {
    return this.#table.version();
  }

  async count(): Promise<number> {
    return this.#table.countRows();
  }

  /** id → content hash of every stored paper, without reading vectors. */
  async contentHashes(): Promise<Map<string, string>> {
    const rows = await this.#table.query().select(['id', 'content_hash']).toArray();
    return new Map(rows.map((row: Record<string, unknown>) => [String(row.id), String(row.content_hash)]));
  }

  /** Every paper without its vector, read column by column from Arrow (no per-row objects from LanceDB). */
  async readRecords(): Promise<PaperRecord[]> {
    const table = (await this.#table.query().select(RECORD_COLUMNS).toArrow()) as unknown as { getChild(name: string): ArrowColumn | null };
    return recordsFromColumns((name) => {
      const column = table.getChild(name);
      if (!column) throw new PaperscopeError('INDEX_MISMATCH', `The papers table has no column "${name}"; rebuild with --reembed.`);
      return LIST_COLUMNS.has(name) ? stringLists(column) : Array.from(column);
    });
  }

  async readAll(): Promise<StoredPaper[]> {
    const rows = await this.#table.query().toArray();
    return rows.map((row: Record<string, unknown>) => fromRow(row));
  }

  /**
   * Inserts or updates papers by id. Each batch is one committed table version, so a crash
   * loses at most the batch in flight and never duplicates a paper.
   */
  async upsert(papers: readonly StoredPaper[], batchSize = 1000, onBatch?: (written: number) => void): Promise<void> {
    for (let start = 0; start < papers.length; start += batchSize) {
      const batch = papers.slice(start, start + batchSize);
      await this.#table.mergeInsert('id').whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(batch.map(toRow));
      onBatch?.(Math.min(start + batchSize, papers.length));
    }
  }
}
