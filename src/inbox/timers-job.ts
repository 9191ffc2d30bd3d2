import { and, eq, isNotNull, lt, or, sql, isNull } from 'drizzle-orm';
import type { Db } from '../platform/db/client';
import { conversations, practices, users } from '../platform/db/schema';
import { audit } from '../access/audit';
import { pickAssistant } from './assignment';
import { defineJob } from '../platform/jobs/registry';
import { scheduleSweep } from './timers-queue';
import { applyAutomation } from './people-only';
import { fillFreeCapacity } from './assignment';

/** How long an offline assistant's unanswered conversations wait before going back to the queue. */
export const defaultOfflineReturnMinutes = 30;

export function timersJob() {
  return defineJob({
    queue: 'timers',
    worker: { concurrency: 2 },
    async exec(deps, job) {
      const now = deps.clock.now();
      const data = job.data;
      if (data.kind === 'wake') {
        const id = data.conversationId;
        await deps.db.transaction(async (tx) => {
          // only the snooze this row was made for: a later snooze or a reopen makes it a no-op
          const [still] = await tx
            .select({ id: conversations.id })
            .from(conversations)
            .where(and(eq(conversations.id, id), eq(conversations.status, 'snoozed'), eq(conversations.snoozedUntil, new Date(data.until))))
            .for('update');
          if (!still) return;
          const r = await applyAutomation(tx, id, { status: 'open', snoozedUntil: null }, { by: 'timer', now });
          if (r) await audit(tx, 'system', null, { action: 'conversation.woke', subjectType: 'conversation', subjectId: id, practiceId: r.conversation.practiceId });
        });
        return;
      }
      if (data.kind === 'sweep') {
        await returnOfflineWork(deps.db, now);
        // a safety net for capacity freed where no hook saw it (a deactivated user, a deleted grant)
        await fillFreeCapacity(deps.db, { now });
        await scheduleSweep(deps.db, now);
      }
    },
  });
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
      const [still] = await tx
        .select({ id: conversations.id })
        .from(conversations)
        .where(and(eq(conversations.id, c.id), eq(conversations.assigneeId, c.assigneeId!)))
        .for('update');
      const done = still ? await applyAutomation(tx, c.id, { assigneeId: next }, { by: 'timer', now }) : null;
      if (done) {
        moved++;
        await audit(tx, 'system', null, { action: 'conversation.returned_to_queue', subjectType: 'conversation', subjectId: c.id, practiceId: c.practiceId, detail: { from: c.assigneeId, to: next } });
      }
    });
  }
  return moved;
}
