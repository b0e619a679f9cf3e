import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSettings } from '../../core/config.js';
import { type DataDir, openDataDir } from '../../indexer/store/index.js';
import { type LocalS3, startLocalS3 } from '../helpers/local-s3.js';
import { temporaryDir } from '../helpers/sample-index.js';

const BUCKET = 'paperscope';
const URI = `s3://${BUCKET}/corpus/multipart`;
const VECTORS_KEY = 'corpus/multipart/sentences.bin';
/** S3's smallest part: files of this size or more go in parts. */
const PART_BYTES = 5 * 1024 * 1024;
/** Three parts: two full ones and a shorter last one. */
const VECTORS_BYTES = 12 * 1024 * 1024 + 123;

interface Logged {
  method: string;
  key: string;
  query: URLSearchParams;
}

/**
 * Publishing an `s3://` data dir whose sentence vectors are above the multipart threshold, through
 * a recording proxy in front of a real S3 server (s3rver), so the requests the SDK sends are seen.
 */
describe('multipart upload of large index files', () => {
  let scratch: { dir: string; remove: () => Promise<void> };
  let s3: LocalS3 | undefined;
  let proxy: Server | undefined;
  let endpoint = '';
  let log: Logged[] = [];
  /** Answers to give instead of s3rver's, while set. */
  let intercept: ((entry: Logged) => { status: number; body: string } | undefined) | undefined;

  function forward(req: IncomingMessage, res: ServerResponse, target: string): void {
    const url = new URL(req.url ?? '/', target);
    const entry = { method: req.method ?? '', key: decodeURIComponent(url.pathname).replace(`/${BUCKET}/`, ''), query: url.searchParams };
    log.push(entry);
    const answer = intercept?.(entry);
    if (answer) {
      // The body is read first: answering mid-upload would reset the connection, which the SDK retries.
      req.resume();
      req.on('end', () => res.writeHead(answer.status, { 'content-type': 'application/xml' }).end(answer.body));
      return;
    }
    const upstream = request(url, { method: req.method, headers: req.headers }, (response) => {
      res.writeHead(response.statusCode ?? 502, response.headers);
      response.pipe(res);
    });
    upstream.on('error', (error) => res.destroy(error));
    req.pipe(upstream);
  }

  beforeAll(async () => {
    scratch = await temporaryDir('paperscope-s3-multipart-');
    const server = await startLocalS3(path.join(scratch.dir, 's3'), BUCKET);
    s3 = server;
    proxy = createServer((req, res) => forward(req, res, server.endpoint));
    await new Promise<void>((resolve) => proxy?.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    proxy?.closeAllConnections();
    await new Promise((resolve) => (proxy ? proxy.close(resolve) : resolve(undefined)));
    await s3?.close();
    await scratch.remove();
  });

  function open(name: string, role: 'index' | 'serve'): DataDir {
    const objectStore = { ...readSettings().objectStore, endpoint };
    return openDataDir(URI, { cacheDir: path.join(scratch.dir, name), role, objectStore, multipartThresholdBytes: PART_BYTES });
  }

  async function writeIndex(dataDir: DataDir, manifest: string, vectors: Buffer): Promise<void> {
    await mkdir(dataDir.layout.root, { recursive: true });
    await writeFile(dataDir.layout.sentences, vectors);
    await writeFile(dataDir.layout.annIndex, 'a small file');
    await writeFile(dataDir.layout.manifest, manifest);
  }

  it('uploads a file above the threshold in parts, and a replica pulls it back byte for byte', async () => {
    const vectors = randomBytes(VECTORS_BYTES);
    const writer = open('writer', 'index');
    await writeIndex(writer, '{"version":1}', vectors);
    log = [];
    await writer.publish();

    const vectorRequests = log.filter((entry) => entry.key === VECTORS_KEY);
    expect(vectorRequests.filter((entry) => entry.method === 'POST' && entry.query.has('uploads'))).toHaveLength(1);
    const parts = vectorRequests.filter((entry) => entry.method === 'PUT').map((entry) => entry.query.get('partNumber'));
    expect(parts.sort()).toEqual(['1', '2', '3']);
    expect(vectorRequests.some((entry) => entry.method === 'POST' && entry.query.has('uploadId'))).toBe(true);
    // Below the threshold: one plain PUT.
    const small = log.filter((entry) => entry.key === 'corpus/multipart/papers.hnsw');
    expect(small.map((entry) => [entry.method, entry.query.has('uploadId')])).toEqual([['PUT', false]]);

    const replica = open('replica', 'serve');
    await replica.pull();
    const pulled = await readFile(replica.layout.sentences);
    expect(pulled.length).toBe(VECTORS_BYTES);
    expect(pulled.equals(vectors)).toBe(true);
    expect(await readFile(replica.layout.manifest, 'utf8')).toBe('{"version":1}');
  });

  it('names the object when a part fails, aborts the upload and publishes no manifest', async () => {
    const writer = open('writer', 'index');
    await writeIndex(writer, '{"version":2}', randomBytes(VECTORS_BYTES));
    log = [];
    intercept = ({ method, key, query }) => {
      if (key !== VECTORS_KEY) return undefined;
      if (method === 'PUT' && query.get('partNumber') === '2') {
        return {
          status: 403,
          body: '<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>Part refused by the test</Message></Error>',
        };
      }
      // s3rver 3.7 does not implement AbortMultipartUpload; S3 answers it with 204.
      if (method === 'DELETE' && query.has('uploadId')) return { status: 204, body: '' };
      return undefined;
    };
    try {
      await expect(writer.publish()).rejects.toMatchObject({
        code: 'INTERNAL',
        message: `Could not upload s3://${BUCKET}/${VECTORS_KEY}: AccessDenied: Part refused by the test`,
        details: { object: `s3://${BUCKET}/${VECTORS_KEY}` },
      });
    } finally {
      intercept = undefined;
    }
    expect(log.some((entry) => entry.key === VECTORS_KEY && entry.method === 'DELETE' && entry.query.has('uploadId'))).toBe(true);

    const replica = open('replica-after-failure', 'serve');
    await replica.pull();
    expect(await readFile(replica.layout.manifest, 'utf8')).toBe('{"version":1}');
  });
});
