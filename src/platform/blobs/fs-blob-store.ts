import { createReadStream } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { assertBlobKey, type BlobBody, type BlobStore, type ByteRange } from './blob-store';

/**
 * Files under `<dataDir>/blobs`, owner-only (0600 files, 0700 folders). A write goes to a
 * temporary file first and is renamed into place, so a reader never sees half a file and a
 * crash mid-write leaves no half object under the key.
 */
export function createFsBlobStore(dataDir: string): BlobStore {
  const root = resolve(dataDir, 'blobs');
  const pathOf = (key: string) => {
    assertBlobKey(key);
    return join(root, ...key.split('/'));
  };
  const missing = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENOENT';
  return {
    kind: 'fs',
    async put(key, bytes) {
      const path = pathOf(key);
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
      await writeFile(tmp, bytes, { mode: 0o600 });
      await rename(tmp, path);
    },
    async get(key, range?: ByteRange): Promise<BlobBody | null> {
      const path = pathOf(key);
      let size: number;
      try {
        size = (await stat(path)).size;
      } catch (err) {
        if (missing(err)) return null;
        throw err;
      }
      const start = range?.start ?? 0;
      const end = Math.min(range?.end ?? size - 1, size - 1);
      if (size === 0 || end < start) return { body: new ReadableStream({ start: (c) => c.close() }), length: 0 };
      const stream = createReadStream(path, { start, end });
      return { body: Readable.toWeb(stream) as ReadableStream<Uint8Array>, length: end - start + 1 };
    },
    async delete(key) {
      await rm(pathOf(key), { force: true });
    },
    async has(key) {
      try {
        await stat(pathOf(key));
        return true;
      } catch (err) {
        if (missing(err)) return false;
        throw err;
      }
    },
  };
}
