import { eq, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../platform/db/client';
import { conversations, messages, patients, practices, queues, routingRuleSets } from '../platform/db/schema';
import { isWithinBusinessHours } from '../platform/time';
import { defaultRuleSet, type Rule, type RoutingContext } from '../../triage/routing/index';

/** A stored inbound message with what the rules read beside it. */
export interface Loaded {
  message: typeof messages.$inferSelect;
  conversation: typeof conversations.$inferSelect;
  practice: typeof practices.$inferSelect;
  patient: typeof patients.$inferSelect;
}

/** What the rules read of the conversation's and the patient's history (`contextFor`). */
export interface History {
  lastAutoReplyAt: Date | null;
  lastAutoReplyMeta: (typeof messages.$inferSelect)['meta'] | null;
  autoRepliesSinceStaffReply: number;
  /** the patient's inbound messages up to this one, in every conversation */
  inboundSoFar: number;
}

/** A queue of the practice as routing and the people-only gate read it. */
export type PracticeQueue = Pick<typeof queues.$inferSelect, 'id' | 'key' | 'urgent' | 'sla'>;

/**
 * The history as columns of one statement (each a small index lookup), for a conversation,
 * its patient and the time the message arrived. Times handed to JavaScript are milliseconds:
 * the comparisons truncate to them as the separate look-ups did (they compared with a Date).
 */
function historyColumns(conversationId: SQL | string, patientId: SQL | string, before: SQL | Date) {
  const lastAuto = (col: SQL) => sql`(select ${col} from ${messages} m
      where m.conversation_id = ${conversationId} and m.direction = 'outbound' and m.author_type = 'automation' and m.kind = 'message'
      order by m.created_at desc limit 1)`;
  // the last reply a person sent, as the conversation keeps it (migration 0017): both callers read from conversations
  const lastStaffAt = conversations.lastStaffReplyAt;
  return {
    lastAutoReplyAt: lastAuto(sql`m.created_at`).mapWith(messages.createdAt) as SQL<Date | null>,
    lastAutoReplyMeta: lastAuto(sql`m.meta`).mapWith(messages.meta) as SQL<(typeof messages.$inferSelect)['meta'] | null>,
    autoRepliesSinceStaffReply: sql<number>`(select count(*) from ${messages} m
      where m.conversation_id = ${conversationId} and m.direction = 'outbound' and m.author_type = 'automation'
        and (${lastStaffAt} is null or m.created_at >= date_trunc('milliseconds', ${lastStaffAt})))`.mapWith(Number),
    inboundSoFar: sql<number>`(select count(*) from ${messages} m join ${conversations} c2 on c2.id = m.conversation_id
      where c2.patient_id = ${patientId} and m.direction = 'inbound'
        and m.created_at <= ${before instanceof Date ? sql`${before.toISOString()}::timestamptz` : before})`.mapWith(Number),
  };
}

/** What the rules see of a stored inbound message, from what was read. */
export function routingContext(l: Loaded, h: History, now: Date): RoutingContext {
  const before = l.message.createdAt;
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
      lastAutoReplyAt: h.lastAutoReplyAt,
      lastAutoReplyTemplate: h.lastAutoReplyMeta?.template ?? null,
      autoRepliesSinceStaffReply: h.autoRepliesSinceStaffReply,
    },
    patient: { isNew: h.inboundSoFar <= 1, tags: l.patient.tags },
    practice: { inBusinessHours: isWithinBusinessHours(l.practice.hours, l.practice.timeZone, before), timeZone: l.practice.timeZone },
    fromOnCallLine: l.message.meta.onCallLine === true,
    now,
  };
}

/** What the rules see of a stored inbound message, as it was when it arrived. */
export async function contextFor(db: Db, l: Loaded, now: Date): Promise<RoutingContext> {
  const [h] = await db
    .select(historyColumns(l.conversation.id, l.patient.id, l.message.createdAt))
    .from(conversations)
    .where(eq(conversations.id, l.conversation.id))
    .prepare('sb_routing_history')
    .execute();
  return routingContext(l, h ?? { lastAutoReplyAt: null, lastAutoReplyMeta: null, autoRepliesSinceStaffReply: 0, inboundSoFar: 0 }, now);
}

/** Everything a triage job reads before it writes, with its conversation locked. */
export interface LoadedForTriage extends Loaded {
  /** files attached to the message */
  attachments: number;
  history: History;
  /** the practice's live rules (its newest version, or the default set) */
  rules: Rule[];
  queues: PracticeQueue[];
}

const parsedJson = <T>(v: unknown): T => (typeof v === 'string' ? (JSON.parse(v) as T) : (v as T));

/**
 * One statement for what a triage job reads: the message with its conversation (locked for
 * the job's transaction: the people-only gate decides on it), practice and patient, the
 * number of files attached, the history the rules read, the live rules and the practice's
 * queues. Before this, a job read the conversation three times and the queues twice.
 */
export async function loadForTriage(tx: Db, messageId: string): Promise<LoadedForTriage | null> {
  const [row] = await tx
    .select({
      message: messages,
      conversation: conversations,
      practice: practices,
      patient: patients,
      attachments: sql<number>`(select count(*) from message_attachments a where a.message_id = ${messages.id})`.mapWith(Number),
      ...historyColumns(sql`${conversations.id}`, sql`${conversations.patientId}`, sql`date_trunc('milliseconds', ${messages.createdAt})`),
      rules: sql<unknown[] | null>`(select r.rules from ${routingRuleSets} r where r.practice_id = ${messages.practiceId} order by r.version desc limit 1)`.mapWith(
        routingRuleSets.rules,
      ),
      queues: sql<PracticeQueue[]>`(select coalesce(json_agg(json_build_object('id', q.id, 'key', q.key, 'urgent', q.urgent, 'sla', q.sla)), '[]'::json)
        from ${queues} q where q.practice_id = ${messages.practiceId})`.mapWith((v) => parsedJson<PracticeQueue[]>(v)),
    })
    .from(messages)
    .innerJoin(conversations, eq(conversations.id, messages.conversationId))
    .innerJoin(practices, eq(practices.id, messages.practiceId))
    .innerJoin(patients, eq(patients.id, conversations.patientId))
    .where(eq(messages.id, messageId))
    .for('update', { of: conversations })
    .prepare('sb_triage_load')
    .execute();
  if (!row) return null;
  const { attachments, lastAutoReplyAt, lastAutoReplyMeta, autoRepliesSinceStaffReply, inboundSoFar, rules, queues: qs, ...loaded } = row;
  return {
    ...loaded,
    attachments,
    history: { lastAutoReplyAt, lastAutoReplyMeta, autoRepliesSinceStaffReply, inboundSoFar },
    rules: (rules as Rule[] | null) ?? defaultRuleSet().rules,
    queues: qs,
  };
}
