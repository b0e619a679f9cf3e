import type { S3Client } from '@aws-sdk/client-s3';
import type { ObjectStoreSettings } from '../../core/config.js';
import { PaperscopeError } from '../../core/errors.js';
import { type DataDirLocation, objectKey } from './location.js';

export type S3Location = Extract<DataDirLocation, { kind: 's3' }>;

type Sdk = typeof import('@aws-sdk/client-s3');

/** A client with the SDK it came from, whose command classes it sends. */
export interface S3 {
  sdk: Sdk;
  client: S3Client;
}

export interface StoredObject {
  text: string;
  etag: string;
  lastModified: Date | undefined;
}

/**
 * The objects under one data dir's prefix: reads that answer undefined for a missing object, and
 * failures as errors naming the object. The lock, the pull and the upload all go through it.
 */
export class RemoteStore {
  readonly location: S3Location;
  readonly s3: Promise<S3>;

  constructor(location: S3Location, settings: ObjectStoreSettings) {
    this.location = location;
    this.s3 = s3For(settings);
  }

  async send<T>(request: (s3: S3) => Promise<T>): Promise<T> {
    return request(await this.s3);
  }

  key(name: string): string {
    return objectKey(this.location, name);
  }

  uri(key: string): string {
    return `s3://${this.location.bucket}/${key}`;
  }

  async head(key: string): Promise<{ etag: string } | undefined> {
    try {
      const response = await this.send(({ sdk, client }) =>
        client.send(new sdk.HeadObjectCommand({ Bucket: this.location.bucket, Key: key })),
      );
      return { etag: response.ETag ?? '' };
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw this.failed('read', key, error);
    }
  }

  async getText(key: string): Promise<string | undefined> {
    return (await this.get(key))?.text;
  }

  async get(key: string): Promise<StoredObject | undefined> {
    try {
      const response = await this.send(({ sdk, client }) =>
        client.send(new sdk.GetObjectCommand({ Bucket: this.location.bucket, Key: key })),
      );
      return {
        text: (await response.Body?.transformToString('utf8')) ?? '',
        etag: response.ETag ?? '',
        lastModified: response.LastModified,
      };
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw this.failed('read', key, error);
    }
  }

  async delete(key: string): Promise<void> {
    await this.send(({ sdk, client }) => client.send(new sdk.DeleteObjectCommand({ Bucket: this.location.bucket, Key: key })));
  }

  failed(action: string, key: string, error: unknown): PaperscopeError {
    const uri = this.uri(key);
    return new PaperscopeError('INTERNAL', `Could not ${action} ${uri}: ${describeError(error)}`, { object: uri }, { cause: error });
  }
}

export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

export function statusOf(error: unknown): number | undefined {
  // The SDK's S3ServiceException, recognised without loading the SDK.
  const status = (error as { $metadata?: { httpStatusCode?: unknown } } | undefined)?.$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

/** One client per settings: each holds a pool of keep-alive connections. */
const clients = new Map<string, Promise<S3>>();

/** The AWS SDK is loaded on first use: it adds a fifth of a second to every start on local data dirs. */
function s3For(settings: ObjectStoreSettings): Promise<S3> {
  const cacheKey = JSON.stringify(settings);
  let s3 = clients.get(cacheKey);
  if (!s3) {
    s3 = import('@aws-sdk/client-s3').then((sdk) => {
      const client = new sdk.S3Client({
        endpoint: settings.endpoint,
        // The SDK needs a region; LanceDB assumes the same one when none is set.
        region: settings.region ?? 'us-east-1',
        followRegionRedirects: true,
        // Self-hosted servers (MinIO, s3rver) address buckets by path, not by host name.
        forcePathStyle: settings.endpoint !== undefined,
        credentials:
          settings.accessKeyId && settings.secretAccessKey
            ? { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey, sessionToken: settings.sessionToken }
            : undefined,
      });
      return { sdk, client };
    });
    clients.set(cacheKey, s3);
  }
  return s3;
}
