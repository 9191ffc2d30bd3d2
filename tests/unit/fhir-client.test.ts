import { setupServer } from 'msw/node';
import { http, HttpResponse } from 'msw';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FhirClient, FhirError, retryAfterMs, type FhirAppointment } from '../../src/scheduling/ehr/fhir-client';
import { appointment, FhirStandIn, patient } from '../msw/fhir-stand-in';
import { open, seal } from '../../src/access/secret-box';
import { decodeSecretKey, parseEnv } from '../../src/platform/env';
import { syncWindow } from '../../src/scheduling/ehr/sync';
import { isoInZone, localParts } from '../../src/platform/time';

const BASE = 'https://ehr-unit.example.test/fhir';
const TOKEN = 'unit-bearer-token-0123456789';
const ehr = new FhirStandIn({ base: BASE, token: TOKEN, pageSize: 2 });
const cc = new FhirStandIn({
  base: 'https://cc-ehr.example.test/fhir',
  clientCredentials: { tokenUrl: 'https://auth.cc-ehr.example.test/oauth/token', clientId: 'switchboard', clientSecret: 'client-secret-0123456789' },
});
const server = setupServer(...ehr.handlers(), ...cc.handlers());

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  server.resetHandlers();
  ehr.clearFaults();
  ehr.requests.length = 0;
  ehr.beforeWrite = null;
});
afterAll(() => server.close());

/** A client whose waits are recorded instead of slept: the tests never sleep for timing. */
function client(extra: Partial<ConstructorParameters<typeof FhirClient>[0]> = {}) {
  const waits: number[] = [];
  const c = new FhirClient({ baseUrl: BASE, auth: { kind: 'bearer', token: TOKEN }, sleep: async (ms) => void waits.push(ms), backoffMs: 100, ...extra });
  return { c, waits };
}

describe('FHIR client: search', () => {
  beforeAll(() => {
    for (let i = 1; i <= 5; i++) {
      ehr.put(patient(`p${i}`, `Given${i}`, `Family${i}`, `+1415555010${i}`));
      ehr.put(appointment(`a${i}`, `p${i}`, `2026-02-0${i}T09:00:00-05:00`));
    }
  });

  it('follows next links page by page with the bearer token, each page with its included Patients', async () => {
    const { c } = client();
    const pages = [];
    for await (const page of c.search('Appointment', [['_include', 'Appointment:patient'], ['_count', '100']])) pages.push(page);
    expect(pages).toHaveLength(3);
    expect(pages.map((p) => p.entry!.filter((e) => e.resource?.resourceType === 'Appointment').map((e) => e.resource!.id))).toEqual([['a1', 'a2'], ['a3', 'a4'], ['a5']]);
    expect(pages[0]!.entry!.filter((e) => e.search?.mode === 'include').map((e) => e.resource!.id)).toEqual(['p1', 'p2']);
    expect(ehr.requests.every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect(ehr.requests[1]!.query.get('_getpagesoffset')).toBe('2');
  });

  it('refuses a next link to another server, so the token never leaves its server', async () => {
    server.use(
      http.get(`${BASE}/Appointment`, () =>
        HttpResponse.json({ resourceType: 'Bundle', entry: [], link: [{ relation: 'next', url: 'https://evil.example.test/fhir/Appointment?page=2' }] }),
      ),
    );
    const { c } = client();
    const seen: unknown[] = [];
    await expect(
      (async () => {
        for await (const p of c.search('Appointment', [])) seen.push(p);
      })(),
    ).rejects.toMatchObject({ kind: 'refused' });
    expect(seen).toHaveLength(1);
  });

  it('retries 5xx with exponential backoff and goes on', async () => {
    ehr.fault({ method: 'GET', path: /Appointment$/, status: 503, times: 2 });
    const { c, waits } = client();
    const pages = [];
    for await (const page of c.search('Appointment', [])) pages.push(page);
    expect(pages).toHaveLength(3);
    expect(waits).toEqual([100, 200]);
  });

  it('gives up after its tries with a server error that says how often it tried (and no query string)', async () => {
    ehr.fault({ status: 502, times: 10 });
    const { c, waits } = client({ attempts: 3 });
    const err = await c.read('Appointment', 'a1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FhirError);
    expect(err).toMatchObject({ kind: 'server', status: 502 });
    expect((err as Error).message).toMatch(/502.*3 tries/);
    expect(waits).toEqual([100, 200]);
  });

  it('waits as long as a 429 Retry-After says (seconds, or an HTTP date)', async () => {
    ehr.fault({ status: 429, headers: { 'retry-after': '7' } });
    const { c, waits } = client();
    expect((await c.read('Appointment', 'a1')).resource.id).toBe('a1');
    expect(waits).toEqual([7000]);
    const now = new Date('2026-02-01T12:00:00Z');
    ehr.fault({ status: 429, headers: { 'retry-after': 'Sun, 01 Feb 2026 12:00:30 GMT' } });
    const dated = client({ now: () => now });
    await dated.c.read('Appointment', 'a1');
    expect(dated.waits).toEqual([30_000]);
  });

  it('hands a wait longer than it may hold back to the caller (rate_limited with retryAfterMs)', async () => {
    ehr.fault({ status: 429, headers: { 'retry-after': '600' } });
    const { c, waits } = client({ maxWaitMs: 0 });
    await expect(c.read('Appointment', 'a1')).rejects.toMatchObject({ kind: 'rate_limited', retryAfterMs: 600_000 });
    expect(waits).toEqual([]);
  });

  it('a refused token is unauthorized at once, not retried, and the message holds no token', async () => {
    const { c, waits } = client({ auth: { kind: 'bearer', token: 'not-the-token-123' } });
    const err = (await c.read('Appointment', 'a1').catch((e: unknown) => e)) as FhirError;
    expect(err.kind).toBe('unauthorized');
    expect(err.message).not.toContain('not-the-token-123');
    expect(waits).toEqual([]);
    expect(ehr.requests).toHaveLength(1);
  });

  it('404 and 410 come back as not_found and gone', async () => {
    const { c } = client();
    await expect(c.read('Appointment', 'nope')).rejects.toMatchObject({ kind: 'not_found' });
    ehr.put(appointment('gone-1', 'p1', '2026-02-09T09:00:00-05:00'));
    ehr.remove('Appointment/gone-1');
    await expect(c.read('Appointment', 'gone-1')).rejects.toMatchObject({ kind: 'gone' });
  });
});

describe('FHIR client: writes', () => {
  it('modify PUTs with If-Match on the version it read; on 412 it reads again and re-applies', async () => {
    ehr.put(appointment('w1', 'p1', '2026-03-02T09:00:00-05:00'));
    let edits = 0;
    ehr.beforeWrite = (key) => {
      // the front desk adds a note between our read and our write, once
      if (edits++ === 0) ehr.edit(key, (r) => (r.comment = 'bring your insurance card'));
    };
    const { c } = client();
    const r = await c.modify<FhirAppointment>('Appointment', 'w1', (a) => ({ ...a, status: 'cancelled' }));
    expect(r.changed).toBe(true);
    const trail = ehr.requests.map((q) => `${q.method} ${q.ifMatch ?? ''}`.trim());
    expect(trail).toEqual(['GET', 'PUT W/"1"', 'GET', 'PUT W/"2"']);
    expect(ehr.get('Appointment/w1')).toMatchObject({ status: 'cancelled', comment: 'bring your insurance card' });
    expect(r.versionId).toBe('3');
  });

  it('modify gives up with precondition_failed when every try conflicts', async () => {
    ehr.put(appointment('w2', 'p1', '2026-03-02T10:00:00-05:00'));
    ehr.beforeWrite = (key) => ehr.edit(key, (r) => (r.comment = `edit ${Math.random()}`));
    const { c } = client();
    await expect(c.modify<FhirAppointment>('Appointment', 'w2', (a) => ({ ...a, status: 'cancelled' }))).rejects.toMatchObject({ kind: 'precondition_failed' });
    expect(ehr.requests.filter((q) => q.method === 'PUT')).toHaveLength(3);
  });

  it('modify writes nothing when there is nothing to change', async () => {
    ehr.put(appointment('w3', 'p1', '2026-03-02T11:00:00-05:00', { status: 'cancelled' }));
    const { c } = client();
    const r = await c.modify<FhirAppointment>('Appointment', 'w3', (a) => (a.status === 'cancelled' ? null : a));
    expect(r.changed).toBe(false);
    expect(ehr.writes()).toHaveLength(0);
  });

  it('create with If-None-Exist makes one resource however often it is retried', async () => {
    const { c } = client();
    const body = { resourceType: 'Appointment', status: 'booked', identifier: [{ system: 'urn:switchboard:write-back', value: 'wb-1' }], start: '2026-03-03T09:00:00-05:00' };
    const first = await c.create<FhirAppointment>(body, { ifNoneExist: 'identifier=urn:switchboard:write-back|wb-1' });
    const again = await c.create<FhirAppointment>(body, { ifNoneExist: 'identifier=urn:switchboard:write-back|wb-1' });
    expect(again.resource.id).toBe(first.resource.id);
    expect([...ehr.resources.keys()].filter((k) => k === `Appointment/${first.resource.id}`)).toHaveLength(1);
    expect(ehr.requests.every((q) => q.method !== 'POST' || q.ifNoneExist === 'identifier=urn:switchboard:write-back|wb-1')).toBe(true);
  });
});

describe('FHIR client: OAuth2 client credentials', () => {
  it('fetches a token with client_secret_basic, uses it, and fetches a new one once when the server stops taking it', async () => {
    cc.put(appointment('c1', 'q1', '2026-02-01T09:00:00-05:00'));
    const c = new FhirClient({
      baseUrl: 'https://cc-ehr.example.test/fhir',
      auth: { kind: 'client_credentials', tokenUrl: 'https://auth.cc-ehr.example.test/oauth/token', clientId: 'switchboard', clientSecret: 'client-secret-0123456789', scope: 'system/Appointment.rs' },
      sleep: async () => {},
    });
    await c.read('Appointment', 'c1');
    await c.read('Appointment', 'c1');
    expect(cc.requests.filter((r) => r.path === '/oauth/token')).toHaveLength(1);
    cc.revokeAccessTokens();
    await c.read('Appointment', 'c1');
    expect(cc.requests.filter((r) => r.path === '/oauth/token')).toHaveLength(2);
    const tokenCall = cc.requests.find((r) => r.path === '/oauth/token')!;
    expect(String(tokenCall.body)).toContain('grant_type=client_credentials');
    expect(String(tokenCall.body)).toContain('scope=system%2FAppointment.rs');
  });

  it('a wrong client secret is unauthorized', async () => {
    const c = new FhirClient({
      baseUrl: 'https://cc-ehr.example.test/fhir',
      auth: { kind: 'client_credentials', tokenUrl: 'https://auth.cc-ehr.example.test/oauth/token', clientId: 'switchboard', clientSecret: 'wrong' },
      sleep: async () => {},
    });
    await expect(c.read('Appointment', 'c1')).rejects.toMatchObject({ kind: 'unauthorized' });
  });
});

describe('properties', () => {
  it('Retry-After in seconds is that many milliseconds times 1000, and an HTTP date the time until it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 86_400 }), fc.integer({ min: 0, max: 86_400 }), (seconds, later) => {
        const now = new Date(Date.UTC(2026, 0, 1, 0, 0, 0));
        expect(retryAfterMs(String(seconds), now)).toBe(seconds * 1000);
        expect(retryAfterMs(new Date(now.getTime() + later * 1000).toUTCString(), now)).toBe(later * 1000);
      }),
    );
  });

  it('a sealed secret opens with its key and context only', () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    const other = Buffer.alloc(32, 8).toString('hex');
    expect(decodeSecretKey(key)).not.toBeNull();
    expect(decodeSecretKey(other)).not.toBeNull();
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.uuid(), fc.uuid(), (secret, practice, otherPractice) => {
        const sealed = seal(secret, key, practice);
        expect(sealed).not.toContain(secret.length > 3 ? secret : '\u0000');
        expect(open(sealed, key, practice)).toBe(secret);
        expect(open(sealed, other, practice)).toBeNull();
        if (otherPractice !== practice) expect(open(sealed, key, otherPractice)).toBeNull();
      }),
      { numRuns: 200 },
    );
  });

  it('the sync window runs from local midnight today to local midnight 91 days on, in any zone and across DST', () => {
    const zones = ['America/New_York', 'America/Los_Angeles', 'Europe/London', 'Australia/Sydney', 'Asia/Kolkata', 'Pacific/Auckland', 'UTC'];
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2025, 0, 1), max: Date.UTC(2028, 0, 1) }), fc.constantFrom(...zones), (ms, zone) => {
        const now = new Date(ms);
        const { from, to } = syncWindow(now, zone);
        expect(isoInZone(from, zone)).toMatch(/T00:00:00/);
        expect(isoInZone(to, zone)).toMatch(/T00:00:00/);
        expect(localParts(from, zone).date).toBe(localParts(now, zone).date);
        expect(from.getTime()).toBeLessThanOrEqual(now.getTime());
        const days = Math.round((to.getTime() - from.getTime()) / 86_400_000);
        expect(days).toBe(91);
      }),
    );
  });
});

describe('EHR_SECRET_KEY', () => {
  it('takes 32 bytes as base64 or hex, counts empty as unset, and stops on anything else naming the variable', () => {
    expect(parseEnv({ EHR_SECRET_KEY: Buffer.alloc(32, 1).toString('base64') }).EHR_SECRET_KEY).toBeDefined();
    expect(parseEnv({ EHR_SECRET_KEY: 'ab'.repeat(32) }).EHR_SECRET_KEY).toBeDefined();
    expect(parseEnv({ EHR_SECRET_KEY: '' }).EHR_SECRET_KEY).toBeUndefined();
    expect(() => parseEnv({ EHR_SECRET_KEY: 'too-short' })).toThrow(/EHR_SECRET_KEY must be 32 bytes/);
    expect(() => parseEnv({ EHR_SECRET_KEY: Buffer.alloc(16).toString('base64') })).toThrow(/EHR_SECRET_KEY/);
  });
});
