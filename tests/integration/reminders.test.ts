import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { messages, practices, templates } from '../../src/platform/db/schema';
import { FakeClock } from '../../src/platform/clock';
import { dispatchReminder } from '../../src/scheduling/reminders/reminder-job';
import { startHarness, type Harness } from '../helpers/harness';
import { makePractice } from '../helpers/fixtures';
import { inboundSms, postTwilio } from '../helpers/twilio';
import { makeAppointment, makePatient, messageById, moveAppointment, remindersOfAppointment } from '../helpers/reminder-fixtures';
import type { PracticeView } from '../../src/practices/practices';

let h: Harness;
let p: PracticeView;
const clock = new FakeClock('2026-03-01T12:00:00Z');
beforeAll(async () => {
  h = await startHarness({ clock, env: { SMS_RATE_PER_SECOND: '1000' } });
  p = await makePractice(h.runtime.deps.db);
  await h.runtime.deps.db.update(practices).set({ mainPhone: '+12125550100' }).where(eq(practices.id, p.id));
});
afterAll(() => h.close());
const db = () => h.runtime.deps.db;

describe('reminder cadence and dispatch', () => {
  it('plans email 7 days, SMS 2 days and SMS 2 hours before, and sends each once at its time across the March DST change', async () => {
    clock.set('2026-03-01T12:00:00Z');
    const { patient } = await makePatient(db(), p.id, { firstName: 'Ana' });
    // Monday 9 March 2026, 9:30 in New York (EDT since Sunday 8 March)
    const { appointment, reminders } = await makeAppointment(db(), { practiceId: p.id, patientId: patient.id, startsAt: '2026-03-09T13:30:00Z', now: clock.now() });
    expect(reminders.map((r) => [r.channel, r.status, r.dueAt.toISOString()])).toEqual([
      ['email', 'planned', '2026-03-02T13:30:00.000Z'],
      ['sms', 'planned', '2026-03-07T13:30:00.000Z'],
      // 2 hours before is 7:30 EDT, in quiet hours: it goes at 8:00 EDT (12:00Z), not 8:00 EST (13:00Z)
      ['sms', 'planned', '2026-03-09T12:00:00.000Z'],
    ]);

    clock.set('2026-03-02T13:30:00Z');
    await h.drain();
    clock.set('2026-03-07T13:30:00Z');
    await h.drain();
    clock.set('2026-03-09T11:59:00Z');
    await h.drain();
    let rows = await remindersOfAppointment(db(), appointment.id);
    expect(rows.map((r) => r.status)).toEqual(['sent', 'sent', 'planned']);
    clock.set('2026-03-09T12:00:00Z');
    await h.drain();
    await h.drain();
    rows = await remindersOfAppointment(db(), appointment.id);
    expect(rows.map((r) => r.status)).toEqual(['sent', 'sent', 'sent']);
    const sms = await messageById(db(), rows[2]!.messageId!);
    expect(sms).toMatchObject({ channel: 'sms', status: 'simulated', idempotencyKey: `reminder:${rows[2]!.id}` });
    expect(sms.body).toContain('Hi Ana');
    expect(sms.body).toContain('9:30 AM');
    expect(sms.body).toMatch(/Reply C to confirm, X to cancel or R to reschedule/);
    // minimum content: no provider, no visit type
    expect(sms.body).not.toMatch(/Ruiz|follow-up/);
    const email = await messageById(db(), rows[0]!.messageId!);
    expect(email.channel).toBe('email');
    // each reminder went once
    const sent = await db().select().from(messages).where(and(eq(messages.conversationId, sms.conversationId), eq(messages.direction, 'outbound')));
    expect(sent).toHaveLength(2);
  });

  it('skips with too_late a step whose time passed, and quiet_hours_appointment_passed when 8:00 comes after the appointment', async () => {
    clock.set('2026-04-10T14:00:00Z');
    const { patient } = await makePatient(db(), p.id);
    // 7:00 New York on 11 April: the 2-day step has passed, the 2-hour step (5:00) cannot wait for 8:00
    const { reminders } = await makeAppointment(db(), { practiceId: p.id, patientId: patient.id, startsAt: '2026-04-11T11:00:00Z', now: clock.now() });
    expect(reminders.map((r) => [r.channel, r.status, r.skipReason])).toEqual([
      ['email', 'skipped', 'too_late'],
      ['sms', 'skipped', 'too_late'],
      ['sms', 'skipped', 'quiet_hours_appointment_passed'],
    ]);
  });

  it('adapts to the patient: no email means the email step is skipped, a patient who prefers calls gets calls', async () => {
    clock.set('2026-04-01T14:00:00Z');
    const { patient } = await makePatient(db(), p.id, { email: null, preferredChannel: 'voice' });
    const { reminders } = await makeAppointment(db(), { practiceId: p.id, patientId: patient.id, startsAt: '2026-04-20T15:00:00Z', now: clock.now() });
    expect(reminders.map((r) => [r.channel, r.status, r.skipReason])).toEqual([
      ['email', 'skipped', 'no_email'],
      ['voice', 'planned', null],
      ['voice', 'planned', null],
    ]);
  });

  it('follows the cadence of the appointment type set by a manager (validated, audited)', async () => {
    const bad = await h.request('PUT', `/api/v1/practices/${p.id}/reminder-cadence`, { body: { default: [{ channel: 'fax', minutesBefore: 60 }] } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/channel/);
    const res = await h.request('PUT', `/api/v1/practices/${p.id}/reminder-cadence`, {
      body: { default: [{ channel: 'email', minutesBefore: 10080 }, { channel: 'sms', minutesBefore: 2880 }, { channel: 'sms', minutesBefore: 120 }], byType: { surgery: [{ channel: 'sms', minutesBefore: 4320 }] } },
    });
    expect(res.status).toBe(200);
    const got = (await (await h.request('GET', `/api/v1/practices/${p.id}/reminder-cadence`)).json()) as { byType: Record<string, unknown> };
    expect(got.byType.surgery).toEqual([{ channel: 'sms', minutesBefore: 4320 }]);
    clock.set('2026-04-01T14:00:00Z');
    const { patient } = await makePatient(db(), p.id);
    const { reminders } = await makeAppointment(db(), { practiceId: p.id, patientId: patient.id, startsAt: '2026-04-20T15:00:00Z', now: clock.now(), type: 'surgery' });
    expect(reminders.map((r) => [r.channel, r.offsetMinutes])).toEqual([['sms', 4320]]);
  });
});

describe('rules of the road', () => {
  it('skips a reminder with consent_revoked when the patient texted STOP between scheduling and sending', async () => {
    clock.set('2026-05-01T14:00:00Z');
    const { patient, phone } = await makePatient(db(), p.id, { email: null });
    const { appointment } = await makeAppointment(db(), { practiceId: p.id, patientId: patient.id, startsAt: '2026-05-05T15:00:00Z', now: clock.now() });
    expect((await postTwilio(h, '/webhooks/twilio/sms', inboundSms(phone, p.phoneNumbers[0]!, 'STOP'))).status).toBe(200);
    await h.drain();
    clock.set('2026-05-03T15:00:00Z');
    await h.drain();
    const rows = await remindersOfAppointment(db(), appointment.id);
    expect(rows.filter((r) => r.channel === 'sms').map((r) => [r.status, r.skipReason])).toEqual([
      ['skipped', 'consent_revoked'],
      ['planned', null],
    ]);
  });

  it('records consent_revoked when consent goes after the reminder was handed to the send job', async () => {
    clock.set('2026-05-01T14:00:00Z');
    const { patient, phone } = await makePatient(db(), p.id, { email: null });
    const { appointment } = await makeAppointment(db(), { practiceId: p.id, patientId: patient.id, startsAt: '2026-05-05T15:00:00Z', now: clock.now() });
    clock.set('2026-05-03T15:00:00Z');
    const [first] = (await remindersOfAppointment(db(), appointment.id)).filter((r) => r.channel === 'sms');
    await dispatchReminder(h.runtime.jobDeps, first!.id);
    expect((await remindersOfAppointment(db(), appointment.id)).find((r) => r.id === first!.id)!.status).toBe('queued');
    expect((await postTwilio(h, '/webhooks/twilio/sms', inboundSms(phone, p.phoneNumbers[0]!, 'STOP'))).status).toBe(200);
    await h.drain();
    const after = (await remindersOfAppointment(db(), appointment.id)).find((r) => r.id === first!.id)!;
    expect([after.status, after.skipReason]).toEqual(['skipped', 'consent_revoked']);
    expect((await messageById(db(), after.messageId!)).status).toBe('refused');
  });

  it('holds to 1 automated text a day: a second reminder that day is skipped with daily_cap', async () => {
    clock.set('2026-06-01T14:00:00Z');
    const { patient } = await makePatient(db(), p.id, { email: null });
    const a = await makeAppointment(db(), { practiceId: p.id, patientId: patient.id, startsAt: '2026-06-03T15:00:00Z', now: clock.now() });
    const b = await makeAppointment(db(), { practiceId: p.id, patientId: patient.id, startsAt: '2026-06-03T16:00:00Z', now: clock.now() });
    clock.set('2026-06-01T16:00:00Z');
    await h.drain();
    await h.drain();
    const ra = (await remindersOfAppointment(db(), a.appointment.id)).find((r) => r.offsetMinutes === 2880)!;
    const rb = (await remindersOfAppointment(db(), b.appointment.id)).find((r) => r.offsetMinutes === 2880)!;
    // both came due in one pass: whichever took the day's slot went, the other is skipped with the reason
    expect([ra, rb].map((r) => `${r.status}:${r.skipReason}`).sort()).toEqual(['sent:null', 'skipped:daily_cap']);
  });

  it('calls off a queued reminder when the appointment moves, and reminds of the new time', async () => {
    clock.set('2026-07-01T14:00:00Z');
    const { patient } = await makePatient(db(), p.id, { email: null });
    const { appointment } = await makeAppointment(db(), { practiceId: p.id, patientId: patient.id, startsAt: '2026-07-06T15:00:00Z', now: clock.now() });
    clock.set('2026-07-04T15:00:00Z');
    const [old] = (await remindersOfAppointment(db(), appointment.id)).filter((r) => r.channel === 'sms');
    await dispatchReminder(h.runtime.jobDeps, old!.id);
    await moveAppointment(db(), appointment.id, '2026-07-08T18:00:00Z', clock.now());
    await h.drain();
    const rows = await remindersOfAppointment(db(), appointment.id);
    const oldRow = rows.find((r) => r.id === old!.id)!;
    expect([oldRow.status, oldRow.skipReason]).toEqual(['cancelled', 'appointment_moved']);
    expect((await messageById(db(), oldRow.messageId!)).status).toBe('refused');
    const fresh = rows.filter((r) => r.appointmentStartsAt?.toISOString() === '2026-07-08T18:00:00.000Z' && r.channel === 'sms');
    expect(fresh.map((r) => r.status)).toEqual(['planned', 'planned']);
    clock.set('2026-07-06T18:00:00Z');
    await h.drain();
    await h.drain();
    const sent = (await remindersOfAppointment(db(), appointment.id)).find((r) => r.id === fresh[0]!.id)!;
    expect(sent.status).toBe('sent');
    expect((await messageById(db(), sent.messageId!)).body).toContain('2:00 PM');
  });

  it("sends the practice's own reminder text in the patient's language, and the file's where it has none", async () => {
    clock.set('2026-08-03T14:00:00Z');
    await db()
      .insert(templates)
      .values({ practiceId: p.id, key: 'appointment_reminder', language: 'es', channel: 'sms', body: 'Hola {{patient.firstName}}: su cita es el {{date appointment.startsAt}}. Responda C.' });
    const es = await makePatient(db(), p.id, { firstName: 'Lucía', language: 'es', email: null });
    const en = await makePatient(db(), p.id, { firstName: 'Ben', email: null });
    const a = await makeAppointment(db(), { practiceId: p.id, patientId: es.patient.id, startsAt: '2026-08-07T15:00:00Z', now: clock.now() });
    const b = await makeAppointment(db(), { practiceId: p.id, patientId: en.patient.id, startsAt: '2026-08-07T15:00:00Z', now: clock.now() });
    clock.set('2026-08-05T15:00:00Z');
    const [ra] = (await remindersOfAppointment(db(), a.appointment.id)).filter((r) => r.channel === 'sms');
    const [rb] = (await remindersOfAppointment(db(), b.appointment.id)).filter((r) => r.channel === 'sms');
    await dispatchReminder(h.runtime.jobDeps, ra!.id);
    await dispatchReminder(h.runtime.jobDeps, rb!.id);
    const [sa] = await remindersOfAppointment(db(), a.appointment.id).then((rows) => rows.filter((r) => r.id === ra!.id));
    const [sb] = await remindersOfAppointment(db(), b.appointment.id).then((rows) => rows.filter((r) => r.id === rb!.id));
    expect((await messageById(db(), sa!.messageId!)).body).toMatch(/^Hola Lucía: su cita es el .+\. Responda C\.$/);
    expect((await messageById(db(), sb!.messageId!)).body).toContain('Hi Ben');
  });
});
