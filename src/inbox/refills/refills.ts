import { z } from '@hono/zod-openapi';
import { and, desc, eq, type SQL } from 'drizzle-orm';
import type { Database, Db } from '../../platform/db/client';
import { contactPoints, conversations, messages, patients, refillRequests, type RefillStatus } from '../../platform/db/schema';
import { canSeeQueue, isManagerOf, type Principal } from '../../access/principal';
import { AppError, forbidden, notFound } from '../../platform/errors';
import { TemplateError } from '../../../templates/index';
import type { Channel, TriageResult } from '../../../triage/types';
import { audit, auditListPage } from '../../access/audit';
import { afterCursor, pageOf } from '../../platform/cursor';
import { visibleConversations } from '../conversations';
import { contactKindFor, queueOutbound } from '../../outreach/outbound';
import { medicationsOf } from '../playbooks';
import { renderForPractice } from '../../outreach/templates';

export const refillStatuses = ['pending', 'approved', 'denied'] as const satisfies readonly RefillStatus[];

export const RefillSchema = z
  .object({
    id: z.uuid(),
    practiceId: z.uuid(),
    conversationId: z.uuid(),
    messageId: z.uuid().openapi({ description: 'the patient message the request was taken from' }),
    patient: z.object({ id: z.uuid(), firstName: z.string().nullable(), lastName: z.string().nullable(), dateOfBirth: z.string().nullable() }),
    medication: z.string().nullable(),
    strength: z.string().nullable(),
    pharmacy: z.string().nullable(),
    status: z.enum(refillStatuses),
    decidedById: z.uuid().nullable(),
    decidedAt: z.string().nullable(),
    note: z.string().nullable().openapi({ description: 'internal: never sent to the patient' }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('RefillRequest');

export const ListRefillsQuery = z.object({
  practiceId: z.uuid().optional(),
  status: z.enum(refillStatuses).optional().openapi({ description: 'default: every status' }),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(200).optional().openapi({ description: 'nextCursor of the previous page' }),
});

export const RefillDecisionSchema = z
  .object({
    note: z.string().trim().max(2000).optional().openapi({ description: 'internal, for the chart; the patient gets the template only' }),
    medication: z.string().trim().min(1).max(200).optional().openapi({ description: 'corrects what triage read' }),
    strength: z.string().trim().min(1).max(60).optional(),
    pharmacy: z.string().trim().min(1).max(200).optional(),
  })
  .openapi('RefillDecision');

export const RefillDecisionResultSchema = RefillSchema.extend({
  patientNotice: z
    .object({ messageId: z.uuid().nullable(), channel: z.string().nullable(), reason: z.string().nullable() })
    .openapi({ description: 'the outcome message queued to the patient, or why none could be (the decision stands; follow up by hand)' }),
}).openapi('RefillDecisionResult');

type Row = { r: typeof refillRequests.$inferSelect; patient: { id: string; firstName: string | null; lastName: string | null; dateOfBirth: string | null } };

function view({ r, patient }: Row): z.infer<typeof RefillSchema> {
  return {
    id: r.id,
    practiceId: r.practiceId,
    conversationId: r.conversationId,
    messageId: r.messageId,
    patient,
    medication: r.medication,
    strength: r.strength,
    pharmacy: r.pharmacy,
    status: r.status,
    decidedById: r.decidedById,
    decidedAt: r.decidedAt?.toISOString() ?? null,
    note: r.note,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}

/** The message a refill request is taken from, for a caller that has already read it. */
export interface RefillSource {
  id: string;
  practiceId: string;
  conversationId: string;
  direction: (typeof messages.$inferSelect)['direction'];
  kind: (typeof messages.$inferSelect)['kind'];
  triage: TriageResult | null;
  patientId: string;
}

/**
 * The structured refill request of a message triaged as `refill_request`: medication and
 * strength, pharmacy, from its triage entities (or `triage` when the caller has it before it
 * is stored). One per message: a second call returns the first request. Null for a message
 * that is not a patient's inbound message.
 */
export async function recordRefillRequest(
  tx: Db,
  input: { messageId: string; now: Date; triage?: TriageResult | null; message?: RefillSource },
): Promise<{ id: string; created: boolean } | null> {
  const [m] = input.message
    ? [input.message]
    : await tx
        .select({ id: messages.id, practiceId: messages.practiceId, conversationId: messages.conversationId, direction: messages.direction, kind: messages.kind, triage: messages.triage, patientId: conversations.patientId })
        .from(messages)
        .innerJoin(conversations, eq(conversations.id, messages.conversationId))
        .where(eq(messages.id, input.messageId));
  if (!m || m.direction !== 'inbound' || m.kind !== 'message') return null;
  const entities = (input.triage ?? m.triage)?.entities;
  const [med] = medicationsOf(entities);
  const [inserted] = await tx
    .insert(refillRequests)
    .values({
      practiceId: m.practiceId,
      patientId: m.patientId,
      conversationId: m.conversationId,
      messageId: m.id,
      medication: med?.name ?? null,
      strength: med?.strength ?? null,
      pharmacy: typeof entities?.pharmacy === 'string' ? entities.pharmacy : null,
      createdAt: input.now,
      updatedAt: input.now,
    })
    .onConflictDoNothing({ target: refillRequests.messageId })
    .returning({ id: refillRequests.id });
  if (!inserted) {
    const [existing] = await tx.select({ id: refillRequests.id }).from(refillRequests).where(eq(refillRequests.messageId, m.id));
    return existing ? { id: existing.id, created: false } : null;
  }
  await audit(tx, 'system', null, {
    action: 'refill.record',
    subjectType: 'refill_request',
    subjectId: inserted.id,
    practiceId: m.practiceId,
    patientId: m.patientId,
    detail: { messageId: m.id },
  });
  return { id: inserted.id, created: true };
}


const patientRef = { id: patients.id, firstName: patients.firstName, lastName: patients.lastName, dateOfBirth: patients.dateOfBirth };

/** Refill requests of the conversations the caller may see, newest first; a read of patient data, audited per request. */
export async function listRefills(db: Database, who: Principal, query: z.input<typeof ListRefillsQuery>, requestId: string | null) {
  const q = ListRefillsQuery.parse(query);
  const where: (SQL | undefined)[] = [visibleConversations(who)];
  if (q.practiceId) where.push(eq(refillRequests.practiceId, q.practiceId));
  if (q.status) where.push(eq(refillRequests.status, q.status));
  where.push(afterCursor(q.cursor, refillRequests.createdAt, refillRequests.id, 'desc'));
  return db.transaction(async (tx) => {
    const rows = await tx
      .select({ r: refillRequests, patient: patientRef })
      .from(refillRequests)
      .innerJoin(conversations, eq(conversations.id, refillRequests.conversationId))
      .innerJoin(patients, eq(patients.id, refillRequests.patientId))
      .where(and(...where))
      .orderBy(desc(refillRequests.createdAt), desc(refillRequests.id))
      .limit(q.limit + 1);
    const { page, nextCursor } = pageOf(rows, q.limit, ({ r }) => ({ at: r.createdAt, id: r.id }));
    // one entry per page shown (not one per row, nor one per poll of the same page)
    await auditListPage(tx, who, requestId, { action: 'refill.list', subjectType: 'refill_request', rows: page.map(({ r }) => ({ id: r.id, patientId: r.patientId, practiceId: r.practiceId })) });
    return {
      data: page.map(view),
      nextCursor,
    };
  });
}

/**
 * A clinician's decision: managers and admins of the practice ("a clinician approves or
 * denies"; assistants prepare, they do not decide). The patient is told the outcome with the
 * practice's `refill_approved` / `refill_denied` template in the conversation, on its
 * channel (texts for a voice conversation). When the patient cannot be told (no contact on
 * that channel, a value the template needs is missing), the decision still stands and
 * `patientNotice.reason` says why, so someone follows up by hand.
 */
export async function decideRefill(
  db: Database,
  who: Principal,
  id: string,
  decision: 'approved' | 'denied',
  input: z.input<typeof RefillDecisionSchema>,
  now: Date,
  requestId: string | null,
) {
  const data = RefillDecisionSchema.parse(input);
  if (who.role === 'portal') throw forbidden('portal tokens can only use the portal routes');
  const result = await db.transaction(async (tx) => {
    const [row] = await tx
      .select({
        r: refillRequests,
        c: conversations,
        patient: { ...patientRef, language: patients.language, timeZone: patients.timeZone },
        triage: messages.triage,
      })
      .from(refillRequests)
      .innerJoin(conversations, eq(conversations.id, refillRequests.conversationId))
      .innerJoin(patients, eq(patients.id, refillRequests.patientId))
      .innerJoin(messages, eq(messages.id, refillRequests.messageId))
      .where(eq(refillRequests.id, id))
      .for('update', { of: refillRequests });
    // another practice's request is "not found": its existence is not ours to tell
    if (!row || !canSeeQueue(who, row.c.practiceId, row.c.queueId, row.c.assigneeId)) throw notFound('refill request');
    if (!isManagerOf(who, row.r.practiceId)) throw forbidden('only a clinician (a manager or admin of the practice) approves or denies refills');
    if (row.r.status !== 'pending') throw new AppError('conflict', `this refill request was already ${row.r.status}${row.r.decidedAt ? ` at ${row.r.decidedAt.toISOString()}` : ''}`);

    const [updated] = await tx
      .update(refillRequests)
      .set({
        status: decision,
        decidedById: who.userId,
        decidedAt: now,
        note: data.note ?? row.r.note,
        medication: data.medication ?? row.r.medication,
        strength: data.strength ?? row.r.strength,
        pharmacy: data.pharmacy ?? row.r.pharmacy,
        updatedAt: now,
      })
      .where(eq(refillRequests.id, id))
      .returning();

    // the language the patient wrote the request in, else the one on their record
    const language = row.triage?.language ?? row.patient.language;
    const notice = await tellPatient(tx, { refill: updated!, conversation: row.c, patient: { ...row.patient, language }, decision, who, now });
    await audit(tx, who, requestId, {
      action: decision === 'approved' ? 'refill.approve' : 'refill.deny',
      subjectType: 'refill_request',
      subjectId: id,
      practiceId: row.r.practiceId,
      patientId: row.r.patientId,
      detail: { conversationId: row.c.id, messageId: notice.messageId, channel: notice.channel, notified: notice.messageId !== null },
    });
    return { ...view({ r: updated!, patient: { id: row.patient.id, firstName: row.patient.firstName, lastName: row.patient.lastName, dateOfBirth: row.patient.dateOfBirth } }), patientNotice: notice };
  });
  return result;
}

async function tellPatient(
  tx: Db,
  a: {
    refill: typeof refillRequests.$inferSelect;
    conversation: typeof conversations.$inferSelect;
    patient: { firstName: string | null; language: 'en' | 'es'; timeZone: string | null };
    decision: 'approved' | 'denied';
    who: Principal;
    now: Date;
  },
): Promise<{ messageId: string | null; channel: string | null; reason: string | null }> {
  const { refill, conversation: c } = a;
  // the same rule as a person's reply: a voice conversation is answered by text
  const channel: Channel = c.channel === 'voice' ? 'sms' : c.channel;
  const [contact] = await tx
    .select({ id: contactPoints.id })
    .from(contactPoints)
    .where(and(eq(contactPoints.patientId, c.patientId), eq(contactPoints.kind, contactKindFor(channel))))
    .limit(1);
  if (!contact) return { messageId: null, channel, reason: `the patient has no ${channel} contact` };
  let rendered;
  try {
    rendered = await renderForPractice(tx, {
      practiceId: refill.practiceId,
      purpose: a.decision === 'approved' ? 'refill_approved' : 'refill_denied',
      language: a.patient.language,
      channel,
      timeZone: a.patient.timeZone,
      vars: {
        ...(a.patient.firstName ? { patient: { firstName: a.patient.firstName } } : {}),
        refill: {
          ...(refill.medication ? { medication: refill.strength ? `${refill.medication} ${refill.strength}` : refill.medication } : {}),
          ...(refill.pharmacy ? { pharmacy: refill.pharmacy } : {}),
        },
      },
    });
  } catch (err) {
    if (err instanceof TemplateError) return { messageId: null, channel, reason: `the template could not be filled: ${err.message}` };
    throw err;
  }
  const { messageId } = await queueOutbound(tx, {
    practiceId: c.practiceId,
    conversationId: c.id,
    channel,
    body: rendered.text,
    subject: rendered.subject ?? null,
    html: rendered.html ?? null,
    purpose: 'reply',
    authorType: 'user',
    authorUserId: a.who.userId,
    idempotencyKey: `refill:${refill.id}:${a.decision}`,
    meta: { refillRequestId: refill.id, template: `refill_${a.decision}` },
    now: a.now,
  });
  await tx
    .update(conversations)
    // the clinician's decision answers the patient: what they wrote so far is handled
    .set({ firstResponseAt: c.firstResponseAt ?? a.now, handledThrough: a.now, slaDueAt: null, updatedAt: a.now })
    .where(eq(conversations.id, c.id));
  return { messageId, channel, reason: null };
}
