import { and, desc, eq } from 'drizzle-orm';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appointments, conversations, ehrConnections, ehrWriteBacks, messages, practices, reminders } from '../../src/platform/db/schema';
import { FakeClock } from '../../src/platform/clock';
import { applyAppointmentAnswer } from '../../src/scheduling/appointment-answers';
import { MAX_ATTEMPTS } from '../../src/scheduling/ehr/write-back';
import { startHarness, type Harness } from '../helpers/harness';
import { makePractice, tokenFor } from '../helpers/fixtures';
import { makePatient } from '../helpers/reminder-fixtures';
import { inboundSms, postTwilio } from '../helpers/twilio';
import { appointment, FhirStandIn, patient, type RecordedRequest } from '../msw/fhir-stand-in';
import type { PracticeView } from '../../src/practices/practices';

/** an API answer, checked by the assertions that follow */
const json = (r: Response): Promise<any> => r.json();

const KEY = Buffer.alloc(32, 9).toString('hex');
const BASE = 'https://ehr-wb.example.test/fhir';
const TOKEN = 'write-back-token-0123456789';
const ehr = new FhirStandIn({ base: BASE, token: TOKEN });
const server = setupServer(...ehr.handlers());

// Thursday 5 March 2026, 10:00 in New York
const clock = new FakeClock('2026-03-05T15:00:00Z');
let h: Harness;
let p: PracticeView;
const db = () => h.runtime.deps.db;
let phoneSeq = 0;

beforeAll(async () => {
  server.listen({ onUnhandledRequest: 'error' });
  h = await startHarness({ clock, env: { EHR_SECRET_KEY: KEY, SMS_RATE_PER_SECOND: '1000' } });
  p = await makePractice(db());
  await db().update(practices).set({ mainPhone: '+12125550100' }).where(eq(practices.id, p.id));
  const r = await h.request('PATCH', `/api/v1/practices/${p.id}`, { body: { ehr: { fhirBaseUrl: BASE, auth: { kind: 'bearer', token: TOKEN }, syncMinutes: null, writeBack: true } } });
  expect(r.status).toBe(200);
});
afterAll(async () => {
  server.close();
  await h.close();
});

/** An appointment in the EHR, synced here; its patient's phone answers for them. */
async function fromEhr(id: string, start: string, opts: { patientId?: string; phone?: string; extraPatient?: Record<string, unknown> } = {}) {
  const patientId = opts.patientId ?? `pt-${id}`;
  const phone = opts.phone ?? `+1646555${String(1000 + ++phoneSeq).padStart(4, '0')}`;
  if (!ehr.get(`Patient/${patientId}`)) ehr.put(patient(patientId, 'Pat', `Family${id}`, phone, opts.extraPatient));
  ehr.put(appointment(id, patientId, start));
  const r = await h.request('POST', `/api/v1/practices/${p.id}/ehr/sync`);
  expect((await json(r)).status).toBe('done');
  await h.drain();
  const [row] = await db().select().from(appointments).where(and(eq(appointments.practiceId, p.id), eq(appointments.ehrResourceId, id)));
  return { appointment: row!, phone };
}

async function answer(phone: string, text: string) {
  const res = await postTwilio(h, '/webhooks/twilio/sms', inboundSms(phone, p.phoneNumbers[0]!, text));
  if (res.status !== 200) throw new Error(`webhook ${res.status}: ${await res.text()}`);
  await h.drain();
  await h.drain();
}

const view = async (appointmentId: string) => json(await h.request('GET', `/api/v1/appointments/${appointmentId}`));
const writesTo = (id: string): RecordedRequest[] => ehr.requests.filter((r) => r.path === `/fhir/Appointment/${id}` && r.method === 'PUT');
async function lastReply(appointmentId: string) {
  const [a] = await db().select().from(appointments).where(eq(appointments.id, appointmentId));
  const [m] = await db()
    .select({ body: messages.body })
    .from(messages)
    .innerJoin(conversations, eq(conversations.id, messages.conversationId))
    .where(and(eq(conversations.patientId, a!.patientId), eq(messages.direction, 'outbound')))
    .orderBy(desc(messages.createdAt))
    .limit(1);
  return m?.body ?? '';
}

describe('write-back of patients’ answers', () => {
  it('a cancellation by text sets the EHR appointment cancelled, with the reason, If-Match on its version', async () => {
    const { appointment: a, phone } = await fromEhr('c1', '2026-03-10T10:00:00-04:00');
    await answer(phone, 'X');
    expect((await view(a.id)).status).toBe('cancelled');
    const [put] = writesTo('c1');
    expect(put!.ifMatch).toBe('W/"1"');
    expect(put!.body).toMatchObject({
      status: 'cancelled',
      cancelationReason: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/appointment-cancellation-reason', code: 'pat-crs' }],
        text: expect.stringMatching(/by the patient by text message/),
      },
    });
    expect(ehr.get('Appointment/c1')).toMatchObject({ status: 'cancelled' });
    const v = await view(a.id);
    expect(v.ehr).toMatchObject({ resourceId: 'c1', versionId: '2', writeBack: { action: 'cancel', status: 'done', attempts: 1, lastError: null } });
  });

  it('a confirmation sets the patient participant accepted and leaves the rest as it was', async () => {
    const { appointment: a, phone } = await fromEhr('c2', '2026-03-10T11:00:00-04:00');
    await answer(phone, 'C');
    const [put] = writesTo('c2');
    const body = put!.body as { status: string; participant: { actor: { reference: string }; status: string }[] };
    expect(body.status).toBe('booked');
    expect(body.participant).toEqual([
      expect.objectContaining({ actor: expect.objectContaining({ reference: 'Patient/pt-c2' }), status: 'accepted' }),
      expect.objectContaining({ actor: expect.objectContaining({ reference: 'Practitioner/dr-1' }), status: 'accepted' }),
    ]);
    expect((await view(a.id)).ehr.writeBack).toMatchObject({ action: 'confirm', status: 'done' });
    // the EHR's "booked" does not undo the confirmation here on the next sync
    await h.request('POST', `/api/v1/practices/${p.id}/ehr/sync`);
    expect((await view(a.id)).status).toBe('confirmed');
  });

  it('from the portal and from a reminder call the reason says so', async () => {
    const portal = await fromEhr('c3', '2026-03-10T12:00:00-04:00');
    const [conv] = await db().insert(conversations).values({ practiceId: p.id, patientId: portal.appointment.patientId, channel: 'portal' }).returning();
    await db().transaction((tx) => applyAppointmentAnswer(tx, { patientId: portal.appointment.patientId, answer: 'cancel', now: clock.now(), reply: { conversationId: conv!.id, channel: 'portal' } }));
    const call = await fromEhr('c4', '2026-03-10T13:00:00-04:00');
    await db().transaction((tx) => applyAppointmentAnswer(tx, { patientId: call.appointment.patientId, answer: 'cancel', now: clock.now(), reply: null }));
    await h.drain();
    expect((writesTo('c3')[0]!.body as { cancelationReason: { coding: { code: string }[] } }).cancelationReason.coding[0]!.code).toBe('pat-cpp');
    expect((writesTo('c4')[0]!.body as { cancelationReason: { text: string } }).cancelationReason.text).toMatch(/the reminder call/);
  });
});

describe('when the EHR does not take it at once', () => {
  it('the EHR is down: the answer goes through at once, the write-back is shown pending and retried on the clock', async () => {
    const { appointment: a, phone } = await fromEhr('d1', '2026-03-11T10:00:00-04:00');
    ehr.fault({ status: 503, times: 1 });
    await answer(phone, 'X');
    expect((await view(a.id)).status).toBe('cancelled');
    expect(await lastReply(a.id)).toMatch(/cancel/i);
    expect(ehr.get('Appointment/d1')).toMatchObject({ status: 'booked' });
    const pending = (await view(a.id)).ehr.writeBack;
    expect(pending).toMatchObject({ status: 'pending', attempts: 1, lastError: expect.stringMatching(/503/) });
    expect(pending.nextAttemptAt).toBe(new Date(clock.now().getTime() + 60_000).toISOString());
    clock.advance(30_000);
    await h.drain();
    expect((await view(a.id)).ehr.writeBack.status).toBe('pending');
    clock.advance(30_000);
    await h.drain();
    expect((await view(a.id)).ehr.writeBack).toMatchObject({ status: 'done', attempts: 2 });
    expect(ehr.get('Appointment/d1')).toMatchObject({ status: 'cancelled' });
  });

  it('a 429 waits as long as its Retry-After asks', async () => {
    const { appointment: a, phone } = await fromEhr('d2', '2026-03-11T11:00:00-04:00');
    ehr.fault({ status: 429, headers: { 'retry-after': '600' } });
    await answer(phone, 'X');
    expect((await view(a.id)).ehr.writeBack).toMatchObject({ status: 'pending', nextAttemptAt: new Date(clock.now().getTime() + 600_000).toISOString() });
    clock.advance(9 * 60_000);
    await h.drain();
    expect((await view(a.id)).ehr.writeBack.status).toBe('pending');
    clock.advance(60_000);
    await h.drain();
    expect((await view(a.id)).ehr.writeBack.status).toBe('done');
  });

  it('a 412 (changed in the EHR meanwhile) reads it again and writes on the new version, keeping the other change', async () => {
    const { appointment: a, phone } = await fromEhr('d3', '2026-03-11T12:00:00-04:00');
    let once = true;
    ehr.beforeWrite = (key) => {
      if (once) ehr.edit(key, (r) => (r.comment = 'front desk note'));
      once = false;
    };
    const from = ehr.requests.length;
    await answer(phone, 'X');
    ehr.beforeWrite = null;
    const trail = ehr.requests.slice(from).filter((r) => r.path === '/fhir/Appointment/d3').map((r) => `${r.method} ${r.ifMatch ?? ''}`.trim());
    expect(trail).toEqual(['GET', 'PUT W/"1"', 'GET', 'PUT W/"2"']);
    expect(ehr.get('Appointment/d3')).toMatchObject({ status: 'cancelled', comment: 'front desk note' });
    expect((await view(a.id)).ehr).toMatchObject({ versionId: '3', writeBack: { status: 'done', attempts: 1 } });
  });

  it('a sync leaves an answer still on its way to the EHR as it is (held), then agrees once it lands', async () => {
    const { appointment: a, phone } = await fromEhr('d4', '2026-03-11T13:00:00-04:00');
    ehr.fault({ method: 'GET', path: /Appointment\/d4$/, status: 500, times: 1 });
    await answer(phone, 'X');
    const sync = await json(await h.request('POST', `/api/v1/practices/${p.id}/ehr/sync`));
    expect(sync.counts.held).toBe(1);
    expect(sync.problems).toContainEqual(expect.objectContaining({ level: 'warning', resource: 'Appointment/d4' }));
    expect((await view(a.id)).status).toBe('cancelled');
    const live = await db().select().from(reminders).where(and(eq(reminders.appointmentId, a.id), eq(reminders.status, 'planned')));
    expect(live).toHaveLength(0);
    clock.advance(60_000);
    await h.drain();
    expect((await view(a.id)).ehr.writeBack.status).toBe('done');
    await h.request('POST', `/api/v1/practices/${p.id}/ehr/sync`);
    expect((await view(a.id)).status).toBe('cancelled');
  });

  it('a 401 marks the connection failing; it gives up after its tries; saving a new token tries again', async () => {
    const { appointment: a, phone } = await fromEhr('d5', '2026-03-20T10:00:00-04:00');
    ehr.token = 'rotated-wb-token-000000';
    await answer(phone, 'X');
    expect((await view(a.id)).ehr.writeBack).toMatchObject({ status: 'pending', lastError: expect.stringMatching(/401/) });
    const [conn] = await db().select().from(ehrConnections).where(eq(ehrConnections.practiceId, p.id));
    expect(conn).toMatchObject({ status: 'failing' });
    for (let i = 1; i < MAX_ATTEMPTS; i++) {
      clock.advance(4 * 60 * 60_000);
      await h.drain();
    }
    const failed = (await view(a.id)).ehr.writeBack;
    expect(failed).toMatchObject({ status: 'failed', attempts: MAX_ATTEMPTS, lastError: expect.stringMatching(/gave up after 8 tries/) });
    const r = await h.request('PATCH', `/api/v1/practices/${p.id}`, { body: { ehr: { auth: { kind: 'bearer', token: 'rotated-wb-token-000000' } } } });
    expect(r.status).toBe(200);
    await h.drain();
    expect((await view(a.id)).ehr.writeBack).toMatchObject({ status: 'done' });
    expect(ehr.get('Appointment/d5')).toMatchObject({ status: 'cancelled' });
  });

  it('a refusal that will not pass fails at once; POST .../ehr/retry tries it again (managers and admins)', async () => {
    clock.set('2026-03-06T15:00:00Z');
    const { appointment: a, phone } = await fromEhr('d6', '2026-03-21T10:00:00-04:00');
    ehr.fault({ method: 'PUT', status: 403 });
    await answer(phone, 'X');
    expect((await view(a.id)).ehr.writeBack).toMatchObject({ status: 'failed', attempts: 1, lastError: expect.stringMatching(/403/) });
    expect((await h.request('POST', `/api/v1/appointments/${a.id}/ehr/retry`, { token: await tokenFor(db(), 'assistant', p.id) })).status).toBe(403);
    const r = await h.request('POST', `/api/v1/appointments/${a.id}/ehr/retry`);
    expect(r.status).toBe(202);
    expect(await json(r)).toEqual({ queued: 1 });
    await h.drain();
    expect((await view(a.id)).ehr.writeBack).toMatchObject({ status: 'done' });
    expect((await h.request('POST', `/api/v1/appointments/${a.id}/ehr/retry`)).status).toBe(409);
  });
});

describe('reschedules and bookings', () => {
  it('staff moving an appointment books the new time in the EHR (its offset after the DST change) and cancels the old', async () => {
    clock.set('2026-03-05T15:00:00Z');
    const { appointment: a } = await fromEhr('r1', '2026-03-06T10:00:00-05:00');
    const r = await h.request('PATCH', `/api/v1/appointments/${a.id}`, { body: { startsAt: '2026-03-09T10:00:00-04:00' } });
    expect(r.status).toBe(200);
    await h.drain();
    const post = ehr.requests.find((q) => q.method === 'POST' && q.path === '/fhir/Appointment')!;
    expect(post.ifNoneExist).toMatch(/^identifier=urn:switchboard:write-back\|/);
    expect(post.body).toMatchObject({
      status: 'booked',
      start: '2026-03-09T10:00:00-04:00',
      end: '2026-03-09T10:30:00-04:00',
      serviceType: [{ text: 'Follow-up' }],
      participant: [
        expect.objectContaining({ actor: expect.objectContaining({ reference: 'Patient/pt-r1' }), status: 'accepted' }),
        expect.objectContaining({ actor: expect.objectContaining({ reference: 'Practitioner/dr-1' }) }),
      ],
    });
    const newId = ((await view(a.id)).ehr as { resourceId: string }).resourceId;
    expect(newId).toMatch(/^new-/);
    expect(ehr.get(`Appointment/${newId}`)).toMatchObject({ status: 'booked', start: '2026-03-09T10:00:00-04:00' });
    expect(ehr.get('Appointment/r1')).toMatchObject({ status: 'cancelled', cancelationReason: { coding: [{ code: 'other' }], text: expect.stringContaining(`now Appointment/${newId}`) } });
    const order = ehr.requests.filter((q) => q.method !== 'GET').map((q) => `${q.method} ${q.path}`);
    expect(order.indexOf('POST /fhir/Appointment')).toBeLessThan(order.indexOf('PUT /fhir/Appointment/r1'));
    // the next sync takes the new booking for this appointment and lets the cancelled old one be
    const count = (await db().select().from(appointments).where(eq(appointments.practiceId, p.id))).length;
    const sync = await json(await h.request('POST', `/api/v1/practices/${p.id}/ehr/sync`));
    expect(sync.counts.rejected).toBe(0);
    expect((await db().select().from(appointments).where(eq(appointments.practiceId, p.id))).length).toBe(count);
    expect(await view(a.id)).toMatchObject({ status: 'booked', startsAt: '2026-03-09T14:00:00.000Z' });
  });

  it('staff cancelling gives the reason as the practice’s', async () => {
    const { appointment: a } = await fromEhr('r2', '2026-03-12T09:00:00-04:00');
    await h.request('POST', `/api/v1/appointments/${a.id}/cancel`);
    await h.drain();
    expect(ehr.get('Appointment/r2')).toMatchObject({ status: 'cancelled', cancelationReason: { coding: [{ code: 'other' }], text: expect.stringMatching(/practice staff/) } });
  });

  it('a patient choosing a new slot by text: booked there, the old one cancelled as rescheduled by the patient', async () => {
    await db()
      .update(practices)
      .set({ settings: { availability: { providers: { 'Dr. Rivera': { weekly: { mon: [{ open: '09:00', close: '10:00' }], tue: [{ open: '09:00', close: '10:00' }] }, slotMinutes: 30 } } } } })
      .where(eq(practices.id, p.id));
    const { appointment: a, phone } = await fromEhr('r3', '2026-03-13T15:00:00-04:00');
    await answer(phone, 'R');
    expect(await lastReply(a.id)).toMatch(/1\)/);
    await answer(phone, '1');
    const moved = await view(a.id);
    expect(moved.startsAt).not.toBe(a.startsAt.toISOString());
    const newId = moved.ehr.resourceId as string;
    expect(newId).toMatch(/^new-/);
    expect(new Date(ehr.get(`Appointment/${newId}`)!.start as string).toISOString()).toBe(moved.startsAt);
    expect(ehr.get('Appointment/r3')).toMatchObject({ status: 'cancelled', cancelationReason: { coding: [{ code: 'pat-crs' }], text: expect.stringMatching(/Rescheduled by the patient by text message/) } });
    await db().update(practices).set({ settings: {} }).where(eq(practices.id, p.id));
  });

  it('a waitlist acceptance books the freed slot in the EHR for the patient’s active record, after the slot’s cancellation', async () => {
    // Ben is in the EHR twice: an old retired record and his active one
    const ben = '+16465559001';
    await fromEhr('b-old-appt', '2026-04-02T10:00:00-04:00', { patientId: 'ben-old', phone: ben, extraPatient: { active: false } });
    const benAppt = await fromEhr('b-appt', '2026-04-01T10:00:00-04:00', { patientId: 'ben', phone: ben });
    const slot = await fromEhr('w1', '2026-03-12T10:00:00-04:00');
    const add = await h.request('POST', '/api/v1/waitlist', { body: { practiceId: p.id, patientId: benAppt.appointment.patientId, provider: 'Dr. Rivera', priority: 5 } });
    expect(add.status).toBe(201);
    // the slot's cancellation does not get through at first
    ehr.fault({ method: 'PUT', path: /Appointment\/w1$/, status: 503 });
    await answer(slot.phone, 'X');
    expect((await view(slot.appointment.id)).ehr.writeBack.status).toBe('pending');
    await answer(ben, 'C');
    const [booked] = await db().select().from(appointments).where(and(eq(appointments.patientId, benAppt.appointment.patientId), eq(appointments.source, 'waitlist')));
    expect(booked).toBeDefined();
    // nothing is booked in the EHR while the slot is still booked there
    const postsBefore = ehr.requests.filter((q) => q.method === 'POST').length;
    const bookedView = (await view(booked!.id)).ehr.writeBack;
    expect(bookedView).toMatchObject({ action: 'book', status: 'pending' });
    expect(new Date(bookedView.nextAttemptAt).getTime()).toBeGreaterThan(new Date((await view(slot.appointment.id)).ehr.writeBack.nextAttemptAt).getTime());
    // the slot's retry and the booking may come due together; the booking waits its turn
    for (let i = 0; i < 3; i++) {
      clock.advance(60_000);
      await h.drain();
    }
    const writes = ehr.requests.filter((q) => q.method !== 'GET').map((q) => `${q.method} ${q.path}`);
    const cancelAt = writes.lastIndexOf('PUT /fhir/Appointment/w1');
    const bookAt = writes.lastIndexOf('POST /fhir/Appointment');
    expect(cancelAt).toBeGreaterThanOrEqual(0);
    expect(bookAt).toBeGreaterThan(cancelAt);
    expect(ehr.requests.filter((q) => q.method === 'POST').length).toBe(postsBefore + 1);
    const post = ehr.requests.filter((q) => q.method === 'POST').at(-1)!;
    expect(post.body).toMatchObject({
      status: 'booked',
      start: '2026-03-12T10:00:00-04:00',
      participant: [
        { actor: { reference: 'Patient/ben' }, status: 'accepted', required: 'required' },
        expect.objectContaining({ actor: expect.objectContaining({ reference: 'Practitioner/dr-1' }) }),
      ],
    });
    expect(JSON.stringify(post.body)).not.toContain('pt-w1');
    expect((await view(booked!.id)).ehr).toMatchObject({ resourceId: expect.stringMatching(/^new-/), writeBack: { action: 'book', status: 'done' } });
  });

  it('a waitlisted patient the EHR does not know: the booking fails with the reason on the appointment', async () => {
    const { patient: local, phone } = await makePatient(db(), p.id, { email: null });
    await h.request('POST', '/api/v1/waitlist', { body: { practiceId: p.id, patientId: local.id, provider: 'Dr. Rivera', priority: 9 } });
    const slot = await fromEhr('w2', '2026-03-13T10:00:00-04:00');
    await answer(slot.phone, 'X');
    await answer(phone, 'C');
    const [booked] = await db().select().from(appointments).where(and(eq(appointments.patientId, local.id), eq(appointments.source, 'waitlist')));
    expect((await view(booked!.id)).ehr.writeBack).toMatchObject({ action: 'book', status: 'failed', lastError: expect.stringMatching(/no record in the EHR/) });
  });

  it('with write-back off nothing is queued', async () => {
    await h.request('PATCH', `/api/v1/practices/${p.id}`, { body: { ehr: { writeBack: false } } });
    const { appointment: a, phone } = await fromEhr('o1', '2026-03-14T10:00:00-04:00');
    await answer(phone, 'X');
    expect(await db().select().from(ehrWriteBacks).where(eq(ehrWriteBacks.appointmentId, a.id))).toHaveLength(0);
    expect((await view(a.id)).ehr).toMatchObject({ resourceId: 'o1', writeBack: null });
    await h.request('PATCH', `/api/v1/practices/${p.id}`, { body: { ehr: { writeBack: true } } });
  });
});
