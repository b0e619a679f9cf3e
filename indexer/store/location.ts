import path from 'node:path';
import type { ObjectStoreSettings } from '../../core/config.js';
import { PaperscopeError } from '../../core/errors.js';
import { sha256 } from './files.js';

/** Where a data dir lives: a local folder, or a bucket and key prefix on an S3-compatible store. */
export type DataDirLocation = { kind: 'local'; path: string } | { kind: 's3'; uri: string; bucket: string; prefix: string };

/** Schemes LanceDB reaches but the index-file sync cannot (it speaks the S3 protocol only). */
const UNSYNCED_SCHEMES: Record<string, string> = {
  'gs:':
    'for Google Cloud Storage use its S3-compatible API: s3://bucket/prefix with AWS_ENDPOINT_URL=https://storage.googleapis.com and HMAC keys',
  'az:': 'Azure Blob Storage has no S3-compatible API; serve from a local copy instead',
  'abfs:': 'Azure Blob Storage has no S3-compatible API; serve from a local copy instead',
};

/**
 * Parses `--data-dir`: an `s3://bucket/prefix` URI, else a local path (resolved). Other URIs are
 * refused with a message naming what is unsupported.
 *
 * @example parseDataDir('s3://corpus/papers/v1') // { kind: 's3', bucket: 'corpus', prefix: 'papers/v1', ... }
 */
export function parseDataDir(value: string): DataDirLocation {
  // Split by hand: URL would fold "a/../b" into "b" and hide a mistyped prefix.
  const match = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)(.*)$/i.exec(value);
  if (!match) return { kind: 'local', path: path.resolve(value) };
  const [, rawScheme = '', authority = '', pathname = '', rest = ''] = match;
  const scheme = `${rawScheme.toLowerCase()}:`;
  if (scheme === 'file:' && authority === '') return { kind: 'local', path: path.resolve(decodeURIComponent(pathname)) };
  if (scheme !== 's3:') {
    const hint = UNSYNCED_SCHEMES[scheme] ?? 'supported are local paths and s3:// URIs';
    throw new PaperscopeError(
      'INVALID_PARAMETER',
      `The data dir ${value} uses ${scheme}//, which Paperscope cannot sync its index files with: ${hint}.`,
      {
        field: 'dataDir',
        value,
      },
    );
  }
  const prefix = decodeURIComponent(pathname).replace(/^\/|\/$/g, '');
  const badPrefix = prefix !== '' && prefix.split('/').some((part) => part === '' || part === '.' || part === '..');
  if (!/^[a-z0-9][a-z0-9.-]*$/.test(authority) || rest !== '' || badPrefix) {
    throw new PaperscopeError(
      'INVALID_PARAMETER',
      `The data dir ${value} is not of the form s3://bucket/prefix (a bucket name, then a prefix without empty, "." or ".." parts).`,
      {
        field: 'dataDir',
        value,
      },
    );
  }
  return { kind: 's3', uri: `s3://${authority}${prefix ? `/${prefix}` : ''}`, bucket: authority, prefix };
}

/** The object key of `name` (a file name of the data dir layout) under the location's prefix. */
export function objectKey(location: Extract<DataDirLocation, { kind: 's3' }>, name: string): string {
  return location.prefix ? `${location.prefix}/${name}` : name;
}

/**
 * The local working copy of a remote data dir: one per URI and role, so an indexer and a server
 * sharing a cache dir never write each other's files.
 */
export function workingCopyDir(cacheDir: string, location: Extract<DataDirLocation, { kind: 's3' }>, role: 'index' | 'serve'): string {
  return path.join(cacheDir, 'remote', sha256(location.uri).slice(0, 16), role);
}

/** LanceDB's `storageOptions` for the settings: only what is set, so LanceDB's own defaults apply otherwise. */
export function lanceStorageOptions(settings: ObjectStoreSettings): Record<string, string> {
  const options: Record<string, string | undefined> = {
    endpoint: settings.endpoint,
    region: settings.region,
    aws_access_key_id: settings.accessKeyId,
    aws_secret_access_key: settings.secretAccessKey,
    aws_session_token: settings.sessionToken,
    allow_http: settings.allowHttp ? 'true' : undefined,
  };
  return Object.fromEntries(Object.entries(options).filter((entry): entry is [string, string] => entry[1] !== undefined));
}
