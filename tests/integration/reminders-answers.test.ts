import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, desc, eq } from 'drizzle-orm';
import { contactPoints, conversations, messages, practices, queues, waitlistEntries } from '../../src/platform/db/schema';
import { FakeClock } from '../../src/platform/clock';
import { startHarness, type Harness } from '../helpers/harness';
import { makePractice } from '../helpers/fixtures';
import { inboundSms, postTwilio } from '../helpers/twilio';
import { appointmentById, makeAppointment, makePatient, remindersOfAppointment } from '../helpers/reminder-fixtures';
import type { PracticeView } from '../../src/practices/practices';

let h: Harness;
let p: PracticeView;
const clock = new FakeClock('2026-09-01T14:00:00Z');
beforeAll(async () => {
  h = await startHarness({ clock, env: { SMS_RATE_PER_SECOND: '1000' } });
  p = await makePractice(h.runtime.deps.db);
  await h.runtime.deps.db.update(practices).set({ mainPhone: '+12125550100' }).where(eq(practices.id, p.id));
});
afterAll(() => h.close());
const db = () => h.runtime.deps.db;

/** A patient whose 2-day text reminder went out; the clock stands just after it. */
async function reminded(language: 'en' | 'es', opts: { provider?: string } = {}) {
  clock.set('2026-09-01T14:00:00Z');
  const { patient, phone } = await makePatient(db(), p.id, { language, email: null, firstName: language === 'es' ? 'Lucía' : 'Ana' });
  const { appointment } = await makeAppointment(db(), { practiceId: p.id, patientId: patient.id, startsAt: '2026-09-04T15:00:00Z', now: clock.now(), provider: opts.provider });
  clock.set('2026-09-02T15:00:00Z');
  await h.drain();
  await h.drain();
  const [r] = (await remindersOfAppointment(db(), appointment.id)).filter((x) => x.status === 'sent');
  expect(r).toBeDefined();
  clock.set('2026-09-02T16:00:00Z');
  return { patient, phone, appointment, reminder: r! };
}

async function answer(phone: string, text: string) {
  expect((await postTwilio(h, '/webhooks/twilio/sms', inboundSms(phone, p.phoneNumbers[0]!, text))).status).toBe(200);
  await h.drain();
  await h.drain();
}

async function lastReply(patientId: string) {
  const [m] = await db()
    .select({ body: messages.body, meta: messages.meta, purpose: messages.purpose, status: messages.status })
    .from(messages)
    .innerJoin(conversations, eq(conversations.id, messages.conversationId))
    .where(and(eq(conversations.patientId, patientId), eq(messages.direction, 'outbound')))
    .orderBy(desc(messages.createdAt))
    .limit(1);
  return m!;
}

describe('answers to reminders', () => {
  const cases = [
    { language: 'en', text: 'C', status: 'confirmed', reply: /is confirmed/ },
    { language: 'es', text: 'Sí', status: 'confirmed', reply: /queda confirmada/ },
    { language: 'en', text: 'X', status: 'cancelled', reply: /cancel/i },
    { language: 'es', text: 'cancelar la cita', status: 'cancelled', reply: /fue cancelada/ },
  ] as const;
  for (const c of cases) {
    it(`"${c.text}" (${c.language}) makes the reminded appointment ${c.status} and answers from the template`, async () => {
      const { patient, phone, appointment, reminder } = await reminded(c.language);
      await answer(phone, c.text);
      expect((await appointmentById(db(), appointment.id)).status).toBe(c.status);
      const r = (await remindersOfAppointment(db(), appointment.id)).find((x) => x.id === reminder.id)!;
      expect(r.answer).toBe(c.status === 'confirmed' ? 'confirm' : 'cancel');
      const reply = await lastReply(patient.id);
      expect(reply.body).toMatch(c.reply);
      // an answer to the patient's own text is a reply, not outreach: the daily cap does not hold it
      expect(reply.purpose).toBe('reply');
      expect(reply.status).toBe('simulated');
      if (c.status === 'cancelled') {
        expect((await remindersOfAppointment(db(), appointment.id)).filter((x) => x.status === 'planned')).toHaveLength(0);
      }
    });
  }

  for (const [language, text, reply] of [
    ['en', 'R', /will contact you|someone/i],
    ['es', 'reprogramar', /Alguien de nuestra oficina/],
  ] as const) {
    it(`"${text}" (${language}) without published availability goes to the scheduling queue`, async () => {
      const { patient, phone, appointment } = await reminded(language);
      await answer(phone, text);
      expect((await appointmentById(db(), appointment.id)).status).toBe('booked');
      expect((await lastReply(patient.id)).body).toMatch(reply);
      const [conv] = await db().select().from(conversations).where(and(eq(conversations.patientId, patient.id), eq(conversations.channel, 'sms')));
      const [scheduling] = await db().select().from(queues).where(and(eq(queues.practiceId, p.id), eq(queues.key, 'scheduling')));
      expect(conv!.queueId).toBe(scheduling!.id);
    });
  }

  it('R with published availability offers the next free slots of the provider, and a number moves the appointment', async () => {
    await db()
      .update(practices)
      .set({ settings: { availability: { providers: { 'Dr. Vega': { weekly: { mon: [{ open: '09:00', close: '10:00' }], tue: [{ open: '09:00', close: '10:00' }] }, slotMinutes: 30 } } } } })
      .where(eq(practices.id, p.id));
    const { patient, phone, appointment } = await reminded('en', { provider: 'Dr. Vega' });
    // someone else holds Monday 7 September 9:00
    const other = await makePatient(db(), p.id, { email: null });
    await makeAppointment(db(), { practiceId: p.id, patientId: other.patient.id, startsAt: '2026-09-07T13:00:00Z', now: clock.now(), provider: 'Dr. Vega' });
    await answer(phone, 'R');
    const offer = await lastReply(patient.id);
    expect(offer.body).toMatch(/1\) .*9:30 AM/);
    expect(offer.body).toMatch(/2\) .*9:00 AM/);
    expect(offer.body).not.toMatch(/Mon, Sep 7 9:00 AM/);
    const [r] = (await remindersOfAppointment(db(), appointment.id)).filter((x) => x.answer);
    expect(r!.answer).toBe('reschedule');
    clock.advance(60_000);
    await answer(phone, '2');
    const moved = await appointmentById(db(), appointment.id);
    // Tuesday 8 September 9:00 EDT
    expect(moved.startsAt.toISOString()).toBe('2026-09-08T13:00:00.000Z');
    expect((await lastReply(patient.id)).body).toMatch(/is confirmed/);
    const replanned = (await remindersOfAppointment(db(), appointment.id)).filter((x) => x.appointmentStartsAt?.getTime() === moved.startsAt.getTime());
    expect(replanned.length).toBeGreaterThan(0);
    await db().update(practices).set({ settings: {} }).where(eq(practices.id, p.id));
  });

  it('CANCELAR alone is an opt-out (as CANCEL is at Twilio): texts stop, and a person asks about the reminded appointment', async () => {
    const { patient, phone, appointment } = await reminded('es');
    await answer(phone, 'CANCELAR');
    // the appointment is not cancelled on an ambiguous word...
    expect((await appointmentById(db(), appointment.id)).status).toBe('booked');
    const [cp] = await db().select().from(contactPoints).where(eq(contactPoints.value, phone));
    expect(cp!.smsConsent).toBe('revoked');
    // ...a person in scheduling calls to ask, with a due time
    const [conv] = await db().select().from(conversations).where(and(eq(conversations.patientId, patient.id), eq(conversations.channel, 'sms')));
    const [scheduling] = await db().select().from(queues).where(and(eq(queues.practiceId, p.id), eq(queues.key, 'scheduling')));
    expect(conv).toMatchObject({ queueId: scheduling!.id, needsHuman: true, status: 'open', intent: 'appointment_cancel' });
    expect(conv!.slaDueAt).not.toBeNull();
  });

  it('with no reminder sent yet, an answer applies to the next upcoming appointment', async () => {
    clock.set('2026-09-10T14:00:00Z');
    const { patient, phone } = await makePatient(db(), p.id, { email: null });
    const later = await makeAppointment(db(), { practiceId: p.id, patientId: patient.id, startsAt: '2026-10-20T15:00:00Z', now: clock.now() });
    const sooner = await makeAppointment(db(), { practiceId: p.id, patientId: patient.id, startsAt: '2026-10-05T15:00:00Z', now: clock.now() });
    await answer(phone, 'confirm');
    expect((await appointmentById(db(), sooner.appointment.id)).status).toBe('confirmed');
    expect((await appointmentById(db(), later.appointment.id)).status).toBe('booked');
  });

  it('free text is not an answer: it goes through triage and the rules', async () => {
    const { phone, appointment } = await reminded('en');
    await answer(phone, 'where do I park for the appointment?');
    expect((await appointmentById(db(), appointment.id)).status).toBe('booked');
    const [m] = await db().select().from(messages).where(and(eq(messages.direction, 'inbound'), eq(messages.body, 'where do I park for the appointment?')));
    expect(m!.triage).toMatchObject({ intent: 'appointment_new' });
  });

  it('a cancellation by X frees the slot for the waitlist', async () => {
    clock.set('2026-09-01T14:00:00Z');
    const waiting = await makePatient(db(), p.id, { email: null });
    await db().insert(waitlistEntries).values({ practiceId: p.id, patientId: waiting.patient.id, provider: 'Dr. Ruiz' });
    const { phone } = await reminded('en');
    await answer(phone, 'X');
    const offer = await lastReply(waiting.patient.id);
    expect(offer.body).toMatch(/an earlier appointment opened up/);
  });
});
