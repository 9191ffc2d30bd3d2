import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Database, Db } from '../platform/db/client';
import {
  appointments,
  calls,
  consentEvents,
  contactPoints,
  conversations,
  messageAttachments,
  messages,
  patientMerges,
  patients,
  practices,
  recordings,
  refillRequests,
  reminders,
  waitlistEntries,
} from '../platform/db/schema';
import { isManagerOf, type Principal } from '../access/principal';
import { forbidden } from '../platform/errors';
import { audit } from '../access/audit';
import { rowsOf } from '../platform/jobs/outbox';
import { loadPatient } from './patient-records';

/** The record and every record merged into it (merges can chain: A into B, B into C). */
export async function mergedGroup(db: Db, id: string): Promise<string[]> {
  const rows = rowsOf<{ id: string }>(
    await db.execute(sql`
      with recursive g(id) as (select ${id}::uuid union select p.id from patients p join g on p.merged_into_id = g.id)
      select id from g`),
  );
  return rows.map((r) => r.id);
}

const iso = (d: Date | null | undefined) => d?.toISOString() ?? null;

/**
 * Everything held about a patient, for a right-of-access request (HIPAA 45 CFR 164.524):
 * the record and any records merged into it, contacts with their consent ledger, every
 * conversation with its messages (internal notes marked as such), files as links to our
 * own origin, calls, appointments with reminders, refill requests and waitlist entries.
 * Managers and admins; audited.
 */
export async function exportPatient(db: Database, who: Principal, id: string, opts: { baseUrl: string; now: Date; requestId: string | null }) {
  return db.transaction(async (tx) => {
    const root = await loadPatient(tx, who, id);
    if (!isManagerOf(who, root.practiceId)) throw forbidden('only managers and admins of the practice export a patient record');
    const ids = await mergedGroup(tx, root.id);
    const [practice] = await tx.select({ id: practices.id, name: practices.name }).from(practices).where(eq(practices.id, root.practiceId));
    const [records, points, convs, appts, rems, refills, waits, callRows, merges] = await Promise.all([
      tx.select().from(patients).where(inArray(patients.id, ids)),
      tx.select().from(contactPoints).where(inArray(contactPoints.patientId, ids)).orderBy(asc(contactPoints.createdAt)),
      tx.select().from(conversations).where(inArray(conversations.patientId, ids)).orderBy(asc(conversations.createdAt)),
      tx.select().from(appointments).where(inArray(appointments.patientId, ids)).orderBy(asc(appointments.startsAt)),
      tx.select().from(reminders).where(inArray(reminders.patientId, ids)).orderBy(asc(reminders.dueAt)),
      tx.select().from(refillRequests).where(inArray(refillRequests.patientId, ids)).orderBy(asc(refillRequests.createdAt)),
      tx.select().from(waitlistEntries).where(inArray(waitlistEntries.patientId, ids)).orderBy(asc(waitlistEntries.createdAt)),
      tx.select().from(calls).where(inArray(calls.patientId, ids)).orderBy(asc(calls.createdAt)),
      tx.select().from(patientMerges).where(inArray(patientMerges.patientId, ids)).orderBy(asc(patientMerges.createdAt)),
    ]);
    const ledger = points.length
      ? await tx.select().from(consentEvents).where(inArray(consentEvents.contactPointId, points.map((p) => p.id))).orderBy(asc(consentEvents.createdAt))
      : [];
    const convIds = convs.map((c) => c.id);
    const msgs = convIds.length ? await tx.select().from(messages).where(inArray(messages.conversationId, convIds)).orderBy(asc(messages.createdAt), asc(messages.id)) : [];
    const files = convIds.length
      ? await tx.select().from(messageAttachments).where(and(inArray(messageAttachments.conversationId, convIds), sql`${messageAttachments.messageId} is not null`))
      : [];
    const recs = callRows.length ? await tx.select().from(recordings).where(inArray(recordings.callId, callRows.map((c) => c.id))) : [];
    const link = (attachmentId: string) => `${opts.baseUrl}/api/v1/attachments/${attachmentId}`;

    await audit(tx, who, opts.requestId, {
      action: 'patient.export',
      subjectType: 'patient',
      subjectId: root.id,
      practiceId: root.practiceId,
      patientId: root.id,
      detail: { records: ids, conversations: convs.length, messages: msgs.length, files: files.length },
    });

    const person = (p: typeof patients.$inferSelect) => ({
      id: p.id,
      firstName: p.firstName,
      lastName: p.lastName,
      dateOfBirth: p.dateOfBirth,
      language: p.language,
      timeZone: p.timeZone,
      preferredChannel: p.preferredChannel,
      tags: p.tags,
      portalId: p.portalId,
      mergedIntoId: p.mergedIntoId,
      erasedAt: iso(p.erasedAt),
      createdAt: iso(p.createdAt),
    });
    return {
      kind: 'switchboard.patient_export',
      version: 1,
      exportedAt: opts.now.toISOString(),
      practice: practice ?? null,
      patient: person(root),
      mergedRecords: records.filter((r) => r.id !== root.id).map(person),
      contactPoints: points.map((cp) => ({
        id: cp.id,
        patientId: cp.patientId,
        kind: cp.kind,
        value: cp.value,
        smsConsent: cp.smsConsent,
        emailConsent: cp.emailConsent,
        undeliverable: cp.undeliverable,
        consentHistory: ledger
          .filter((e) => e.contactPointId === cp.id)
          .map((e) => ({ purpose: e.purpose, state: e.state, source: e.source, detail: e.detail, at: iso(e.createdAt) })),
      })),
      conversations: convs.map((c) => ({
        id: c.id,
        channel: c.channel,
        status: c.status,
        subject: c.subject,
        intent: c.intent,
        urgency: c.urgency,
        createdAt: iso(c.createdAt),
        resolvedAt: iso(c.resolvedAt),
        messages: msgs
          .filter((m) => m.conversationId === c.id)
          .map((m) => ({
            id: m.id,
            direction: m.direction,
            kind: m.kind,
            channel: m.channel,
            from: m.fromAddress,
            to: m.toAddress,
            subject: m.subject,
            body: m.body,
            originalBody: m.originalBody,
            status: m.status,
            author: m.authorType,
            triage: m.triage ? { intent: m.triage.intent, urgency: m.triage.urgency, language: m.triage.language, entities: m.triage.entities } : null,
            createdAt: iso(m.createdAt),
            attachments: files
              .filter((f) => f.messageId === m.id)
              .map((f) => ({ id: f.id, name: f.name, contentType: f.contentType, size: f.size, kind: f.kind, status: f.status, url: f.status === 'stored' ? link(f.id) : null })),
          })),
      })),
      calls: callRows.map((c) => ({
        id: c.id,
        direction: c.direction,
        from: c.fromNumber,
        to: c.toNumber,
        outcome: c.outcome,
        durationSeconds: c.durationSeconds,
        startedAt: iso(c.startedAt),
        endedAt: iso(c.endedAt),
        transcripts: recs.filter((r) => r.callId === c.id && r.transcript).map((r) => ({ recordingId: r.id, transcript: r.transcript })),
      })),
      appointments: appts.map((a) => ({
        id: a.id,
        externalId: a.externalId,
        startsAt: iso(a.startsAt),
        durationMinutes: a.durationMinutes,
        type: a.type,
        provider: a.provider,
        status: a.status,
        reminders: rems.filter((r) => r.appointmentId === a.id).map((r) => ({ channel: r.channel, dueAt: iso(r.dueAt), status: r.status, sentAt: iso(r.sentAt), answer: r.answer })),
      })),
      refillRequests: refills.map((r) => ({ id: r.id, medication: r.medication, strength: r.strength, pharmacy: r.pharmacy, status: r.status, note: r.note, createdAt: iso(r.createdAt), decidedAt: iso(r.decidedAt) })),
      waitlist: waits.map((w) => ({ id: w.id, provider: w.provider, type: w.type, status: w.status, createdAt: iso(w.createdAt) })),
      merges: merges.map((m) => ({ id: m.id, patientId: m.patientId, intoId: m.intoId, createdAt: iso(m.createdAt), undoneAt: iso(m.undoneAt) })),
    };
  });
}
