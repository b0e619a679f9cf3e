import './lance-log-level.js';
// Types only at the top: the native module loads on the first connection, so a server whose
// derived files match its manifest never pays for it (≈ 0.3 s of CPU at start).
import type * as lancedb from '@lancedb/lancedb';
import { isAscii } from 'node:buffer';
import { access } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { LRUCache } from 'lru-cache';
import { type Data, type DataType, type FixedSizeList, type List, type Schema, type Table, tableFromIPC, type Utf8 } from 'apache-arrow';
import { PaperscopeError } from '../../core/errors.js';
import { uncountedBuffer } from '../../core/uncounted-buffer.js';
import type { EmbedderInfo } from '../embed/types.js';
import type { Paper } from '../parse/paper.js';
import type { DataDirLayout } from './files.js';
import { datasetUpTo, localVersions } from './version-fallback.js';

const TABLE_NAME = 'papers';
/** How many older versions a reader tries when the one it wants cannot be read. */
const MAX_FALLBACK_VERSIONS = 20;
/** Metadata key of the vector column: the embedder and its fitted state, so a lost manifest can be rebuilt. */
const EMBEDDER_KEY = 'paperscope.embedder';

// LanceDB loads apache-arrow with require(): batches built with that same copy pass its instanceof
// checks as they are, while objects of the ESM copy go through a sanitizer that rebuilds them. It is
// required when first written with: `serve` only reads, and the CommonJS copy's ≈ 150 files cost 0.1 s.
let loadedArrow: typeof import('apache-arrow') | undefined;
function lanceArrow(): typeof import('apache-arrow') {
  loadedArrow ??= createRequire(import.meta.url)('apache-arrow') as typeof import('apache-arrow');
  return loadedArrow;
}

/** A paper as stored: its parsed fields, the hash of its content and its vector. */
export interface StoredPaper extends Omit<Paper, 'source'> {
  sourceFile: string;
  sourceLine: number;
  contentHash: string;
  vector: Float32Array;
}

/** The schema of the records columns: every column but the vector. */
function recordSchema(): Schema {
  const arrow = lanceArrow();
  const text = (name: string, nullable = false) => new arrow.Field(name, new arrow.Utf8(), nullable);
  return new arrow.Schema([
    text('id'),
    text('title'),
    text('abstract'),
    new arrow.Field('authors', new arrow.List(new arrow.Field('item', new arrow.Utf8(), true)), false),
    new arrow.Field('authors_count', new arrow.Int32(), true),
    text('organization', true),
    text('date', true),
    new arrow.Field('upvotes', new arrow.Int32(), false),
    text('url', true),
    new arrow.Field('categories', new arrow.List(new arrow.Field('item', new arrow.Utf8(), true)), false),
    text('source_file'),
    new arrow.Field('source_line', new arrow.Int32(), false),
    text('content_hash'),
  ]);
}

function paperSchema(dimension: number): Schema {
  const arrow = lanceArrow();
  const vector = new arrow.Field('vector', new arrow.FixedSizeList(dimension, new arrow.Field('item', new arrow.Float32(), true)), false);
  return new arrow.Schema([...recordSchema().fields, vector]);
}

/** The field of a stored paper that each column holds, but for the vector. */
const COLUMN_FIELDS = {
  id: 'id',
  title: 'title',
  abstract: 'abstract',
  authors: 'authors',
  authors_count: 'authorsCount',
  organization: 'organization',
  date: 'date',
  upvotes: 'upvotes',
  url: 'url',
  categories: 'categories',
  source_file: 'sourceFile',
  source_line: 'sourceLine',
  content_hash: 'contentHash',
} as const satisfies Record<string, Exclude<keyof StoredPaper, 'vector'>>;

/**
 * Papers as one Arrow record batch, written straight into Arrow buffers: LanceDB's conversion of
 * row objects (and Arrow's generic builders) cost more than the write itself.
 */
function toArrowTable(papers: readonly StoredPaper[], schema: Schema): Table {
  const arrow = lanceArrow();
  const children = schema.fields.map((field): Data => {
    if (field.name === 'vector') return vectorData(papers, field.type as FixedSizeList);
    const key = COLUMN_FIELDS[field.name as keyof typeof COLUMN_FIELDS];
    if (!key) throw new PaperscopeError('INTERNAL', `No value for the papers table's column "${field.name}".`);
    return columnData(
      field.type,
      papers.map((paper) => paper[key]),
      (row) => `paper "${papers[row]?.id}", field "${key}"`,
    );
  });
  const batch = new arrow.RecordBatch(
    schema,
    arrow.makeData({ type: new arrow.Struct(schema.fields), length: papers.length, nullCount: 0, children }),
  );
  return new arrow.Table(schema, [batch]);
}

type ColumnValue = string | number | string[] | null;

function columnData(type: DataType, values: readonly ColumnValue[], where: (row: number) => string): Data {
  const arrow = lanceArrow();
  if (arrow.DataType.isUtf8(type)) return utf8Data(type, values as ReadonlyArray<string | null>);
  if (arrow.DataType.isInt(type)) {
    // An Int32Array would wrap a larger count silently (2147483648 → -2147483648).
    const outOfRange = values.findIndex((value) => typeof value === 'number' && (value > 2 ** 31 - 1 || value < -(2 ** 31)));
    if (outOfRange !== -1)
      throw new PaperscopeError(
        'INVALID_INPUT',
        `${where(outOfRange)}: ${values[outOfRange]} does not fit the papers table's 32-bit column.`,
        { value: values[outOfRange] },
      );
    const { nullCount, nullBitmap } = validity(values);
    return arrow.makeData({
      type,
      length: values.length,
      nullCount,
      nullBitmap,
      data: Int32Array.from(values as ReadonlyArray<number | null>, (value) => value ?? 0),
    });
  }
  if (arrow.DataType.isList(type)) {
    const lists = values as readonly string[][];
    const valueOffsets = new Int32Array(lists.length + 1);
    lists.forEach((list, row) => {
      valueOffsets[row + 1] = (valueOffsets[row] as number) + list.length;
    });
    const child = utf8Data((type as List).valueType, lists.flat());
    return arrow.makeData({ type: type as List, length: lists.length, nullCount: 0, valueOffsets, child });
  }
  throw new PaperscopeError('INTERNAL', `The papers table has a column of unexpected type ${String(type)}.`);
}

/** Strings (null where absent) as one UTF-8 buffer with offsets. */
function utf8Data(type: DataType, values: ReadonlyArray<string | null>): Data {
  const arrow = lanceArrow();
  const valueOffsets = new Int32Array(values.length + 1);
  values.forEach((value, row) => {
    valueOffsets[row + 1] = (valueOffsets[row] as number) + (value === null ? 0 : Buffer.byteLength(value));
  });
  const bytes = uncountedBuffer(valueOffsets[values.length] as number);
  values.forEach((value, row) => {
    if (value) bytes.write(value, valueOffsets[row] as number);
  });
  const { nullCount, nullBitmap } = validity(values);
  return arrow.makeData({ type: type as Utf8, length: values.length, nullCount, nullBitmap, valueOffsets, data: bytes });
}

function validity(values: readonly unknown[]): { nullCount: number; nullBitmap?: Uint8Array } {
  const nullCount = values.reduce<number>((count, value) => count + (value === null ? 1 : 0), 0);
  if (nullCount === 0) return { nullCount };
  const nullBitmap = new Uint8Array((values.length + 7) >> 3);
  values.forEach((value, row) => {
    if (value !== null) nullBitmap[row >> 3] = (nullBitmap[row >> 3] as number) | (1 << (row & 7));
  });
  return { nullCount, nullBitmap };
}

function vectorData(papers: readonly StoredPaper[], type: FixedSizeList): Data {
  const arrow = lanceArrow();
  const dimension = type.listSize;
  const flat = new Float32Array(uncountedBuffer(papers.length * dimension * Float32Array.BYTES_PER_ELEMENT).buffer);
  papers.forEach((paper, row) => {
    if (paper.vector.length !== dimension) {
      throw new PaperscopeError(
        'INDEX_MISMATCH',
        `Paper "${paper.id}" has a ${paper.vector.length}-d vector; the papers table holds ${dimension}-d ones.`,
        { id: paper.id, field: 'vector' },
      );
    }
    flat.set(paper.vector, row * dimension);
  });
  const values = arrow.makeData({ type: new arrow.Float32(), length: flat.length, nullCount: 0, data: flat });
  return arrow.makeData({ type, length: papers.length, nullCount: 0, child: values });
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
const RECORD_COLUMNS = Object.keys(COLUMN_FIELDS);

/** One chunk of an Arrow column (offsets are already sliced to the chunk, validity bits are not). */
interface ArrowData {
  readonly offset: number;
  readonly length: number;
  readonly nullCount: number;
  readonly nullBitmap?: Uint8Array;
  readonly valueOffsets?: Int32Array;
  readonly values?: Uint8Array;
  readonly children: readonly ArrowData[];
}

/** An Arrow column, read by shape since LanceDB may use its own copy of apache-arrow. */
interface ArrowColumn extends Iterable<unknown> {
  readonly data: readonly ArrowData[];
  get(index: number): unknown;
}

function isValid(data: ArrowData, index: number): boolean {
  if (data.nullCount === 0 || !data.nullBitmap) return true;
  const position = data.offset + index;
  return ((data.nullBitmap[position >> 3] as number) & (1 << (position & 7))) !== 0;
}

const utf8 = new TextDecoder();

/**
 * Row → strings of a list-of-strings column, read straight from the chunks' offsets and UTF-8
 * bytes: Arrow's `get` builds a vector per list, ~5× slower, and this runs for every shown paper.
 */
function stringListReader(column: ArrowColumn): (row: number) => string[] {
  const chunks = column.data;
  const starts = chunkStarts(chunks);
  return (row) => {
    const low = chunkOf(starts, row);
    const chunk = chunks[low];
    const local = row - (starts[low] as number);
    const items = chunk?.children[0];
    if (!chunk?.valueOffsets || !items?.valueOffsets || !items.values || !isValid(chunk, local)) return [];
    const strings: string[] = [];
    for (let item = chunk.valueOffsets[local] as number; item < (chunk.valueOffsets[local + 1] as number); item++) {
      // A null item reads as "null", as String(null) made it before.
      strings.push(
        isValid(items, item) ? utf8.decode(items.values.subarray(items.valueOffsets[item], items.valueOffsets[item + 1])) : 'null',
      );
    }
    return strings;
  };
}

/** A paper's fields that serving reads per shown paper, not per paper in the index: the bulk of its text. */
export type PaperDetails = Pick<PaperRecord, 'abstract' | 'authors' | 'categories' | 'organization' | 'url' | 'sourceFile'>;
/** A paper without its vector and its `PaperDetails`: what serving keeps decoded in memory. */
export type PaperBrief = Omit<PaperRecord, keyof PaperDetails>;

/**
 * Every paper's brief, plus its details left in Arrow's UTF-8 buffers and decoded on each call:
 * decoding 100k abstracts into strings was a second of a server's start and ~100 MB of heap.
 */
export interface PaperRecords {
  briefs: PaperBriefs;
  /** The details of the paper in row `row` of `briefs`. */
  details(row: number): PaperDetails;
  /** Releases the file the details are read from, when they are read from one (the records file). */
  close?(): Promise<void>;
}

/** Briefs kept made, the most recently asked for. */
const RECENT_BRIEFS = 4_096;

/** A column of the briefs, row → value. */
type BriefColumn<T> = (row: number) => T;

/**
 * The papers' briefs, each made when asked for (`at`) from its columns; the ids are decoded at once
 * (a server compares them with every index's). A million brief objects, their titles, dates and
 * hashes made at a server's start cost ≈ 4 s of CPU here (most of it the collector's), for a search
 * that shows ten.
 */
export class PaperBriefs {
  readonly ids: readonly string[];
  readonly #title: BriefColumn<string>;
  readonly #authorsCount: BriefColumn<number | null>;
  readonly #date: BriefColumn<string | null>;
  readonly #upvotes: BriefColumn<number>;
  readonly #sourceLine: BriefColumn<number>;
  readonly #contentHash: BriefColumn<string>;
  /** Briefs made lately: searches show the same papers again and again, and a brief costs ≈ 4 µs to make. */
  readonly #recent = new LRUCache<number, PaperBrief>({ max: RECENT_BRIEFS });

  constructor(
    ids: readonly string[],
    columns: {
      title: BriefColumn<string>;
      authorsCount: BriefColumn<number | null>;
      date: BriefColumn<string | null>;
      upvotes: BriefColumn<number>;
      sourceLine: BriefColumn<number>;
      contentHash: BriefColumn<string>;
    },
  ) {
    this.ids = ids;
    this.#title = columns.title;
    this.#authorsCount = columns.authorsCount;
    this.#date = columns.date;
    this.#upvotes = columns.upvotes;
    this.#sourceLine = columns.sourceLine;
    this.#contentHash = columns.contentHash;
  }

  /** Briefs already made (a caller that has them, tests). */
  static of(briefs: readonly PaperBrief[]): PaperBriefs {
    const field =
      <K extends keyof PaperBrief>(key: K) =>
      (row: number) =>
        (briefs[row] as PaperBrief)[key];
    return new PaperBriefs(
      briefs.map(({ id }) => id),
      {
        title: field('title'),
        authorsCount: field('authorsCount'),
        date: field('date'),
        upvotes: field('upvotes'),
        sourceLine: field('sourceLine'),
        contentHash: field('contentHash'),
      },
    );
  }

  get length(): number {
    return this.ids.length;
  }

  /** The brief of row `row` (shared with other callers: not to be changed), undefined past the papers. */
  at(row: number): PaperBrief | undefined {
    const id = this.ids[row];
    if (id === undefined) return undefined;
    let brief = this.#recent.get(row);
    if (brief === undefined) {
      brief = this.#make(row, id);
      this.#recent.set(row, brief);
    }
    return brief;
  }

  #make(row: number, id: string): PaperBrief {
    return {
      id,
      title: this.#title(row),
      authorsCount: this.#authorsCount(row),
      date: this.#date(row),
      upvotes: this.#upvotes(row),
      sourceLine: this.#sourceLine(row),
      contentHash: this.#contentHash(row),
    };
  }

  /** A row's title alone. */
  title(row: number): string {
    return this.#title(row);
  }

  /** A row's content hash alone (the sentence index is checked against every paper's). */
  contentHash(row: number): string {
    return this.#contentHash(row);
  }

  /** A row's date alone (filters and sorts read it for many papers). */
  date(row: number): string | null {
    return this.#date(row);
  }

  /** A row's upvotes alone. */
  upvotes(row: number): number {
    return this.#upvotes(row);
  }

  /** Every brief, made now: for the indexer's passes over all papers. */
  all(): PaperBrief[] {
    return this.ids.map((id, row) => this.#make(row, id));
  }
}

function briefsFromColumns(column: (name: string) => ArrowColumn): PaperBriefs {
  const read = (name: string) => columnReader(column(name));
  const [titles, authorsCounts, dates, upvotes, sourceLines, hashes] = [
    'title',
    'authors_count',
    'date',
    'upvotes',
    'source_line',
    'content_hash',
  ].map(read) as BriefColumn<unknown>[];
  return new PaperBriefs(
    columnValues(column('id')).map((id) => String(id)),
    {
      title: (row) => String(titles?.(row)),
      authorsCount: (row) => {
        const value = authorsCounts?.(row);
        return value == null ? null : Number(value);
      },
      date: (row) => {
        const value = dates?.(row);
        return value == null ? null : String(value);
      },
      upvotes: (row) => Number(upvotes?.(row)),
      sourceLine: (row) => Number(sourceLines?.(row)),
      contentHash: (row) => String(hashes?.(row)),
    },
  );
}

function detailsFromColumns(column: (name: string) => ArrowColumn): (row: number) => PaperDetails {
  const [abstracts, organizations, urls, sourceFiles] = ['abstract', 'organization', 'url', 'source_file'].map(column) as ArrowColumn[];
  const [authors, categories] = [stringListReader(column('authors')), stringListReader(column('categories'))];
  const text = (value: unknown) => (value == null ? null : String(value));
  return (row) => ({
    abstract: String(abstracts?.get(row)),
    authors: authors(row),
    categories: categories(row),
    organization: text(organizations?.get(row)),
    url: text(urls?.get(row)),
    sourceFile: String(sourceFiles?.get(row)),
  });
}

/** An Arrow table, read by shape: LanceDB and the records file hand back different copies of apache-arrow. */
export interface ArrowTableLike {
  readonly numRows: number;
  getChild(name: string): ArrowColumn | null;
}

/** The records of an Arrow table with the record columns; `source` names it in errors. */
export function recordsFromArrow(table: ArrowTableLike, source: string): PaperRecords {
  const column = (name: string) => requiredColumn(table, name, source);
  return { briefs: briefsFromColumns(column), details: detailsFromColumns(column) };
}

function requiredColumn(table: ArrowTableLike, name: string, source: string): ArrowColumn {
  const found = table.getChild(name);
  if (!found) throw new PaperscopeError('INDEX_MISMATCH', `${source} has no column "${name}"; rebuild with --reembed.`);
  return found;
}

/** The columns of a `PaperBrief`. */
const BRIEF_COLUMNS = ['id', 'title', 'authors_count', 'date', 'upvotes', 'source_line', 'content_hash'];

/** The papers' briefs as an Arrow IPC file (the records file keeps the details apart, read per paper). */
export function briefsToArrowFile(papers: readonly StoredPaper[]): Uint8Array {
  const arrow = lanceArrow();
  const schema = new arrow.Schema(recordSchema().fields.filter((field) => BRIEF_COLUMNS.includes(field.name)));
  return arrow.tableToIPC(toArrowTable(papers, schema), 'file');
}

/** The briefs of an Arrow table with the brief columns; `source` names it in errors. */
export function briefsFromArrow(table: ArrowTableLike, source: string): PaperBriefs {
  return briefsFromColumns((name) => requiredColumn(table, name, source));
}

/** The first row of each chunk, then the row after the last. */
function chunkStarts(chunks: readonly ArrowData[]): number[] {
  const starts = [0];
  for (const chunk of chunks) starts.push((starts[starts.length - 1] as number) + chunk.length);
  return starts;
}

/** The chunk that holds `row`. */
function chunkOf(starts: readonly number[], row: number): number {
  let low = 0;
  let high = starts.length - 2;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if ((starts[middle] as number) <= row) low = middle;
    else high = middle - 1;
  }
  return low;
}

/**
 * Row → value of a column (null where null), read from its chunk's buffers on each call where they
 * are UTF-8 text or 32-bit integers, as `columnValues` reads them; other shapes are decoded at once.
 */
function columnReader(column: ArrowColumn): (row: number) => unknown {
  const chunks = column.data;
  const readers = chunks.map(chunkReader);
  if (!readers.every((reader) => reader !== undefined)) {
    const values = Array.from(column);
    return (row) => values[row];
  }
  const starts = chunkStarts(chunks);
  return (row) => {
    const index = chunkOf(starts, row);
    return (readers[index] as (local: number) => unknown)(row - (starts[index] as number));
  };
}

function asciiBetween(bytes: Uint8Array, start: number, end: number): boolean {
  for (let at = start; at < end; at++) if ((bytes[at] as number) >= 0x80) return false;
  return true;
}

function chunkReader(chunk: ArrowData): ((row: number) => unknown) | undefined {
  const { valueOffsets: offsets, values: bytes } = chunk;
  if (offsets instanceof Int32Array && bytes instanceof Uint8Array && chunk.children.length === 0) {
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    // ASCII text (ids, dates, hashes, most titles) is read as Latin-1, the same string as UTF-8 gives
    // and several times cheaper per value than the decoder.
    let ascii: boolean | undefined;
    return (row) => {
      if (!isValid(chunk, row)) return null;
      const start = offsets[row] as number;
      const end = offsets[row + 1] as number;
      ascii ??= isAscii(bytes);
      return ascii || asciiBetween(bytes, start, end) ? text.toString('latin1', start, end) : utf8.decode(bytes.subarray(start, end));
    };
  }
  if (offsets === undefined && (chunk.values as unknown) instanceof Int32Array) {
    const numbers = chunk.values as unknown as Int32Array;
    return (row) => (isValid(chunk, row) ? numbers[row] : null);
  }
  return undefined;
}

/**
 * A column's values (null where null), read from its chunks' buffers where they are UTF-8 text or
 * 32-bit integers: Arrow's iterator calls a visitor per value, which was most of reading 100k
 * briefs at a server's start. Other shapes (LanceDB's 64-bit offsets) go through the iterator.
 */
function columnValues(column: ArrowColumn): unknown[] {
  const values: unknown[] = [];
  for (const chunk of column.data) {
    const { valueOffsets: offsets, values: bytes, length } = chunk;
    if (offsets instanceof Int32Array && bytes instanceof Uint8Array && chunk.children.length === 0) {
      // Pure ASCII text (ids, dates, hashes, most titles) is decoded once and sliced.
      const whole = isAscii(bytes) ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1') : undefined;
      for (let row = 0; row < length; row++) {
        if (!isValid(chunk, row)) values.push(null);
        else if (whole !== undefined) values.push(whole.slice(offsets[row], offsets[row + 1]));
        else values.push(utf8.decode(bytes.subarray(offsets[row], offsets[row + 1])));
      }
    } else if (offsets === undefined && (chunk.values as unknown) instanceof Int32Array) {
      const numbers = chunk.values as unknown as Int32Array;
      for (let row = 0; row < length; row++) values.push(isValid(chunk, row) ? numbers[row] : null);
    } else return Array.from(column);
  }
  return values;
}

/** Reads an Arrow IPC file written by `recordsToArrowFile` (its buffers are used in place). */
export function arrowFileTable(bytes: Uint8Array): ArrowTableLike {
  // The ES module copy: read by shape, it need not be LanceDB's, and the CLI's bundle holds only its reader.
  return tableFromIPC(bytes);
}

/** The gist of an error: its first line, without the Rust source locations LanceDB appends. */
function firstLine(error: unknown): string {
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
  return message.replace(/,\s*\/\S+\.rs:\d+:\d+.*$/, '');
}

function unreadableVersion(layout: Pick<DataDirLayout, 'database'>, which: string, cause: unknown): PaperscopeError {
  return new PaperscopeError(
    'INDEX_DAMAGED',
    `The ${which} version of the papers table in ${layout.database} cannot be read: ${firstLine(cause)}. Its version file (in papers.lance/_versions) is cut short or damaged; restore it from a backup, or move it aside to go back to the version before.`,
    { table: layout.database },
    { cause },
  );
}

async function connect(layout: DataDirLayout): Promise<lancedb.Connection> {
  const { connect: open } = await import('@lancedb/lancedb');
  return open(layout.database, layout.storageOptions ? { storageOptions: layout.storageOptions } : undefined);
}

async function connectTo(database: string): Promise<lancedb.Connection> {
  const { connect: open } = await import('@lancedb/lancedb');
  return open(database);
}

/** The LanceDB table of papers: the source of truth from which every other index is rebuilt. */
export class PapersTable {
  readonly #table: lancedb.Table;
  /** The database folder or URI, to name in errors. */
  readonly #where: string;

  private constructor(table: lancedb.Table, where: string) {
    this.#table = table;
    this.#where = where;
  }

  /** Opens the table, creating it for `dimension`-d vectors when `dimension` is given. */
  static async open(layout: DataDirLayout, dimension?: number): Promise<PapersTable | undefined> {
    const database = await connect(layout);
    // Opened by name rather than looked up in tableNames(): listing a prefix is the one call some
    // S3-compatible servers get wrong, and a table that is there must always open.
    try {
      return new PapersTable(await database.openTable(TABLE_NAME), layout.database);
    } catch (error) {
      if (!(error instanceof Error && /was not found/.test(error.message))) throw unreadableVersion(layout, 'newest', error);
    }
    // Only when missing: creating with existOk compares schemas, and the stored one carries metadata.
    return dimension === undefined
      ? undefined
      : new PapersTable(await database.createEmptyTable(TABLE_NAME, paperSchema(dimension), { existOk: true }), layout.database);
  }

  /**
   * Opens the table to read it at `version` (default: the newest). When the newest version's file
   * is cut short, zero-filled or otherwise unreadable, the newest older one that reads is opened
   * instead (read-only), with a warning; when `version` itself is gone (pruned), the newest.
   * Undefined when there is no table.
   */
  static async openForReading(
    layout: DataDirLayout,
    options: { version?: number; onWarning: (message: string) => void },
  ): Promise<PapersTable | undefined> {
    const { version, onWarning } = options;
    const database = await connect(layout);
    let problem: unknown;
    try {
      const latest = new PapersTable(await database.openTable(TABLE_NAME), layout.database);
      if (await latest.#isSound()) {
        if (version === undefined || (await latest.version()) === version) return latest;
        try {
          await latest.checkout(version);
          return latest;
        } catch (error) {
          onWarning(`Reading the latest papers table: version ${version} of the manifest could not be opened (${firstLine(error)})`);
          return latest;
        }
      }
      problem = new Error('its newest version file holds no schema (zero-filled or damaged)');
    } catch (error) {
      if (error instanceof Error && /was not found/.test(error.message)) return undefined;
      problem = error;
    }
    // Lance opens no version, not even an older one, past a damaged newest one: on a local data dir
    // each older version is opened through a view that lists only the versions up to it.
    const candidates = layout.storageOptions
      ? []
      : (await localVersions(path.join(layout.database, `${TABLE_NAME}.lance`))).slice(1, 1 + MAX_FALLBACK_VERSIONS);
    for (const { version: candidate } of candidates) {
      const older = await connectTo(await datasetUpTo(layout.database, TABLE_NAME, candidate))
        .then((view) => view.openTable(TABLE_NAME))
        .then((table) => new PapersTable(table, layout.database))
        .catch(() => undefined);
      if (older && (await older.#isSound())) {
        onWarning(
          `The newest version of the papers table in ${layout.database} cannot be read (${firstLine(problem)}); reading version ${candidate} instead. Run "paperscope check" to see what is damaged.`,
        );
        return older;
      }
    }
    throw unreadableVersion(layout, 'newest', problem);
  }

  /** A version whose file is zero-filled opens with no columns at version 0: it is not a table. */
  async #isSound(): Promise<boolean> {
    try {
      return (await this.#table.version()) > 0 && (await this.#table.schema()).fields.some((field) => field.name === 'vector');
    } catch {
      return false;
    }
  }

  /**
   * False only when the data dir is local and has no LanceDB folder at all, so surely no table: known
   * without loading LanceDB's native module (≈ 0.2–0.3 s of CPU).
   */
  static async mayExist(layout: DataDirLayout): Promise<boolean> {
    if (layout.storageOptions !== undefined || layout.database.includes('://')) return true;
    return access(layout.database).then(
      () => true,
      () => false,
    );
  }

  /** Deletes every row, keeping older versions recoverable: used when re-embedding. */
  static async recreate(layout: DataDirLayout, dimension: number): Promise<PapersTable> {
    const database = await connect(layout);
    const table = await database.createEmptyTable(TABLE_NAME, paperSchema(dimension), { mode: 'overwrite' });
    return new PapersTable(table, layout.database);
  }

  async dimension(): Promise<number> {
    const schema = await this.#table.schema();
    const vector = schema.fields.find((field) => field.name === 'vector');
    // Checked by shape: LanceDB may hand back types from its own copy of apache-arrow.
    const listSize = (vector?.type as { listSize?: unknown } | undefined)?.listSize;
    if (typeof listSize !== 'number') {
      if (!(await this.#isSound()))
        throw unreadableVersion(
          { database: this.#where },
          'newest',
          new Error('its version file holds no schema (zero-filled or damaged)'),
        );
      throw new PaperscopeError('INDEX_MISMATCH', 'The papers table has no vector column; rebuild with --reembed.');
    }
    return listSize;
  }

  /**
   * Records which embedder (and fitted state) made the vectors, in the vector column's metadata:
   * the table then describes itself, and a missing manifest.json is rebuilt from it.
   */
  async recordEmbedder(embedder: EmbedderInfo, embedderState: unknown): Promise<void> {
    await this.#table.updateFieldMetadata([{ path: 'vector', metadata: { [EMBEDDER_KEY]: JSON.stringify({ embedder, embedderState }) } }]);
  }

  /** What `recordEmbedder` stored (unchecked JSON), or undefined for a table made by an older version. */
  async recordedEmbedder(): Promise<unknown> {
    const schema = await this.#table.schema();
    const text = schema.fields.find((field) => field.name === 'vector')?.metadata?.get(EMBEDDER_KEY);
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return undefined;
    }
  }

  async version(): Promise<number> {
    return this.#table.version();
  }

  /**
   * Compacts the table once it holds more than `maxSmallFragments` small fragments (each write adds
   * some), pruning the versions older than `pruneBefore` as it does; returns what was done, or
   * undefined when the table did not need it. The current version is never pruned.
   */
  async compact(options: {
    maxSmallFragments: number;
    pruneBefore: Date;
  }): Promise<{ fragmentsRemoved: number; versionsRemoved: number } | undefined> {
    const { fragmentStats } = await this.#table.stats();
    if (fragmentStats.numSmallFragments <= options.maxSmallFragments) return undefined;
    const { compaction, prune } = await this.#table.optimize({ cleanupOlderThan: options.pruneBefore });
    return { fragmentsRemoved: compaction.fragmentsRemoved, versionsRemoved: prune.oldVersionsRemoved };
  }

  /** How many versions the table keeps. */
  async versionCount(): Promise<number> {
    return (await this.#table.listVersions()).length;
  }

  /** Reads the table as it was at `version` from now on (LanceDB keeps every version until pruned). */
  async checkout(version: number): Promise<void> {
    await this.#table.checkout(version);
  }

  async count(): Promise<number> {
    return this.#table.countRows();
  }

  /** id → content hash of every stored paper, without reading vectors. */
  async contentHashes(): Promise<Map<string, string>> {
    const rows = await this.#reading('the content hashes', () => this.#table.query().select(['id', 'content_hash']).toArray());
    return new Map(rows.map((row: Record<string, unknown>) => [String(row.id), String(row.content_hash)]));
  }

  /** id → title of the stored papers among `ids`, which must be slugs (letters, digits, hyphens). */
  async titlesOf(ids: readonly string[]): Promise<Map<string, string>> {
    const slugs = ids.filter((id) => /^[a-z0-9-]+$/.test(id));
    if (slugs.length === 0) return new Map();
    const rows = await this.#table
      .query()
      .where(`id IN (${slugs.map((id) => `'${id}'`).join(', ')})`)
      .select(['id', 'title'])
      .toArray();
    return new Map(rows.map((row: Record<string, unknown>) => [String(row.id), String(row.title)]));
  }

  /** Deletes the papers with these ids (one committed version). */
  async deleteIds(ids: readonly string[]): Promise<void> {
    await this.#table.delete(`id IN (${ids.map((id) => `'${id.replace(/'/g, "''")}'`).join(', ')})`);
  }

  /** Every paper without its vector, read column by column from Arrow (no per-row objects from LanceDB). */
  async readRecords(): Promise<PaperRecords> {
    const table = await this.#reading('the papers', () => this.#table.query().select(RECORD_COLUMNS).toArrow());
    return recordsFromArrow(table as unknown as ArrowTableLike, 'The papers table');
  }

  async readAll(): Promise<StoredPaper[]> {
    const rows = await this.#reading('the papers and their vectors', () => this.#table.query().toArray());
    return rows.map((row: Record<string, unknown>) => fromRow(row));
  }

  /**
   * Inserts or updates papers by id. Each batch is one committed table version, so a crash
   * loses at most the batch in flight and never duplicates a paper. Into an empty table the
   * batches are appended, which skips the merge's lookup of existing ids.
   */
  async upsert(papers: readonly StoredPaper[], batchSize = 1000, onBatch?: (written: number) => void): Promise<void> {
    const schema = paperSchema(await this.dimension());
    const empty = (await this.#table.countRows()) === 0 && new Set(papers.map((paper) => paper.id)).size === papers.length;
    for (let start = 0; start < papers.length; start += batchSize) {
      const batch = toArrowTable(papers.slice(start, start + batchSize), schema);
      if (empty) await this.#table.add(batch);
      else
        await this.#reading('the papers to merge into', () =>
          this.#table.mergeInsert('id').whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(batch),
        );
      onBatch?.(Math.min(start + batchSize, papers.length));
    }
  }

  /**
   * Runs a read of the table, turning a failure inside LanceDB (a data file deleted, cut short or
   * garbled) into one INDEX_DAMAGED error that names the table and what to do.
   */
  async #reading<T>(what: string, read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (error) {
      throw new PaperscopeError(
        'INDEX_DAMAGED',
        `Could not read ${what} of the papers table in ${this.#where} (version ${await this.#table.version().catch(() => '?')}): a data file is missing or damaged (${(error as Error).message.split('\n')[0]}). Run "paperscope check" to see what is affected.`,
        { table: this.#where },
        { cause: error },
      );
    }
  }
}
