import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSettings } from '../../core/config.js';
import { lanceStorageOptions, objectKey, parseDataDir, workingCopyDir } from '../../indexer/store/location.js';

describe('parseDataDir', () => {
  it('resolves local paths and file:// URIs', () => {
    expect(parseDataDir('some/dir')).toEqual({ kind: 'local', path: path.resolve('some/dir') });
    expect(parseDataDir('file:///srv/papers%20index')).toEqual({ kind: 'local', path: '/srv/papers index' });
  });

  it('splits an s3:// URI into bucket and prefix, without trailing slashes', () => {
    expect(parseDataDir('s3://corpus/papers/v1/')).toEqual({
      kind: 's3',
      uri: 's3://corpus/papers/v1',
      bucket: 'corpus',
      prefix: 'papers/v1',
    });
    expect(parseDataDir('S3://corpus')).toEqual({ kind: 's3', uri: 's3://corpus', bucket: 'corpus', prefix: '' });
  });

  it('names the unsupported scheme and what to do instead', () => {
    expect(() => parseDataDir('gs://bucket/x')).toThrow(/gs:\/\/.*S3-compatible API/);
    expect(() => parseDataDir('az://container/x')).toThrow(/az:\/\/.*Azure/);
    expect(() => parseDataDir('https://example.org/x')).toThrow(/https:\/\/.*local paths and s3:\/\/ URIs/);
    expect(() => parseDataDir('gs://bucket/x')).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER' }));
  });

  it('refuses s3:// URIs that are not bucket and prefix', () => {
    for (const bad of ['s3://bucket/a//b', 's3://bucket/a/../b', 's3://bucket/a?versionId=1', 's3://key:secret@bucket/a', 's3:///prefix']) {
      expect(() => parseDataDir(bad), bad).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER' }));
    }
  });
});

describe('object keys and working copies', () => {
  const remote = { kind: 's3', uri: 's3://corpus/papers', bucket: 'corpus', prefix: 'papers' } as const;

  it('puts file names under the prefix, or at the bucket root', () => {
    expect(objectKey(remote, 'manifest.json')).toBe('papers/manifest.json');
    expect(objectKey({ ...remote, uri: 's3://corpus', prefix: '' }, 'manifest.json')).toBe('manifest.json');
  });

  it('gives the indexer and the server separate working copies, one per URI', () => {
    const serve = workingCopyDir('/cache', remote, 'serve');
    expect(serve).toMatch(/^\/cache\/remote\/[0-9a-f]{16}\/serve$/);
    expect(workingCopyDir('/cache', remote, 'index')).toBe(path.join(path.dirname(serve), 'index'));
    expect(workingCopyDir('/cache', { ...remote, uri: 's3://corpus/other', prefix: 'other' }, 'serve')).not.toBe(serve);
  });
});

describe('object store settings', () => {
  it('keeps an s3:// data dir as given and reads the AWS variables', () => {
    const settings = readSettings({
      PAPERSCOPE_DATA_DIR: 's3://corpus/papers',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9000',
      AWS_ACCESS_KEY_ID: 'key',
      AWS_SECRET_ACCESS_KEY: 'secret',
    });
    expect(settings.dataDir).toBe('s3://corpus/papers');
    expect(settings.objectStore).toEqual({
      endpoint: 'http://127.0.0.1:9000',
      region: undefined,
      accessKeyId: 'key',
      secretAccessKey: 'secret',
      sessionToken: undefined,
      allowHttp: true,
    });
    expect(lanceStorageOptions(settings.objectStore)).toEqual({
      endpoint: 'http://127.0.0.1:9000',
      aws_access_key_id: 'key',
      aws_secret_access_key: 'secret',
      allow_http: 'true',
    });
  });

  it('still resolves a local data dir and defaults the reload interval to 5 s and the lock TTL to 2 min', () => {
    const settings = readSettings({ PAPERSCOPE_DATA_DIR: 'idx' });
    expect(settings.dataDir).toBe(path.resolve('idx'));
    expect(settings.reloadIntervalMs).toBe(5000);
    expect(settings.objectStore.allowHttp).toBe(false);
    expect(lanceStorageOptions(settings.objectStore)).toEqual({});
    expect(readSettings({ PAPERSCOPE_RELOAD_INTERVAL_MS: '0' }).reloadIntervalMs).toBe(0);
    expect(settings.lockTtlMs).toBe(120_000);
    expect(readSettings({ PAPERSCOPE_LOCK_TTL_MS: '30000' }).lockTtlMs).toBe(30_000);
  });

  it('names the variable that is wrong', () => {
    expect(() => readSettings({ AWS_ENDPOINT_URL: 'not a url' })).toThrow(/AWS_ENDPOINT_URL/);
    expect(() => readSettings({ AWS_ACCESS_KEY_ID: 'key' })).toThrow(/AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY: set both/);
    expect(() => readSettings({ PAPERSCOPE_RELOAD_INTERVAL_MS: '-1' })).toThrow(/PAPERSCOPE_RELOAD_INTERVAL_MS/);
    expect(() => readSettings({ PAPERSCOPE_LOCK_TTL_MS: '0' })).toThrow(/PAPERSCOPE_LOCK_TTL_MS/);
  });

  it('reports a malformed variable as a configuration error of the catalog, naming the variable', () => {
    expect(() => readSettings({ PAPERSCOPE_RATE_LIMIT: 'many' })).toThrow(
      expect.objectContaining({ code: 'INVALID_CONFIG', details: { variable: 'PAPERSCOPE_RATE_LIMIT' } }),
    );
    expect(() => readSettings({ AWS_SECRET_ACCESS_KEY: 'secret' })).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG' }));
  });
});
