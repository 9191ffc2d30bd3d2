import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, desc, eq } from 'drizzle-orm';
import { appointments, conversations, messages, practices, waitlistEntries, waitlistOffers } from '../../src/platform/db/schema';
import { FakeClock } from '../../src/platform/clock';
import { acceptOffer } from '../../src/scheduling/waitlist/waitlist';
import { cancelAppointment } from '../../src/scheduling/appointment-answers';
import { startHarness, type Harness } from '../helpers/harness';
import { makePractice } from '../helpers/fixtures';
import { inboundSms, postTwilio } from '../helpers/twilio';
import { makeAppointment, makePatient } from '../helpers/reminder-fixtures';
import type { PracticeView } from '../../src/practices/practices';

let h: Harness;
let p: PracticeView;
const clock = new FakeClock('2026-10-01T14:00:00Z');
beforeAll(async () => {
  h = await startHarness({ clock, env: { SMS_RATE_PER_SECOND: '1000' } });
  p = await makePractice(h.runtime.deps.db);
  await h.runtime.deps.db.update(practices).set({ mainPhone: '+12125550100' }).where(eq(practices.id, p.id));
});
afterAll(() => h.close());
const db = () => h.runtime.deps.db;

async function outboundBodies(patientId: string) {
  const rows = await db()
    .select({ body: messages.body })
    .from(messages)
    .innerJoin(conversations, eq(conversations.id, messages.conversationId))
    .where(and(eq(conversations.patientId, patientId), eq(messages.direction, 'outbound')));
  return rows.map((r) => r.body).join('\n---\n');
}

async function lastOutbound(patientId: string) {
  const [m] = await db()
    .select({ body: messages.body, meta: messages.meta })
    .from(messages)
    .innerJoin(conversations, eq(conversations.id, messages.conversationId))
    .where(and(eq(conversations.patientId, patientId), eq(messages.direction, 'outbound')))
    .orderBy(desc(messages.createdAt))
    .limit(1);
  return m;
}

/** Five waitlisted patients (priorities 5..1) and a booked slot that gets cancelled. */
async function freedSlot(provider: string) {
  clock.set('2026-10-01T14:00:00Z');
  const waiting = [];
  for (let i = 0; i < 5; i++) {
    const w = await makePatient(db(), p.id, { email: null, language: i === 1 ? 'es' : 'en' });
    const res = await h.request('POST', '/api/v1/waitlist', { body: { practiceId: p.id, patientId: w.patient.id, provider, priority: 5 - i } });
    expect(res.status).toBe(201);
    waiting.push(w);
  }
  const owner = await makePatient(db(), p.id, { email: null });
  const { appointment } = await makeAppointment(db(), { practiceId: p.id, patientId: owner.patient.id, startsAt: '2026-10-03T15:00:00Z', now: clock.now(), provider });
  await db().transaction((tx) => cancelAppointment(tx, appointment.id, clock.now()));
  await h.drain();
  return { waiting, slot: appointment };
}

describe('waitlist backfill', () => {
  it('POST /api/v1/waitlist validates and names the field', async () => {
    const res = await h.request('POST', '/api/v1/waitlist', { body: { practiceId: p.id, patientId: 'nope' } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/patientId/);
  });

  it('offers a freed slot to 3 patients in priority order; the first C gets it, the others are told it is taken', async () => {
    const { waiting, slot } = await freedSlot('Dr. Kim');
    const offers = await db().select().from(waitlistOffers).where(eq(waitlistOffers.slotAppointmentId, slot.id));
    expect(offers).toHaveLength(3);
    const offered = new Set(offers.map((o) => o.waitlistEntryId));
    const entries = await db().select().from(waitlistEntries).where(eq(waitlistEntries.practiceId, p.id));
    const byPatient = new Map(entries.map((e) => [e.patientId, e]));
    expect(waiting.map((w) => offered.has(byPatient.get(w.patient.id)!.id))).toEqual([true, true, true, false, false]);
    expect((await lastOutbound(waiting[0]!.patient.id))!.body).toMatch(/Reply C to take it/);

    await postTwilio(h, '/webhooks/twilio/sms', inboundSms(waiting[2]!.phone, p.phoneNumbers[0]!, 'C'));
    await h.drain();
    await h.drain();
    const booked = await db().select().from(appointments).where(and(eq(appointments.source, 'waitlist'), eq(appointments.patientId, waiting[2]!.patient.id)));
    expect(booked).toHaveLength(1);
    expect(booked[0]!.startsAt.toISOString()).toBe('2026-10-03T15:00:00.000Z');
    expect(await outboundBodies(waiting[2]!.patient.id)).toMatch(/You got it/);
    expect(await outboundBodies(waiting[0]!.patient.id)).toMatch(/opening was taken/);
    expect(await outboundBodies(waiting[1]!.patient.id)).toMatch(/ya fue tomado/);
    expect(await outboundBodies(waiting[3]!.patient.id)).toBe('');

    // a late yes gets no second booking
    await postTwilio(h, '/webhooks/twilio/sms', inboundSms(waiting[0]!.phone, p.phoneNumbers[0]!, 'C'));
    await h.drain();
    expect(await db().select().from(appointments).where(and(eq(appointments.source, 'waitlist'), eq(appointments.startsAt, slot.startsAt)))).toHaveLength(1);
  });

  it('two patients accepting the same slot in the same second: exactly one is booked', async () => {
    const { slot } = await freedSlot('Dr. Lee');
    const offers = await db().select().from(waitlistOffers).where(eq(waitlistOffers.slotAppointmentId, slot.id));
    const results = await Promise.all([acceptOffer(db(), offers[0]!.id, clock.now()), acceptOffer(db(), offers[1]!.id, clock.now())]);
    expect(results.map((r) => r.outcome).sort()).toEqual(['booked', 'taken']);
    const booked = await db().select().from(appointments).where(and(eq(appointments.source, 'waitlist'), eq(appointments.provider, 'Dr. Lee')));
    expect(booked).toHaveLength(1);
    const states = (await db().select().from(waitlistOffers).where(eq(waitlistOffers.slotAppointmentId, slot.id))).map((o) => o.status).sort();
    expect(states).toEqual(['accepted', 'taken', 'taken']);
  });

  it('offers expire at their time and the next patients are offered', async () => {
    const { waiting, slot } = await freedSlot('Dr. Park');
    const first = await db().select().from(waitlistOffers).where(eq(waitlistOffers.slotAppointmentId, slot.id));
    clock.set(new Date(first[0]!.expiresAt.getTime() + 1000));
    await h.drain();
    await h.drain();
    const all = await db().select().from(waitlistOffers).where(eq(waitlistOffers.slotAppointmentId, slot.id));
    expect(all.filter((o) => o.status === 'expired')).toHaveLength(3);
    expect(all.filter((o) => o.status === 'offered')).toHaveLength(2);
    expect((await lastOutbound(waiting[4]!.patient.id))!.body).toMatch(/Reply C to take it/);
  });
});
