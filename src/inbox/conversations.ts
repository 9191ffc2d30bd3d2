import { z } from '@hono/zod-openapi';
import { and, asc, desc, eq, exists, ilike, inArray, isNull, or, sql, type SQL } from 'drizzle-orm';
import { containsPattern } from '../platform/db/search';
import type { Database } from '../platform/db/client';
import { contactPoints, conversations, messageAttachments, messages, patients, queues, users } from '../platform/db/schema';
import { canSeeQueue, type Principal } from '../access/principal';
import { AppError, forbidden, notFound } from '../platform/errors';
import { intents, urgencies, channels } from '../../triage/types';
import { audit, auditListPage } from '../access/audit';
import { afterCursor, pageOf } from '../platform/cursor';
import { ConversationPlaybookSchema, prefillPlaybook } from './playbooks';
import { consentByChannel } from '../outreach/outreach-policy';
import { AttachmentSchema, attachmentView } from './attachments/attachments';

const TriageSchema = z
  .object({
    intent: z.enum(intents),
    urgency: z.enum(urgencies),
    confidence: z.number(),
    language: z.string(),
    entities: z.record(z.string(), z.unknown()),
    redFlags: z.array(z.string()),
    needsHuman: z.boolean(),
  })
  .openapi('TriageResult');

const QueueRef = z.object({ id: z.uuid(), key: z.string(), name: z.string() }).nullable();
const PatientRef = z.object({
  id: z.uuid(),
  firstName: z.string().nullable(),
  lastName: z.string().nullable(),
  contactPoints: z.array(z.object({ kind: z.enum(['phone', 'email', 'portal']), value: z.string() })),
});

export const ConversationSummarySchema = z
  .object({
    id: z.uuid(),
    practiceId: z.uuid(),
    status: z.enum(['open', 'pending', 'snoozed', 'resolved']),
    channel: z.enum(channels),
    subject: z.string().nullable(),
    intent: z.enum(intents).nullable(),
    urgency: z.enum(urgencies).nullable(),
    needsHuman: z.boolean(),
    priority: z.number(),
    queue: QueueRef,
    assigneeId: z.uuid().nullable(),
    slaDueAt: z.string().nullable(),
    lastMessageAt: z.string(),
    createdAt: z.string(),
    patient: PatientRef.omit({ contactPoints: true }),
    preview: z.string().nullable(),
  })
  .openapi('ConversationSummary');

export const MessageSchema = z
  .object({
    id: z.uuid(),
    direction: z.enum(['inbound', 'outbound']),
    kind: z.enum(['message', 'note', 'event']),
    channel: z.enum(channels),
    subject: z.string().nullable(),
    body: z.string(),
    originalBody: z.string().nullable().openapi({ description: 'The full text as received (with quoted history and signature) when body was trimmed' }),
    status: z.string(),
    errorCode: z.string().nullable(),
    author: z.object({ type: z.enum(['patient', 'user', 'automation', 'system']), userId: z.uuid().nullable(), name: z.string().nullable() }),
    createdAt: z.string(),
    triage: TriageSchema.nullable(),
    attachments: z.array(AttachmentSchema),
  })
  .openapi('Message');

const ConsentView = z.enum(['granted', 'revoked', 'unknown', 'no_contact']);
export const ConversationSchema = ConversationSummarySchema.omit({ patient: true, preview: true })
  .extend({
    patient: PatientRef,
    messages: z.array(MessageSchema),
    playbook: ConversationPlaybookSchema,
    consent: z
      .object({ sms: ConsentView, email: ConsentView, voice: ConsentView })
      .openapi({ description: "the patient's consent per channel (texts, email, calls); record a change with POST /api/v1/patients/{id}/consent" }),
  })
  .openapi('Conversation');

export const ListConversationsQuery = z.object({
  practiceId: z.uuid().optional().openapi({ description: 'only this practice' }),
  status: z.enum(['open', 'pending', 'snoozed', 'resolved', 'all']).optional().openapi({ description: 'default: every status' }),
  queue: z.string().max(60).optional().openapi({ description: 'queue key or id' }),
  assignee: z.string().max(40).optional().openapi({ description: "a user id, 'me' or 'none'" }),
  intent: z.enum(intents).optional(),
  urgency: z.enum(urgencies).optional(),
  channel: z.enum(channels).optional(),
  needsHuman: z.enum(['true', 'false']).optional(),
  q: z.string().trim().min(2).max(200).optional().openapi({ description: 'text search in the messages' }),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(200).optional().openapi({ description: 'nextCursor of the previous page' }),
});


/** Which conversations a caller may see, as SQL (practices, and queues for assistants). */
export function visibleConversations(who: Principal): SQL | undefined {
  if (who.role === 'portal') throw forbidden('portal tokens can only use the portal routes');
  const parts: SQL[] = [];
  if (who.practiceIds !== 'all') {
    if (who.practiceIds.length === 0) return sql`false`;
    parts.push(inArray(conversations.practiceId, who.practiceIds));
  }
  if (who.queueIds !== null) {
    const own = who.userId ? eq(conversations.assigneeId, who.userId) : sql`false`;
    parts.push(who.queueIds.length > 0 ? or(inArray(conversations.queueId, who.queueIds), own)! : own);
  }
  return parts.length > 0 ? and(...parts) : undefined;
}

export async function listConversations(
  db: Database,
  who: Principal,
  query: z.input<typeof ListConversationsQuery>,
  requestId: string | null,
) {
  const q = ListConversationsQuery.parse(query);
  const where: (SQL | undefined)[] = [visibleConversations(who)];
  if (q.practiceId) where.push(eq(conversations.practiceId, q.practiceId));
  if (q.status && q.status !== 'all') where.push(eq(conversations.status, q.status));
  if (q.queue) {
    where.push(
      /^[0-9a-f-]{36}$/.test(q.queue)
        ? eq(conversations.queueId, q.queue)
        : inArray(conversations.queueId, db.select({ id: queues.id }).from(queues).where(eq(queues.key, q.queue))),
    );
  }
  if (q.assignee === 'none') where.push(isNull(conversations.assigneeId));
  else if (q.assignee === 'me') where.push(who.userId ? eq(conversations.assigneeId, who.userId) : sql`false`);
  else if (q.assignee) {
    if (!/^[0-9a-f-]{36}$/.test(q.assignee)) throw new AppError('validation_failed', "assignee: a user id, 'me' or 'none'");
    where.push(eq(conversations.assigneeId, q.assignee));
  }
  if (q.intent) where.push(eq(conversations.intent, q.intent));
  if (q.urgency) where.push(eq(conversations.urgency, q.urgency));
  if (q.channel) where.push(eq(conversations.channel, q.channel));
  if (q.needsHuman) where.push(eq(conversations.needsHuman, q.needsHuman === 'true'));
  if (q.q) {
    const pattern = containsPattern(q.q);
    where.push(
      exists(
        db
          .select({ one: sql`1` })
          .from(messages)
          .where(and(eq(messages.conversationId, conversations.id), or(ilike(messages.body, pattern), ilike(messages.subject, pattern)))),
      ),
    );
  }
  where.push(afterCursor(q.cursor, conversations.lastMessageAt, conversations.id, 'desc'));
  const preview = db
    .select({ body: messages.body })
    .from(messages)
    .where(and(eq(messages.conversationId, conversations.id), eq(messages.kind, 'message')))
    .orderBy(desc(messages.createdAt))
    .limit(1);
  return db.transaction(async (tx) => {
    const rows = await tx
      .select({
        c: conversations,
        patient: { id: patients.id, firstName: patients.firstName, lastName: patients.lastName },
        queue: { id: queues.id, key: queues.key, name: queues.name },
        preview: sql<string | null>`(${preview})`,
      })
      .from(conversations)
      .innerJoin(patients, eq(patients.id, conversations.patientId))
      .leftJoin(queues, eq(queues.id, conversations.queueId))
      .where(and(...where))
      .orderBy(desc(conversations.lastMessageAt), desc(conversations.id))
      .limit(q.limit + 1);
    const { page, nextCursor } = pageOf(rows, q.limit, (r) => ({ at: r.c.lastMessageAt, id: r.c.id }));
    // one entry per page shown, naming what it showed; the console polling the same page adds none
    await auditListPage(tx, who, requestId, { action: 'conversation.list', subjectType: 'conversation', rows: page.map((r) => ({ id: r.c.id, patientId: r.c.patientId, practiceId: r.c.practiceId })) });
    return {
      data: page.map((r) => ({
        ...summaryFields(r.c),
        queue: r.queue?.id ? { id: r.queue.id, key: r.queue.key, name: r.queue.name } : null,
        patient: r.patient,
        preview: r.preview ? r.preview.slice(0, 140) : null,
      })),
      nextCursor,
    };
  });
}

function summaryFields(c: typeof conversations.$inferSelect) {
  return {
    id: c.id,
    practiceId: c.practiceId,
    status: c.status,
    channel: c.channel,
    subject: c.subject,
    intent: c.intent,
    urgency: c.urgency,
    needsHuman: c.needsHuman,
    priority: c.priority,
    assigneeId: c.assigneeId,
    slaDueAt: c.slaDueAt?.toISOString() ?? null,
    lastMessageAt: c.lastMessageAt.toISOString(),
    createdAt: c.createdAt.toISOString(),
  };
}

export async function getConversation(db: Database, who: Principal, id: string, requestId: string | null) {
  if (who.role === 'portal') throw forbidden('portal tokens can only use the portal routes');
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select({ c: conversations, queue: { id: queues.id, key: queues.key, name: queues.name, playbook: queues.playbook } })
      .from(conversations)
      .leftJoin(queues, eq(queues.id, conversations.queueId))
      .where(eq(conversations.id, id));
    // another practice's conversation is "not found", not "forbidden": its existence is not ours to tell
    if (!row || !canSeeQueue(who, row.c.practiceId, row.c.queueId, row.c.assigneeId)) throw notFound('conversation');
    const [patient] = await tx.select().from(patients).where(eq(patients.id, row.c.patientId));
    const points = await tx
      .select()
      .from(contactPoints)
      .where(eq(contactPoints.patientId, row.c.patientId))
      .orderBy(asc(contactPoints.createdAt));
    const msgs = await tx
      .select({ m: messages, authorName: users.name })
      .from(messages)
      .leftJoin(users, eq(users.id, messages.authorUserId))
      .where(eq(messages.conversationId, id))
      .orderBy(asc(messages.createdAt), asc(messages.id));
    const files =
      msgs.length > 0
        ? await tx
            .select()
            .from(messageAttachments)
            .where(inArray(messageAttachments.messageId, msgs.map((m) => m.m.id)))
        : [];
    await audit(tx, who, requestId, {
      action: 'conversation.read',
      subjectType: 'conversation',
      subjectId: id,
      practiceId: row.c.practiceId,
      patientId: row.c.patientId,
    });
    return {
      ...summaryFields(row.c),
      queue: row.queue?.id ? { id: row.queue.id, key: row.queue.key, name: row.queue.name } : null,
      patient: {
        id: patient!.id,
        firstName: patient!.firstName,
        lastName: patient!.lastName,
        contactPoints: points.map((cp) => ({ kind: cp.kind, value: cp.value })),
      },
      consent: consentByChannel(points),
      messages: msgs.map(({ m, authorName }) => ({
        id: m.id,
        direction: m.direction,
        kind: m.kind,
        channel: m.channel,
        subject: m.subject,
        body: m.body,
        originalBody: m.originalBody,
        status: m.status,
        errorCode: m.errorCode,
        author: { type: m.authorType, userId: m.authorUserId, name: authorName ?? null },
        createdAt: m.createdAt.toISOString(),
        triage: m.triage ?? null,
        attachments: files
          .filter((f) => f.messageId === m.id)
          .map(attachmentView),
      })),
      playbook: prefillPlaybook(
        row.queue?.id ? row.queue : null,
        msgs.findLast(({ m }) => m.direction === 'inbound' && m.kind === 'message' && m.triage)?.m.triage ?? null,
      ),
    };
  });
}
