import { copyFile, mkdir } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import S3rver from 's3rver';
import { expect } from 'vitest';
import { readSettings } from '../../core/config.js';
import { ensureWordVectorCache } from '../../indexer/embed/word-vectors/index.js';

/** s3rver accepts any key pair that it is configured with; these are its documented defaults. */
const AWS_ENV = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' };

export interface LocalS3 {
  endpoint: string;
  /** Stops the server and restores the AWS_* variables. */
  close(): Promise<void>;
}

/**
 * A real S3 server (s3rver, on 127.0.0.1) storing `bucket` under `directory`, with the AWS_*
 * environment variables pointed at it until `close()`.
 */
export async function startLocalS3(directory: string, bucket: string): Promise<LocalS3> {
  const s3rver = new S3rver({ silent: true, directory, configureBuckets: [{ name: bucket, configs: [] }] });
  await s3rver.configureBuckets();
  // Our own listener rather than s3rver.run(): its close() would wait ~90 s for LanceDB's pooled connections.
  const server = createServer(s3rver.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const saved = new Map<string, string | undefined>();
  for (const [name, value] of Object.entries({ ...AWS_ENV, AWS_ENDPOINT_URL: endpoint })) {
    saved.set(name, process.env[name]);
    process.env[name] = value;
  }
  return {
    endpoint,
    close: async () => {
      for (const [name, value] of saved) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * A fresh cache dir `dir` for one process or replica (so its own working copy of an s3:// data
 * dir), seeded with the converted word vectors, which take seconds to build.
 */
export async function seededCacheDir(dir: string): Promise<string> {
  const vectors = await ensureWordVectorCache(readSettings().cacheDir);
  await mkdir(path.join(dir, 'word-vectors'), { recursive: true });
  await copyFile(vectors, path.join(dir, 'word-vectors', path.basename(vectors)));
  return dir;
}

// biome-ignore lint/suspicious/noExplicitAny: API responses are checked by assertions, not types.
export async function getJson(url: string): Promise<any> {
  const response = await fetch(url);
  expect(response.status, url).toBe(200);
  return response.json();
}
