/*
 * The one way Switchboard talks to a FHIR R4 server: the import, the scheduled sync and the
 * write-back all go through it. It signs requests (a bearer token, or an OAuth2
 * client_credentials token it fetches and refreshes), follows search `next` links on the
 * same server only, retries network errors, 429 (honouring Retry-After) and 5xx with
 * exponential backoff, and turns everything else into a FhirError with a kind the callers
 * act on (401: the connection is failing; 412: read again and retry; 404/410: gone).
 *
 * Nothing here logs. Error messages name the server's origin and path, never a query string
 * (a next link may carry a session key), a token or a resource's content.
 */

export interface FhirReference {
  reference?: string;
  display?: string;
}
export interface FhirCodeable {
  text?: string;
  coding?: { system?: string; code?: string; display?: string }[];
}
export interface FhirResource {
  resourceType?: string;
  id?: string;
  meta?: { versionId?: string; lastUpdated?: string; [key: string]: unknown };
  [key: string]: unknown;
}
export interface FhirParticipant {
  actor?: FhirReference;
  status?: string;
  required?: string;
  type?: FhirCodeable[];
  [key: string]: unknown;
}
export interface FhirAppointment extends FhirResource {
  identifier?: { system?: string; value?: string }[];
  status?: string;
  start?: string;
  end?: string;
  minutesDuration?: number;
  serviceType?: FhirCodeable[];
  appointmentType?: FhirCodeable;
  cancelationReason?: FhirCodeable;
  participant?: FhirParticipant[];
}
export interface FhirPatient extends FhirResource {
  active?: boolean;
  name?: { use?: string; given?: string[]; family?: string; text?: string }[];
  telecom?: { system?: string; value?: string; use?: string; rank?: number }[];
  birthDate?: string;
  communication?: { language?: FhirCodeable; preferred?: boolean }[];
  link?: { other?: FhirReference; type?: string }[];
}
export interface FhirBundle {
  resourceType: 'Bundle';
  total?: number;
  link?: { relation?: string; url?: string }[];
  entry?: { fullUrl?: string; resource?: FhirResource; search?: { mode?: string } }[];
}

export type FhirAuth =
  | { kind: 'bearer'; token: string }
  | { kind: 'client_credentials'; tokenUrl: string; clientId: string; clientSecret: string; scope?: string | null };

export interface FhirClientOptions {
  /** e.g. https://ehr.example.com/fhir */
  baseUrl: string;
  auth?: FhirAuth | null;
  fetch?: typeof fetch;
  /** tries per request for network errors, 429 and 5xx (default 4) */
  attempts?: number;
  /** first retry after this long, doubling (default 500 ms) */
  backoffMs?: number;
  /**
   * the longest a Retry-After (or backoff) may hold this process (default 30 s); a longer one
   * comes back as a `rate_limited` FhirError with retryAfterMs, for the caller's outbox to wait
   */
  maxWaitMs?: number;
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => Date;
}

export type FhirErrorKind =
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'gone'
  | 'conflict'
  | 'precondition_failed'
  | 'rate_limited'
  | 'server'
  | 'network'
  | 'invalid'
  | 'refused';

export class FhirError extends Error {
  override name = 'FhirError';
  constructor(
    readonly kind: FhirErrorKind,
    message: string,
    readonly status: number | null = null,
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
  }

  /** Worth trying again later (as opposed to a refusal that will not change by itself). */
  get transient(): boolean {
    return ['rate_limited', 'server', 'network', 'conflict', 'precondition_failed'].includes(this.kind);
  }
}

export interface FhirRead<T extends FhirResource = FhirResource> {
  resource: T;
  /** from the ETag (W/"3") or meta.versionId; null when the server does not version */
  versionId: string | null;
}

/** Query strings of next links may carry session keys; messages show only origin and path. */
export const redactUrl = (url: string) => {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return 'the given URL';
  }
};

/** `Retry-After`: seconds, or an HTTP date. */
export function retryAfterMs(header: string | null, now: Date): number | null {
  if (!header) return null;
  const v = header.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - now.getTime());
}

const versionOf = (etag: string | null, resource: FhirResource | null): string | null => {
  const m = etag ? /^(?:W\/)?"?([^"]+)"?$/.exec(etag.trim()) : null;
  return m?.[1] ?? resource?.meta?.versionId ?? null;
};

/** An OperationOutcome's first diagnostics, trimmed (it may say why a write was refused). */
function outcomeText(body: unknown): string {
  const issue = (body as { resourceType?: string; issue?: { diagnostics?: string; details?: { text?: string }; code?: string }[] } | null)?.issue?.[0];
  const text = issue?.diagnostics ?? issue?.details?.text ?? issue?.code;
  return text ? `: ${String(text).slice(0, 200)}` : '';
}

interface RawResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

export class FhirClient {
  readonly baseUrl: string;
  readonly origin: string;
  private accessToken: { value: string; expiresAt: number } | null = null;
  private readonly doFetch: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => Date;

  constructor(private readonly opts: FhirClientOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.origin = new URL(this.baseUrl).origin;
    this.doFetch = opts.fetch ?? ((...args) => fetch(...args));
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.now = opts.now ?? (() => new Date());
  }

  /** Every page of a search, following `next` links (on this server only) until there are none. */
  async *search(resourceType: string, params: [string, string][]): AsyncGenerator<FhirBundle> {
    const first = new URL(`${this.baseUrl}/${resourceType}`);
    for (const [k, v] of params) first.searchParams.append(k, v);
    const seen = new Set<string>();
    let url: string | null = first.toString();
    while (url) {
      if (seen.has(url)) return;
      seen.add(url);
      const res = await this.request('GET', url);
      const page = asBundle(res.body, url);
      yield page;
      const next = page.link?.find((l) => l.relation === 'next')?.url ?? null;
      if (!next) return;
      const resolved = new URL(next, this.baseUrl + '/');
      // the credentials go only to the server they were given for
      if (resolved.origin !== this.origin) throw new FhirError('refused', `the next link points at another server (${resolved.origin}); stopped`);
      url = resolved.toString();
    }
  }

  async read<T extends FhirResource>(resourceType: string, id: string): Promise<FhirRead<T>> {
    const res = await this.request('GET', this.resourceUrl(resourceType, id));
    const resource = res.body as T;
    if (!resource || resource.resourceType !== resourceType) throw new FhirError('invalid', `${resourceType}/${id}: the server answered something else`, res.status);
    return { resource, versionId: versionOf(res.headers.get('etag'), resource) };
  }

  /** PUT the whole resource; with a version, only if it is still that one (412 otherwise). */
  async update<T extends FhirResource>(resource: T & { resourceType: string; id: string }, ifMatchVersion: string | null): Promise<FhirRead<T>> {
    const headers: Record<string, string> = ifMatchVersion ? { 'if-match': `W/"${ifMatchVersion}"` } : {};
    const res = await this.request('PUT', this.resourceUrl(resource.resourceType, resource.id), resource, headers);
    const body = (res.body as T | null) ?? resource;
    return { resource: body, versionId: versionOf(res.headers.get('etag'), res.body as FhirResource | null) };
  }

  /**
   * POST a new resource. With `ifNoneExist` (a search such as `identifier=sys|value`) the
   * server makes it only if no match exists, so a retried create never makes two.
   */
  async create<T extends FhirResource>(resource: T & { resourceType: string }, opts: { ifNoneExist?: string } = {}): Promise<FhirRead<T>> {
    const headers: Record<string, string> = { prefer: 'return=representation', ...(opts.ifNoneExist ? { 'if-none-exist': opts.ifNoneExist } : {}) };
    const res = await this.request('POST', `${this.baseUrl}/${resource.resourceType}`, resource, headers);
    const body = res.body as T | null;
    let id = body?.resourceType === resource.resourceType ? body.id : undefined;
    if (!id) {
      // a server that answers 201 with only a Location header
      const location = res.headers.get('location') ?? res.headers.get('content-location');
      id = location ? new RegExp(`${resource.resourceType}/([^/]+)`).exec(location)?.[1] : undefined;
      if (!id) throw new FhirError('invalid', `the server made the ${resource.resourceType} but did not say its id`, res.status);
      const read = await this.read<T>(resource.resourceType, id);
      return read;
    }
    return { resource: body!, versionId: versionOf(res.headers.get('etag'), body) };
  }

  /**
   * Read, change, write with If-Match; when someone else changed it in between (412), read
   * it again and re-apply, a few times. `change` returns null when there is nothing to do.
   */
  async modify<T extends FhirResource>(resourceType: string, id: string, change: (current: T) => T | null, tries = 3): Promise<FhirRead<T> & { changed: boolean }> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.read<T>(resourceType, id);
      const next = change(structuredClone(current.resource));
      if (!next) return { ...current, changed: false };
      try {
        const written = await this.update({ ...next, resourceType, id } as T & { resourceType: string; id: string }, current.versionId);
        return { ...written, changed: true };
      } catch (err) {
        if (err instanceof FhirError && err.kind === 'precondition_failed' && attempt < tries) continue;
        throw err;
      }
    }
  }

  private resourceUrl(resourceType: string, id: string): string {
    return `${this.baseUrl}/${resourceType}/${encodeURIComponent(id)}`;
  }

  private async authorization(): Promise<string | null> {
    const auth = this.opts.auth;
    if (!auth) return null;
    if (auth.kind === 'bearer') return `Bearer ${auth.token}`;
    if (!this.accessToken || this.accessToken.expiresAt <= this.now().getTime()) this.accessToken = await this.fetchAccessToken(auth);
    return `Bearer ${this.accessToken.value}`;
  }

  /** OAuth2 client_credentials with client_secret_basic (RFC 6749 4.4). */
  private async fetchAccessToken(auth: Extract<FhirAuth, { kind: 'client_credentials' }>): Promise<{ value: string; expiresAt: number }> {
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (auth.scope) form.set('scope', auth.scope);
    const basic = Buffer.from(`${encodeURIComponent(auth.clientId)}:${encodeURIComponent(auth.clientSecret)}`).toString('base64');
    const res = await this.send('POST', auth.tokenUrl, form.toString(), {
      authorization: `Basic ${basic}`,
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    });
    if (res.status === 400 || res.status === 401 || res.status === 403) {
      throw new FhirError('unauthorized', `the token endpoint refused the client credentials (${res.status}) at ${redactUrl(auth.tokenUrl)}`, res.status);
    }
    if (res.status < 200 || res.status >= 300) throw new FhirError('invalid', `the token endpoint answered ${res.status} at ${redactUrl(auth.tokenUrl)}`, res.status);
    const body = res.body as { access_token?: unknown; expires_in?: unknown } | null;
    if (typeof body?.access_token !== 'string' || body.access_token === '') {
      throw new FhirError('invalid', `the token endpoint gave no access_token at ${redactUrl(auth.tokenUrl)}`, res.status);
    }
    const seconds = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 300;
    // a minute early, so a token never expires in the middle of a page
    return { value: body.access_token, expiresAt: this.now().getTime() + Math.max(0, seconds - 60) * 1000 };
  }

  private async request(method: string, url: string, body?: unknown, extra: Record<string, string> = {}): Promise<RawResponse> {
    let refreshed = false;
    for (;;) {
      const authorization = await this.authorization();
      const headers: Record<string, string> = { accept: 'application/fhir+json', ...extra };
      if (authorization) headers.authorization = authorization;
      if (body !== undefined) headers['content-type'] = 'application/fhir+json';
      const res = await this.send(method, url, body === undefined ? undefined : JSON.stringify(body), headers);
      if (res.status === 401 && this.opts.auth?.kind === 'client_credentials' && !refreshed) {
        // an access token the server no longer takes: one fresh one, then it counts
        refreshed = true;
        this.accessToken = null;
        continue;
      }
      if (res.status >= 200 && res.status < 300) return res;
      const where = `${method} ${redactUrl(url)}`;
      const said = outcomeText(res.body);
      switch (res.status) {
        case 401:
          throw new FhirError('unauthorized', `the FHIR server refused the credentials (401 Unauthorized) at ${where}`, 401);
        case 403:
          throw new FhirError('forbidden', `the FHIR server does not allow this (403 Forbidden) at ${where}${said}`, 403);
        case 404:
          throw new FhirError('not_found', `not found (404) at ${where}`, 404);
        case 410:
          throw new FhirError('gone', `deleted in the EHR (410 Gone) at ${where}`, 410);
        case 409:
          throw new FhirError('conflict', `the FHIR server reported a conflict (409) at ${where}${said}`, 409);
        case 412:
          throw new FhirError('precondition_failed', `the resource changed in the EHR meanwhile (412) at ${where}`, 412);
        default:
          throw new FhirError('invalid', `the FHIR server answered ${res.status} at ${where}${said}`, res.status);
      }
    }
  }

  /** One HTTP exchange with the retries: network errors, 429 and 5xx; everything else is the caller's. */
  private async send(method: string, url: string, body: string | undefined, headers: Record<string, string>): Promise<RawResponse> {
    const attempts = this.opts.attempts ?? 4;
    const maxWait = this.opts.maxWaitMs ?? 30_000;
    let problem: FhirError | null = null;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      let res: Response | null = null;
      try {
        res = await this.doFetch(url, { method, headers, body, signal: AbortSignal.timeout(this.opts.timeoutMs ?? 30_000) });
      } catch (err) {
        problem = new FhirError('network', `the FHIR server could not be reached (${(err as Error).name === 'TimeoutError' ? 'timed out' : 'network error'}) at ${method} ${redactUrl(url)}`);
      }
      let wait = (this.opts.backoffMs ?? 500) * 2 ** (attempt - 1);
      if (res) {
        if (res.status !== 429 && res.status < 500) {
          const text = await res.text();
          let parsed: unknown = null;
          if (text.trim() !== '') {
            try {
              parsed = JSON.parse(text);
            } catch {
              if (res.status >= 200 && res.status < 300) throw new FhirError('invalid', `the FHIR server answered something that is not JSON at ${method} ${redactUrl(url)}`, res.status);
            }
          }
          return { status: res.status, headers: res.headers, body: parsed };
        }
        await res.text().catch(() => '');
        const after = retryAfterMs(res.headers.get('retry-after'), this.now());
        if (res.status === 429) {
          problem = new FhirError('rate_limited', `the FHIR server asked us to slow down (429) at ${method} ${redactUrl(url)}`, 429, after ?? wait);
          if (after !== null) wait = after;
        } else {
          problem = new FhirError('server', `the FHIR server failed (${res.status}) at ${method} ${redactUrl(url)}`, res.status, after);
          if (after !== null) wait = Math.max(wait, after);
        }
      }
      if (attempt >= attempts) break;
      // a wait longer than this process should hold goes back to the caller's outbox
      if (wait > maxWait) {
        throw new FhirError(problem!.kind, problem!.message, problem!.status, wait);
      }
      await this.sleep(wait);
    }
    throw new FhirError(problem!.kind, `${problem!.message}, ${attempts} tries`, problem!.status, problem!.retryAfterMs);
  }
}

function asBundle(json: unknown, url: string): FhirBundle {
  const b = json as FhirBundle | null;
  if (!b || typeof b !== 'object' || b.resourceType !== 'Bundle') {
    const kind = (b as { resourceType?: unknown } | null)?.resourceType;
    throw new FhirError('invalid', `expected a FHIR Bundle from ${redactUrl(url)}, got ${typeof kind === 'string' ? `a ${kind}` : 'something else'}`);
  }
  return b;
}

/** `Patient/123`, `https://ehr/fhir/Patient/123`, `Patient/123/_history/2` -> `123`; else null. */
export function referenceId(reference: string | undefined, resourceType: string): string | null {
  if (!reference) return null;
  const m = new RegExp(`(?:^|/)${resourceType}/([^/]+?)(?:/_history/.*)?$`).exec(reference);
  return m?.[1] ?? null;
}
