import { z } from '@hono/zod-openapi';
import { inSaneYears, saneYearsMessage } from '../platform/time';
import { and, asc, desc, eq, gt, inArray, or } from 'drizzle-orm';
import type { Database, Db } from '../platform/db/client';
import { contactPoints, conversations, messages, patients, practiceGrants, practices, queueGrants, queues, users, type ConversationStatus } from '../platform/db/schema';
import { canSeeQueue, type Principal } from '../access/principal';
import { AppError, forbidden, notFound } from '../platform/errors';
import { channels, type Channel } from '../../triage/types';
import { audit } from '../access/audit';
import { contactKindFor, queueOutbound } from '../outreach/outbound';
import { addWakeJob } from './timers-queue';
import { mayContact } from '../outreach/outreach-policy';
import { requireConfirmation } from './people-only';
import { fillFreeCapacity } from './assignment';
import { assertSendable, claimUploads, pendingUploads } from './attachments/attachments';

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
    /** files uploaded with POST /api/v1/attachments: images for a text (MMS), any allowed file for email and portal */
    attachmentIds: z.array(z.uuid()).max(10).optional(),
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

export const SnoozeSchema = z
  .object({
    until: z.iso.datetime({ offset: true }).refine(inSaneYears, saneYearsMessage),
    confirm: z.boolean().optional().openapi({ description: 'required when the conversation holds unanswered people-only work' }),
    reason: z.string().trim().max(1000).optional().openapi({ description: 'why it is snoozed without a reply; audited' }),
  })
  .openapi('Snooze');

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
      const mentions = await mentionedIn(tx, c, data.body);
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
          ...(mentions.length > 0 ? { meta: { mentions } } : {}),
        })
        .returning({ id: messages.id });
      await claimUploads(tx, who, c.id, data.attachmentIds ?? [], note!.id);
      await audit(tx, who, requestId, { action: 'conversation.note', subjectType: 'conversation', subjectId: c.id, practiceId: c.practiceId, patientId: c.patientId, detail: { messageId: note!.id, mentions } });
      return { messageId: note!.id, kind: 'note' as const, status: 'received' as const, mentions };
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
    // the outreach policy decides before anything is stored: a reply it would refuse is a 422 now, not a failed send later
    const [patient] = await tx.select({ timeZone: patients.timeZone }).from(patients).where(eq(patients.id, c.patientId));
    const [practice] = await tx.select({ timeZone: practices.timeZone }).from(practices).where(eq(practices.id, c.practiceId));
    const candidates = await tx
      .select()
      .from(contactPoints)
      .where(and(eq(contactPoints.patientId, c.patientId), eq(contactPoints.kind, contactKindFor(channel))))
      .orderBy(asc(contactPoints.createdAt));
    const ask = (contact: (typeof candidates)[number] | null) =>
      mayContact({ channel, purpose: 'reply', by: 'person', contact, now, timeZone: patient?.timeZone ?? practice!.timeZone });
    // the contact the reply will go to: the one the patient last wrote from on this channel (as queueOutbound picks it), else their first
    const [lastFrom] = await tx
      .select({ contactPointId: messages.contactPointId })
      .from(messages)
      .where(and(eq(messages.conversationId, c.id), eq(messages.direction, 'inbound'), eq(messages.channel, channel)))
      .orderBy(desc(messages.createdAt))
      .limit(1);
    const contact = candidates.find((cp) => cp.id === lastFrom?.contactPointId) ?? candidates[0] ?? null;
    const verdict = ask(contact);
    if (!verdict.ok || !contact) throw new AppError('channel_unavailable', verdict.ok ? `the patient has no ${channel} contact` : verdict.message, { channel, reason: verdict.ok ? 'no_contact' : verdict.code });
    assertSendable(channel, await pendingUploads(tx, c.id, data.attachmentIds ?? []));
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
    // in the same transaction as the message and its send job, which reads them
    await claimUploads(tx, who, c.id, data.attachmentIds ?? [], messageId);
    await tx
      .update(conversations)
      .set({
        status: data.then,
        resolvedAt: data.then === 'resolved' ? now : null,
        firstResponseAt: c.firstResponseAt ?? now,
        // a person answered: what the patient wrote so far is handled, and no clock runs until they write again
        handledThrough: now,
        slaDueAt: null,
        needsHuman: false,
        snoozedUntil: null,
        assigneeId: c.assigneeId ?? who.userId,
        updatedAt: now,
      })
      .where(eq(conversations.id, c.id));
    await audit(tx, who, requestId, { action: 'conversation.reply', subjectType: 'conversation', subjectId: c.id, practiceId: c.practiceId, patientId: c.patientId, detail: { messageId, channel } });
    // a resolved conversation frees its assignee for the next one waiting
    if (data.then === 'resolved' && (c.assigneeId ?? who.userId)) await fillFreeCapacity(tx, { now, userId: (c.assigneeId ?? who.userId)! });
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
      if (!q || q.archivedAt) throw new AppError('validation_failed', `queue: no ${q ? 'open ' : ''}queue "${data.queue}" in this practice${q ? ' (it is archived)' : ''}`);
      set.queueId = q.id;
    }
    if (data.assigneeId !== undefined) {
      if (data.assigneeId !== null) {
        const [u] = await tx.select({ active: users.active, role: users.role }).from(users).where(eq(users.id, data.assigneeId));
        if (who.role === 'assistant' && data.assigneeId !== who.userId) {
          // an assistant hands work on only to a colleague who may already see it: an assistant
          // granted the conversation's queue (minimum necessary), or a manager of the practice
          const queueId = set.queueId ?? c.queueId;
          const [granted] =
            u?.role === 'assistant' && queueId
              ? await tx.select({ userId: queueGrants.userId }).from(queueGrants).where(and(eq(queueGrants.userId, data.assigneeId), eq(queueGrants.queueId, queueId)))
              : [];
          if (u?.role === 'admin' || (u?.role === 'assistant' && !granted)) {
            throw forbidden('assistants hand a conversation only to a colleague granted its queue, or to a manager of the practice');
          }
        }
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
    // the previous assignee has room again
    if (c.assigneeId && set.assigneeId !== undefined && set.assigneeId !== c.assigneeId) await fillFreeCapacity(tx, { now, userId: c.assigneeId });
    await audit(tx, who, requestId, { action: 'conversation.assign', subjectType: 'conversation', subjectId: c.id, practiceId: c.practiceId, patientId: c.patientId, detail: { assigneeId: set.assigneeId, queueId: set.queueId } });
    return updated!;
  });
}

export const CloseSchema = z
  .object({
    /** required when the conversation holds people-only work (emergency, urgent, needsHuman) that nobody answered */
    confirm: z.boolean().optional(),
    reason: z.string().trim().max(1000).optional().openapi({ description: 'why it is closed or snoozed without a reply; audited' }),
  })
  .openapi('Close');

export async function setConversationStatus(
  db: Database,
  who: Principal,
  id: string,
  status: ConversationStatus,
  opts: { until?: Date; confirm?: boolean; reason?: string | null },
  now: Date,
  requestId: string | null,
) {
  return db.transaction(async (tx) => {
    const c = await loadVisible(tx, who, id);
    if (status === 'snoozed' && (!opts.until || opts.until <= now)) throw new AppError('validation_failed', 'until: must be in the future');
    await tx.select({ id: conversations.id }).from(conversations).where(eq(conversations.id, c.id)).for('update');
    // closing or putting off what a person must handle, without a reply, takes a confirmation and a reason
    const check =
      status === 'resolved' || status === 'snoozed'
        ? await requireConfirmation(tx, c.id, status === 'resolved' ? 'resolve' : 'snooze', { confirm: opts.confirm, reason: opts.reason })
        : { withoutReply: false, peopleOnlyMessageIds: [] as string[] };
    const [updated] = await tx
      .update(conversations)
      .set({
        status,
        snoozedUntil: status === 'snoozed' ? opts.until! : null,
        resolvedAt: status === 'resolved' ? now : null,
        // a person closed it: what the patient wrote so far is taken care of
        ...(status === 'resolved' ? { handledThrough: now, slaDueAt: null, needsHuman: false } : {}),
        updatedAt: now,
      })
      .where(eq(conversations.id, c.id))
      .returning();
    if (status === 'snoozed') await addWakeJob(tx, c.id, opts.until!);
    await audit(tx, who, requestId, {
      action: `conversation.${status === 'open' ? 'reopen' : status}`,
      subjectType: 'conversation',
      subjectId: c.id,
      practiceId: c.practiceId,
      patientId: c.patientId,
      ...(check.withoutReply ? { detail: { withoutReply: true, reason: opts.reason?.trim() ?? null, peopleOnlyMessageIds: check.peopleOnlyMessageIds } } : {}),
    });
    if (status === 'resolved' && c.assigneeId) await fillFreeCapacity(tx, { now, userId: c.assigneeId });
    return updated!;
  });
}

/**
 * The colleagues a note names with "@" and their name (or email): active users who may see the
 * conversation (its practice, and its queue for someone limited to queues). A name that is a
 * prefix of a longer one ("@Sam" and "@Sam Lee") counts for the longest that fits.
 */
async function mentionedIn(tx: Db, c: typeof conversations.$inferSelect, body: string): Promise<string[]> {
  if (!body.includes('@')) return [];
  const people = await tx
    .select({ id: users.id, name: users.name, email: users.email, role: users.role })
    .from(users)
    .where(and(eq(users.active, true), or(eq(users.role, 'admin'), inArray(users.id, tx.select({ id: practiceGrants.userId }).from(practiceGrants).where(eq(practiceGrants.practiceId, c.practiceId))))));
  const text = body.toLowerCase();
  const found: string[] = [];
  for (const p of people) {
    const labels = [p.name, p.email].filter((l): l is string => Boolean(l)).map((l) => `@${l.toLowerCase()}`);
    const named = labels.some((label) => {
      for (let at = text.indexOf(label); at >= 0; at = text.indexOf(label, at + 1)) {
        const next = text[at + label.length];
        if (next === undefined || !/[\p{L}\p{N}]/u.test(next)) return true;
      }
      return false;
    });
    if (!named) continue;
    // an assistant limited to queues is named only if the conversation's queue is theirs
    if (p.role === 'assistant' && c.queueId) {
      const grants = await tx.select({ q: queueGrants.queueId }).from(queueGrants).where(eq(queueGrants.userId, p.id));
      if (grants.length > 0 && !grants.some((g) => g.q === c.queueId)) continue;
    }
    found.push(p.id);
  }
  return found;
}
