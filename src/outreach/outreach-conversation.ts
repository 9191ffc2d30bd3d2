import { and, desc, eq, sql, type AnyColumn } from 'drizzle-orm';
import type { Db } from '../platform/db/client';
import { conversations, practiceAddresses } from '../platform/db/schema';
import type { Channel } from '../../triage/types';

/** The number outreach names when the practice has no main phone: its first texting number. */
export async function practiceNumber(tx: Db, practiceId: string): Promise<string | null> {
  const [row] = await tx
    .select({ value: practiceAddresses.value })
    .from(practiceAddresses)
    .where(and(eq(practiceAddresses.practiceId, practiceId), eq(practiceAddresses.kind, 'phone')))
    .orderBy(desc(practiceAddresses.sms))
    .limit(1);
  return row?.value ?? null;
}

/** practiceNumber as a subquery of a caller's statement, for the practice in `practiceId` */
export const practiceNumberOf = (practiceId: AnyColumn) =>
  sql<string | null>`(select a.value from ${practiceAddresses} a where a.practice_id = ${practiceId} and a.kind = 'phone' order by a.sms desc limit 1)`;

/** Templates print the first name; a record without one is greeted plainly. */
export function firstNameOrGreeting(firstName: string | null, language: string): string {
  return firstName?.trim() || (language === 'es' ? 'paciente' : 'there');
}

/** the patient's latest conversation on the channel (outreachConversation's), as a subquery of a caller's statement */
export const latestOutreachConversation = (patientId: AnyColumn, channel: AnyColumn) =>
  sql<string | null>`(select c.id from ${conversations} c where c.patient_id = ${patientId} and c.channel = ${channel} order by c.last_message_at desc limit 1)`;

/**
 * The conversation outreach goes in: the patient's latest on that channel, else a new one
 * (resolved, so a reminder alone adds nothing to the inbox; an answer reopens it).
 */
export async function outreachConversation(tx: Db, practiceId: string, patientId: string, channel: Exclude<Channel, 'portal'>, now: Date): Promise<string> {
  const [latest] = await tx
    .select({ id: conversations.id })
    .from(conversations)
    .where(and(eq(conversations.patientId, patientId), eq(conversations.channel, channel)))
    .orderBy(desc(conversations.lastMessageAt))
    .limit(1);
  if (latest) return latest.id;
  const [made] = await tx
    .insert(conversations)
    .values({ practiceId, patientId, channel, status: 'resolved', resolvedAt: now, lastMessageAt: now, createdAt: now, updatedAt: now })
    .returning({ id: conversations.id });
  return made!.id;
}

