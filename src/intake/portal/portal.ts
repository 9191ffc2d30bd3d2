import { z } from '@hono/zod-openapi';
import { inSaneYears, saneYearsMessage } from '../../platform/time';
import { and, asc, eq, gt, inArray, ne } from 'drizzle-orm';
import type { Database, Db } from '../../platform/db/client';
import { contactPoints, conversations, messageAttachments, messages, practices } from '../../platform/db/schema';
import type { Principal } from '../../access/principal';
import { forbidden, notFound } from '../../platform/errors';
import { portalToInbound, type PortalMessage } from '../../../channels/portal/message';
import { normalisePhone } from '../../../channels/sms/phone';
import { audit } from '../../access/audit';
import { afterCursor, pageOf } from '../../platform/cursor';
import { findPractice } from '../../practices/practices';
import { ingestInbound, type IngestResult } from '../ingest';
import { portalReply, type PortalReply } from '../../outreach/portal-reply';
import type { BlobStore } from '../../platform/blobs/blob-store';

/** The one practice a portal token belongs to; staff tokens and sessions are refused. */
export function portalPracticeOf(who: Principal): string {
  if (who.role !== 'portal') throw forbidden('only portal tokens use the portal routes');
  if (who.practiceIds === 'all' || who.practiceIds.length !== 1) throw forbidden('a portal token must belong to one practice');
  return who.practiceIds[0]!;
}

/** A `practice` the caller names must be its token's own (id or slug); another practice is not found. */
export async function assertOwnPractice(db: Db, practiceId: string, requested: string | null | undefined) {
  if (!requested) return;
  const row = await findPractice(db, requested);
  if (!row || row.id !== practiceId) throw notFound('practice');
}

export const PortalMessageResultSchema = z
  .object({
    id: z.uuid().openapi({ description: 'The stored message' }),
    conversationId: z.uuid(),
    duplicate: z.boolean().openapi({ description: 'true when this messageId was stored before (answered 200)' }),
  })
  .openapi('PortalMessageResult');

/**
 * Stores a portal message (idempotent on the portal's messageId within the practice), finds
 * the patient by portal id, then by the phone or email the portal gives, and audits the
 * token's write in the same statement.
 */
export async function receivePortalMessage(
  db: Database,
  who: Principal,
  input: PortalMessage,
  opts: { receivedAt: Date; requestId: string | null; practice?: string | null; blobs?: BlobStore },
): Promise<IngestResult> {
  const practiceId = portalPracticeOf(who);
  await assertOwnPractice(db, practiceId, opts.practice);
  const [practice] = await db.select({ id: practices.id, slug: practices.slug, active: practices.active }).from(practices).where(eq(practices.id, practiceId));
  if (!practice || !practice.active) throw notFound('practice');
  const inbound = portalToInbound(input, `portal:${practice.slug}`, opts.receivedAt);
  // the portal's ids are unique only within its practice
  inbound.providerId = `${practiceId}/${input.messageId}`;
  const extraContacts: { kind: 'phone' | 'email'; value: string }[] = [];
  const phone = input.patient.phone ? normalisePhone(input.patient.phone) : null;
  if (phone) extraContacts.push({ kind: 'phone', value: phone });
  if (input.patient.email) extraContacts.push({ kind: 'email', value: input.patient.email.trim().toLowerCase() });
  return ingestInbound(db, inbound, {
    practiceId,
    receivedAt: opts.receivedAt,
    requestId: opts.requestId,
    patient: {
      portalId: input.patient.portalId,
      firstName: input.patient.firstName,
      lastName: input.patient.lastName,
      dateOfBirth: input.patient.dateOfBirth,
    },
    portalThreadId: input.threadId ?? null,
    extraContacts,
    blobs: opts.blobs,
    audit: { principal: who, action: 'portal.message.receive' },
  });
}

export const ListPortalRepliesQuery = z.object({
  since: z.iso
    .datetime({ offset: true, error: 'must be an ISO 8601 time, e.g. 2026-11-20T10:00:00Z' })
    .refine(inSaneYears, saneYearsMessage)
    .optional()
    .openapi({ description: 'only replies made after this time' }),
  cursor: z.string().max(200).optional().openapi({ description: 'nextCursor of the previous page' }),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});


/** Replies to portal conversations of the token's practice, oldest first; the read is audited. */
export async function listPortalReplies(
  db: Database,
  who: Principal,
  q: z.infer<typeof ListPortalRepliesQuery>,
  requestId: string | null,
): Promise<{ data: PortalReply[]; nextCursor: string | null }> {
  const practiceId = portalPracticeOf(who);
  return db.transaction(async (tx) => {
    const rows = await tx
      .select({ message: messages, threadId: conversations.portalThreadId, portalId: contactPoints.value, patientId: conversations.patientId })
      .from(messages)
      .innerJoin(conversations, eq(conversations.id, messages.conversationId))
      .leftJoin(contactPoints, eq(contactPoints.id, messages.contactPointId))
      .where(
        and(
          eq(messages.practiceId, practiceId),
          eq(messages.channel, 'portal'),
          eq(messages.direction, 'outbound'),
          eq(messages.kind, 'message'),
          ne(messages.status, 'refused'),
          q.since ? gt(messages.createdAt, new Date(q.since)) : undefined,
          afterCursor(q.cursor, messages.createdAt, messages.id, 'asc'),
        ),
      )
      .orderBy(asc(messages.createdAt), asc(messages.id))
      .limit(q.limit + 1);
    const { page, nextCursor } = pageOf(rows, q.limit, (r) => ({ at: r.message.createdAt, id: r.message.id }));
    await audit(tx, who, requestId, {
      action: 'portal.reply.list',
      subjectType: 'message',
      practiceId,
      detail: { messageIds: page.map((r) => r.message.id) },
    });
    const files = page.length
      ? await tx
          .select()
          .from(messageAttachments)
          .where(and(inArray(messageAttachments.messageId, page.map((r) => r.message.id)), eq(messageAttachments.status, 'stored')))
      : [];
    return {
      data: page.map((r) => portalReply(r.message, r.threadId, r.portalId, files.filter((f) => f.messageId === r.message.id))),
      nextCursor,
    };
  });
}
