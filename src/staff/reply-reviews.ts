import { z } from '@hono/zod-openapi';
import { and, desc, eq, gte, inArray, isNotNull, lt, lte, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../platform/db/client';
import { conversations, messages, replyReviews, users } from '../platform/db/schema';
import { canSeePractice, isManagerOf, type Principal } from '../access/principal';
import { AppError, forbidden, notFound } from '../platform/errors';
import { audit, auditListPage } from '../access/audit';

const iso = (what: string) => z.iso.datetime({ offset: true, error: `${what}: must be an ISO 8601 time` });

const Period = {
  practiceId: z.uuid(),
  from: iso('from').optional().openapi({ description: 'replies sent from this time (default: 30 days before `to`)' }),
  to: iso('to').optional().openapi({ description: 'replies sent before this time (default: now)' }),
};

export const SampleQuery = z.object({
  ...Period,
  assistantId: z.uuid().optional().openapi({ description: 'one staff member; default: everyone in the practice' }),
  size: z.coerce.number().int().min(1).max(50).default(10).openapi({ description: 'replies per staff member' }),
  seed: z.string().max(64).optional().openapi({ description: 'the same seed gives the same sample (default: the day)' }),
  includeReviewed: z.enum(['true', 'false']).optional(),
});

export const FiguresQuery = z.object(Period);

export const ReviewSchema = z
  .object({
    messageId: z.uuid(),
    verdict: z.enum(['good', 'needs_coaching']),
    note: z.string().trim().max(2000).optional(),
  })
  .refine((r) => r.verdict === 'good' || (r.note && r.note.length >= 3), { message: 'note: say what to coach', path: ['note'] })
  .openapi('ReplyReviewInput');

export const SampledReplySchema = z
  .object({
    messageId: z.uuid(),
    conversationId: z.uuid(),
    assistant: z.object({ id: z.uuid(), name: z.string().nullable() }),
    channel: z.string(),
    body: z.string(),
    sentAt: z.string(),
    patientMessage: z.string().nullable().openapi({ description: 'what the patient last wrote before the reply' }),
    review: z.object({ verdict: z.enum(['good', 'needs_coaching']), note: z.string().nullable(), reviewerId: z.uuid().nullable(), at: z.string() }).nullable(),
  })
  .openapi('SampledReply');

export const QaFiguresSchema = z
  .object({
    practiceId: z.uuid(),
    from: z.string(),
    to: z.string(),
    assistants: z.array(
      z.object({
        id: z.uuid(),
        name: z.string().nullable(),
        replies: z.number(),
        reviewed: z.number(),
        good: z.number(),
        needsCoaching: z.number(),
        reviewedShare: z.number().nullable().openapi({ description: 'reviewed / replies' }),
        goodShare: z.number().nullable().openapi({ description: 'good / reviewed' }),
        needsCoachingShare: z.number().nullable().openapi({ description: 'needs coaching / reviewed' }),
      }),
    ),
    total: z.object({ replies: z.number(), reviewed: z.number(), good: z.number(), needsCoaching: z.number(), reviewedShare: z.number().nullable() }),
  })
  .openapi('QaFigures');

function managerOf(who: Principal, practiceId: string) {
  if (who.role === 'portal' || !canSeePractice(who, practiceId)) throw notFound('practice');
  if (!isManagerOf(who, practiceId)) throw forbidden('only managers and admins review replies');
}

function period(q: { from?: string; to?: string }, now: Date) {
  const to = q.to ? new Date(q.to) : now;
  const from = q.from ? new Date(q.from) : new Date(to.getTime() - 30 * 86_400_000);
  if (from >= to) throw new AppError('validation_failed', 'from: must be before to');
  return { from, to };
}

/** A staff reply: an outbound message a person wrote (not automation, not a note). */
const staffReply = (practiceId: string, from: Date, to: Date): SQL =>
  and(
    eq(messages.practiceId, practiceId),
    eq(messages.direction, 'outbound'),
    eq(messages.kind, 'message'),
    eq(messages.authorType, 'user'),
    isNotNull(messages.authorUserId),
    gte(messages.createdAt, from),
    lt(messages.createdAt, to),
  )!;

/**
 * A sample of each staff member's replies in the period, the same for the same seed (so two
 * managers splitting the work see one sample), unreviewed ones by default, with the patient
 * message each answered. Each page shown is one audit entry.
 */
export async function sampleReplies(db: Database, who: Principal, input: z.input<typeof SampleQuery>, now: Date, requestId: string | null) {
  const q = SampleQuery.parse(input);
  managerOf(who, q.practiceId);
  const { from, to } = period(q, now);
  const seed = q.seed ?? now.toISOString().slice(0, 10);
  return db.transaction(async (tx) => {
    const ranked = tx
      .select({
        id: messages.id,
        rank: sql<number>`row_number() over (partition by ${messages.authorUserId} order by md5(${messages.id}::text || ${seed}))`.as('rank'),
      })
      .from(messages)
      .leftJoin(replyReviews, eq(replyReviews.messageId, messages.id))
      .where(
        and(
          staffReply(q.practiceId, from, to),
          q.assistantId ? eq(messages.authorUserId, q.assistantId) : undefined,
          q.includeReviewed === 'true' ? undefined : sql`${replyReviews.id} is null`,
        ),
      )
      .as('ranked');
    const rows = await tx
      .select({ m: messages, name: users.name, email: users.email, review: replyReviews, patientId: conversations.patientId })
      .from(ranked)
      .innerJoin(messages, eq(messages.id, ranked.id))
      .innerJoin(conversations, eq(conversations.id, messages.conversationId))
      .innerJoin(users, eq(users.id, messages.authorUserId))
      .leftJoin(replyReviews, eq(replyReviews.messageId, messages.id))
      .where(lte(ranked.rank, q.size))
      .orderBy(users.email, desc(messages.createdAt));
    const before = await Promise.all(
      rows.map(async ({ m }) => {
        const [p] = await tx
          .select({ body: messages.body })
          .from(messages)
          .where(and(eq(messages.conversationId, m.conversationId), eq(messages.direction, 'inbound'), eq(messages.kind, 'message'), lt(messages.createdAt, m.createdAt)))
          .orderBy(desc(messages.createdAt))
          .limit(1);
        return p?.body ?? null;
      }),
    );
    await auditListPage(tx, who, requestId, { action: 'qa.sample', subjectType: 'message', practiceId: q.practiceId, rows: rows.map(({ m, patientId }) => ({ id: m.id, patientId, practiceId: m.practiceId })) });
    return {
      data: rows.map(({ m, name, email, review }, i) => ({
        messageId: m.id,
        conversationId: m.conversationId,
        assistant: { id: m.authorUserId!, name: name ?? email },
        channel: m.channel,
        body: m.body,
        sentAt: m.createdAt.toISOString(),
        patientMessage: before[i] ?? null,
        review: review ? { verdict: review.verdict, note: review.note, reviewerId: review.reviewerId, at: review.updatedAt.toISOString() } : null,
      })),
      nextCursor: null,
      seed,
    };
  });
}

/** A manager marks a reply good or needing coaching (with a note); marking again replaces the mark. Audited. */
export async function reviewReply(db: Database, who: Principal, input: z.input<typeof ReviewSchema>, now: Date, requestId: string | null) {
  const data = ReviewSchema.parse(input);
  return db.transaction(async (tx) => {
    const [m] = await tx.select().from(messages).where(eq(messages.id, data.messageId));
    if (!m || who.role === 'portal' || !canSeePractice(who, m.practiceId)) throw notFound('message');
    managerOf(who, m.practiceId);
    if (m.direction !== 'outbound' || m.kind !== 'message' || m.authorType !== 'user' || !m.authorUserId) {
      throw new AppError('validation_failed', 'messageId: only replies staff wrote are reviewed');
    }
    if (who.userId && m.authorUserId === who.userId) throw forbidden('a reply is reviewed by someone other than its author');
    const [row] = await tx
      .insert(replyReviews)
      .values({ practiceId: m.practiceId, messageId: m.id, assistantId: m.authorUserId, reviewerId: who.userId, reviewerTokenId: who.userId ? null : who.tokenId, verdict: data.verdict, note: data.note ?? null, createdAt: now, updatedAt: now })
      .onConflictDoUpdate({ target: replyReviews.messageId, set: { verdict: data.verdict, note: data.note ?? null, reviewerId: who.userId, reviewerTokenId: who.userId ? null : who.tokenId, updatedAt: now } })
      .returning();
    await audit(tx, who, requestId, { action: 'qa.review', subjectType: 'message', subjectId: m.id, practiceId: m.practiceId, detail: { assistantId: m.authorUserId, verdict: data.verdict } });
    return { id: row!.id, messageId: m.id, assistantId: m.authorUserId, verdict: row!.verdict, note: row!.note, at: row!.updatedAt.toISOString() };
  });
}

const share = (n: number, of: number) => (of === 0 ? null : Math.round((n / of) * 1000) / 1000);

/** Per staff member: replies in the period, how many were reviewed, and how they were marked. */
export async function qaFigures(db: Database, who: Principal, input: z.input<typeof FiguresQuery>, now: Date) {
  const q = FiguresQuery.parse(input);
  managerOf(who, q.practiceId);
  const { from, to } = period(q, now);
  const rows = await db
    .select({
      id: messages.authorUserId,
      replies: sql<number>`count(*)::int`,
      reviewed: sql<number>`count(${replyReviews.id})::int`,
      good: sql<number>`count(*) filter (where ${replyReviews.verdict} = 'good')::int`,
      needsCoaching: sql<number>`count(*) filter (where ${replyReviews.verdict} = 'needs_coaching')::int`,
    })
    .from(messages)
    .leftJoin(replyReviews, eq(replyReviews.messageId, messages.id))
    .where(staffReply(q.practiceId, from, to))
    .groupBy(messages.authorUserId);
  const people = rows.length ? await db.select({ id: users.id, name: users.name, email: users.email }).from(users).where(inArray(users.id, rows.map((r) => r.id!))) : [];
  const assistants = rows
    .map((r) => {
      const u = people.find((p) => p.id === r.id);
      const [replies, reviewed, good, needsCoaching] = [r.replies, r.reviewed, r.good, r.needsCoaching].map(Number) as [number, number, number, number];
      return { id: r.id!, name: u?.name ?? u?.email ?? null, replies, reviewed, good, needsCoaching, reviewedShare: share(reviewed, replies), goodShare: share(good, reviewed), needsCoachingShare: share(needsCoaching, reviewed) };
    })
    .sort((x, y) => (x.name ?? '').localeCompare(y.name ?? ''));
  const sum = (k: 'replies' | 'reviewed' | 'good' | 'needsCoaching') => assistants.reduce((s, a) => s + a[k], 0);
  return {
    practiceId: q.practiceId,
    from: from.toISOString(),
    to: to.toISOString(),
    assistants,
    total: { replies: sum('replies'), reviewed: sum('reviewed'), good: sum('good'), needsCoaching: sum('needsCoaching'), reviewedShare: share(sum('reviewed'), sum('replies')) },
  };
}
