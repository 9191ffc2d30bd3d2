import { eq } from 'drizzle-orm';
import type { Db } from '../platform/db/client';
import { conversations, practices, queues } from '../platform/db/schema';
import { addBusinessMinutes } from '../platform/time';
import { addJob } from '../platform/jobs/catalog';
import type { Urgency } from '../../triage/types';

export interface SlaTarget {
  firstResponseMinutes?: number;
  resolutionMinutes?: number;
  businessHours?: boolean;
  warnMinutesBefore?: number;
}

/** When a queue sets no SLA: emergencies in minutes, urgent within the hour, routine within a working half-day. */
export const defaultSla: Record<Urgency, SlaTarget> = {
  emergency: { firstResponseMinutes: 5, warnMinutesBefore: 2 },
  urgent: { firstResponseMinutes: 30, warnMinutesBefore: 10 },
  routine: { firstResponseMinutes: 240, businessHours: true, warnMinutesBefore: 30 },
};

/**
 * Starts a conversation's SLA clock: its due time goes on the conversation, and the warning
 * and breach are outbox rows due then, so they survive restarts and a Redis that forgets.
 * A later restart of the clock (a new message, another queue) makes the old rows no-ops:
 * each row carries the due time it was made for.
 */
export async function startSla(db: Db, conversationId: string, now: Date, override?: SlaTarget | null): Promise<Date | null> {
  const [row] = await db
    .select({ c: conversations, p: practices, q: queues })
    .from(conversations)
    .innerJoin(practices, eq(practices.id, conversations.practiceId))
    .leftJoin(queues, eq(queues.id, conversations.queueId))
    .where(eq(conversations.id, conversationId));
  if (!row || row.c.status === 'resolved') return null;
  const urgency: Urgency = row.c.urgency ?? 'routine';
  const target = { ...defaultSla[urgency], ...((row.q?.sla as Record<string, SlaTarget> | null)?.[urgency] ?? {}), ...(override ?? {}) };
  if (!target.firstResponseMinutes && !target.resolutionMinutes) return null;
  const add = (minutes: number) => (target.businessHours ? addBusinessMinutes(now, minutes, row.p.hours, row.p.timeZone) : new Date(now.getTime() + minutes * 60_000));
  let due: Date | null = null;
  if (target.firstResponseMinutes && !row.c.firstResponseAt) {
    due = add(target.firstResponseMinutes);
    const warnBefore = (target.warnMinutesBefore ?? Math.max(1, Math.round(target.firstResponseMinutes / 5))) * 60_000;
    const warnAt = new Date(Math.max(now.getTime(), due.getTime() - warnBefore));
    for (const [kind, at] of [
      ['warning', warnAt],
      ['breach', due],
    ] as const) {
      await addJob(db, 'sla', { conversationId, kind, dueAt: due.toISOString() }, { runAt: at, dedupeKey: `sla:${conversationId}:${kind}:${due.toISOString()}` });
    }
  }
  if (target.resolutionMinutes) {
    const resolveBy = add(target.resolutionMinutes);
    await addJob(db, 'sla', { conversationId, kind: 'resolution', dueAt: resolveBy.toISOString() }, { runAt: resolveBy, dedupeKey: `sla:${conversationId}:resolution:${resolveBy.toISOString()}` });
    due ??= resolveBy;
  }
  await db.update(conversations).set({ slaDueAt: due }).where(eq(conversations.id, conversationId));
  return due;
}
