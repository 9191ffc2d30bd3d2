import { z } from '@hono/zod-openapi';
import { and, desc, eq } from 'drizzle-orm';
import type { Database, Db } from '../platform/db/client';
import { unroutedMessages, type UnroutedStatus } from '../platform/db/schema';
import { isAdmin, type Principal } from '../access/principal';
import { audit } from '../access/audit';
import { AppError, forbidden, notFound } from '../platform/errors';
import { afterCursor, pageOf } from '../platform/cursor';
import type { InboundMessage } from '../../channels/types';
import { findPractice } from '../practices/practices';
import { ingestInbound } from './ingest';

/*
 * The holding area for what reached Switchboard but no practice: a text, call or email to an
 * address no active practice owns (not added yet, removed, a practice made inactive). Twilio
 * does not retry a 4xx and SendGrid drops one, so refusing would lose the patient's words; they
 * are kept here, and an admin routes each to a practice (it then lands in that practice's inbox
 * and is triaged like any message) or dismisses it. Admins only: a held message may belong to
 * any practice. Every read is audited.
 */

/** Keeps an inbound message no practice owns; a retried webhook is kept once. */
export async function holdUnrouted(db: Db, message: InboundMessage, receivedAt: Date): Promise<{ id: string; duplicate: boolean }> {
  const channel = message.channel === 'portal' ? 'email' : message.channel;
  const [row] = await db
    .insert(unroutedMessages)
    .values({
      channel,
      providerId: message.providerId,
      fromAddress: message.from.value,
      toAddress: message.to,
      subject: message.subject ?? null,
      body: message.body,
      attachments: message.attachments.map((a) => ({ name: a.name, contentType: a.contentType, size: a.size ?? a.content?.byteLength ?? null, url: a.url ?? null })),
      meta: { ...(message.meta ?? {}) },
      receivedAt,
      createdAt: receivedAt,
    })
    .onConflictDoNothing({ target: [unroutedMessages.channel, unroutedMessages.providerId] })
    .returning({ id: unroutedMessages.id });
  if (row) return { id: row.id, duplicate: false };
  const [existing] = await db
    .select({ id: unroutedMessages.id })
    .from(unroutedMessages)
    .where(and(eq(unroutedMessages.channel, channel), eq(unroutedMessages.providerId, message.providerId)));
  return { id: existing!.id, duplicate: true };
}

export const UnroutedSchema = z
  .object({
    id: z.uuid(),
    channel: z.enum(['sms', 'voice', 'email']),
    from: z.string(),
    to: z.string(),
    subject: z.string().nullable(),
    body: z.string(),
    attachments: z.array(z.object({ name: z.string().nullable(), contentType: z.string(), size: z.number().nullable() })),
    status: z.enum(['held', 'routed', 'dismissed']),
    practiceId: z.uuid().nullable(),
    messageId: z.uuid().nullable(),
    note: z.string().nullable(),
    receivedAt: z.string(),
    handledAt: z.string().nullable(),
  })
  .openapi('UnroutedMessage');

export const ListUnroutedQuery = z.object({
  status: z.enum(['held', 'routed', 'dismissed', 'all']).optional().openapi({ description: 'default: held' }),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(200).optional(),
});

export const RouteUnroutedSchema = z
  .object({ practiceId: z.string().min(1).max(100).openapi({ description: 'id or slug of the practice it was meant for' }), note: z.string().trim().max(500).optional() })
  .openapi('RouteUnrouted');
export const DismissUnroutedSchema = z.object({ note: z.string().trim().min(3).max(500).openapi({ description: 'why it needs no practice (spam, a test)' }) }).openapi('DismissUnrouted');

type Row = typeof unroutedMessages.$inferSelect;
const view = (r: Row): z.infer<typeof UnroutedSchema> => ({
  id: r.id,
  channel: r.channel,
  from: r.fromAddress,
  to: r.toAddress,
  subject: r.subject,
  body: r.body,
  attachments: r.attachments.map((a) => ({ name: a.name, contentType: a.contentType, size: a.size })),
  status: r.status,
  practiceId: r.practiceId,
  messageId: r.messageId,
  note: r.note,
  receivedAt: r.receivedAt.toISOString(),
  handledAt: r.handledAt?.toISOString() ?? null,
});

/** Only an admin who sees every practice: a held message may be any practice's patient. */
function assertAllPracticesAdmin(who: Principal) {
  if (!isAdmin(who) || who.practiceIds !== 'all') throw forbidden('only admins who see every practice read the unrouted holding area');
}

export async function listUnrouted(db: Database, who: Principal, query: z.input<typeof ListUnroutedQuery>, requestId: string | null) {
  assertAllPracticesAdmin(who);
  const q = ListUnroutedQuery.parse(query);
  const status = (q.status ?? 'held') as UnroutedStatus | 'all';
  return db.transaction(async (tx) => {
    const rows = await tx
      .select()
      .from(unroutedMessages)
      .where(and(status === 'all' ? undefined : eq(unroutedMessages.status, status), afterCursor(q.cursor, unroutedMessages.receivedAt, unroutedMessages.id, 'desc')))
      .orderBy(desc(unroutedMessages.receivedAt), desc(unroutedMessages.id))
      .limit(q.limit + 1);
    const { page, nextCursor } = pageOf(rows, q.limit, (r) => ({ at: r.receivedAt, id: r.id }));
    if (page.length > 0) {
      await audit(tx, who, requestId, page.map((r) => ({ action: 'unrouted.list' as const, subjectType: 'unrouted_message', subjectId: r.id })));
    }
    return { data: page.map(view), nextCursor };
  });
}

export async function getUnrouted(db: Database, who: Principal, id: string, requestId: string | null) {
  assertAllPracticesAdmin(who);
  return db.transaction(async (tx) => {
    const [row] = await tx.select().from(unroutedMessages).where(eq(unroutedMessages.id, id));
    if (!row) throw notFound('unrouted message');
    await audit(tx, who, requestId, { action: 'unrouted.read', subjectType: 'unrouted_message', subjectId: id });
    return view(row);
  });
}

/** Lands a held text or email in the practice it was meant for, where it is triaged like any message. */
export async function routeUnrouted(db: Database, who: Principal, id: string, input: z.input<typeof RouteUnroutedSchema>, now: Date, requestId: string | null) {
  assertAllPracticesAdmin(who);
  const data = RouteUnroutedSchema.parse(input);
  return db.transaction(async (tx) => {
    const [row] = await tx.select().from(unroutedMessages).where(eq(unroutedMessages.id, id)).for('update');
    if (!row) throw notFound('unrouted message');
    if (row.status !== 'held') throw new AppError('conflict', `this message was ${row.status} already`);
    const practice = await findPractice(tx, data.practiceId);
    if (!practice) throw new AppError('validation_failed', 'practiceId: no such practice');
    let messageId: string | null = null;
    if (row.channel === 'voice') {
      // a call that reached no practice: it shows in the practice's inbox as a missed call to call back
      const stored = await ingestInbound(
        tx,
        { channel: 'voice', providerId: row.providerId, to: row.toAddress, from: { kind: 'phone', value: row.fromAddress }, body: 'Missed call (to a number no practice had)', attachments: [], meta: { kind: 'missed_call', language: 'en' }, receivedAt: row.receivedAt },
        { practiceId: practice.id, receivedAt: row.receivedAt, requestId, triage: false },
      );
      messageId = stored.messageId;
    } else {
      const stored = await ingestInbound(
        tx,
        {
          channel: row.channel,
          providerId: row.providerId,
          to: row.toAddress,
          from: { kind: row.channel === 'email' ? 'email' : 'phone', value: row.fromAddress },
          subject: row.subject,
          body: row.body,
          attachments: row.attachments.map((a) => ({ name: a.name, contentType: a.contentType, size: a.size, url: a.url })),
          meta: { ...row.meta, heldUnroutedId: row.id },
          receivedAt: row.receivedAt,
        },
        { practiceId: practice.id, receivedAt: row.receivedAt, requestId },
      );
      messageId = stored.messageId;
    }
    const [updated] = await tx
      .update(unroutedMessages)
      .set({ status: 'routed', practiceId: practice.id, messageId, handledById: who.userId, handledByTokenId: who.tokenId, handledAt: now, note: data.note ?? null })
      .where(eq(unroutedMessages.id, id))
      .returning();
    await audit(tx, who, requestId, { action: 'unrouted.route', subjectType: 'unrouted_message', subjectId: id, practiceId: practice.id, detail: { messageId } });
    return view(updated!);
  });
}

export async function dismissUnrouted(db: Database, who: Principal, id: string, input: z.input<typeof DismissUnroutedSchema>, now: Date, requestId: string | null) {
  assertAllPracticesAdmin(who);
  const data = DismissUnroutedSchema.parse(input);
  return db.transaction(async (tx) => {
    const [row] = await tx.select().from(unroutedMessages).where(eq(unroutedMessages.id, id)).for('update');
    if (!row) throw notFound('unrouted message');
    if (row.status !== 'held') throw new AppError('conflict', `this message was ${row.status} already`);
    const [updated] = await tx
      .update(unroutedMessages)
      .set({ status: 'dismissed', handledById: who.userId, handledByTokenId: who.tokenId, handledAt: now, note: data.note })
      .where(eq(unroutedMessages.id, id))
      .returning();
    await audit(tx, who, requestId, { action: 'unrouted.dismiss', subjectType: 'unrouted_message', subjectId: id, detail: { note: data.note } });
    return view(updated!);
  });
}
