/**
 * Where media bytes live (MMS images, recordings, email and portal attachments, staff
 * uploads): never inline in Postgres, never served by provider URLs. Two adapters: files
 * under DATA_DIR (the embedded default) and an S3-compatible bucket for production.
 *
 * Keys are ours (`<practiceId>/...`, ids and hashes only, never names or numbers).
 */
export interface BlobStore {
  readonly kind: 'fs' | 's3';
  /** Writes the whole object; the same key again replaces it (writes are idempotent by key). */
  put(key: string, bytes: Uint8Array, opts: { contentType: string }): Promise<void>;
  /** The object, or one inclusive byte range of it; null when there is no such object. */
  get(key: string, range?: ByteRange): Promise<BlobBody | null>;
  /** Deleting a key that is not there is not an error. */
  delete(key: string): Promise<void>;
  has(key: string): Promise<boolean>;
}

export interface ByteRange {
  start: number;
  /** inclusive */
  end: number;
}

export interface BlobBody {
  body: ReadableStream<Uint8Array>;
  /** bytes in `body` */
  length: number;
}

const KEY = /^[a-z0-9][a-z0-9/_.-]{0,500}$/;

/** Keys are built from ids and hashes; anything else (a `..`, a name) is a bug, refused loudly. */
export function assertBlobKey(key: string): void {
  if (!KEY.test(key) || key.includes('..') || key.includes('//') || key.endsWith('/')) throw new Error('not a blob key');
}

/** The whole object as bytes (for an email attachment going out); null when missing. */
export async function readBlob(store: BlobStore, key: string): Promise<Uint8Array | null> {
  const found = await store.get(key);
  if (!found) return null;
  return new Uint8Array(await new Response(found.body).arrayBuffer());
}

/** The key a fetched or uploaded attachment's bytes live under: one per attachment, so a retry rewrites the same object. */
export const attachmentBlobKey = (practiceId: string, attachmentId: string) => `${practiceId}/att/${attachmentId}`;
