import { and, eq, inArray } from 'drizzle-orm';
import type { Database, Db } from '../../platform/db/client';
import { contactPoints, conversations, messages, practiceAddresses, practices, sendgridEvents, type DeliveryStatus } from '../../platform/db/schema';
import { detectOptOut } from '../../../triage/opt-out';
import { emailDeliveryRank, emailEventEffect, type EmailDeliveryStatus, type SendGridEvent } from '../../../channels/email/events';
import type { InboundMessage } from '../../../channels/types';
import { recordConsent } from '../../outreach/consent';
import { ingestInbound, type IngestResult } from '../ingest';
import type { BlobStore } from '../../platform/blobs/blob-store';

/** One attachment larger than this refuses the email (SendGrid posts at most 30 MB in all). */
export const EMAIL_MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024;

/**
 * The practice an inbound email is for: the first recipient (envelope, To, Cc) that is one of
 * a practice's inbound addresses, else the practice of the conversation whose reply-to token
 * it was sent to. Returns the practice address it counts as sent to.
 */
export async function practiceForEmail(db: Db, recipients: string[], replyToken: string | null) {
  if (recipients.length) {
    const rows = await db
      .select({ practiceId: practiceAddresses.practiceId, value: practiceAddresses.value })
      .from(practiceAddresses)
      .innerJoin(practices, eq(practices.id, practiceAddresses.practiceId))
      .where(and(eq(practiceAddresses.kind, 'email'), inArray(practiceAddresses.value, recipients), eq(practices.active, true)));
    const first = recipients.map((r) => rows.find((row) => row.value === r)).find(Boolean);
    if (first) return { practiceId: first.practiceId, address: first.value };
  }
  if (replyToken) {
    const [row] = await db
      .select({ practiceId: conversations.practiceId, address: practiceAddresses.value })
      .from(conversations)
      .innerJoin(practices, eq(practices.id, conversations.practiceId))
      .leftJoin(practiceAddresses, and(eq(practiceAddresses.practiceId, conversations.practiceId), eq(practiceAddresses.kind, 'email')))
      .where(and(eq(conversations.replyToken, replyToken), eq(practices.active, true)))
      .limit(1);
    if (row) return { practiceId: row.practiceId, address: row.address ?? recipients[0]! };
  }
  return null;
}

/** Stores a parsed inbound email for its practice (threading by headers, then reply token, then patient). */
export async function storeInboundEmail(
  db: Db,
  email: InboundMessage,
  target: { practiceId: string; address: string },
  opts: { receivedAt: Date; requestId: string | null; blobs?: BlobStore },
): Promise<IngestResult> {
  const name = email.from.name?.trim() ?? '';
  const parts = name.includes('@') ? [] : name.split(/\s+/).filter(Boolean);
  const message: InboundMessage = {
    ...email,
    // the practice address, not the reply+token alias, so replies go out from it
    to: target.address,
    meta: {
      ...email.meta,
      // ids only: what our reply's In-Reply-To and References are built from
      inReplyTo: email.threading?.inReplyTo ?? null,
      references: email.threading?.references ?? [],
    },
  };
  // "unsubscribe", "please stop emailing me": consent for email is revoked with this message
  // (a long email's "unsubscribe" is a newsletter footer more often than a patient's request)
  const optOut = (email.body.length <= 600 ? detectOptOut(email.body) : null) ?? (email.subject ? detectOptOut(email.subject.replace(/^\s*(re|fwd?|aw)\s*:\s*/i, '')) : null);
  if (optOut) message.meta = { ...message.meta, optOut };
  const stored = await ingestInbound(db, message, {
    practiceId: target.practiceId,
    receivedAt: opts.receivedAt,
    requestId: opts.requestId,
    blobs: opts.blobs,
    patient: parts.length >= 2 ? { firstName: parts.slice(0, -1).join(' '), lastName: parts.at(-1)! } : undefined,
  });
  if (optOut) {
    const [point] = await db.select().from(contactPoints).where(eq(contactPoints.id, stored.contactPointId));
    if (point && point.emailConsent !== 'revoked') {
      await recordConsent(db, { practiceId: target.practiceId, contactPointId: point.id, purpose: 'email', state: 'revoked', source: 'email_free_text', detail: optOut.kind, messageId: stored.messageId, at: opts.receivedAt });
    }
  }
  return stored;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const emailStatuses = new Set<DeliveryStatus>(['sent', 'delivered', 'failed']);

export interface EventsOutcome {
  received: number;
  applied: number;
  duplicates: number;
}

/**
 * Applies a verified batch of SendGrid events in one transaction: each sg_event_id once,
 * delivery status only forwards, bounces and spam reports mark the address undeliverable,
 * unsubscribes revoke email consent in the ledger.
 */
export async function applySendGridEvents(db: Database, events: SendGridEvent[]): Promise<EventsOutcome> {
  return db.transaction(async (tx) => {
    let applied = 0;
    let duplicates = 0;
    for (const event of events) {
      const message = await findOutbound(tx, event);
      const [fresh] = await tx
        .insert(sendgridEvents)
        .values({ sgEventId: event.sgEventId, event: event.event, messageId: message?.id ?? null })
        .onConflictDoNothing()
        .returning({ id: sendgridEvents.sgEventId });
      if (!fresh) {
        duplicates++;
        continue;
      }
      applied++;
      const effect = emailEventEffect(event);
      if (message && effect.deliveryStatus && raises(message.status, effect.deliveryStatus)) {
        const set: Partial<typeof messages.$inferInsert> = { status: effect.deliveryStatus };
        if (effect.deliveryStatus === 'delivered') set.deliveredAt = event.timestamp;
        if (effect.deliveryStatus === 'failed') {
          set.errorCode = `sendgrid_${event.event}`;
          set.errorMessage = (event.reason ?? event.event).slice(0, 500);
        }
        await tx.update(messages).set(set).where(eq(messages.id, message.id));
        message.status = effect.deliveryStatus;
      }
      if (!effect.consent) continue;
      // the message's contact point; without a message (a global unsubscribe) every practice's
      // contact with that address, as SendGrid suppresses it for the whole account
      const points = await tx
        .select()
        .from(contactPoints)
        .where(
          message?.contactPointId
            ? eq(contactPoints.id, message.contactPointId)
            : and(eq(contactPoints.kind, 'email'), eq(contactPoints.value, event.email)),
        );
      for (const point of points) {
        if (effect.consent === 'mark_undeliverable') {
          if (!point.undeliverable) await tx.update(contactPoints).set({ undeliverable: true }).where(eq(contactPoints.id, point.id));
        } else if (point.emailConsent !== 'revoked') {
          await recordConsent(tx, {
            practiceId: point.practiceId,
            contactPointId: point.id,
            purpose: 'email',
            state: 'revoked',
            source: `sendgrid_${event.event}`,
            messageId: message?.id ?? null,
          });
        }
      }
    }
    return { received: events.length, applied, duplicates };
  });
}

function raises(current: DeliveryStatus, next: EmailDeliveryStatus): boolean {
  if (current === 'simulated' || current === 'refused') return false;
  const now = emailStatuses.has(current) ? emailDeliveryRank(current as EmailDeliveryStatus) : 0;
  return emailDeliveryRank(next) > now;
}

async function findOutbound(db: Db, event: SendGridEvent) {
  const byId = event.outboundId && uuidPattern.test(event.outboundId) ? event.outboundId : null;
  if (!byId && !event.providerId) return null;
  const [row] = await db
    .select({ id: messages.id, status: messages.status, contactPointId: messages.contactPointId })
    .from(messages)
    .where(
      and(
        eq(messages.channel, 'email'),
        eq(messages.direction, 'outbound'),
        byId ? eq(messages.id, byId) : eq(messages.providerId, event.providerId!),
      ),
    )
    .limit(1);
  return row ?? null;
}

