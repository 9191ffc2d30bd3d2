import { and, eq, isNotNull, lt, or, sql, isNull } from 'drizzle-orm';
import type { Db } from '../db/client';
import { conversations, practices, users } from '../db/schema';
import { audit } from '../services/audit';
import { pickAssistant } from '../services/conversation-actions';
import { addToOutbox } from './outbox';
import type { JobModule } from './registry';

export const timersQueue = 'timers';

/** A snoozed conversation opens again at its time (a new patient message opens it sooner). */
export async function addWakeJob(db: Db, conversationId: string, until: Date) {
  await addToOutbox(db, {
    queue: timersQueue,
    payload: { kind: 'wake', conversationId, until: until.toISOString() },
    runAt: until,
    dedupeKey: `wake:${conversationId}:${until.toISOString()}`,
  });
}

/** The sweep runs every minute of the clock; one row per minute whoever schedules it. */
export async function scheduleSweep(db: Db, after: Date) {
  const at = new Date(Math.floor(after.getTime() / 60_000) * 60_000 + 60_000);
  await addToOutbox(db, { queue: timersQueue, payload: { kind: 'sweep' }, runAt: at, dedupeKey: `sweep:${at.toISOString()}` });
}

/** How long an offline assistant's unanswered conversations wait before going back to the queue. */
export const defaultOfflineReturnMinutes = 30;

export function timersJob(): JobModule {
  return {
    queue: timersQueue,
    worker: { concurrency: 2 },
    async exec(deps, job) {
      const now = deps.clock.now();
      if (job.data.kind === 'wake') {
        const id = String(job.data.conversationId);
        await deps.db.transaction(async (tx) => {
          const [c] = await tx
            .update(conversations)
            .set({ status: 'open', snoozedUntil: null, updatedAt: now })
            .where(and(eq(conversations.id, id), eq(conversations.status, 'snoozed'), eq(conversations.snoozedUntil, new Date(String(job.data.until)))))
            .returning();
          if (c) await audit(tx, 'system', null, { action: 'conversation.woke', subjectType: 'conversation', subjectId: id, practiceId: c.practiceId });
        });
        return;
      }
      if (job.data.kind === 'sweep') {
        await returnOfflineWork(deps.db, now);
        await scheduleSweep(deps.db, now);
      }
    },
  };
}

/**
 * Offline assistants get no new work, and their unanswered conversations go back to the
 * queue (to someone available, if anyone) once they have waited the practice's set time.
 */
export async function returnOfflineWork(db: Db, now: Date): Promise<number> {
  const rows = await db
    .select({ c: conversations, returnMinutes: sql<number | null>`(${practices.settings} ->> 'offlineReturnMinutes')::int` })
    .from(conversations)
    .innerJoin(users, eq(users.id, conversations.assigneeId))
    .innerJoin(practices, eq(practices.id, conversations.practiceId))
    .where(
      and(
        eq(users.presence, 'offline'),
        or(eq(conversations.status, 'open'), eq(conversations.status, 'pending')),
        // unanswered: the patient wrote last
        isNotNull(conversations.lastInboundAt),
        or(isNull(conversations.lastOutboundAt), lt(conversations.lastOutboundAt, conversations.lastInboundAt)),
      ),
    );
  let moved = 0;
  for (const { c, returnMinutes } of rows) {
    const waitMs = (returnMinutes ?? defaultOfflineReturnMinutes) * 60_000;
    if (now.getTime() - c.lastInboundAt!.getTime() < waitMs) continue;
    await db.transaction(async (tx) => {
      const next = c.queueId ? await pickAssistant(tx, { practiceId: c.practiceId, queueId: c.queueId, exclude: [c.assigneeId!] }) : null;
      const [done] = await tx
        .update(conversations)
        .set({ assigneeId: next, updatedAt: now })
        .where(and(eq(conversations.id, c.id), eq(conversations.assigneeId, c.assigneeId!)))
        .returning({ id: conversations.id });
      if (done) {
        moved++;
        await audit(tx, 'system', null, { action: 'conversation.returned_to_queue', subjectType: 'conversation', subjectId: c.id, practiceId: c.practiceId, detail: { from: c.assigneeId, to: next } });
      }
    });
  }
  return moved;
}
