import type { Env } from '../env';
import type { BlobStore } from './blob-store';
import { createFsBlobStore } from './fs-blob-store';

export type { BlobBody, BlobStore, ByteRange } from './blob-store';
export { assertBlobKey, attachmentBlobKey, readBlob } from './blob-store';

/**
 * The blob store the environment names: S3 when BLOB_STORE=s3 (or S3_BUCKET is set), else
 * files in DATA_DIR. The AWS client is loaded only for S3, so the embedded default never pays
 * for it.
 */
export async function createBlobStore(env: Pick<Env, 'BLOB_STORE' | 'DATA_DIR' | 'S3_BUCKET' | 'S3_REGION' | 'S3_ENDPOINT' | 'S3_ACCESS_KEY_ID' | 'S3_SECRET_ACCESS_KEY' | 'S3_FORCE_PATH_STYLE'>): Promise<BlobStore> {
  if (env.BLOB_STORE === 's3') {
    const { createS3BlobStore } = await import('./s3-blob-store');
    return createS3BlobStore({
      bucket: env.S3_BUCKET!,
      region: env.S3_REGION,
      endpoint: env.S3_ENDPOINT,
      forcePathStyle: env.S3_FORCE_PATH_STYLE === undefined ? undefined : env.S3_FORCE_PATH_STYLE === 'true',
      credentials: env.S3_ACCESS_KEY_ID && env.S3_SECRET_ACCESS_KEY ? { accessKeyId: env.S3_ACCESS_KEY_ID, secretAccessKey: env.S3_SECRET_ACCESS_KEY } : undefined,
    });
  }
  return createFsBlobStore(env.DATA_DIR);
}
