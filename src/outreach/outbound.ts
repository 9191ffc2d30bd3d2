import { and, desc, eq } from 'drizzle-orm';
import type { Db } from '../platform/db/client';
import { contactPoints, conversations, messages, type AuthorType, type ContactKind } from '../platform/db/schema';
import { addJob } from '../platform/jobs/catalog';
import type { MessageMeta, OutboundPurpose } from '../platform/db/message-meta';
import type { Channel } from '../../triage/types';

/**
 * Why a message goes out (the `purpose` column). Only `outreach` (reminders, text-back,
 * waitlist offers) waits for 8:00 to 21:00 and counts against the automated-text cap; a reply
 * to the patient's own message is answered at any hour.
 */
export type { OutboundPurpose };

export interface OutboundRequest {
  practiceId: string;
  conversationId: string;
  channel: Channel;
  body: string;
  subject?: string | null;
  html?: string | null;
  purpose: OutboundPurpose;
  authorType: AuthorType;
  authorUserId?: string | null;
  /** default: the conversation patient's contact point for the channel */
  contactPointId?: string | null;
  /** the contact itself, when the caller has its row (instead of contactPointId: it is not read again) */
  contact?: { id: string; value: string } | null;
  /** the same key twice is one message (e.g. `reminder:<id>`) */
  idempotencyKey?: string;
  meta?: MessageMeta;
  now: Date;
  /** outreach due later */
  notBefore?: Date;
}

export const contactKindFor = (channel: Channel): ContactKind =>
  channel === 'email' ? 'email' : channel === 'portal' ? 'portal' : 'phone';


/** Stores an outbound message and its send job in the caller's transaction; returns its id. */
export async function queueOutbound(db: Db, req: OutboundRequest): Promise<{ messageId: string; duplicate: boolean }> {
  let contactPointId = req.contactPointId ?? null;
  let toAddress: string | null = null;
  let thread: { inReplyTo: string; references: string[] } | null = null;
  if (req.contact) {
    contactPointId = req.contact.id;
    toAddress = req.contact.value;
  } else if (contactPointId) {
    const [cp] = await db.select().from(contactPoints).where(eq(contactPoints.id, contactPointId));
    toAddress = cp?.value ?? null;
  } else {
    // the contact the patient last wrote from on this channel, else any of theirs of that kind
    const [conv] = await db.select().from(conversations).where(eq(conversations.id, req.conversationId));
    const [lastInbound] = await db
      .select({ contactPointId: messages.contactPointId, from: messages.fromAddress, providerId: messages.providerId, meta: messages.meta })
      .from(messages)
      .where(and(eq(messages.conversationId, req.conversationId), eq(messages.direction, 'inbound'), eq(messages.channel, req.channel)))
      .orderBy(desc(messages.createdAt))
      .limit(1);
    if (lastInbound?.contactPointId) {
      contactPointId = lastInbound.contactPointId;
      toAddress = lastInbound.from;
      if (req.channel === 'email') thread = emailThread(lastInbound.providerId, lastInbound.meta);
    } else if (conv) {
      const [cp] = await db
        .select()
        .from(contactPoints)
        .where(and(eq(contactPoints.patientId, conv.patientId), eq(contactPoints.kind, contactKindFor(req.channel))))
        .limit(1);
      contactPointId = cp?.id ?? null;
      toAddress = cp?.value ?? null;
    }
  }
  const [msg] = await db
    .insert(messages)
    .values({
      practiceId: req.practiceId,
      conversationId: req.conversationId,
      direction: 'outbound',
      kind: 'message',
      channel: req.channel,
      idempotencyKey: req.idempotencyKey ?? null,
      contactPointId,
      toAddress,
      subject: req.subject ?? null,
      body: req.body,
      status: 'pending',
      authorType: req.authorType,
      authorUserId: req.authorUserId ?? null,
      purpose: req.purpose,
      meta: { ...req.meta, ...(req.html ? { html: req.html } : {}), ...(thread ? { thread } : {}) },
      createdAt: req.now,
    })
    // the same key twice is one message: the first one's
    .onConflictDoNothing({ target: messages.idempotencyKey })
    .returning({ id: messages.id });
  if (!msg) {
    const [existing] = await db.select({ id: messages.id }).from(messages).where(eq(messages.idempotencyKey, req.idempotencyKey!));
    return { messageId: existing!.id, duplicate: true };
  }
  await db
    .update(conversations)
    .set({ lastMessageAt: req.now, lastOutboundAt: req.now, updatedAt: req.now })
    .where(eq(conversations.id, req.conversationId));
  await addJob(db, 'send', { messageId: msg.id }, { runAt: req.notBefore && req.notBefore > req.now ? req.notBefore : req.now, dedupeKey: `send:${msg.id}` });
  return { messageId: msg.id, duplicate: false };
}

/** An email reply names the patient's last email (ids only), so it lands in their thread. */
function emailThread(providerId: string | null, meta: MessageMeta): { inReplyTo: string; references: string[] } | null {
  if (!providerId || meta.messageIdDerived === true) return null;
  const references = Array.isArray(meta.references) ? meta.references.filter((r): r is string => typeof r === 'string') : [];
  return { inReplyTo: providerId, references };
}
