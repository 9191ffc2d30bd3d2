import { and, asc, desc, eq, gt, inArray, isNull, notInArray, or, sql } from 'drizzle-orm';
import type { Database, Db } from '../../platform/db/client';
import { appointments, contactPoints, patients, practices, waitlistEntries, waitlistOffers } from '../../platform/db/schema';
import { addJob } from '../../platform/jobs/catalog';
import { practiceNumber, firstNameOrGreeting, outreachConversation } from '../../outreach/outreach-conversation';
import { queueOutbound } from '../../outreach/outbound';
import { renderForPractice } from '../../outreach/templates';
import { reachable } from '../../outreach/outreach-policy';

/** How many waitlisted patients hear about a freed slot at once. */
export const OFFERS_AT_ONCE = 3;
/** How long an offer holds, at most (and never past an hour before the slot). */
export const OFFER_MINUTES = 120;
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
    if (!phone || !reachable('sms', phone).ok) continue;
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
    await addJob(tx, 'waitlist', { offerId: offer!.id }, { runAt: expiresAt, dedupeKey: `waitlist-expire:${offer!.id}` });
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
