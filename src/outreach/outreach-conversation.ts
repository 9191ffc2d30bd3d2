import { and, desc, eq } from 'drizzle-orm';
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

/** Templates print the first name; a record without one is greeted plainly. */
export function firstNameOrGreeting(firstName: string | null, language: string): string {
  return firstName?.trim() || (language === 'es' ? 'paciente' : 'there');
}

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

