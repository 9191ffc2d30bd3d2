import { z } from '@hono/zod-openapi';
import { and, inArray, isNotNull, sql } from 'drizzle-orm';
import type { Database, Db } from '../platform/db/client';
import {
  appointments,
  calls,
  contactPoints,
  conversations,
  messageAttachments,
  messages,
  patients,
  recordings,
  refillRequests,
  reminders,
  replyReviews,
} from '../platform/db/schema';
import { isAdmin, type Principal } from '../access/principal';
import { AppError, forbidden } from '../platform/errors';
import { audit } from '../access/audit';
import type { BlobStore } from '../platform/blobs/blob-store';
import { loadPatient } from './patient-records';
import { mergedGroup } from './patient-export';

export const ErasePatientSchema = z
  .object({
    reason: z.string().trim().min(10, 'say why (at least 10 characters), e.g. the request and its date').max(1000),
  })
  .openapi('ErasePatient');

export const ErasureSchema = z
  .object({
    id: z.uuid(),
    erasedAt: z.string(),
    records: z.array(z.uuid()),
    erased: z.object({ messages: z.number(), files: z.number(), contactPoints: z.number(), calls: z.number() }),
  })
  .openapi('Erasure');

async function scope(tx: Db, ids: string[]) {
  const convIds = (await tx.select({ id: conversations.id }).from(conversations).where(inArray(conversations.patientId, ids))).map((c) => c.id);
  const keys = convIds.length
    ? (await tx.select({ key: messageAttachments.blobKey }).from(messageAttachments).where(and(inArray(messageAttachments.conversationId, convIds), isNotNull(messageAttachments.blobKey)))).map((r) => r.key!)
    : [];
  return { convIds, keys };
}

/**
 * Erases a patient on request (admins, with a reason): message bodies, subjects, addresses
 * and triage entities, every file (deleted from the blob store), transcripts, contact points
 * (with their consent ledger), names, date of birth and portal id, across the record and
 * any records merged into it. What stays: ids, times, channels, intents, urgency, statuses,
 * appointments' times and outcomes, so the practice's figures still add up; and the audit
 * trail, untouched, with this erasure in it. Pending sends to the patient are withdrawn.
 *
 * Files go first: a failure after them leaves the rows pointing at nothing (served as not
 * found) and a second erase finishes; the other way round could leave bytes nobody can find.
 */
export async function erasePatient(db: Database, blobs: BlobStore, who: Principal, id: string, input: z.input<typeof ErasePatientSchema>, now: Date, requestId: string | null) {
  const { reason } = ErasePatientSchema.parse(input);
  const before = await db.transaction(async (tx) => {
    const p = await loadPatient(tx, who, id);
    if (!isAdmin(who)) throw forbidden('only admins erase a patient record');
    if (p.mergedIntoId) throw new AppError('conflict', `this record was merged into ${p.mergedIntoId}; erase that one (it covers this one)`);
    const ids = await mergedGroup(tx, p.id);
    return { p, ids, ...(await scope(tx, ids)) };
  });
  for (const key of before.keys) await blobs.delete(key);

  const result = await db.transaction(async (tx) => {
    const p = await loadPatient(tx, who, id, { lock: true });
    const ids = await mergedGroup(tx, p.id);
    const { convIds, keys } = await scope(tx, ids);
    let erasedMessages = 0;
    let files = 0;
    if (convIds.length) {
      // a reply not yet sent never goes
      await tx
        .update(messages)
        .set({ status: 'refused', errorCode: 'patient_erased', errorMessage: "the patient's record was erased" })
        .where(and(inArray(messages.conversationId, convIds), inArray(messages.status, ['pending', 'queued'])));
      erasedMessages = (
        await tx
          .update(messages)
          .set({
            body: '',
            originalBody: null,
            subject: null,
            fromAddress: null,
            toAddress: null,
            errorMessage: null,
            triage: sql`case when ${messages.triage} is null then null else (${messages.triage} - 'entities') || '{"entities": {}}'::jsonb end`,
            meta: sql`jsonb_strip_nulls(jsonb_build_object('kind', ${messages.meta} -> 'kind', 'erased', true))`,
          })
          .where(inArray(messages.conversationId, convIds))
          .returning({ id: messages.id })
      ).length;
      files = (
        await tx
          .update(messageAttachments)
          .set({ status: 'erased', name: null, blobKey: null, url: null, content: null, sha256: null, error: 'erased', purgedAt: now })
          .where(inArray(messageAttachments.conversationId, convIds))
          .returning({ id: messageAttachments.id })
      ).length;
      await tx.update(conversations).set({ subject: null, tags: [], updatedAt: now }).where(inArray(conversations.id, convIds));
      await tx
        .update(replyReviews)
        .set({ note: null })
        .where(inArray(replyReviews.messageId, tx.select({ id: messages.id }).from(messages).where(inArray(messages.conversationId, convIds))));
      await tx.update(recordings).set({ transcript: null, url: '' }).where(inArray(recordings.messageId, tx.select({ id: messages.id }).from(messages).where(inArray(messages.conversationId, convIds))));
    }
    const callRows = await tx.update(calls).set({ fromNumber: '', toNumber: '' }).where(inArray(calls.patientId, ids)).returning({ id: calls.id });
    if (callRows.length) await tx.update(recordings).set({ transcript: null, url: '' }).where(inArray(recordings.callId, callRows.map((c) => c.id)));
    const points = await tx.delete(contactPoints).where(inArray(contactPoints.patientId, ids)).returning({ id: contactPoints.id });
    await tx.update(refillRequests).set({ medication: null, strength: null, pharmacy: null, note: null }).where(inArray(refillRequests.patientId, ids));
    // an EHR's id would name the patient again; times and outcomes stay for the figures
    await tx.update(appointments).set({ externalId: sql`'erased-' || ${appointments.id}`, rescheduleOptions: null }).where(inArray(appointments.patientId, ids));
    await tx.update(reminders).set({ status: 'cancelled', skipReason: 'patient_erased' }).where(and(inArray(reminders.patientId, ids), inArray(reminders.status, ['planned', 'queued'])));
    await tx
      .update(patients)
      .set({ firstName: null, lastName: null, dateOfBirth: null, portalId: null, tags: [], timeZone: null, preferredChannel: null, erasedAt: now, updatedAt: now })
      .where(inArray(patients.id, ids));
    const erased = { messages: erasedMessages, files, contactPoints: points.length, calls: callRows.length };
    await audit(tx, who, requestId, { action: 'patient.erase', subjectType: 'patient', subjectId: p.id, practiceId: p.practiceId, patientId: p.id, detail: { reason, records: ids, erased } });
    return { id: p.id, erasedAt: now.toISOString(), records: ids, erased, lateKeys: keys.filter((k) => !before.keys.includes(k)) };
  });
  // a file that arrived between the two steps
  for (const key of result.lateKeys) await blobs.delete(key);
  const { lateKeys: _late, ...view } = result;
  return view;
}
