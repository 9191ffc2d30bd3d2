import { Writable } from 'node:stream';
import { and, eq, inArray } from 'drizzle-orm';
import { setupServer } from 'msw/node';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appointments, auditEvents, ehrConnections, ehrPatientLinks, outbox, patients, reminders } from '../../src/platform/db/schema';
import { FakeClock } from '../../src/platform/clock';
import { syncPractice } from '../../src/scheduling/ehr/sync';
import { ehrSyncJob } from '../../src/scheduling/ehr/sync-job';
import { startHarness, type Harness } from '../helpers/harness';
import { makePractice, tokenFor } from '../helpers/fixtures';
import { bareEnv, runCli } from '../helpers/cli';
import { appointment, FhirStandIn, patient } from '../msw/fhir-stand-in';
import type { PracticeView } from '../../src/practices/practices';

/** an API answer, checked by the assertions that follow */
const json = (r: Response): Promise<any> => r.json();

const KEY = Buffer.alloc(32, 42).toString('base64');
const BASE = 'https://ehr-sync.example.test/fhir';
const TOKEN = 'sync-test-bearer-token-0123456789';
const ehr = new FhirStandIn({ base: BASE, token: TOKEN, pageSize: 2 });
const server = setupServer(...ehr.handlers());

// Friday 6 March 2026, 10:00 in New York; clocks there go forward on Sunday 8 March
const clock = new FakeClock('2026-03-06T15:00:00Z');
let h: Harness;
let p: PracticeView;
const db = () => h.runtime.deps.db;

const byExternal = async (resourceId: string) => (await db().select().from(appointments).where(and(eq(appointments.practiceId, p.id), eq(appointments.ehrResourceId, resourceId))))[0];
const status = async () => json(await h.request('GET', `/api/v1/practices/${p.id}/ehr`));

beforeAll(async () => {
  server.listen({ onUnhandledRequest: 'error' });
  h = await startHarness({ clock, env: { EHR_SECRET_KEY: KEY } });
  p = await makePractice(db());
  ehr.put(patient('p1', 'Rosa', 'Diaz', '+14155550171'));
  ehr.put(patient('p2', 'Tom', 'Ng', '+14155550172'));
  ehr.put(patient('p3', 'Lena', 'Kim', '+14155550173', { communication: [{ language: { coding: [{ code: 'es' }] }, preferred: true }] }));
  // the same person twice in the EHR: same name, birth date and phone under another id
  ehr.put(patient('p1dup', 'Rosa', 'Diaz', '+14155550171'));
  ehr.omitIncludes.add('p3');
  // the Monday after the change to EDT (-04:00), given with its offset
  ehr.put(appointment('e1', 'p1', '2026-03-09T09:00:00-04:00'));
  // in UTC
  ehr.put(appointment('e2', 'p2', '2026-03-10T14:00:00Z'));
  // from a server in another zone: 06:00 in Denver is 09:00 in New York
  ehr.put(appointment('e3', 'p3', '2026-03-11T07:00:00-06:00'));
  ehr.put(appointment('e4', 'p1dup', '2026-03-12T09:00:00-04:00'));
  // cancelled before we ever saw it: nothing to keep
  ehr.put(appointment('e5', 'p2', '2026-03-13T09:00:00-04:00', { status: 'cancelled' }));
  // past the window
  ehr.put(appointment('e6', 'p2', '2026-07-01T09:00:00-04:00'));
});
afterAll(async () => {
  server.close();
  await h.close();
});

describe('the connection', () => {
  it('refuses what cannot work, before anything is stored', async () => {
    const bad = async (ehrBody: unknown, code = 400) => {
      const r = await h.request('PATCH', `/api/v1/practices/${p.id}`, { body: { ehr: ehrBody } });
      expect(r.status).toBe(code);
      return ((await json(r)) as { error: { message: string } }).error.message;
    };
    expect(await bad({ fhirBaseUrl: BASE })).toMatch(/needs auth/);
    expect(await bad({ fhirBaseUrl: 'http://ehr.example.test/fhir', auth: { kind: 'bearer', token: TOKEN } })).toMatch(/https/);
    expect(await bad({ fhirBaseUrl: BASE, auth: { kind: 'bearer' } })).toMatch(/token: is required/);
    expect(await bad({ fhirBaseUrl: BASE, auth: { kind: 'bearer', token: TOKEN, extra: 1 } })).toMatch(/extra|Unrecognized/i);
    expect(await bad({ fhirBaseUrl: BASE, auth: { kind: 'bearer', token: TOKEN }, syncMinutes: 1 })).toMatch(/syncMinutes/);
    const manager = await tokenFor(db(), 'manager', p.id);
    const r = await h.request('PATCH', `/api/v1/practices/${p.id}`, { token: manager, body: { ehr: { fhirBaseUrl: BASE, auth: { kind: 'bearer', token: TOKEN } } } });
    expect(r.status).toBe(403);
    expect(await db().select().from(ehrConnections)).toHaveLength(0);
  });

  it('is saved with its token sealed, never answered back, and its first sync is due at once', async () => {
    const r = await h.request('PATCH', `/api/v1/practices/${p.id}`, {
      body: { ehr: { fhirBaseUrl: `${BASE}/`, auth: { kind: 'bearer', token: TOKEN }, syncMinutes: 60, writeBack: true } },
    });
    expect(r.status).toBe(200);
    const text = await r.text();
    expect(text).not.toContain(TOKEN);
    const body = JSON.parse(text);
    expect(body.ehr).toMatchObject({ fhirBaseUrl: BASE, auth: { kind: 'bearer', secretSet: true }, syncMinutes: 60, writeBack: true, status: 'new' });
    expect(body.slug).toBe(p.slug);
    const [row] = await db().select().from(ehrConnections);
    expect(row!.secret).toMatch(/^v1\./);
    expect(row!.secret).not.toContain(TOKEN);
    expect(row!.nextSyncAt!.toISOString()).toBe(clock.now().toISOString());
    const s = await status();
    expect(JSON.stringify(s)).not.toContain(TOKEN);
    expect(s.connection.status).toBe('new');
    const audits = await db().select().from(auditEvents).where(eq(auditEvents.action, 'practice.ehr.update'));
    expect(JSON.stringify(audits)).not.toContain(TOKEN);
  });

  it('a field left out stays as it is; a new server needs the token again', async () => {
    const r = await h.request('PATCH', `/api/v1/practices/${p.id}`, { body: { ehr: { writeBack: true } } });
    expect(r.status).toBe(200);
    expect((await json(r)).ehr).toMatchObject({ syncMinutes: 60, writeBack: true, fhirBaseUrl: BASE });
    const moved = await h.request('PATCH', `/api/v1/practices/${p.id}`, { body: { ehr: { fhirBaseUrl: 'https://elsewhere.example.test/fhir' } } });
    expect(moved.status).toBe(400);
    expect((await json(moved)).error.message).toMatch(/token: is required when the server/);
    // a PATCH without ehr leaves the connection alone and still shows it
    const plain = await h.request('PATCH', `/api/v1/practices/${p.id}`, { body: { name: 'Renamed practice' } });
    expect((await json(plain)).ehr).toMatchObject({ fhirBaseUrl: BASE });
  });
});

describe('the scheduled sync', () => {
  it('pulls the window by instants in the practice zone, follows next links, reads Patients it was not given, and plans reminders', async () => {
    await h.drain();
    const search = ehr.requests.find((r) => r.method === 'GET' && r.path === '/fhir/Appointment' && !r.query.get('_getpages'))!;
    expect(search.query.getAll('date')).toEqual(['ge2026-03-06T00:00:00-05:00', 'lt2026-06-05T00:00:00-04:00']);
    expect(search.query.get('_include')).toBe('Appointment:patient');
    expect(search.authorization).toBe(`Bearer ${TOKEN}`);
    // page size 2, five appointments in the window: three pages
    expect(ehr.requests.filter((r) => r.path === '/fhir/Appointment')).toHaveLength(3);
    expect(ehr.requests.filter((r) => r.path === '/fhir/Patient/p3')).toHaveLength(1);

    const s = await status();
    expect(s.connection.status).toBe('ok');
    expect(s.lastSync).toMatchObject({ status: 'done', kind: 'ehr_sync', trigger: 'schedule', total: 5, done: 5 });
    expect(s.lastSync.counts).toMatchObject({ created: 4, updated: 0, unchanged: 0, cancelled: 0, skipped: 1, rejected: 0, duplicatePatients: 1 });
    expect(s.lastSync.problems).toEqual([expect.objectContaining({ level: 'warning', resource: 'Patient/p1, Patient/p1dup' })]);
    expect(s.connection.nextSyncAt).toBe(new Date(clock.now().getTime() + 60 * 60_000).toISOString());

    const e1 = (await byExternal('e1'))!;
    expect(e1.startsAt.toISOString()).toBe('2026-03-09T13:00:00.000Z');
    expect((await byExternal('e2'))!.startsAt.toISOString()).toBe('2026-03-10T14:00:00.000Z');
    expect((await byExternal('e3'))!.startsAt.toISOString()).toBe('2026-03-11T13:00:00.000Z');
    expect(await byExternal('e5')).toBeUndefined();
    expect(await byExternal('e6')).toBeUndefined();
    expect(e1).toMatchObject({ source: 'fhir', status: 'booked', ehrVersionId: '1', provider: 'Dr. Rivera', durationMinutes: 30 });
    const [lena] = await db().select().from(patients).where(eq(patients.id, (await byExternal('e3'))!.patientId));
    expect(lena).toMatchObject({ firstName: 'Lena', language: 'es' });
    // two days before 09:00 EDT on Monday is 08:00 EST on Saturday: 48 hours, across the change
    const plan = await db().select().from(reminders).where(eq(reminders.appointmentId, e1.id));
    expect(plan.find((r) => r.offsetMinutes === 2 * 24 * 60)!.dueAt.toISOString()).toBe('2026-03-07T13:00:00.000Z');
  });

  it('keeps one patient for the EHR’s two records of the same person, each appointment with its own', async () => {
    const e1 = (await byExternal('e1'))!;
    const e4 = (await byExternal('e4'))!;
    expect(e4.patientId).toBe(e1.patientId);
    const links = await db().select().from(ehrPatientLinks).where(eq(ehrPatientLinks.patientId, e1.patientId));
    expect(links.map((l) => l.fhirPatientId).sort()).toEqual(['p1', 'p1dup']);
    expect(await db().select().from(patients).where(and(eq(patients.practiceId, p.id), eq(patients.firstName, 'Rosa')))).toHaveLength(1);
  });

  it('a second sync of the same data changes nothing', async () => {
    clock.advance(60 * 60_000);
    await h.drain();
    const s = await status();
    expect(s.lastSync.counts).toMatchObject({ created: 0, updated: 0, unchanged: 4, skipped: 1 });
    expect(await db().select().from(appointments).where(eq(appointments.practiceId, p.id))).toHaveLength(4);
  });

  it('moved, cancelled and deleted in the EHR: moved here (reminders planned again), cancelled here (reminders called off)', async () => {
    const e1 = (await byExternal('e1'))!;
    const e2 = (await byExternal('e2'))!;
    ehr.edit('Appointment/e1', (a) => (a.start = '2026-03-16T10:00:00-04:00'));
    ehr.edit('Appointment/e2', (a) => (a.status = 'cancelled'));
    ehr.remove('Appointment/e3');
    // moved beyond the window: the search no longer sees it, a read does
    ehr.edit('Appointment/e4', (a) => (a.start = '2026-07-02T09:00:00-04:00'));
    clock.advance(60 * 60_000);
    await h.drain();
    const s = await status();
    expect(s.lastSync.counts).toMatchObject({ created: 0, updated: 2, cancelled: 2, unchanged: 0 });
    expect((await byExternal('e1'))!.startsAt.toISOString()).toBe('2026-03-16T14:00:00.000Z');
    expect((await byExternal('e4'))!.startsAt.toISOString()).toBe('2026-07-02T13:00:00.000Z');
    expect((await byExternal('e3'))!.status).toBe('cancelled');
    const e1Plan = await db().select().from(reminders).where(eq(reminders.appointmentId, e1.id));
    expect(e1Plan.filter((r) => r.status === 'cancelled').every((r) => r.skipReason === 'appointment_moved')).toBe(true);
    expect(e1Plan.filter((r) => r.status === 'planned').every((r) => r.appointmentStartsAt!.toISOString() === '2026-03-16T14:00:00.000Z')).toBe(true);
    const e2Plan = await db().select().from(reminders).where(eq(reminders.appointmentId, e2.id));
    expect(e2Plan.every((r) => r.status === 'cancelled' || r.status === 'skipped')).toBe(true);
    expect(ehr.requests.some((r) => r.path === '/fhir/Appointment/e3')).toBe(true);
  });

  it('retries a 5xx inside the sync; a sync that still fails is tried again sooner than the schedule', async () => {
    ehr.fault({ path: /Appointment$/, status: 503, times: 2 });
    clock.advance(60 * 60_000);
    await h.drain();
    expect((await status()).lastSync.status).toBe('done');

    ehr.fault({ status: 502, times: 100 });
    clock.advance(60 * 60_000);
    await h.drain();
    const failed = await status();
    expect(failed.connection).toMatchObject({ status: 'error' });
    expect(failed.lastSync).toMatchObject({ status: 'failed', error: expect.stringMatching(/502/) });
    expect(failed.connection.nextSyncAt).toBe(new Date(clock.now().getTime() + 5 * 60_000).toISOString());
    ehr.clearFaults();
    clock.advance(5 * 60_000);
    await h.drain();
    expect((await status()).connection.status).toBe('ok');
  });

  it('waits out a 429 as its Retry-After says', async () => {
    ehr.fault({ path: /Appointment$/, status: 429, headers: { 'retry-after': '3' } });
    const waits: number[] = [];
    const { run } = await syncPractice(h.runtime.jobDeps, p.id, { trigger: 'manual', actor: 'system', tuning: { sleep: async (ms) => void waits.push(ms) } });
    expect(run.status).toBe('done');
    expect(waits).toEqual([3000]);
  });

  it('a 401 stops the sync, marks the connection failing and pauses the schedule, without a word of the token in the logs', async () => {
    ehr.token = 'rotated-token-9876543210';
    const lines: string[] = [];
    const log = pino({ level: 'trace' }, new Writable({ write: (chunk, _e, done) => (lines.push(String(chunk)), done()) }));
    const [conn] = await db().select().from(ehrConnections);
    clock.set(conn!.nextSyncAt!);
    await ehrSyncJob().exec({ ...h.runtime.jobDeps, log }, { queue: 'ehr-sync', id: 't', attempt: 1, finalAttempt: false, data: { practiceId: p.id, dueAt: conn!.nextSyncAt!.toISOString() } });
    const s = await status();
    expect(s.connection).toMatchObject({ status: 'failing', nextSyncAt: null, statusReason: expect.stringMatching(/401/) });
    expect(s.lastSync).toMatchObject({ status: 'failed', error: expect.stringMatching(/refused the credentials \(401/) });
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join('')).not.toContain(TOKEN);
    // nothing more is scheduled while it fails
    const before = ehr.requests.length;
    clock.advance(3 * 60 * 60_000);
    await h.drain();
    expect(ehr.requests.length).toBe(before);
    const pending = await db().select().from(outbox).where(and(eq(outbox.queue, 'ehr-sync'), inArray(outbox.status, ['pending', 'enqueued'])));
    expect(pending.filter((r) => new Date(String(r.payload.dueAt)) > clock.now())).toHaveLength(0);
  });

  it('saving the new token brings it back at once', async () => {
    const r = await h.request('PATCH', `/api/v1/practices/${p.id}`, { body: { ehr: { auth: { kind: 'bearer', token: 'rotated-token-9876543210' } } } });
    expect((await json(r)).ehr.status).toBe('new');
    await h.drain();
    expect((await status()).connection.status).toBe('ok');
  });
});

describe('sync now', () => {
  it('answers with the counts; assistants may not, another practice is not found, one at a time', async () => {
    const r = await h.request('POST', `/api/v1/practices/${p.id}/ehr/sync`);
    expect(r.status).toBe(200);
    const run = await json(r);
    expect(run).toMatchObject({ status: 'done', trigger: 'manual', counts: expect.objectContaining({ unchanged: expect.any(Number) }) });
    expect((await h.request('POST', `/api/v1/practices/${p.id}/ehr/sync`, { token: await tokenFor(db(), 'assistant', p.id) })).status).toBe(403);
    const other = await makePractice(db());
    expect((await h.request('POST', `/api/v1/practices/${p.id}/ehr/sync`, { token: await tokenFor(db(), 'manager', other.id) })).status).toBe(404);
    expect((await h.request('POST', `/api/v1/practices/${other.id}/ehr/sync`)).status).toBe(404);
    await db().update(ehrConnections).set({ syncingSince: clock.now() }).where(eq(ehrConnections.practiceId, p.id));
    const busy = await h.request('POST', `/api/v1/practices/${p.id}/ehr/sync`);
    expect(busy.status).toBe(409);
    await db().update(ehrConnections).set({ syncingSince: null }).where(eq(ehrConnections.practiceId, p.id));
  });

  it('runs from the command line with a summary', async () => {
    if (!h.env.DATABASE_URL) return; // the embedded database is this process's own
    const run = await runCli(['ehr', 'sync', '--practice', p.slug], bareEnv(h.dataDir, { DATABASE_URL: h.env.DATABASE_URL, EHR_SECRET_KEY: KEY }));
    expect(run.stderr).not.toContain('[#');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^\d+ read: \d+ created, \d+ updated, \d+ unchanged/);
    const noKey = await runCli(['ehr', 'sync', '--practice', p.slug], bareEnv(h.dataDir, { DATABASE_URL: h.env.DATABASE_URL }));
    expect(noKey.status).toBe(1);
    expect(noKey.stderr).toMatch(/EHR_SECRET_KEY is not set/);
    await h.request('PATCH', `/api/v1/practices/${p.id}`, { body: { ehr: { auth: { kind: 'bearer', token: 'rotated-token-9876543210' } } } });
  });

  it('removing the connection (ehr: null) stops it', async () => {
    const other = await makePractice(db());
    await h.request('PATCH', `/api/v1/practices/${other.id}`, { body: { ehr: { fhirBaseUrl: BASE, auth: { kind: 'bearer', token: TOKEN }, syncMinutes: null } } });
    const r = await h.request('PATCH', `/api/v1/practices/${other.id}`, { body: { ehr: null } });
    expect((await json(r)).ehr).toBeNull();
    expect((await json(await h.request('GET', `/api/v1/practices/${other.id}/ehr`))).connection).toBeNull();
    expect((await h.request('POST', `/api/v1/practices/${other.id}/ehr/sync`)).status).toBe(404);
  });
});

describe('without EHR_SECRET_KEY', () => {
  it('a connection cannot be saved: 409 naming the variable', async () => {
    const bare = await startHarness({ clock: new FakeClock('2026-03-06T15:00:00Z') });
    try {
      const q = await makePractice(bare.runtime.deps.db);
      const r = await bare.request('PATCH', `/api/v1/practices/${q.id}`, { body: { ehr: { fhirBaseUrl: BASE, auth: { kind: 'bearer', token: TOKEN } } } });
      expect(r.status).toBe(409);
      const body = await json(r);
      expect(body.error.message).toMatch(/EHR_SECRET_KEY is not set/);
      expect(JSON.stringify(body)).not.toContain(TOKEN);
      expect(await bare.runtime.deps.db.select().from(ehrConnections)).toHaveLength(0);
    } finally {
      await bare.close();
    }
  });
});
