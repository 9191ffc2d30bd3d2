import { and, count, desc, eq, gte, lte } from 'drizzle-orm';
import type { Db } from '../platform/db/client';
import { conversations, messages, patients, practices } from '../platform/db/schema';
import { isWithinBusinessHours } from '../platform/time';
import type { RoutingContext } from '../../triage/routing/index';

/** A stored inbound message with what the rules read beside it. */
export interface Loaded {
  message: typeof messages.$inferSelect;
  conversation: typeof conversations.$inferSelect;
  practice: typeof practices.$inferSelect;
  patient: typeof patients.$inferSelect;
}

/** What the rules see of a stored inbound message, as it was when it arrived. */
export async function contextFor(db: Db, l: Loaded, now: Date): Promise<RoutingContext> {
  const before = l.message.createdAt;
  const [lastAuto] = await db
    .select({ createdAt: messages.createdAt, meta: messages.meta })
    .from(messages)
    .where(and(eq(messages.conversationId, l.conversation.id), eq(messages.direction, 'outbound'), eq(messages.authorType, 'automation'), eq(messages.kind, 'message')))
    .orderBy(desc(messages.createdAt))
    .limit(1);
  const [lastStaff] = await db
    .select({ createdAt: messages.createdAt })
    .from(messages)
    .where(and(eq(messages.conversationId, l.conversation.id), eq(messages.direction, 'outbound'), eq(messages.authorType, 'user'), eq(messages.kind, 'message')))
    .orderBy(desc(messages.createdAt))
    .limit(1);
  const [autos] = await db
    .select({ n: count() })
    .from(messages)
    .where(
      and(
        eq(messages.conversationId, l.conversation.id),
        eq(messages.direction, 'outbound'),
        eq(messages.authorType, 'automation'),
        lastStaff ? gte(messages.createdAt, lastStaff.createdAt) : undefined,
      ),
    );
  const [earlier] = await db
    .select({ n: count() })
    .from(messages)
    .innerJoin(conversations, eq(conversations.id, messages.conversationId))
    .where(and(eq(conversations.patientId, l.patient.id), eq(messages.direction, 'inbound'), lte(messages.createdAt, before)));
  return {
    triage: l.message.triage!,
    message: {
      channel: l.message.channel,
      body: [l.message.subject, l.message.body].filter(Boolean).join('\n'),
      direction: l.message.direction,
      authorType: l.message.authorType,
      createdAt: before,
    },
    conversation: {
      lastAutoReplyAt: lastAuto?.createdAt ?? null,
      lastAutoReplyTemplate: lastAuto?.meta.template ?? null,
      autoRepliesSinceStaffReply: Number(autos?.n ?? 0),
    },
    patient: { isNew: Number(earlier?.n ?? 0) <= 1, tags: l.patient.tags },
    practice: { inBusinessHours: isWithinBusinessHours(l.practice.hours, l.practice.timeZone, before), timeZone: l.practice.timeZone },
    fromOnCallLine: l.message.meta.onCallLine === true,
    now,
  };
}

export async function loadRoutable(db: Db, messageId: string): Promise<Loaded | null> {
  const [row] = await db
    .select({ message: messages, conversation: conversations, practice: practices, patient: patients })
    .from(messages)
    .innerJoin(conversations, eq(conversations.id, messages.conversationId))
    .innerJoin(practices, eq(practices.id, messages.practiceId))
    .innerJoin(patients, eq(patients.id, conversations.patientId))
    .where(eq(messages.id, messageId));
  return row ?? null;
}

