/**
 * Papers' titles and abstracts as one UTF-8 buffer in shared memory, for worker threads: a worker
 * reads a text in place when it needs it instead of receiving a copy of every one. Structured
 * cloning a million abstracts to a worker cost ≈ 1.3 GB in its heap and as much again in the
 * message, for each of the two workers that read them (the topics' labels, the related-papers view).
 */
export interface SharedTexts {
  bytes: SharedArrayBuffer;
  /** Text `i` is `bytes[offsets[i]] … bytes[offsets[i + 1]]` (f64: the buffer may pass 4 GB). */
  offsets: Float64Array;
}

/**
 * The titles and abstracts of `docs` in shared memory: text 2i is doc i's title, 2i + 1 its abstract.
 * Docs that already read their texts in place from one buffer, in its order (`SharedDoc`s of rows
 * 0, 1, …), give that buffer itself: the indexer's derived stage hands its papers, so read, to two
 * workers, and a copy for each was ≈ 1.3 GB at a million papers.
 *
 * @example docsOf(shareDocs([{ title: 'Reward noise', abstract: '…' }]))[0].title // → 'Reward noise'
 */
export function shareDocs(docs: ReadonlyArray<{ title: string; abstract: string }>): SharedTexts {
  const backing = SharedDoc.backing(docs);
  if (backing) return backing;
  const offsets = new Float64Array(new SharedArrayBuffer((docs.length * 2 + 1) * Float64Array.BYTES_PER_ELEMENT));
  let size = 0;
  docs.forEach(({ title, abstract }, doc) => {
    size += Buffer.byteLength(title);
    offsets[2 * doc + 1] = size;
    size += Buffer.byteLength(abstract);
    offsets[2 * doc + 2] = size;
  });
  const bytes = new SharedArrayBuffer(size);
  const buffer = Buffer.from(bytes);
  docs.forEach(({ title, abstract }, doc) => {
    buffer.write(title, offsets[2 * doc] as number);
    buffer.write(abstract, offsets[2 * doc + 1] as number);
  });
  return { bytes, offsets };
}

/** Doc `row` of shared texts: its title and abstract decoded each time they are read. */
export class SharedDoc {
  readonly #texts: SharedTexts;
  readonly #row: number;

  constructor(texts: SharedTexts, row: number) {
    this.#texts = texts;
    this.#row = row;
  }

  /** The one buffer `docs` read in place from, row after row, if they are such docs. */
  static backing(docs: ReadonlyArray<{ title: string; abstract: string }>): SharedTexts | undefined {
    const first = docs[0];
    if (!(first instanceof SharedDoc)) return undefined;
    const texts = first.#texts;
    if (texts.offsets.length !== docs.length * 2 + 1) return undefined;
    for (let row = 0; row < docs.length; row++) {
      const doc = docs[row];
      if (!(doc instanceof SharedDoc) || doc.#texts !== texts || doc.#row !== row) return undefined;
    }
    return texts;
  }

  get title(): string {
    return textAt(this.#texts, 2 * this.#row);
  }

  get abstract(): string {
    return textAt(this.#texts, 2 * this.#row + 1);
  }
}

/** The docs of `shareDocs`, in order, read in place. */
export function docsOf(texts: SharedTexts): SharedDoc[] {
  return Array.from({ length: (texts.offsets.length - 1) / 2 }, (_, row) => new SharedDoc(texts, row));
}

function textAt({ bytes, offsets }: SharedTexts, index: number): string {
  const start = offsets[index] as number;
  return Buffer.from(bytes, start, (offsets[index + 1] as number) - start).toString('utf8');
}
