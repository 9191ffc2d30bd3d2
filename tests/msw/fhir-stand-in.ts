import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { http, HttpResponse } from 'msw';

/*
 * A small stateful FHIR R4 server for tests: Appointments and Patients with versions,
 * searches by date with `_include=Appointment:patient` and paged `next` links, reads with
 * ETags, PUT with If-Match (412 on a stale version), POST with If-None-Exist, a bearer token
 * or an OAuth2 client_credentials token endpoint, and faults on demand (401, 429 with
 * Retry-After, 5xx). It is one fetch-style handler: msw serves it in-process, and
 * `listen()` serves it over a real node:http server that records what reached it.
 */

type Resource = Record<string, unknown> & { resourceType: string; id: string };

export interface RecordedRequest {
  method: string;
  path: string;
  url: string;
  query: URLSearchParams;
  authorization: string | null;
  ifMatch: string | null;
  ifNoneExist: string | null;
  body: unknown;
}

export interface Fault {
  method?: string;
  path?: RegExp;
  status: number;
  headers?: Record<string, string>;
  /** how many requests it answers (default 1) */
  times?: number;
}

export interface StandInOptions {
  base: string;
  /** the bearer token it takes (static), unless client credentials are set */
  token?: string;
  clientCredentials?: { tokenUrl: string; clientId: string; clientSecret: string; expiresIn?: number };
  pageSize?: number;
}

export class FhirStandIn {
  base: string;
  readonly requests: RecordedRequest[] = [];
  readonly resources = new Map<string, { resource: Resource; version: number; deleted?: boolean }>();
  /** Patients the search leaves out of its includes (they must be read one by one) */
  readonly omitIncludes = new Set<string>();
  private faults: (Fault & { left: number })[] = [];
  private issued = new Set<string>();
  private pages = new Map<string, Resource[]>();
  private seq = 0;
  /** runs before a PUT is checked: a test makes "someone else" edit the resource in between */
  beforeWrite: ((id: string) => void) | null = null;
  token: string | undefined;

  constructor(private readonly opts: StandInOptions) {
    this.base = opts.base.replace(/\/+$/, '');
    this.token = opts.token;
  }

  /** A resource as the EHR holds it (a new version if it was there). */
  put(resource: Resource): void {
    const key = `${resource.resourceType}/${resource.id}`;
    const version = (this.resources.get(key)?.version ?? 0) + 1;
    this.resources.set(key, { resource: { ...structuredClone(resource), meta: { versionId: String(version), lastUpdated: new Date().toISOString() } }, version });
  }

  /** Someone at the front desk changes it in the EHR. */
  edit(key: string, change: (r: Resource) => void): void {
    const current = this.resources.get(key)!;
    const next = structuredClone(current.resource);
    change(next);
    this.put(next);
  }

  remove(key: string, how: 'deleted' | 'missing' = 'deleted'): void {
    if (how === 'missing') this.resources.delete(key);
    else this.resources.get(key)!.deleted = true;
  }

  get(key: string): Resource | undefined {
    return this.resources.get(key)?.resource;
  }

  fault(f: Fault): void {
    this.faults.push({ ...f, left: f.times ?? 1 });
  }

  clearFaults(): void {
    this.faults = [];
  }

  writes(): RecordedRequest[] {
    return this.requests.filter((r) => r.method === 'PUT' || r.method === 'POST');
  }

  private authorized(header: string | null): boolean {
    if (this.opts.clientCredentials) return header !== null && this.issued.has(header.replace(/^Bearer /, ''));
    return header === `Bearer ${this.token}`;
  }

  async handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const text = request.method === 'GET' ? '' : await request.text();
    let body: unknown = null;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    const rec: RecordedRequest = {
      method: request.method,
      path: url.pathname,
      url: request.url,
      query: new URLSearchParams(url.search),
      authorization: request.headers.get('authorization'),
      ifMatch: request.headers.get('if-match'),
      ifNoneExist: request.headers.get('if-none-exist'),
      body,
    };
    this.requests.push(rec);
    const fault = this.faults.find((f) => f.left > 0 && (!f.method || f.method === rec.method) && (!f.path || f.path.test(rec.path)));
    if (fault) {
      fault.left--;
      return json({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception' }] }, fault.status, fault.headers);
    }
    const cc = this.opts.clientCredentials;
    if (cc && request.url.startsWith(cc.tokenUrl)) return this.tokenEndpoint(request, text);
    if (!this.authorized(rec.authorization)) return json({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'login' }] }, 401);
    const path = url.pathname.slice(new URL(this.base).pathname.length).replace(/^\/+/, '');
    const [type, id] = path.split('/');
    if (request.method === 'GET' && type === 'Appointment' && !id) return this.search(url);
    if (request.method === 'GET' && type && id) return this.read(`${type}/${id}`);
    if (request.method === 'PUT' && type && id) return this.update(`${type}/${id}`, rec, body as Resource);
    if (request.method === 'POST' && type && !id) return this.create(type, rec, body as Resource);
    return json({ resourceType: 'OperationOutcome' }, 400);
  }

  private tokenEndpoint(request: Request, text: string): Response {
    const cc = this.opts.clientCredentials!;
    const expected = `Basic ${Buffer.from(`${cc.clientId}:${cc.clientSecret}`).toString('base64')}`;
    const form = new URLSearchParams(text);
    if (request.headers.get('authorization') !== expected || form.get('grant_type') !== 'client_credentials') return json({ error: 'invalid_client' }, 401);
    const token = `at-${++this.seq}-${Math.random().toString(36).slice(2)}`;
    this.issued.add(token);
    return json({ access_token: token, token_type: 'bearer', expires_in: cc.expiresIn ?? 3600 });
  }

  /** An access token stops working (the EHR revoked it or it expired early). */
  revokeAccessTokens(): void {
    this.issued.clear();
  }

  private search(url: URL): Response {
    const pageKey = url.searchParams.get('_getpages');
    let matched: Resource[];
    if (pageKey) {
      matched = this.pages.get(pageKey) ?? [];
    } else {
      const bounds = url.searchParams.getAll('date').map((d) => {
        const m = /^(ge|gt|le|lt|eq)?(.*)$/.exec(d)!;
        return { op: m[1] ?? 'eq', at: new Date(/T/.test(m[2]!) ? m[2]! : `${m[2]}T00:00:00Z`).getTime(), dateOnly: !/T/.test(m[2]!) };
      });
      matched = [...this.resources.values()]
        .filter((r) => !r.deleted && r.resource.resourceType === 'Appointment')
        .map((r) => r.resource)
        .filter((a) => {
          const start = new Date(a.start as string).getTime();
          return bounds.every((b) => {
            const end = b.dateOnly ? b.at + 86_400_000 : b.at;
            if (b.op === 'ge') return start >= b.at;
            if (b.op === 'gt') return start > b.at;
            if (b.op === 'lt') return start < b.at;
            if (b.op === 'le') return start < end || start <= b.at;
            return start >= b.at && start < end;
          });
        })
        .sort((a, b) => new Date(a.start as string).getTime() - new Date(b.start as string).getTime() || String(a.id).localeCompare(String(b.id)));
      const key = `p${++this.seq}`;
      this.pages.set(key, matched);
      url.searchParams.set('_getpages', key);
    }
    const key = url.searchParams.get('_getpages')!;
    const size = Math.min(Number(url.searchParams.get('_count') ?? 100), this.opts.pageSize ?? 100);
    const offset = Number(url.searchParams.get('_getpagesoffset') ?? 0);
    const page = matched.slice(offset, offset + size);
    const include = url.searchParams.get('_include') === 'Appointment:patient' || Boolean(pageKey);
    const patientIds = new Set<string>();
    if (include) {
      for (const a of page) {
        for (const p of (a.participant as { actor?: { reference?: string } }[] | undefined) ?? []) {
          const id = /Patient\/([^/]+)$/.exec(p.actor?.reference ?? '')?.[1];
          if (id && !this.omitIncludes.has(id) && this.resources.has(`Patient/${id}`)) patientIds.add(id);
        }
      }
    }
    const next = offset + size < matched.length ? `${this.base}/Appointment?_getpages=${key}&_getpagesoffset=${offset + size}&_count=${size}` : null;
    return json({
      resourceType: 'Bundle',
      type: 'searchset',
      total: matched.length,
      link: [{ relation: 'self', url: url.toString() }, ...(next ? [{ relation: 'next', url: next }] : [])],
      entry: [
        ...page.map((r) => ({ fullUrl: `${this.base}/Appointment/${r.id}`, resource: r, search: { mode: 'match' } })),
        ...[...patientIds].map((id) => ({ fullUrl: `${this.base}/Patient/${id}`, resource: this.resources.get(`Patient/${id}`)!.resource, search: { mode: 'include' } })),
      ],
    });
  }

  private read(key: string): Response {
    const r = this.resources.get(key);
    if (!r) return json({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found' }] }, 404);
    if (r.deleted) return json({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'deleted' }] }, 410);
    return json(r.resource, 200, { etag: `W/"${r.version}"` });
  }

  private update(key: string, rec: RecordedRequest, body: Resource): Response {
    this.beforeWrite?.(key);
    const r = this.resources.get(key);
    if (!r || r.deleted) return json({ resourceType: 'OperationOutcome' }, r ? 410 : 404);
    if (rec.ifMatch && rec.ifMatch !== `W/"${r.version}"`) return json({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'conflict', diagnostics: 'version conflict' }] }, 412);
    this.put(body);
    const now = this.resources.get(key)!;
    return json(now.resource, 200, { etag: `W/"${now.version}"` });
  }

  private create(type: string, rec: RecordedRequest, body: Resource): Response {
    if (rec.ifNoneExist) {
      const m = /^identifier=([^|]*)\|(.*)$/.exec(rec.ifNoneExist);
      const found = [...this.resources.values()].find(
        (r) => r.resource.resourceType === type && ((r.resource.identifier as { system?: string; value?: string }[] | undefined) ?? []).some((i) => i.system === m?.[1] && i.value === m?.[2]),
      );
      if (found) return json(found.resource, 200, { etag: `W/"${found.version}"` });
    }
    const id = `new-${++this.seq}`;
    this.put({ ...body, resourceType: type, id });
    const made = this.resources.get(`${type}/${id}`)!;
    return json(made.resource, 201, { etag: `W/"1"`, location: `${this.base}/${type}/${id}/_history/1` });
  }

  /** msw handlers serving this stand-in (and its token endpoint). */
  handlers() {
    const list = [http.all(`${this.base}/*`, ({ request }) => this.handle(request))];
    if (this.opts.clientCredentials) list.push(http.post(this.opts.clientCredentials.tokenUrl, ({ request }) => this.handle(request)));
    return list;
  }

  /**
   * The stand-in over a real HTTP server on 127.0.0.1 (a free port); `base` becomes its
   * address plus the given path. Returns a function that closes it.
   */
  async listen(path = '/fhir'): Promise<{ close: () => Promise<void>; origin: string }> {
    const server: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        const headers = new Headers();
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
        const body = chunks.length && req.method !== 'GET' && req.method !== 'HEAD' ? Buffer.concat(chunks) : undefined;
        void this.handle(new Request(`${origin}${req.url}`, { method: req.method, headers, body })).then(async (response) => {
          res.writeHead(response.status, Object.fromEntries(response.headers.entries()));
          res.end(Buffer.from(await response.arrayBuffer()));
        });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    this.base = `${origin}${path}`;
    if (this.opts.clientCredentials) this.opts.clientCredentials.tokenUrl = `${origin}/oauth/token`;
    return { origin, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
  }
}

function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return HttpResponse.json(body as Record<string, unknown>, { status, headers: { 'content-type': 'application/fhir+json', ...headers } }) as unknown as Response;
}

export const patient = (id: string, given: string, family: string, phone: string | null, extra: Record<string, unknown> = {}): Resource => ({
  resourceType: 'Patient',
  id,
  name: [{ use: 'official', given: [given], family }],
  telecom: phone ? [{ system: 'phone', value: phone, use: 'mobile' }] : [],
  birthDate: '1980-04-02',
  ...extra,
});

export const appointment = (id: string, patientId: string, start: string, extra: Record<string, unknown> = {}): Resource => ({
  resourceType: 'Appointment',
  id,
  status: 'booked',
  start,
  minutesDuration: 30,
  serviceType: [{ text: 'Follow-up' }],
  participant: [
    { actor: { reference: `Patient/${patientId}`, display: 'Patient' }, status: 'needs-action' },
    { actor: { reference: 'Practitioner/dr-1', display: 'Dr. Rivera' }, status: 'accepted' },
  ],
  ...extra,
});
