/**
 * An in-memory stand-in for the S3 API (path-style: PUT, GET with Range, HEAD, DELETE), enough
 * for the S3 blob store to be tested through AWS's real client on the wire.
 */
import { http, HttpResponse } from 'msw';

export const S3_ENDPOINT = 'https://s3.test.example';

const xmlError = (status: number, code: string, message: string) =>
  new HttpResponse(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>test</RequestId></Error>`, {
    status,
    headers: { 'content-type': 'application/xml', 'x-amz-request-id': 'test' },
  });

export function createS3Mock(bucket: string) {
  const objects = new Map<string, { bytes: Uint8Array; contentType: string }>();
  const requests: { method: string; key: string; range: string | null; authorization: string | null }[] = [];
  const path = `${S3_ENDPOINT}/${bucket}/*`;
  const keyOf = (request: Request) => decodeURIComponent(new URL(request.url).pathname.slice(bucket.length + 2));
  const note = (request: Request) =>
    requests.push({ method: request.method, key: keyOf(request), range: request.headers.get('range'), authorization: request.headers.get('authorization') });
  let failNext = 0;

  const handlers = [
    http.put(path, async ({ request }) => {
      note(request);
      if (failNext > 0) {
        failNext--;
        return xmlError(503, 'SlowDown', 'Please reduce your request rate.');
      }
      const bytes = new Uint8Array(await request.arrayBuffer());
      objects.set(keyOf(request), { bytes, contentType: request.headers.get('content-type') ?? 'application/octet-stream' });
      return new HttpResponse(null, { status: 200, headers: { etag: '"etag"' } });
    }),
    http.get(path, ({ request }) => {
      note(request);
      const found = objects.get(keyOf(request));
      if (!found) return xmlError(404, 'NoSuchKey', 'The specified key does not exist.');
      const range = /^bytes=(\d+)-(\d+)?$/.exec(request.headers.get('range') ?? '');
      if (range) {
        const start = Number(range[1]);
        const end = Math.min(range[2] ? Number(range[2]) : found.bytes.length - 1, found.bytes.length - 1);
        const part = found.bytes.slice(start, end + 1);
        return new HttpResponse(part, {
          status: 206,
          headers: { 'content-type': found.contentType, 'content-length': String(part.length), 'content-range': `bytes ${start}-${end}/${found.bytes.length}` },
        });
      }
      return new HttpResponse(found.bytes, { status: 200, headers: { 'content-type': found.contentType, 'content-length': String(found.bytes.length) } });
    }),
    http.head(path, ({ request }) => {
      note(request);
      const found = objects.get(keyOf(request));
      if (!found) return new HttpResponse(null, { status: 404 });
      return new HttpResponse(null, { status: 200, headers: { 'content-type': found.contentType, 'content-length': String(found.bytes.length) } });
    }),
    http.delete(path, ({ request }) => {
      note(request);
      objects.delete(keyOf(request));
      return new HttpResponse(null, { status: 204 });
    }),
  ];
  return {
    handlers,
    objects,
    requests,
    /** the next n writes answer 503 SlowDown */
    failPuts(n: number) {
      failNext = n;
    },
  };
}
