import { and, asc, desc, eq, gt, inArray, isNull, notInArray, or, sql } from 'drizzle-orm';
import { z } from '@hono/zod-openapi';
import type { Database, Db } from '../db/client';
import { appointments, contactPoints, patients, practices, waitlistEntries, waitlistOffers } from '../db/schema';
import { canSeePractice, type Principal } from '../auth/principal';
import { AppError, forbidden, notFound } from '../lib/errors';
import { addToOutbox } from '../jobs/outbox';
import { practiceNumber, firstNameOrGreeting, outreachConversation } from '../jobs/reminder-job';
import { nextOutreachTime } from '../../channels/voice/missed-call';
import { audit } from './audit';
import { queueOutbound } from './outbound';
import { planReminders } from './reminders';
import { renderForPractice } from './templates';

/** How many waitlisted patients hear about a freed slot at once. */
export const OFFERS_AT_ONCE = 3;
/** How long an offer holds, at most (and never past an hour before the slot). */
export const OFFER_MINUTES = 120;
export const waitlistQueue = 'waitlist';

export const AddWaitlistEntrySchema = z
  .object({
    practiceId: z.string().uuid(),
    patientId: z.string().uuid(),
    /** null: any provider */
    provider: z.string().min(1).max(200).nullish(),
    /** null: any appointment type */
    type: z.string().min(1).max(100).nullish(),
    /** higher goes first; equal priorities go by who asked first */
    priority: z.number().int().min(0).max(1000).default(0),
  })
  .openapi('AddWaitlistEntry');

export const WaitlistEntrySchema = z
  .object({
    id: z.string().uuid(),
    practiceId: z.string().uuid(),
    patientId: z.string().uuid(),
    provider: z.string().nullable(),
    type: z.string().nullable(),
    priority: z.number().int(),
    status: z.enum(['waiting', 'offered', 'booked', 'removed']),
    createdAt: z.string(),
  })
  .openapi('WaitlistEntry');

type Entry = typeof waitlistEntries.$inferSelect;
const entryView = (e: Entry): z.infer<typeof WaitlistEntrySchema> => ({
  id: e.id,
  practiceId: e.practiceId,
  patientId: e.patientId,
  provider: e.provider,
  type: e.type,
  priority: e.priority,
  status: e.status,
  createdAt: e.createdAt.toISOString(),
});

export async function addWaitlistEntry(
  db: Database,
  who: Principal,
  input: z.infer<typeof AddWaitlistEntrySchema>,
  now: Date,
  requestId: string | null,
) {
  if (!canSeePractice(who, input.practiceId)) throw forbidden('you do not have access to this practice');
  return db.transaction(async (tx) => {
    const [patient] = await tx
      .select({ id: patients.id })
      .from(patients)
      .where(and(eq(patients.id, input.patientId), eq(patients.practiceId, input.practiceId)));
    if (!patient) throw new AppError('validation_failed', 'patientId: no such patient in this practice');
    const [entry] = await tx
      .insert(waitlistEntries)
      .values({
        practiceId: input.practiceId,
        patientId: input.patientId,
        provider: input.provider ?? null,
        type: input.type ?? null,
        priority: input.priority,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    await audit(tx, who, requestId, {
      action: 'waitlist.add',
      subjectType: 'waitlist_entry',
      subjectId: entry!.id,
      practiceId: input.practiceId,
      patientId: input.patientId,
      detail: { provider: entry!.provider !== null, type: entry!.type !== null, priority: entry!.priority },
    });
    return entryView(entry!);
  });
}

export async function listWaitlist(db: Database, who: Principal, practiceId: string | undefined, requestId: string | null) {
  if (practiceId && !canSeePractice(who, practiceId)) throw forbidden('you do not have access to this practice');
  const scope =
    practiceId ? eq(waitlistEntries.practiceId, practiceId) : who.practiceIds === 'all' ? undefined : inArray(waitlistEntries.practiceId, who.practiceIds.length ? who.practiceIds : ['00000000-0000-0000-0000-000000000000']);
  const rows = await db
    .select()
    .from(waitlistEntries)
    .where(and(scope, inArray(waitlistEntries.status, ['waiting', 'offered'])))
    .orderBy(desc(waitlistEntries.priority), asc(waitlistEntries.createdAt))
    .limit(500);
  await audit(db, who, requestId, { action: 'waitlist.list', subjectType: 'waitlist_entry', practiceId: practiceId ?? null, detail: { count: rows.length } });
  return { data: rows.map(entryView), nextCursor: null };
}

/**
 * A slot was freed (its appointment cancelled): offer it to the next waitlisted patients for
 * that provider or type, by priority, a few at a time. Each offer is an outreach text (quiet
 * hours and the daily cap apply) and an outbox row at its expiry.
 */
export async function offerFreedSlot(tx: Db, slotAppointmentId: string, now: Date): Promise<number> {
  const [slot] = await tx
    .select({ appointment: appointments, practice: practices })
    .from(appointments)
    .innerJoin(practices, eq(practices.id, appointments.practiceId))
    .where(eq(appointments.id, slotAppointmentId))
    .for('update', { of: appointments });
  if (!slot || slot.appointment.status !== 'cancelled') return 0;
  const { appointment, practice } = slot;
  const offers = await tx.select().from(waitlistOffers).where(eq(waitlistOffers.slotAppointmentId, slotAppointmentId));
  if (offers.some((o) => o.status === 'accepted')) return 0;
  const open = offers.filter((o) => o.status === 'offered' && o.expiresAt > now).length;
  const room = OFFERS_AT_ONCE - open;
  // an offer must leave the patient time to answer and come
  const expiresAt = new Date(Math.min(now.getTime() + OFFER_MINUTES * 60_000, appointment.startsAt.getTime() - 60 * 60_000));
  if (room <= 0 || expiresAt.getTime() <= now.getTime()) return 0;
  const already = offers.map((o) => o.waitlistEntryId);
  const candidates = await tx
    .select({ entry: waitlistEntries, patient: patients })
    .from(waitlistEntries)
    .innerJoin(patients, eq(patients.id, waitlistEntries.patientId))
    .where(
      and(
        eq(waitlistEntries.practiceId, practice.id),
        eq(waitlistEntries.status, 'waiting'),
        sql`${waitlistEntries.patientId} <> ${appointment.patientId}`,
        appointment.provider ? or(isNull(waitlistEntries.provider), eq(waitlistEntries.provider, appointment.provider)) : isNull(waitlistEntries.provider),
        appointment.type ? or(isNull(waitlistEntries.type), eq(waitlistEntries.type, appointment.type)) : isNull(waitlistEntries.type),
        already.length ? notInArray(waitlistEntries.id, already) : undefined,
      ),
    )
    .orderBy(desc(waitlistEntries.priority), asc(waitlistEntries.createdAt))
    .for('update', { of: waitlistEntries, skipLocked: true })
    .limit(room * 4);
  let made = 0;
  for (const { entry, patient } of candidates) {
    if (made >= room) break;
    const [phone] = await tx
      .select()
      .from(contactPoints)
      .where(and(eq(contactPoints.patientId, patient.id), eq(contactPoints.kind, 'phone')));
    // an offer is a text: a patient who cannot get one waits for the next slot
    if (!phone || phone.smsConsent === 'revoked' || phone.canReceiveSms === false) continue;
    const zone = patient.timeZone ?? practice.timeZone;
    const [offer] = await tx
      .insert(waitlistOffers)
      .values({ practiceId: practice.id, waitlistEntryId: entry.id, slotAppointmentId, expiresAt, createdAt: now, updatedAt: now })
      .returning();
    const rendered = await renderForPractice(tx, {
      practiceId: practice.id,
      numberTexted: await practiceNumber(tx, practice.id),
      purpose: 'waitlist_offer',
      language: patient.language,
      channel: 'sms',
      vars: {
        patient: { firstName: firstNameOrGreeting(patient.firstName, patient.language) },
        slot: { startsAt: appointment.startsAt },
        offer: { expiresAt },
      },
      timeZone: zone,
    });
    const conversationId = await outreachConversation(tx, practice.id, patient.id, 'sms', now);
    const { messageId } = await queueOutbound(tx, {
      practiceId: practice.id,
      conversationId,
      channel: 'sms',
      body: rendered.text,
      purpose: 'outreach',
      authorType: 'automation',
      contactPointId: phone.id,
      idempotencyKey: `waitlist-offer:${offer!.id}`,
      meta: { waitlistOfferId: offer!.id, template: 'waitlist_offer' },
      now,
    });
    await tx.update(waitlistOffers).set({ messageId }).where(eq(waitlistOffers.id, offer!.id));
    await tx.update(waitlistEntries).set({ status: 'offered', updatedAt: now }).where(eq(waitlistEntries.id, entry.id));
    await addToOutbox(tx, {
      queue: waitlistQueue,
      payload: { offerId: offer!.id },
      runAt: expiresAt,
      dedupeKey: `waitlist-expire:${offer!.id}`,
    });
    made++;
  }
  return made;
}

/** The patient's open offer, if they have one (an answer C goes to it before any reminder). */
export async function openOfferFor(db: Db, patientId: string, now: Date) {
  const [row] = await db
    .select({ offer: waitlistOffers })
    .from(waitlistOffers)
    .innerJoin(waitlistEntries, eq(waitlistEntries.id, waitlistOffers.waitlistEntryId))
    .where(and(eq(waitlistEntries.patientId, patientId), inArray(waitlistOffers.status, ['offered', 'taken']), gt(waitlistOffers.expiresAt, now)))
    .orderBy(desc(waitlistOffers.createdAt))
    .limit(1);
  return row?.offer ?? null;
}

export type AcceptResult = { outcome: 'booked'; appointmentId: string } | { outcome: 'taken' | 'expired' };

/**
 * The first yes gets the slot. Concurrent answers for one slot queue on the slot's row lock
 * (`for update` on the freed appointment), so the second sees the first's acceptance; the
 * partial unique index on accepted offers backs this up. The others are told it is taken.
 */
export async function acceptOffer(db: Database, offerId: string, now: Date): Promise<AcceptResult> {
  return db.transaction(async (tx) => {
    const [head] = await tx.select({ slotAppointmentId: waitlistOffers.slotAppointmentId }).from(waitlistOffers).where(eq(waitlistOffers.id, offerId));
    if (!head) throw notFound('waitlist offer');
    const [slot] = await tx.select().from(appointments).where(eq(appointments.id, head.slotAppointmentId)).for('update');
    const [offer] = await tx.select().from(waitlistOffers).where(eq(waitlistOffers.id, offerId)).for('update');
    const [entry] = await tx.select().from(waitlistEntries).where(eq(waitlistEntries.id, offer!.waitlistEntryId));
    const [patient] = await tx.select().from(patients).where(eq(patients.id, entry!.patientId));
    const [practice] = await tx.select().from(practices).where(eq(practices.id, offer!.practiceId));
    const zone = patient!.timeZone ?? practice!.timeZone;
    const reply = async (purpose: 'waitlist_booked' | 'waitlist_taken', startsAt: Date) => {
      const rendered = await renderForPractice(tx, {
        practiceId: practice!.id,
        numberTexted: await practiceNumber(tx, practice!.id),
        purpose,
        language: patient!.language,
        channel: 'sms',
        vars: { patient: { firstName: firstNameOrGreeting(patient!.firstName, patient!.language) }, slot: { startsAt }, appointment: { startsAt } },
        timeZone: zone,
      });
      const conversationId = await outreachConversation(tx, practice!.id, patient!.id, 'sms', now);
      await queueOutbound(tx, {
        practiceId: practice!.id,
        conversationId,
        channel: 'sms',
        body: rendered.text,
        purpose: 'reply',
        authorType: 'automation',
        idempotencyKey: `waitlist-answer:${offerId}`,
        meta: { waitlistOfferId: offerId, template: purpose },
        now,
      });
    };
    if (offer!.status === 'expired' || (offer!.status === 'offered' && offer!.expiresAt <= now)) return { outcome: 'expired' as const };
    const taken = await tx
      .select({ id: waitlistOffers.id })
      .from(waitlistOffers)
      .where(and(eq(waitlistOffers.slotAppointmentId, slot!.id), eq(waitlistOffers.status, 'accepted')));
    // told already when the slot went to someone else
    if (offer!.status === 'taken') return { outcome: 'taken' as const };
    if (offer!.status !== 'offered' || taken.length > 0 || slot!.status !== 'cancelled') {
      await reply('waitlist_taken', slot!.startsAt);
      return { outcome: 'taken' as const };
    }
    await tx.update(waitlistOffers).set({ status: 'accepted', updatedAt: now }).where(eq(waitlistOffers.id, offerId));
    const [booked] = await tx
      .insert(appointments)
      .values({
        practiceId: slot!.practiceId,
        patientId: patient!.id,
        externalId: `waitlist:${offerId}`,
        startsAt: slot!.startsAt,
        durationMinutes: slot!.durationMinutes,
        type: slot!.type,
        provider: slot!.provider,
        status: 'confirmed',
        confirmedAt: now,
        source: 'waitlist',
        createdAt: now,
        updatedAt: now,
      })
      .returning({ id: appointments.id });
    await tx.update(waitlistEntries).set({ status: 'booked', updatedAt: now }).where(eq(waitlistEntries.id, entry!.id));
    await planReminders(tx, booked!.id, now);
    await reply('waitlist_booked', slot!.startsAt);
    // everyone else still holding an offer for this slot hears it went; they stay on the list
    const others = await tx
      .select({ offer: waitlistOffers, entry: waitlistEntries, patient: patients })
      .from(waitlistOffers)
      .innerJoin(waitlistEntries, eq(waitlistEntries.id, waitlistOffers.waitlistEntryId))
      .innerJoin(patients, eq(patients.id, waitlistEntries.patientId))
      .where(and(eq(waitlistOffers.slotAppointmentId, slot!.id), eq(waitlistOffers.status, 'offered')));
    for (const o of others) {
      await tx.update(waitlistOffers).set({ status: 'taken', updatedAt: now }).where(eq(waitlistOffers.id, o.offer.id));
      await tx.update(waitlistEntries).set({ status: 'waiting', updatedAt: now }).where(and(eq(waitlistEntries.id, o.entry.id), eq(waitlistEntries.status, 'offered')));
      const oz = o.patient.timeZone ?? practice!.timeZone;
      const rendered = await renderForPractice(tx, {
        practiceId: practice!.id,
        numberTexted: await practiceNumber(tx, practice!.id),
        purpose: 'waitlist_taken',
        language: o.patient.language,
        channel: 'sms',
        vars: { patient: { firstName: firstNameOrGreeting(o.patient.firstName, o.patient.language) }, slot: { startsAt: slot!.startsAt } },
        timeZone: oz,
      });
      const conversationId = await outreachConversation(tx, practice!.id, o.patient.id, 'sms', now);
      // closes the offer they were sent, so it is not new outreach and takes no cap slot;
      // it still waits for 8:00 like the offer would have
      await queueOutbound(tx, {
        practiceId: practice!.id,
        conversationId,
        channel: 'sms',
        body: rendered.text,
        purpose: 'notification',
        authorType: 'automation',
        idempotencyKey: `waitlist-taken:${o.offer.id}`,
        meta: { waitlistOfferId: o.offer.id, template: 'waitlist_taken' },
        now,
        notBefore: nextOutreachTime(now, oz),
      });
    }
    return { outcome: 'booked' as const, appointmentId: booked!.id };
  });
}

/** A patient answered X to an offer: it is declined, and the next candidate hears of the slot. */
export async function declineOffer(db: Database, offerId: string, now: Date): Promise<void> {
  await db.transaction(async (tx) => {
    const [offer] = await tx.select().from(waitlistOffers).where(eq(waitlistOffers.id, offerId)).for('update');
    if (!offer || offer.status !== 'offered') return;
    await tx.update(waitlistOffers).set({ status: 'declined', updatedAt: now }).where(eq(waitlistOffers.id, offerId));
    await tx.update(waitlistEntries).set({ status: 'waiting', updatedAt: now }).where(and(eq(waitlistEntries.id, offer.waitlistEntryId), eq(waitlistEntries.status, 'offered')));
    await offerFreedSlot(tx, offer.slotAppointmentId, now);
  });
}

/** The offer's expiry came (its outbox row): it lapses and the next candidates are offered. */
export async function expireOffer(db: Database, offerId: string, now: Date): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [offer] = await tx.select().from(waitlistOffers).where(eq(waitlistOffers.id, offerId)).for('update');
    if (!offer || offer.status !== 'offered') return false;
    await tx.update(waitlistOffers).set({ status: 'expired', updatedAt: now }).where(eq(waitlistOffers.id, offerId));
    await tx.update(waitlistEntries).set({ status: 'waiting', updatedAt: now }).where(and(eq(waitlistEntries.id, offer.waitlistEntryId), eq(waitlistEntries.status, 'offered')));
    await offerFreedSlot(tx, offer.slotAppointmentId, now);
    return true;
  });
}
