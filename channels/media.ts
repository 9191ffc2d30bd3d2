/**
 * Fetching a patient's media from where a provider keeps it, with the limits that make it
 * safe to do from our servers: only from the hosts the provider documents (never a host a
 * webhook names), redirects followed by hand and checked hop by hop, credentials sent to
 * the provider's API host only, a size cap enforced while reading, and the content type
 * checked by the caller.
 */

export class MediaFetchError extends Error {
  override readonly name = 'MediaFetchError';
  constructor(
    readonly kind: 'retryable' | 'permanent',
    /** a short code kept on the attachment: not_allowed, not_found, unauthorized, too_large, bad_type, http_503 ... */
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface MediaFetchRules {
  /** hosts the first URL may name (https only) */
  hosts: readonly string[];
  /** hosts a redirect may lead to */
  redirectHosts: readonly string[];
  /** path prefix the first URL must have (e.g. the account's own path at Twilio) */
  pathPrefix?: string;
  /** basic-auth credentials, sent only to `authHosts` */
  auth?: { user: string; password: string; hosts: readonly string[] };
  maxBytes: number;
  /** whether a (normalised) content type is taken */
  accept(contentType: string): boolean;
}

export interface FetchedMedia {
  bytes: Uint8Array;
  /** as the final answer declared it, lower case without parameters */
  contentType: string;
}

const MAX_REDIRECTS = 3;

export async function fetchMedia(
  url: string,
  rules: MediaFetchRules,
  opts: { fetch?: typeof globalThis.fetch; timeoutMs?: number } = {},
): Promise<FetchedMedia> {
  let current: URL;
  try {
    current = new URL(url);
  } catch {
    throw new MediaFetchError('permanent', 'not_allowed', 'the media link is not a URL');
  }
  if (current.protocol !== 'https:' || !rules.hosts.includes(current.hostname) || current.username || current.password) {
    throw new MediaFetchError('permanent', 'not_allowed', `media are fetched only over https from ${rules.hosts.join(', ')}`);
  }
  if (rules.pathPrefix && !current.pathname.startsWith(rules.pathPrefix)) {
    throw new MediaFetchError('permanent', 'not_allowed', 'the media link is not under this account');
  }
  const doFetch = opts.fetch ?? globalThis.fetch;
  for (let hop = 0; ; hop++) {
    const headers: Record<string, string> = {};
    if (rules.auth && rules.auth.hosts.includes(current.hostname)) {
      headers.authorization = `Basic ${Buffer.from(`${rules.auth.user}:${rules.auth.password}`).toString('base64')}`;
    }
    let res: Response;
    try {
      res = await doFetch(current, { method: 'GET', headers, redirect: 'manual', signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000) });
    } catch (err) {
      throw new MediaFetchError('retryable', 'unreachable', `the media host did not answer (${err instanceof Error ? err.name : 'error'})`);
    }
    if (res.status >= 300 && res.status < 400) {
      void res.body?.cancel().catch(() => undefined);
      const location = res.headers.get('location');
      if (!location || hop >= MAX_REDIRECTS) throw new MediaFetchError('permanent', 'redirect_refused', 'too many or empty redirects');
      const next = new URL(location, current);
      if (next.protocol !== 'https:' || !(rules.redirectHosts.includes(next.hostname) || rules.hosts.includes(next.hostname))) {
        throw new MediaFetchError('permanent', 'redirect_refused', `a redirect to ${next.hostname} is not followed`);
      }
      current = next;
      continue;
    }
    if (!res.ok) {
      void res.body?.cancel().catch(() => undefined);
      const retryable = res.status === 408 || res.status === 429 || res.status >= 500;
      const code = res.status === 404 ? 'not_found' : res.status === 401 || res.status === 403 ? 'unauthorized' : `http_${res.status}`;
      throw new MediaFetchError(retryable ? 'retryable' : 'permanent', code, `the media host answered ${res.status}`);
    }
    const contentType = (res.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase() || 'application/octet-stream';
    if (!rules.accept(contentType)) {
      void res.body?.cancel().catch(() => undefined);
      throw new MediaFetchError('permanent', 'bad_type', `media of type ${contentType} are not taken`);
    }
    const declared = Number(res.headers.get('content-length') ?? NaN);
    if (Number.isFinite(declared) && declared > rules.maxBytes) {
      void res.body?.cancel().catch(() => undefined);
      throw new MediaFetchError('permanent', 'too_large', `the media is ${declared} bytes; at most ${rules.maxBytes} are taken`);
    }
    return { bytes: await readCapped(res, rules.maxBytes), contentType };
  }
}

async function readCapped(res: Response, maxBytes: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (!res.body) return new Uint8Array();
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      void reader.cancel().catch(() => undefined);
      throw new MediaFetchError('permanent', 'too_large', `the media is over ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** Twilio's REST host; media and recordings live under the account's own path there. */
export const TWILIO_API_HOST = 'api.twilio.com';
/**
 * Where Twilio redirects a media request: its CDN for accounts that enforce HTTP auth on
 * media (a signed link valid 4 hours), S3 for older public media.
 */
export const TWILIO_MEDIA_REDIRECT_HOSTS = ['mms.twiliocdn.com', 'media.twiliocdn.com', 's3-external-1.amazonaws.com'] as const;

export function twilioMediaRules(input: { accountSid: string; authToken: string; maxBytes: number; accept(contentType: string): boolean }): MediaFetchRules {
  return {
    hosts: [TWILIO_API_HOST],
    redirectHosts: TWILIO_MEDIA_REDIRECT_HOSTS,
    pathPrefix: `/2010-04-01/Accounts/${input.accountSid}/`,
    auth: { user: input.accountSid, password: input.authToken, hosts: [TWILIO_API_HOST] },
    maxBytes: input.maxBytes,
    accept: input.accept,
  };
}
