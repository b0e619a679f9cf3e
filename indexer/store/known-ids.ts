/**
 * Paper ids known already (the records file's), with their JSON as the derived files store an id
 * list (a JSON array of strings, `JSON.stringify`): a file's list is compared with these bytes in
 * place, and when it matches, `ids` stand for it. At a million papers parsing each list made a
 * million strings only to be compared with these (the HNSW metadata's and the topics file's:
 * ≈ 0.3-0.5 s of CPU each); serialising the known ones once is one native call.
 */
export class KnownIds {
  readonly ids: readonly string[];
  #json: Buffer | undefined;

  constructor(ids: readonly string[]) {
    this.ids = ids;
  }

  /** The ids' JSON, made on first use. */
  get json(): Buffer {
    this.#json ??= Buffer.from(JSON.stringify(this.ids));
    return this.#json;
  }

  /** Whether `bytes` are these ids' JSON exactly: then they parse to `ids`, string for string. */
  matches(bytes: Uint8Array): boolean {
    return bytes.length === this.json.length && this.json.equals(bytes);
  }
}
