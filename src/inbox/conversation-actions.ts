import { z } from '@hono/zod-openapi';
import { inSaneYears, saneYearsMessage } from '../platform/time';
import { and, desc, eq, gt } from 'drizzle-orm';
import type { Database, Db } from '../platform/db/client';
import { contactPoints, conversations, messages, practiceGrants, queues, users, type ConversationStatus } from '../platform/db/schema';
import { canSeeQueue, type Principal } from '../access/principal';
import { AppError, forbidden, notFound } from '../platform/errors';
import { channels, type Channel } from '../../triage/types';
import { audit } from '../access/audit';
import { contactKindFor, queueOutbound } from '../outreach/outbound';
import { addWakeJob } from './timers-queue';

export const ReplySchema = z
  .object({
    kind: z.enum(['reply', 'note']).default('reply').openapi({ description: 'a note stays internal and never goes to the patient' }),
    body: z.string().trim().min(1, 'must not be empty').max(5000),
    subject: z.string().max(300).optional(),
    channel: z.enum(channels).optional().openapi({ description: "default: the conversation's channel (texts for a voice conversation)" }),
    /** the newest message the sender had seen; a reply by someone else after it is a collision */
    seenMessageId: z.uuid().optional(),
    /** send even though another reply went out meanwhile */
    confirm: z.boolean().default(false),
    /** the conversation's status after a reply: waiting on the patient by default */
    then: z.enum(['pending', 'open', 'resolved']).default('pending'),
  })
  .openapi('Reply');

export const AssignSchema = z
  .object({
    assigneeId: z.uuid().nullable().optional(),
    queue: z.string().min(1).max(60).optional().openapi({ description: 'queue key' }),
  })
  .refine((v) => v.assigneeId !== undefined || v.queue !== undefined, { message: 'give assigneeId or queue' })
  .openapi('Assign');

export const SnoozeSchema = z.object({ until: z.iso.datetime({ offset: true }).refine(inSaneYears, saneYearsMessage) }).openapi('Snooze');

async function loadVisible(tx: Db, who: Principal, id: string) {
  if (who.role === 'portal') throw forbidden('portal tokens can only use the portal routes');
  const [c] = await tx.select().from(conversations).where(eq(conversations.id, id));
  if (!c || !canSeeQueue(who, c.practiceId, c.queueId, c.assigneeId)) throw notFound('conversation');
  return c;
}

/** A reply to the patient, or an internal note, by a person. */
export async function replyToConversation(
  db: Database,
  who: Principal,
  id: string,
  input: z.input<typeof ReplySchema>,
  now: Date,
  requestId: string | null,
) {
  const data = ReplySchema.parse(input);
  return db.transaction(async (tx) => {
    const c = await loadVisible(tx, who, id);
    if (data.kind === 'note') {
      const [note] = await tx
        .insert(messages)
        .values({
          practiceId: c.practiceId,
          conversationId: c.id,
          direction: 'outbound',
          kind: 'note',
          channel: c.channel,
          body: data.body,
          status: 'received',
          authorType: 'user',
          authorUserId: who.userId,
          createdAt: now,
        })
        .returning({ id: messages.id });
      await audit(tx, who, requestId, { action: 'conversation.note', subjectType: 'conversation', subjectId: c.id, practiceId: c.practiceId, patientId: c.patientId, detail: { messageId: note!.id } });
      return { messageId: note!.id, kind: 'note' as const, status: 'received' as const };
    }

    // two people replying at once: the second sees the first reply and must confirm
    if (data.seenMessageId && !data.confirm) {
      const [seen] = await tx.select({ createdAt: messages.createdAt }).from(messages).where(and(eq(messages.id, data.seenMessageId), eq(messages.conversationId, c.id)));
      if (!seen) throw new AppError('validation_failed', 'seenMessageId: not a message of this conversation');
      const [other] = await tx
        .select({ id: messages.id, createdAt: messages.createdAt, authorUserId: messages.authorUserId, authorName: users.name, authorType: messages.authorType })
        .from(messages)
        .leftJoin(users, eq(users.id, messages.authorUserId))
        .where(
          and(
            eq(messages.conversationId, c.id),
            eq(messages.direction, 'outbound'),
            eq(messages.kind, 'message'),
            gt(messages.createdAt, seen.createdAt),
          ),
        )
        .orderBy(desc(messages.createdAt))
        .limit(1);
      if (other && !(who.userId && other.authorUserId === who.userId)) {
        throw new AppError(
          'conflict',
          `another reply went out at ${other.createdAt.toISOString()}${other.authorName ? ` by ${other.authorName}` : other.authorType === 'automation' ? ' automatically' : ''}; read it, then send again with "confirm": true`,
          { messageId: other.id },
        );
      }
    }

    const channel: Channel = data.channel ?? (c.channel === 'voice' ? 'sms' : c.channel);
    const [contact] = await tx
      .select()
      .from(contactPoints)
      .where(and(eq(contactPoints.patientId, c.patientId), eq(contactPoints.kind, contactKindFor(channel))))
      .limit(1);
    if (!contact) throw new AppError('unprocessable', `the patient has no ${channel} contact; reply on another channel`);
    if (channel === 'sms' && contact.smsConsent === 'revoked') {
      throw new AppError('unprocessable', 'the patient opted out of texts (STOP); they can text START to opt back in. Reply by another channel.');
    }
    if (channel === 'email' && (contact.emailConsent === 'revoked' || contact.undeliverable)) {
      throw new AppError('unprocessable', contact.undeliverable ? 'this email address bounced or reported spam; use another channel' : 'the patient unsubscribed from email');
    }
    const { messageId } = await queueOutbound(tx, {
      practiceId: c.practiceId,
      conversationId: c.id,
      channel,
      body: data.body,
      subject: data.subject ?? (channel === 'email' ? c.subject ?? null : null),
      purpose: 'reply',
      authorType: 'user',
      authorUserId: who.userId,
      contactPointId: channel === c.channel ? undefined : contact.id,
      now,
    });
    await tx
      .update(conversations)
      .set({
        status: data.then,
        resolvedAt: data.then === 'resolved' ? now : null,
        firstResponseAt: c.firstResponseAt ?? now,
        assigneeId: c.assigneeId ?? who.userId,
        updatedAt: now,
      })
      .where(eq(conversations.id, c.id));
    await audit(tx, who, requestId, { action: 'conversation.reply', subjectType: 'conversation', subjectId: c.id, practiceId: c.practiceId, patientId: c.patientId, detail: { messageId, channel } });
    return { messageId, kind: 'reply' as const, status: 'pending' as const };
  });
}

export async function assignConversation(db: Database, who: Principal, id: string, input: z.input<typeof AssignSchema>, now: Date, requestId: string | null) {
  const data = AssignSchema.parse(input);
  return db.transaction(async (tx) => {
    const c = await loadVisible(tx, who, id);
    const set: Partial<typeof conversations.$inferInsert> = { updatedAt: now };
    if (data.queue !== undefined) {
      const [q] = await tx.select().from(queues).where(and(eq(queues.practiceId, c.practiceId), eq(queues.key, data.queue)));
      if (!q) throw new AppError('validation_failed', `queue: no queue "${data.queue}" in this practice`);
      set.queueId = q.id;
    }
    if (data.assigneeId !== undefined) {
      if (data.assigneeId !== null) {
        if (who.role === 'assistant' && data.assigneeId !== who.userId) throw forbidden('assistants can only take conversations themselves');
        const [u] = await tx.select({ active: users.active, role: users.role }).from(users).where(eq(users.id, data.assigneeId));
        const [grant] = await tx
          .select({ userId: practiceGrants.userId })
          .from(practiceGrants)
          .where(and(eq(practiceGrants.userId, data.assigneeId), eq(practiceGrants.practiceId, c.practiceId)));
        if (!u || !u.active || (u.role !== 'admin' && !grant)) {
          throw new AppError('validation_failed', 'assigneeId: no active person with access to this practice');
        }
      }
      set.assigneeId = data.assigneeId;
    }
    const [updated] = await tx.update(conversations).set(set).where(eq(conversations.id, c.id)).returning();
    await audit(tx, who, requestId, { action: 'conversation.assign', subjectType: 'conversation', subjectId: c.id, practiceId: c.practiceId, patientId: c.patientId, detail: { assigneeId: set.assigneeId, queueId: set.queueId } });
    return updated!;
  });
}

export async function setConversationStatus(
  db: Database,
  who: Principal,
  id: string,
  status: ConversationStatus,
  opts: { until?: Date },
  now: Date,
  requestId: string | null,
) {
  return db.transaction(async (tx) => {
    const c = await loadVisible(tx, who, id);
    if (status === 'snoozed' && (!opts.until || opts.until <= now)) throw new AppError('validation_failed', 'until: must be in the future');
    const [updated] = await tx
      .update(conversations)
      .set({
        status,
        snoozedUntil: status === 'snoozed' ? opts.until! : null,
        resolvedAt: status === 'resolved' ? now : null,
        updatedAt: now,
      })
      .where(eq(conversations.id, c.id))
      .returning();
    if (status === 'snoozed') await addWakeJob(tx, c.id, opts.until!);
    await audit(tx, who, requestId, { action: `conversation.${status === 'open' ? 'reopen' : status}`, subjectType: 'conversation', subjectId: c.id, practiceId: c.practiceId, patientId: c.patientId });
    return updated!;
  });
}
