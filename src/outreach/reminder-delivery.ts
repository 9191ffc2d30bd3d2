import { and, eq, inArray, or, sql } from 'drizzle-orm';
import type { Db } from '../platform/db/client';
import { messages, reminders, type DeliveryStatus, type ReminderStatus } from '../platform/db/schema';

// A reminder's row mirrors its message's delivery: the send job and the provider's status
// callbacks own a message's status, so they call this after changing it.
const sentStatuses: DeliveryStatus[] = ['sent', 'simulated', 'queued'];
const failedStatuses: DeliveryStatus[] = ['failed', 'undelivered'];

/**
 * After the send job has dealt with a reminder's message, the reminder says what happened:
 * sent, delivered, failed, or skipped with the send job's reason (consent_revoked at send
 * time, daily_cap, weekly_cap...). Every skip is on the reminder row.
 *
 * One statement, run for every message sent (most are not a reminder's): the message's status
 * is read by the update itself. A refusal or a send moves a reminder only from `queued`;
 * a delivery report or a failure, from `queued` or `sent`.
 */
export async function reflectOnReminder(db: Db, messageId: string, now: Date): Promise<void> {
  const at = now.toISOString();
  const sentAt = sql`coalesce(${reminders.sentAt}, ${messages.sentAt}, ${at}::timestamptz)`;
  await db
    .update(reminders)
    .set({
      status: sql<ReminderStatus>`case when ${messages.status} = 'refused' then 'skipped'
        when ${inArray(messages.status, sentStatuses)} then 'sent'
        when ${messages.status} = 'delivered' then 'delivered' else 'failed' end`,
      skipReason: sql`case when ${messages.status} = 'refused' then coalesce(${messages.errorCode}, 'refused')
        when ${inArray(messages.status, failedStatuses)} then ${messages.errorCode} else ${reminders.skipReason} end`,
      sentAt: sql`case when ${inArray(messages.status, [...sentStatuses, 'delivered'])} then ${sentAt} else ${reminders.sentAt} end`,
      updatedAt: now,
    })
    .from(messages)
    .where(
      and(
        eq(messages.id, messageId),
        eq(reminders.messageId, messages.id),
        or(
          and(inArray(messages.status, ['refused', ...sentStatuses]), eq(reminders.status, 'queued')),
          and(inArray(messages.status, ['delivered', ...failedStatuses]), inArray(reminders.status, ['queued', 'sent'])),
        ),
      ),
    );
}
