import { z } from '@hono/zod-openapi';
import { and, eq, exists, ilike, inArray, isNull, or, sql, type SQL } from 'drizzle-orm';
import { union } from 'drizzle-orm/pg-core';
import type { Database } from '../platform/db/client';
import { contactPoints, conversations, messages, patients, queues, users } from '../platform/db/schema';
import type { Principal } from '../access/principal';
import { AppError } from '../platform/errors';
import { audit } from '../access/audit';
import { channels, intents, urgencies } from '../../triage/types';
import { visibleConversations } from './conversations';
import { containsPattern, fullName, messageWords, phoneDigits } from '../platform/db/search';
import { inboxRank, inboxSlaKey, inboxWaitingKey } from '../platform/db/inbox-order';
import { isQueryCanceled } from '../platform/db/unavailable';

/*
 * The assistants' inbox: what needs a person first. Emergencies, then urgent, then the
 * nearest SLA due time, then whoever has waited longest; each row with the patient's own
 * latest words (never the automatic 911 reply), the red flags of what is still unanswered,
 * the SLA due time, channel, queue and the assignee's name.
 */

export const InboxQuery = z.object({
  practiceId: z.uuid().optional(),
  status: z.enum(['open', 'pending', 'snoozed', 'resolved', 'all']).default('open').openapi({ description: 'default: open' }),
  queue: z.string().max(60).optional().openapi({ description: 'queue key or id' }),
  assignee: z.string().max(40).optional().openapi({ description: "a user id, 'me' or 'none'" }),
  urgency: z.enum(urgencies).optional(),
  channel: z.enum(channels).optional(),
  mentions: z.enum(['me']).optional().openapi({ description: "'me': conversations with a note that names you (@mention)" }),
  q: z
    .string()
    .trim()
    .min(2)
    .max(200)
    .optional()
    .openapi({ description: "search: message text, the patient's name, a phone number in any format, an email address" }),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(400).optional().openapi({ description: 'nextCursor of the previous page' }),
});

const Person = z.object({ id: z.uuid(), name: z.string().nullable(), email: z.string() });

export const InboxItemSchema = z
  .object({
    id: z.uuid(),
    practiceId: z.uuid(),
    status: z.enum(['open', 'pending', 'snoozed', 'resolved']),
    channel: z.enum(channels),
    subject: z.string().nullable(),
    intent: z.enum(intents).nullable(),
    urgency: z.enum(urgencies).nullable(),
    needsHuman: z.boolean(),
    queue: z.object({ id: z.uuid(), key: z.string(), name: z.string() }).nullable(),
    assignee: Person.nullable(),
    patient: z.object({ id: z.uuid(), firstName: z.string().nullable(), lastName: z.string().nullable() }),
    preview: z.string().nullable().openapi({ description: "the patient's latest words (their newest inbound message), up to 200 characters" }),
    previewAt: z.string().nullable(),
    redFlags: z.array(z.string()).openapi({ description: 'red flags of the patient messages since the last reply by a person' }),
    awaitingReply: z.boolean().openapi({ description: 'the patient wrote last' }),
    slaDueAt: z.string().nullable(),
    snoozedUntil: z.string().nullable(),
    lastMessageAt: z.string(),
    waitingSince: z.string().openapi({ description: 'the patient’s oldest unanswered message, else the conversation’s start' }),
    createdAt: z.string(),
  })
  .openapi('InboxItem');

export const InboxPageSchema = z
  .object({ data: z.array(InboxItemSchema), nextCursor: z.string().nullable(), now: z.string().openapi({ description: 'the server’s time, to count SLA time left against' }) })
  .openapi('InboxPage');

type Key = [rank: number, sla: string, age: string, id: string];

const encode = (k: Key) => Buffer.from(JSON.stringify(k)).toString('base64url');
function decode(s: string): Key {
  try {
    const k = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as Key;
    if (!Array.isArray(k) || k.length !== 4 || typeof k[0] !== 'number' || !/^[0-9a-f-]{36}$/.test(k[3])) throw new Error();
    if (k[1] !== 'infinity' && Number.isNaN(Date.parse(k[1]))) throw new Error();
    if (Number.isNaN(Date.parse(k[2]))) throw new Error();
    return k;
  } catch {
    throw new AppError('validation_failed', 'cursor: not a cursor this API gave out');
  }
}

const rank = inboxRank(conversations.urgency);
const slaKey = inboxSlaKey(conversations.slaDueAt);
/** the last reply a person sent: what the patient wrote after it is still unanswered (kept on the conversation) */
const lastStaffReply = conversations.lastStaffReplyAt;
const waitingSince = inboxWaitingKey(conversations.waitingSince, conversations.createdAt);

export async function listInbox(db: Database, who: Principal, query: z.input<typeof InboxQuery>, now: Date, requestId: string | null) {
  const q = InboxQuery.parse(query);
  const where: (SQL | undefined)[] = [visibleConversations(who)];
  if (q.practiceId) where.push(eq(conversations.practiceId, q.practiceId));
  if (q.status !== 'all') where.push(eq(conversations.status, q.status));
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
  if (q.mentions === 'me') {
    where.push(
      who.userId
        ? sql`exists (select 1 from ${messages} m where m.conversation_id = ${conversations.id} and m.kind = 'note' and m.meta -> 'mentions' ? ${who.userId})`
        : sql`false`,
    );
  }
  if (q.urgency) where.push(eq(conversations.urgency, q.urgency));
  if (q.channel) where.push(eq(conversations.channel, q.channel));
  if (q.q) {
    const [rare, people] = await Promise.all([conversationsWithRareWords(db, q.q, q.practiceId), patientsMatching(db, q.q, q.practiceId)]);
    where.push(searchCondition(db, q.q, rare, people));
  }
  if (q.cursor) {
    const [r, s, a, id] = decode(q.cursor);
    where.push(sql`(${rank}, ${slaKey}, ${waitingSince}, ${conversations.id}) > (${r}, ${s}::timestamptz, ${a}::timestamptz, ${id}::uuid)`);
  }

  const preview = sql<string | null>`(select left(p.body, 200) from messages p where p.conversation_id = ${conversations.id} and p.direction = 'inbound' and p.kind = 'message' order by p.created_at desc, p.id desc limit 1)`;
  const previewAt = sql<Date | null>`(select max(p.created_at) from messages p where p.conversation_id = ${conversations.id} and p.direction = 'inbound' and p.kind = 'message')`;
  const redFlags = sql<string[] | null>`(select jsonb_agg(distinct f) from messages f_m, jsonb_array_elements_text(coalesce(f_m.triage -> 'redFlags', '[]'::jsonb)) f
    where f_m.conversation_id = ${conversations.id} and f_m.direction = 'inbound' and f_m.created_at > coalesce(${lastStaffReply}, '-infinity'::timestamptz))`;

  return db.transaction(async (tx) => {
    const rows = await tx
      .select({
        c: conversations,
        patient: { id: patients.id, firstName: patients.firstName, lastName: patients.lastName },
        queue: { id: queues.id, key: queues.key, name: queues.name },
        assignee: { id: users.id, name: users.name, email: users.email },
        preview,
        previewAt,
        redFlags,
        rank,
        waitingSince,
      })
      .from(conversations)
      .innerJoin(patients, eq(patients.id, conversations.patientId))
      .leftJoin(queues, eq(queues.id, conversations.queueId))
      .leftJoin(users, eq(users.id, conversations.assigneeId))
      .where(and(...where))
      .orderBy(rank, slaKey, waitingSince, conversations.id)
      .limit(q.limit + 1);
    const page = rows.slice(0, q.limit);
    const last = page.at(-1);
    const nextCursor =
      rows.length > q.limit && last
        ? encode([Number(last.rank), last.c.slaDueAt?.toISOString() ?? 'infinity', new Date(last.waitingSince).toISOString(), last.c.id])
        : null;
    if (page.length > 0) {
      // one row per page, not one per conversation: a live console refetches often
      await audit(tx, who, requestId, {
        action: 'conversation.list',
        subjectType: 'conversation',
        practiceId: q.practiceId ?? (new Set(page.map((r) => r.c.practiceId)).size === 1 ? page[0]!.c.practiceId : null),
        detail: { view: 'inbox', conversations: page.map((r) => r.c.id), patients: [...new Set(page.map((r) => r.c.patientId))] },
      });
    }
    const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());
    return {
      now: now.toISOString(),
      nextCursor,
      data: page.map((r) => ({
        id: r.c.id,
        practiceId: r.c.practiceId,
        status: r.c.status,
        channel: r.c.channel,
        subject: r.c.subject,
        intent: r.c.intent,
        urgency: r.c.urgency,
        needsHuman: r.c.needsHuman,
        queue: r.queue?.id ? { id: r.queue.id, key: r.queue.key, name: r.queue.name } : null,
        assignee: r.assignee?.id ? { id: r.assignee.id, name: r.assignee.name, email: r.assignee.email } : null,
        patient: r.patient,
        preview: r.preview,
        previewAt: iso(r.previewAt),
        redFlags: (r.redFlags ?? []).slice().sort(),
        awaitingReply: r.c.lastInboundAt !== null && (r.c.lastOutboundAt === null || r.c.lastInboundAt > r.c.lastOutboundAt),
        slaDueAt: iso(r.c.slaDueAt),
        snoozedUntil: iso(r.c.snoozedUntil),
        lastMessageAt: r.c.lastMessageAt.toISOString(),
        waitingSince: iso(r.waitingSince)!,
        createdAt: r.c.createdAt.toISOString(),
      })),
    };
  });
}

/** More conversations than this holding the words: the words are common, look per conversation instead. */
const RARE_WORDS_LIMIT = 2000;

/**
 * The conversations whose messages hold words that few messages hold, found at once through
 * the trigram index; null when the words are common (or too short for trigrams), where a
 * lookup per listed conversation that stops at its first match is faster.
 */
async function conversationsWithRareWords(db: Database, text: string, practiceId: string | undefined): Promise<string[] | null> {
  if (text.length < 3) return null;
  // A GIN index is read whole before a LIMIT applies: for common words the lookup alone took
  // 58 ms at 1M messages. Words that take longer than this to look up are common enough for
  // the lookup per conversation; both ways find the same conversations, so a busy moment that
  // stops a rare word's lookup costs time, never results.
  const list = await db
    .transaction(async (tx) => {
      await tx.execute(sql`set local statement_timeout = ${sql.raw(String(RARE_WORDS_LOOKUP_MS))}`);
      return tx
        .select({ id: messages.conversationId })
        .from(messages)
        .where(and(sql`${messageWords(messages.subject, messages.body)} ilike ${containsPattern(text)}`, eq(messages.kind, 'message'), practiceId ? eq(messages.practiceId, practiceId) : undefined))
        .limit(RARE_WORDS_LIMIT + 1);
    })
    .catch((err: unknown) => {
      if (isQueryCanceled(err)) return null;
      throw err;
    });
  if (!list || list.length > RARE_WORDS_LIMIT) return null;
  return [...new Set(list.map((r) => r.id))];
}

/** How long the lookup of a search's words through the trigram index may take before they count as common. */
const RARE_WORDS_LOOKUP_MS = 15;

/** More patients than this with the name or contact: looked up per conversation instead. */
const PATIENTS_LIMIT = 2000;

/** The digits of a search that is a phone number typed any way ((415) 555-0111, +1 415 555 0111), national; else null. */
function phoneSearchDigits(text: string): string | null {
  const digits = text.replace(/\D/g, '');
  if (digits.length < 4 || digits.length < text.replace(/[\s()+.-]/g, '').length - 1) return null;
  return digits.length === 11 && digits.startsWith('1') ? digits.slice(1) : digits;
}

/** A patient's name holding the search text. */
const nameHolds = (like: string) => sql`${fullName(patients.firstName, patients.lastName)} ilike ${like}`;

/** A contact holding the search text, or a phone whose digits hold the number it was typed as. */
function contactHolds(text: string, like: string): SQL {
  const national = phoneSearchDigits(text);
  return or(ilike(contactPoints.value, like), national ? and(eq(contactPoints.kind, 'phone'), sql`${phoneDigits(contactPoints.value)} like ${`%${national}%`}`) : undefined)!;
}

/**
 * The patients whose name or a contact (an address, a phone number typed any way) holds the
 * text, found at once through the trigram indexes; null when there are many, where a lookup
 * per listed conversation is faster.
 */
async function patientsMatching(db: Database, text: string, practiceId: string | undefined): Promise<string[] | null> {
  if (text.length < 3) return null;
  const like = containsPattern(text);
  const byName = db
    .select({ id: patients.id })
    .from(patients)
    .where(and(nameHolds(like), practiceId ? eq(patients.practiceId, practiceId) : undefined));
  const byContact = db
    .select({ id: contactPoints.patientId })
    .from(contactPoints)
    .where(and(contactHolds(text, like), practiceId ? eq(contactPoints.practiceId, practiceId) : undefined));
  const list = await union(byName, byContact).limit(PATIENTS_LIMIT + 1);
  if (list.length > PATIENTS_LIMIT) return null;
  return list.map((r) => r.id);
}

/**
 * Text in the messages, the patient's name, a phone number in any format, or an email address.
 * Each part is a list found through its index when what it matches is rare, else a lookup per
 * conversation.
 */
function searchCondition(db: Database, text: string, rare: string[] | null, people: string[] | null): SQL {
  const like = containsPattern(text);
  const parts: SQL[] = [
    rare ? (rare.length > 0 ? inArray(conversations.id, rare) : sql`false`) : exists(
      db
        .select({ one: sql`1` })
        .from(messages)
        .where(and(eq(messages.conversationId, conversations.id), eq(messages.kind, 'message'), sql`${messageWords(messages.subject, messages.body)} ilike ${like}`)),
    ),
  ];
  if (people) {
    if (people.length > 0) parts.push(inArray(conversations.patientId, people));
  } else {
    parts.push(nameHolds(like), exists(db.select({ one: sql`1` }).from(contactPoints).where(and(eq(contactPoints.patientId, conversations.patientId), contactHolds(text, like)))));
  }
  return or(...parts)!;
}
