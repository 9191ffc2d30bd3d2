import { and, asc, desc, eq, inArray } from 'drizzle-orm';
import { z } from '@hono/zod-openapi';
import type { Database } from '../../platform/db/client';
import { appointments, patients, practices, waitlistEntries, waitlistOffers } from '../../platform/db/schema';
import { canSeePractice, type Principal } from '../../access/principal';
import { AppError, forbidden, notFound } from '../../platform/errors';
import { practiceNumber, firstNameOrGreeting, outreachConversation } from '../../outreach/outreach-conversation';
import { outreachWindowStart as nextOutreachTime } from '../../outreach/outreach-policy';
import { audit } from '../../access/audit';
import { queueOutbound } from '../../outreach/outbound';
import { planReminders } from '../reminders/reminders';
import { renderForPractice } from '../../outreach/templates';
import { queueEhrWriteBack } from '../ehr/write-back-queue';
import { isPatientInReach, patientInReach } from '../minimum-necessary';

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
    // minimum necessary: an assistant limited to queues waitlists the patients it is talking to only
    if (!patient || !(await isPatientInReach(tx, who, patient.id))) throw new AppError('validation_failed', 'patientId: no such patient in this practice');
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
    .where(and(scope, inArray(waitlistEntries.status, ['waiting', 'offered']), patientInReach(db, who, waitlistEntries.patientId)))
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
    // the freed slot is booked in the EHR too, so the front desk cannot give it away twice
    await queueEhrWriteBack(tx, { appointmentId: booked!.id, action: 'book', via: 'waitlist', startsAt: slot!.startsAt, slotAppointmentId: slot!.id, now });
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

