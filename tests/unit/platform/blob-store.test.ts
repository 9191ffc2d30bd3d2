import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { setupServer } from 'msw/node';
import fc from 'fast-check';
import { createFsBlobStore } from '../../../src/platform/blobs/fs-blob-store';
import { createS3BlobStore } from '../../../src/platform/blobs/s3-blob-store';
import { createBlobStore, readBlob, type BlobStore } from '../../../src/platform/blobs/index';
import { parseEnv } from '../../../src/platform/env';
import { createS3Mock, S3_ENDPOINT } from '../../msw/s3';

const s3 = createS3Mock('media');
const server = setupServer(...s3.handlers);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const dir = mkdtempSync(join(tmpdir(), 'sb-blobs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const stores: [string, () => BlobStore][] = [
  ['fs', () => createFsBlobStore(dir)],
  ['s3', () => createS3BlobStore({ bucket: 'media', region: 'us-east-1', endpoint: S3_ENDPOINT, credentials: { accessKeyId: 'AKIATEST', secretAccessKey: 'secret' } })],
];

const text = (b: Uint8Array | null) => (b ? Buffer.from(b).toString('utf8') : null);

describe.each(stores)('%s blob store', (_kind, make) => {
  const store = make();

  it('puts, reads whole and by range, tells whether a key exists, deletes', async () => {
    const key = 'p1/att/0001';
    await store.put(key, new TextEncoder().encode('hello, world'), { contentType: 'text/plain' });
    expect(await store.has(key)).toBe(true);
    expect(text(await readBlob(store, key))).toBe('hello, world');
    const part = await store.get(key, { start: 7, end: 11 });
    expect(part!.length).toBe(5);
    expect(await new Response(part!.body).text()).toBe('world');
    await store.delete(key);
    expect(await store.has(key)).toBe(false);
    expect(await store.get(key)).toBeNull();
    await store.delete(key); // deleting what is gone is fine
  });

  it('the same key twice keeps one object with the last bytes', async () => {
    await store.put('p1/att/twice', new Uint8Array([1, 2, 3]), { contentType: 'application/octet-stream' });
    await store.put('p1/att/twice', new Uint8Array([1, 2, 3]), { contentType: 'application/octet-stream' });
    expect([...(await readBlob(store, 'p1/att/twice'))!]).toEqual([1, 2, 3]);
  });

  it('refuses keys that could escape their folder', async () => {
    for (const key of ['../etc/passwd', 'p1/../../x', '/abs', 'p1//x', 'P1/Name With Spaces']) {
      await expect(store.put(key, new Uint8Array([1]), { contentType: 'text/plain' })).rejects.toThrow('not a blob key');
    }
  });

  it('any bytes and any range come back exactly', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 2000 }), fc.nat(), fc.nat(), async (bytes, a, b) => {
        const key = `p2/prop/${bytes.length}`;
        await store.put(key, bytes, { contentType: 'application/octet-stream' });
        const start = a % bytes.length;
        const end = start + (b % (bytes.length - start));
        const got = await store.get(key, { start, end });
        expect(new Uint8Array(await new Response(got!.body).arrayBuffer())).toEqual(bytes.slice(start, end + 1));
      }),
      { numRuns: 25 },
    );
  });
});

describe('fs blob store', () => {
  it('keeps files readable by the owner only', async () => {
    const store = createFsBlobStore(dir);
    await store.put('p3/att/mode', new Uint8Array([1]), { contentType: 'text/plain' });
    expect(statSync(join(dir, 'blobs', 'p3', 'att', 'mode')).mode & 0o777).toBe(0o600);
  });
});

describe('s3 blob store on the wire', () => {
  it('signs every request (SigV4), sends ranges as the Range header, and retries a 503', async () => {
    const store = stores[1]![1]();
    s3.requests.length = 0;
    s3.failPuts(1);
    await store.put('p4/att/a', new Uint8Array([9, 9, 9, 9]), { contentType: 'image/png' });
    expect(s3.objects.get('p4/att/a')?.contentType).toBe('image/png');
    await store.get('p4/att/a', { start: 1, end: 2 });
    expect(s3.requests.filter((r) => r.method === 'PUT')).toHaveLength(2);
    expect(s3.requests.every((r) => r.authorization?.startsWith('AWS4-HMAC-SHA256 Credential=AKIATEST/'))).toBe(true);
    expect(s3.requests.find((r) => r.method === 'GET')?.range).toBe('bytes=1-2');
  });
});

describe('createBlobStore', () => {
  it('files by default, S3 when a bucket is named, and half an S3 key pair stops the process', async () => {
    expect((await createBlobStore(parseEnv({ DATA_DIR: dir }))).kind).toBe('fs');
    expect((await createBlobStore(parseEnv({ DATA_DIR: dir, S3_BUCKET: 'media', S3_ACCESS_KEY_ID: 'a', S3_SECRET_ACCESS_KEY: 'b' }))).kind).toBe('s3');
    expect(() => parseEnv({ BLOB_STORE: 's3' })).toThrow('S3_BUCKET must be set when BLOB_STORE is s3');
    expect(() => parseEnv({ S3_BUCKET: 'media', S3_ACCESS_KEY_ID: 'a' })).toThrow('S3_SECRET_ACCESS_KEY');
  });
});
