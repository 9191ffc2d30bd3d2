import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { appointments, practices } from '../../src/platform/db/schema';
import { FakeClock } from '../../src/platform/clock';
import { startHarness, type Harness } from '../helpers/harness';
import { makePractice, tokenFor } from '../helpers/fixtures';
import { fakeSid, postTwilio } from '../helpers/twilio';
import { appointmentById, makeAppointment, makePatient, messageById, remindersOfAppointment } from '../helpers/reminder-fixtures';
import type { PracticeView } from '../../src/practices/practices';

let h: Harness;
let p: PracticeView;
const clock = new FakeClock('2026-11-02T14:00:00Z');
beforeAll(async () => {
  h = await startHarness({ clock, env: { SMS_RATE_PER_SECOND: '1000' } });
  p = await makePractice(h.runtime.deps.db);
  await h.runtime.deps.db
    .update(practices)
    .set({ mainPhone: '+12125550100', settings: { ringGroup: { numbers: ['+12125550201', '+12125550202'], timeoutSeconds: 20 } } })
    .where(eq(practices.id, p.id));
});
afterAll(() => h.close());
const db = () => h.runtime.deps.db;

/** A patient who prefers calls, and their 2-day reminder call placed (simulated: no Twilio credentials). */
async function called(language: 'en' | 'es') {
  clock.set('2026-11-02T14:00:00Z');
  const { patient, phone } = await makePatient(db(), p.id, { language, preferredChannel: 'voice', email: null, firstName: language === 'es' ? 'Lucía' : 'Ana' });
  const { appointment } = await makeAppointment(db(), { practiceId: p.id, patientId: patient.id, startsAt: '2026-11-06T15:00:00Z', now: clock.now() });
  clock.set('2026-11-04T15:00:00Z');
  await h.drain();
  await h.drain();
  const reminder = (await remindersOfAppointment(db(), appointment.id)).find((r) => r.status === 'sent')!;
  expect(reminder.channel).toBe('voice');
  const call = await messageById(db(), reminder.messageId!);
  expect(call).toMatchObject({ channel: 'voice', status: 'simulated' });
  expect(call.providerId).toMatch(/^SIMCA/);
  return { patient, phone, appointment, reminder };
}

const callParams = (to: string) => ({ CallSid: fakeSid('CA'), AccountSid: 'AC00000000000000000000000000000000', From: p.phoneNumbers[0]!, To: to, CallStatus: 'in-progress', Direction: 'outbound-api' });

describe('voice reminders', () => {
  for (const [language, reads, voice, confirmed] of [
    ['en', /press 1/, 'Polly.Joanna', /is confirmed/],
    ['es', /oprima 1/, 'Polly.Lupe', /confirmad/],
  ] as const) {
    it(`reads the reminder in ${language} and takes 1 to confirm`, async () => {
      const { phone, appointment, reminder } = await called(language);
      const twiml = await (await postTwilio(h, `/webhooks/twilio/voice/reminder?reminderId=${reminder.id}`, callParams(phone))).text();
      expect(twiml).toMatch(/<Gather[^>]*numDigits="1"/);
      expect(twiml).toMatch(reads);
      expect(twiml).toContain(voice);
      expect(twiml).toContain(`/webhooks/twilio/voice/reminder/answer?reminderId=${reminder.id}`);
      const answer = await (await postTwilio(h, `/webhooks/twilio/voice/reminder/answer?reminderId=${reminder.id}`, { ...callParams(phone), Digits: '1' })).text();
      expect(answer).toMatch(confirmed);
      expect((await appointmentById(db(), appointment.id)).status).toBe('confirmed');
      expect((await remindersOfAppointment(db(), appointment.id)).find((r) => r.id === reminder.id)!.answer).toBe('confirm');
    });
  }

  it('takes 2 to cancel and 3 to talk to someone', async () => {
    const a = await called('en');
    const cancel = await (await postTwilio(h, `/webhooks/twilio/voice/reminder/answer?reminderId=${a.reminder.id}`, { ...callParams(a.phone), Digits: '2' })).text();
    expect(cancel).toMatch(/cancel/i);
    expect((await appointmentById(db(), a.appointment.id)).status).toBe('cancelled');
    const b = await called('es');
    const talk = await (await postTwilio(h, `/webhooks/twilio/voice/reminder/answer?reminderId=${b.reminder.id}`, { ...callParams(b.phone), Digits: '3' })).text();
    // the practice's ring group, never its own number (the IVR); nobody picks up: a person calls back
    expect(talk).toContain('<Number>+12125550201</Number>');
    expect(talk).toContain('<Number>+12125550202</Number>');
    expect(talk).not.toContain('+12125550100');
    expect(talk).toContain(`reminderId=${b.reminder.id}&amp;event=dial`);
    const missed = await (await postTwilio(h, `/webhooks/twilio/voice/reminder/answer?reminderId=${b.reminder.id}&event=dial`, { ...callParams(b.phone), DialCallStatus: 'no-answer' })).text();
    expect(missed).toMatch(/Alguien de nuestra oficina le llamará/);
    expect((await appointmentById(db(), b.appointment.id)).status).toBe('booked');
  });

  it('refuses a forged reminder webhook', async () => {
    const { phone, reminder } = await called('en');
    const res = await postTwilio(h, `/webhooks/twilio/voice/reminder?reminderId=${reminder.id}`, callParams(phone), { signature: 'forged' });
    expect(res.status).toBe(403);
  });

  it('a completed call marks the reminder delivered', async () => {
    const { phone, reminder, appointment } = await called('en');
    const res = await postTwilio(h, `/webhooks/twilio/voice/reminder/status?reminderId=${reminder.id}`, { ...callParams(phone), CallStatus: 'completed' });
    expect(res.status).toBe(204);
    expect((await remindersOfAppointment(db(), appointment.id)).find((r) => r.id === reminder.id)!.status).toBe('delivered');
  });
});

describe('GET /api/v1/metrics/appointments', () => {
  it('counts reminders, answers, no-shows by reminder outcome and waitlist refills per practice', async () => {
    const q = await makePractice(db());
    await db().update(practices).set({ mainPhone: '+12125550199' }).where(eq(practices.id, q.id));
    clock.set('2026-11-02T14:00:00Z');
    const mk = async (startsAt: string, extra: Partial<typeof appointments.$inferInsert> = {}) => {
      const { patient } = await makePatient(db(), q.id, { email: null });
      const { appointment } = await makeAppointment(db(), { practiceId: q.id, patientId: patient.id, startsAt, now: clock.now() });
      if (Object.keys(extra).length) await db().update(appointments).set(extra).where(eq(appointments.id, appointment.id));
      return appointment;
    };
    // three on 5 November (reminded on the 3rd), one unreminded (made too late), one cancelled, one refilled
    const confirmedA = await mk('2026-11-05T15:00:00Z');
    await mk('2026-11-05T16:00:00Z');
    const noShow = await mk('2026-11-05T17:00:00Z');
    clock.set('2026-11-03T17:30:00Z');
    await h.drain();
    await h.drain();
    await db().update(appointments).set({ status: 'confirmed', confirmedAt: clock.now() }).where(eq(appointments.id, confirmedA.id));
    // marked by the front desk once the day is over
    await db().update(appointments).set({ status: 'no_show' }).where(eq(appointments.id, noShow.id));
    clock.set('2026-11-05T13:00:00Z');
    await mk('2026-11-05T14:00:00Z');
    await mk('2026-11-05T18:00:00Z', { status: 'cancelled', cancelledAt: clock.now() });
    await mk('2026-11-05T19:00:00Z', { source: 'waitlist', status: 'checked_in', confirmedAt: clock.now() });
    clock.set('2026-11-10T12:00:00Z');

    const bad = await h.request('GET', '/api/v1/metrics/appointments?from=yesterday');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/from/);

    const res = await h.request('GET', `/api/v1/metrics/appointments?practiceId=${q.id}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: Record<string, unknown>[] };
    expect(body.data).toHaveLength(1);
    expect(body.data[0]).toMatchObject({
      practiceId: q.id,
      appointments: 6,
      remindersSent: 3,
      confirmed: 2,
      cancelled: 1,
      // the 16:00 one was left unconfirmed, the 17:00 one marked no-show, the 14:00 one never reminded
      noShows: 3,
      noShowRateByReminderOutcome: {
        confirmed: { appointments: 2, noShows: 0, rate: 0 },
        remindedNoAnswer: { appointments: 2, noShows: 2, rate: 1 },
        notReminded: { appointments: 1, noShows: 1, rate: 1 },
      },
      refilledFromWaitlist: 1,
    });

    // no parameters: every practice the caller may see, the last 30 days
    const all = (await (await h.request('GET', '/api/v1/metrics/appointments')).json()) as { data: { practiceId: string }[] };
    expect(all.data.map((d) => d.practiceId)).toEqual(expect.arrayContaining([p.id, q.id]));
    const token = await tokenFor(db(), 'manager', p.id);
    const mine = (await (await h.request('GET', '/api/v1/metrics/appointments', { token })).json()) as { data: { practiceId: string }[] };
    expect(mine.data.map((d) => d.practiceId)).toEqual([p.id]);
    expect((await h.request('GET', `/api/v1/metrics/appointments?practiceId=${q.id}`, { token })).status).toBe(404);
  });
});
