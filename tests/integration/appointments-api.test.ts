import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, consentEvents, contactPoints, patients } from '../../src/platform/db/schema';
import { startHarness, type Harness } from '../helpers/harness';
import { makePractice, tokenFor } from '../helpers/fixtures';
import type { PracticeView } from '../../src/practices/practices';
import type { AppointmentView } from '../../src/scheduling/appointment-schemas';

let h: Harness;
let p: PracticeView;
let manager: string;
beforeAll(async () => {
  // the harness clock stands at 2026-01-05T14:00:00Z
  h = await startHarness();
  p = await makePractice(h.runtime.deps.db);
  manager = await tokenFor(h.runtime.deps.db, 'manager', p.id);
});
afterAll(() => h.close());

const body = (over: Record<string, unknown> = {}) => ({
  practiceId: p.id,
  externalId: 'EHR-1001',
  startsAt: '2026-01-20T15:00:00-05:00',
  durationMinutes: 30,
  type: 'Follow-up',
  provider: 'Dr. Rivera',
  patient: { firstName: 'Ana', lastName: 'Lopez', phone: '(415) 555-0142', email: 'Ana@Example.com', dateOfBirth: '1980-04-02', language: 'es', smsConsent: true },
  ...over,
});

describe('appointments API', () => {
  it('creates an appointment (201) with its planned reminders, and GET shows status and reminder states', async () => {
    const res = await h.request('POST', '/api/v1/appointments', { token: manager, body: body() });
    expect(res.status).toBe(201);
    const a = (await res.json()) as AppointmentView;
    expect(a).toMatchObject({
      practiceId: p.id,
      externalId: 'EHR-1001',
      startsAt: '2026-01-20T20:00:00.000Z',
      durationMinutes: 30,
      status: 'booked',
      source: 'api',
      patient: { firstName: 'Ana', lastName: 'Lopez' },
    });
    expect(a.reminders.length).toBeGreaterThan(0);
    for (const r of a.reminders) {
      expect(['sms', 'email', 'voice']).toContain(r.channel);
      expect(['planned', 'skipped']).toContain(r.status);
      expect(new Date(r.dueAt).getTime()).toBeLessThan(new Date(a.startsAt).getTime());
    }
    expect(a.reminders.some((r) => r.status === 'planned')).toBe(true);

    const db = h.runtime.deps.db;
    const [patient] = await db.select().from(patients).where(eq(patients.id, a.patient.id));
    expect(patient).toMatchObject({ language: 'es', dateOfBirth: '1980-04-02' });
    const points = await db.select().from(contactPoints).where(eq(contactPoints.patientId, a.patient.id));
    expect(points.map((c) => [c.kind, c.value, c.smsConsent]).sort()).toEqual([
      ['email', 'ana@example.com', 'unknown'],
      ['phone', '+14155550142', 'granted'],
    ]);
    const ledger = await db.select().from(consentEvents).where(eq(consentEvents.contactPointId, points.find((c) => c.kind === 'phone')!.id));
    expect(ledger).toMatchObject([{ state: 'granted', source: 'api', purpose: 'sms' }]);

    const got = await h.request('GET', `/api/v1/appointments/${a.id}`, { token: manager });
    expect(got.status).toBe(200);
    const detail = (await got.json()) as AppointmentView;
    expect(detail.status).toBe('booked');
    expect(detail.reminders.map((r) => r.id)).toEqual(a.reminders.map((r) => r.id));
    expect(detail.reminders[0]).toHaveProperty('skipReason');
    expect(detail.reminders[0]).toHaveProperty('sentAt');
    const audits = await db.select().from(auditEvents).where(and(eq(auditEvents.subjectId, a.id), eq(auditEvents.action, 'appointment.read')));
    expect(audits.length).toBeGreaterThanOrEqual(1);
  });

  it('the same externalId again updates (200): unchanged writes nothing, a new time re-plans the reminders', async () => {
    const first = (await (await h.request('GET', `/api/v1/appointments?practiceId=${p.id}`, { token: manager })).json()) as { data: AppointmentView[] };
    const before = first.data.find((x) => x.externalId === 'EHR-1001')!;

    const same = await h.request('POST', '/api/v1/appointments', { token: manager, body: body() });
    expect(same.status).toBe(200);
    const unchanged = (await same.json()) as AppointmentView;
    expect(unchanged.id).toBe(before.id);
    expect(unchanged.updatedAt).toBe(before.updatedAt);
    expect(unchanged.reminders.map((r) => r.id)).toEqual(before.reminders.map((r) => r.id));

    const moved = await h.request('POST', '/api/v1/appointments', { token: manager, body: body({ startsAt: '2026-01-22T10:30:00-05:00' }) });
    expect(moved.status).toBe(200);
    const m = (await moved.json()) as AppointmentView;
    expect(m.id).toBe(before.id);
    expect(m.startsAt).toBe('2026-01-22T15:30:00.000Z');
    const live = m.reminders.filter((r) => r.status === 'planned' || r.status === 'skipped');
    expect(live.length).toBeGreaterThan(0);
    expect(live.every((r) => !before.reminders.some((b) => b.id === r.id))).toBe(true);
    // the reminders of the old time were called off
    expect(m.reminders.filter((r) => before.reminders.some((b) => b.id === r.id) && r.status === 'cancelled').length).toBe(
      before.reminders.filter((r) => r.status === 'planned').length,
    );
    // one appointment and one patient, not two
    const list = (await (await h.request('GET', `/api/v1/appointments?practiceId=${p.id}`, { token: manager })).json()) as { data: AppointmentView[] };
    expect(list.data.filter((x) => x.externalId === 'EHR-1001')).toHaveLength(1);
    const people = await h.runtime.deps.db.select().from(patients).where(eq(patients.practiceId, p.id));
    expect(people).toHaveLength(1);
  });

  it('reschedules, checks in, marks no-show and cancels; cancelling calls off the reminders', async () => {
    const created = (await (await h.request('POST', '/api/v1/appointments', { token: manager, body: body({ externalId: 'EHR-2002', patient: { firstName: 'Ana', lastName: 'Lopez', dateOfBirth: '1980-04-02' } }) })).json()) as AppointmentView;
    // matched by name and date of birth to the same patient
    const ana = (await (await h.request('GET', `/api/v1/appointments?practiceId=${p.id}`, { token: manager })).json()) as { data: AppointmentView[] };
    expect(new Set(ana.data.map((x) => x.patient.id)).size).toBe(1);

    let res = await h.request('PATCH', `/api/v1/appointments/${created.id}`, { token: manager, body: { startsAt: '2026-01-21T09:00:00-05:00' } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as AppointmentView).startsAt).toBe('2026-01-21T14:00:00.000Z');

    res = await h.request('PATCH', `/api/v1/appointments/${created.id}`, { token: manager, body: { status: 'checked_in' } });
    expect(((await res.json()) as AppointmentView).status).toBe('checked_in');
    res = await h.request('PATCH', `/api/v1/appointments/${created.id}`, { token: manager, body: { status: 'no_show' } });
    expect(((await res.json()) as AppointmentView).status).toBe('no_show');
    res = await h.request('PATCH', `/api/v1/appointments/${created.id}`, { token: manager, body: { status: 'done' } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('status');

    const other = (await (await h.request('POST', '/api/v1/appointments', { token: manager, body: body({ externalId: 'EHR-3003' }) })).json()) as AppointmentView;
    res = await h.request('POST', `/api/v1/appointments/${other.id}/cancel`, { token: manager });
    expect(res.status).toBe(200);
    const cancelled = (await res.json()) as AppointmentView;
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.cancelledAt).not.toBeNull();
    expect(cancelled.reminders.some((r) => r.status === 'planned' || r.status === 'queued')).toBe(false);
    expect((await h.request('POST', `/api/v1/appointments/${other.id}/cancel`, { token: manager })).status).toBe(200);
    expect((await h.request('PATCH', `/api/v1/appointments/${other.id}`, { token: manager, body: { durationMinutes: 10 } })).status).toBe(409);

    const cancelledOnly = (await (await h.request('GET', `/api/v1/appointments?practiceId=${p.id}&status=cancelled`, { token: manager })).json()) as { data: AppointmentView[] };
    expect(cancelledOnly.data.map((x) => x.id)).toEqual([other.id]);
  });

  it('an invalid body answers 400 naming the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [body({ startsAt: '2026-01-20 15:00' }), 'startsAt'],
      [body({ durationMinutes: 0 }), 'durationMinutes'],
      [body({ externalId: '' }), 'externalId'],
      [body({ patient: { firstName: 'A', lastName: 'B', phone: '12' } }), 'patient.phone'],
      [body({ patient: { firstName: 'A', lastName: 'B', email: 'not-an-email' } }), 'patient.email'],
      [body({ patient: { lastName: 'B' } }), 'patient.firstName'],
    ];
    for (const [b, field] of cases) {
      const res = await h.request('POST', '/api/v1/appointments', { token: manager, body: b });
      expect(res.status, field).toBe(400);
      const err = (await res.json()) as { error: { code: string; message: string } };
      expect(err.error.code).toBe('validation_failed');
      expect(err.error.message).toContain(field);
    }
  });

  it("keeps practices apart: another practice's token gets 404, assistants read but do not write", async () => {
    const db = h.runtime.deps.db;
    const created = (await (await h.request('POST', '/api/v1/appointments', { token: manager, body: body({ externalId: 'EHR-4004' }) })).json()) as AppointmentView;
    const other = await makePractice(db);
    const otherManager = await tokenFor(db, 'manager', other.id);
    expect((await h.request('GET', `/api/v1/appointments/${created.id}`, { token: otherManager })).status).toBe(404);
    expect((await h.request('POST', `/api/v1/appointments/${created.id}/cancel`, { token: otherManager })).status).toBe(404);
    expect((await h.request('PATCH', `/api/v1/appointments/${created.id}`, { token: otherManager, body: { durationMinutes: 5 } })).status).toBe(404);
    expect((await h.request('POST', '/api/v1/appointments', { token: otherManager, body: body({ externalId: 'X-1' }) })).status).toBe(404);
    expect((await h.request('GET', `/api/v1/appointments?practiceId=${p.id}`, { token: otherManager })).status).toBe(404);
    const theirs = (await (await h.request('GET', '/api/v1/appointments', { token: otherManager })).json()) as { data: AppointmentView[] };
    expect(theirs.data).toEqual([]);

    const assistant = await tokenFor(db, 'assistant', p.id);
    expect((await h.request('GET', `/api/v1/appointments/${created.id}`, { token: assistant })).status).toBe(200);
    expect((await h.request('POST', '/api/v1/appointments', { token: assistant, body: body({ externalId: 'X-2' }) })).status).toBe(403);
    expect((await h.request('POST', `/api/v1/appointments/${created.id}/cancel`, { token: assistant })).status).toBe(403);
    expect((await h.request('GET', '/api/v1/appointments', { token: null })).status).toBe(401);
  });

  it('lists by start time with a cursor and a date range, and the routes are in the OpenAPI document', async () => {
    const page1 = (await (await h.request('GET', `/api/v1/appointments?practiceId=${p.id}&limit=2`, { token: manager })).json()) as { data: AppointmentView[]; nextCursor: string | null };
    expect(page1.data).toHaveLength(2);
    expect(page1.nextCursor).not.toBeNull();
    const page2 = (await (await h.request('GET', `/api/v1/appointments?practiceId=${p.id}&limit=2&cursor=${page1.nextCursor}`, { token: manager })).json()) as { data: AppointmentView[] };
    const all = [...page1.data, ...page2.data].map((a) => a.startsAt);
    expect(all).toEqual([...all].sort());
    expect(new Set([...page1.data, ...page2.data].map((a) => a.id)).size).toBe(page1.data.length + page2.data.length);
    const ranged = (await (await h.request('GET', `/api/v1/appointments?practiceId=${p.id}&from=2026-01-21T00:00:00Z&to=2026-01-22T00:00:00Z`, { token: manager })).json()) as { data: AppointmentView[] };
    expect(ranged.data.length).toBeGreaterThan(0);
    expect(ranged.data.every((a) => a.startsAt >= '2026-01-21' && a.startsAt < '2026-01-22')).toBe(true);
    expect((await h.request('GET', '/api/v1/appointments?cursor=bogus', { token: manager })).status).toBe(400);

    const doc = (await (await h.request('GET', '/api/v1/openapi.json', { token: null })).json()) as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.paths['/api/v1/appointments']!).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/api/v1/appointments/{id}']!).sort()).toEqual(['get', 'patch']);
    expect(doc.paths['/api/v1/appointments/{id}/cancel']).toHaveProperty('post');
  });
});
