import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { startHarness, type Harness } from '../helpers/harness';
import { makeConversation, makePractice, tokenFor, userWithPassword } from '../helpers/fixtures';
import { putAppointment } from '../../src/scheduling/appointments';
import type { PracticeView } from '../../src/practices/practices';

// issue 12, point 12: an assistant limited to a queue reaches the patients of its conversations only
let h: Harness;
let a: PracticeView;
const patients: Record<string, string> = {};
const appointmentOf: Record<string, string> = {};
let cookie: string;
let csrf: string;

beforeAll(async () => {
  h = await startHarness();
  const db = h.runtime.deps.db;
  a = await makePractice(db, 'mn-alpha');
  patients.refills = (await makeConversation(db, a.id, { queue: 'refills', firstName: 'Rita' })).patient.id;
  patients.billing = (await makeConversation(db, a.id, { queue: 'billing', firstName: 'Bill' })).patient.id;
  const assistant = await userWithPassword(db, 'assistant', ['mn-alpha'], ['refills']);
  patients.assigned = (await makeConversation(db, a.id, { queue: 'billing', firstName: 'Asa' })).patient.id;
  await db.execute(
    sql`update conversations set assignee_id = ${assistant.id} where patient_id = ${patients.assigned}`,
  );
  const manager = { kind: 'user' as const, userId: null, tokenId: null, role: 'manager' as const, practiceIds: [a.id], queueIds: null };
  const names: Record<string, [string, string]> = { refills: ['Rita', 'Example'], billing: ['Bill', 'Example'], assigned: ['Asa', 'Example'], none: ['Nora', 'Nobody'] };
  for (const key of Object.keys(names)) {
    const r = await putAppointment(
      db,
      manager,
      {
        practiceId: a.id,
        externalId: `mn-${key}`,
        startsAt: '2026-02-03T15:00:00Z',
        durationMinutes: 20,
        patient: { firstName: names[key]![0], lastName: names[key]![1], phone: key === 'none' ? '+14155559999' : undefined, dateOfBirth: '1970-01-01' },
      },
      h.clock.now(),
      null,
    );
    appointmentOf[key] = r.appointment.id;
    if (key !== 'none') {
      // attach the appointment to the patient of the conversation (the fixture made them apart)
      await db.execute(sql`update appointments set patient_id = ${patients[key]!} where id = ${r.appointment.id}`);
    }
  }
  const login = await h.app.request('/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: assistant.email, password: assistant.password }),
  });
  cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  csrf = ((await login.json()) as { csrfToken: string }).csrfToken;
});
afterAll(() => h.close());

const asAssistant = (method: string, path: string, body?: unknown) =>
  h.app.request(path, {
    method,
    headers: { cookie, 'x-csrf-token': csrf, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });

describe('minimum necessary for an assistant limited to one queue', () => {
  it('lists the appointments of its conversations\' patients only, never the whole schedule', async () => {
    const res = await asAssistant('GET', '/api/v1/appointments');
    expect(res.status).toBe(200);
    const list = (await res.json()) as { data: { id: string; patient: { firstName: string } }[] };
    expect(list.data.map((x) => x.id).sort()).toEqual([appointmentOf.refills, appointmentOf.assigned].sort());
    const manager = await tokenFor(h.runtime.deps.db, 'manager', 'mn-alpha');
    const all = (await (await h.request('GET', '/api/v1/appointments', { token: manager })).json()) as { data: unknown[] };
    expect(all.data).toHaveLength(4);
  });

  it('does not find an appointment of another patient', async () => {
    expect((await asAssistant('GET', `/api/v1/appointments/${appointmentOf.refills}`)).status).toBe(200);
    expect((await asAssistant('GET', `/api/v1/appointments/${appointmentOf.billing}`)).status).toBe(404);
    expect((await asAssistant('GET', `/api/v1/appointments/${appointmentOf.none}`)).status).toBe(404);
  });

  it('waitlists only the patients it is talking to, and sees only their entries', async () => {
    expect((await asAssistant('POST', '/api/v1/waitlist', { practiceId: a.id, patientId: patients.billing })).status).toBe(400);
    expect((await asAssistant('POST', '/api/v1/waitlist', { practiceId: a.id, patientId: patients.refills })).status).toBe(201);
    expect((await h.request('POST', '/api/v1/waitlist', { body: { practiceId: a.id, patientId: patients.billing } })).status).toBe(201);
    const mine = (await (await asAssistant('GET', '/api/v1/waitlist')).json()) as { data: { patientId: string }[] };
    expect(mine.data.map((e) => e.patientId)).toEqual([patients.refills]);
    const everyone = (await (await h.request('GET', '/api/v1/waitlist')).json()) as { data: unknown[] };
    expect(everyone.data).toHaveLength(2);
  });
});
