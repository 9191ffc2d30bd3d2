import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fetchMedia, MediaFetchError, twilioMediaRules } from '../../channels/media';
import { parseRange } from '../../src/inbox/attachments/attachments';
import { bytesContradict, isInlineSafe } from '../../src/platform/blobs/media-types';

const ACCOUNT = 'AC0123456789abcdef0123456789abcdef';
const rules = twilioMediaRules({ accountSid: ACCOUNT, authToken: 'tok', maxBytes: 100, accept: (t) => t.startsWith('image/') });
const url = `https://api.twilio.com/2010-04-01/Accounts/${ACCOUNT}/Messages/MM1/Media/ME1`;

describe('fetching provider media', () => {
  it('stops reading a body without a length once it passes the cap', async () => {
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        pulled++;
        c.enqueue(new Uint8Array(40));
        if (pulled > 100) c.close();
      },
    });
    const fake = async () => new Response(stream, { headers: { 'content-type': 'image/jpeg' } });
    await expect(fetchMedia(url, rules, { fetch: fake as never })).rejects.toMatchObject({ code: 'too_large', kind: 'permanent' });
    expect(pulled).toBeLessThan(10);
  });

  it('a 5xx or no answer is retried later; a 404 is not', async () => {
    const answer = (status: number) => async () => new Response(null, { status });
    await expect(fetchMedia(url, rules, { fetch: answer(503) as never })).rejects.toMatchObject({ kind: 'retryable' });
    await expect(fetchMedia(url, rules, { fetch: answer(404) as never })).rejects.toMatchObject({ kind: 'permanent', code: 'not_found' });
    const down = async () => {
      throw new TypeError('fetch failed');
    };
    await expect(fetchMedia(url, rules, { fetch: down as never })).rejects.toBeInstanceOf(MediaFetchError);
  });

  it('never sends to http, to credentials in the URL, or to a redirect over http', async () => {
    const never = async () => {
      throw new Error('must not be called');
    };
    await expect(fetchMedia(url.replace('https:', 'http:'), rules, { fetch: never as never })).rejects.toMatchObject({ code: 'not_allowed' });
    await expect(fetchMedia(url.replace('https://', 'https://u:p@'), rules, { fetch: never as never })).rejects.toMatchObject({ code: 'not_allowed' });
    const toHttp = async () => new Response(null, { status: 302, headers: { location: 'http://mms.twiliocdn.com/x' } });
    await expect(fetchMedia(url, rules, { fetch: toHttp as never })).rejects.toMatchObject({ code: 'redirect_refused' });
  });
});

describe('serving ranges', () => {
  it('a satisfiable single range stays inside the file and covers what was asked', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), fc.nat(20_000), fc.option(fc.nat(20_000), { nil: undefined }), (size, a, b) => {
        const header = `bytes=${a}-${b ?? ''}`;
        const r = parseRange(header, size);
        if (a >= size || (b !== undefined && b < a)) expect(r).toBe('unsatisfiable');
        else {
          expect(r).toEqual({ start: a, end: Math.min(b ?? size - 1, size - 1) });
        }
      }),
    );
    expect(parseRange('bytes=-5', 3)).toEqual({ start: 0, end: 2 });
    expect(parseRange('items=0-1', 10)).toBeNull();
    expect(parseRange(undefined, 10)).toBeNull();
  });

  it('pages and scripts are never shown inline, and a claimed image must be one', () => {
    for (const t of ['text/html', 'image/svg+xml', 'application/xhtml+xml', 'application/javascript', 'text/xml']) expect(isInlineSafe(t)).toBe(false);
    for (const t of ['image/jpeg', 'audio/mpeg', 'application/pdf']) expect(isInlineSafe(t)).toBe(true);
    expect(bytesContradict('image/png', new TextEncoder().encode('<svg>'))).toBe(true);
    expect(bytesContradict('text/plain', new TextEncoder().encode('hi'))).toBe(false);
  });
});
