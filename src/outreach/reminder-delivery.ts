import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../platform/db/client';
import { messages, reminders, type DeliveryStatus } from '../platform/db/schema';

// A reminder's row mirrors its message's delivery: the send job and the provider's status
// callbacks own a message's status, so they call this after changing it.
const sentStatuses: DeliveryStatus[] = ['sent', 'simulated', 'queued'];

/**
 * After the send job has dealt with a reminder's message, the reminder says what happened:
 * sent, delivered, failed, or skipped with the send job's reason (consent_revoked at send
 * time, daily_cap, weekly_cap...). Every skip is on the reminder row.
 */
export async function reflectOnReminder(db: Db, messageId: string, now: Date): Promise<void> {
  const [msg] = await db
    .select({ status: messages.status, errorCode: messages.errorCode, sentAt: messages.sentAt })
    .from(messages)
    .where(eq(messages.id, messageId));
  if (!msg) return;
  const live = and(eq(reminders.messageId, messageId), inArray(reminders.status, ['queued', 'sent']));
  if (msg.status === 'refused') {
    await db.update(reminders).set({ status: 'skipped', skipReason: msg.errorCode ?? 'refused', updatedAt: now }).where(and(live, eq(reminders.status, 'queued')));
  } else if (sentStatuses.includes(msg.status)) {
    await db
      .update(reminders)
      .set({ status: 'sent', sentAt: sql`coalesce(${reminders.sentAt}, ${(msg.sentAt ?? now).toISOString()}::timestamptz)`, updatedAt: now })
      .where(and(live, eq(reminders.status, 'queued')));
  } else if (msg.status === 'delivered') {
    await db
      .update(reminders)
      .set({ status: 'delivered', sentAt: sql`coalesce(${reminders.sentAt}, ${(msg.sentAt ?? now).toISOString()}::timestamptz)`, updatedAt: now })
      .where(live);
  } else if (msg.status === 'failed' || msg.status === 'undelivered') {
    await db.update(reminders).set({ status: 'failed', skipReason: msg.errorCode ?? null, updatedAt: now }).where(live);
  }
}
