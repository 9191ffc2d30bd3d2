import { eq } from 'drizzle-orm';
import type { Db } from '../platform/db/client';
import { conversations, practices, queues } from '../platform/db/schema';
import { addBusinessMinutes } from '../platform/time';
import { addJob, addJobs } from '../platform/jobs/catalog';
import type { Urgency } from '../../triage/types';
import { moreUrgent, pendingWork, type Pending } from './people-only';

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
 * Keeps a conversation's SLA clock on the patient's oldest message that awaits an answer
 * (the first message, a follow-up after a staff reply, an answer to a reminder alike): its due
 * time goes on the conversation, and the warning and breach are outbox rows due then, so they
 * survive restarts and a Redis that forgets. A follow-up never pushes a running clock back; a
 * more urgent rating (or a rule's shorter target) brings it forward. Nothing awaiting: no
 * clock. Each row carries the due time it was made for, so a clock that moved makes it a no-op.
 */
export async function startSla(db: Db, conversationId: string, now: Date, override?: SlaTarget | null): Promise<Date | null> {
  const [row] = await db
    .select({ c: conversations, p: practices, q: queues })
    .from(conversations)
    .innerJoin(practices, eq(practices.id, conversations.practiceId))
    .leftJoin(queues, eq(queues.id, conversations.queueId))
    .where(eq(conversations.id, conversationId));
  if (!row || row.c.status === 'resolved') return null;
  return startSlaFor(db, { c: row.c, p: row.p, q: row.q, pending: await pendingWork(db, conversationId) }, now, override);
}

/**
 * `startSla` on what the caller already read in this transaction: the conversation as it is
 * now, its practice, its queue (null for none) and its pending work.
 */
export async function startSlaFor(
  db: Db,
  row: {
    c: typeof conversations.$inferSelect;
    p: Pick<typeof practices.$inferSelect, 'hours' | 'timeZone'>;
    q: Pick<typeof queues.$inferSelect, 'sla'> | null;
    pending: Pending;
  },
  now: Date,
  override?: SlaTarget | null,
): Promise<Date | null> {
  const conversationId = row.c.id;
  if (row.c.status === 'resolved') return null;
  const pending = row.pending;
  if (!pending.since) {
    if (row.c.slaDueAt) await db.update(conversations).set({ slaDueAt: null }).where(eq(conversations.id, conversationId));
    return null;
  }
  const urgency: Urgency = moreUrgent(pending.urgency, row.c.urgency) ?? 'routine';
  const target = { ...defaultSla[urgency], ...((row.q?.sla as Record<string, SlaTarget> | null)?.[urgency] ?? {}), ...(override ?? {}) };
  if (!target.firstResponseMinutes && !target.resolutionMinutes) return row.c.slaDueAt;
  // the clock runs from when the patient wrote (a backlog in the jobs does not give us more time)
  const from = new Date(Math.min(pending.since.getTime(), now.getTime()));
  const add = (start: Date, minutes: number) => (target.businessHours ? addBusinessMinutes(start, minutes, row.p.hours, row.p.timeZone) : new Date(start.getTime() + minutes * 60_000));
  let due: Date | null = null;
  if (target.firstResponseMinutes) {
    due = add(from, target.firstResponseMinutes);
    // a clock already running for these messages only moves earlier
    if (row.c.slaDueAt && row.c.slaDueAt.getTime() < due.getTime()) due = row.c.slaDueAt;
    if (due.getTime() !== row.c.slaDueAt?.getTime()) {
      const warnBefore = (target.warnMinutesBefore ?? Math.max(1, Math.round(target.firstResponseMinutes / 5))) * 60_000;
      const warnAt = new Date(Math.max(now.getTime(), due.getTime() - warnBefore));
      const dueAt = due.toISOString();
      await addJobs(db, 'sla', [
        { payload: { conversationId, kind: 'warning', dueAt }, runAt: warnAt, dedupeKey: `sla:${conversationId}:warning:${dueAt}` },
        { payload: { conversationId, kind: 'breach', dueAt }, runAt: due, dedupeKey: `sla:${conversationId}:breach:${dueAt}` },
      ]);
    }
  }
  if (target.resolutionMinutes) {
    const resolveBy = add(now, target.resolutionMinutes);
    await addJob(db, 'sla', { conversationId, kind: 'resolution', dueAt: resolveBy.toISOString() }, { runAt: resolveBy, dedupeKey: `sla:${conversationId}:resolution:${resolveBy.toISOString()}` });
    due ??= resolveBy;
  }
  await db.update(conversations).set({ slaDueAt: due }).where(eq(conversations.id, conversationId)).prepare('sb_sla_due').execute();
  return due;
}
