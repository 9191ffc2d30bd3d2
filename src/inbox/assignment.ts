import { and, asc, count, desc, eq, inArray, isNull, ne, or, sql } from 'drizzle-orm';
import type { Db } from '../platform/db/client';
import { conversations, practiceGrants, queueGrants, queues, users } from '../platform/db/schema';
import { audit } from '../access/audit';

/**
 * Picks who gets a conversation of a queue: an available assistant granted the queue, with
 * the skills asked for, under capacity, with the fewest open conversations. Null leaves it in
 * the queue.
 */
export async function pickAssistant(
  db: Db,
  opts: { practiceId: string; queueId: string; language?: string | null; task?: string | null; exclude?: string[] },
): Promise<string | null> {
  const candidates = await db
    .select({ id: users.id, capacity: users.capacity, skills: users.skills })
    .from(users)
    .innerJoin(queueGrants, and(eq(queueGrants.userId, users.id), eq(queueGrants.queueId, opts.queueId)))
    .innerJoin(practiceGrants, and(eq(practiceGrants.userId, users.id), eq(practiceGrants.practiceId, opts.practiceId)))
    .where(and(eq(users.active, true), eq(users.presence, 'available'), eq(users.role, 'assistant')))
    .prepare('sb_pick_candidates')
    .execute();
  const skilled = candidates.filter(
    (u) =>
      !(opts.exclude ?? []).includes(u.id) &&
      (!opts.language || u.skills.languages.includes(opts.language)) &&
      (!opts.task || u.skills.tasks.length === 0 || u.skills.tasks.includes(opts.task)),
  );
  if (skilled.length === 0) return null;
  const loads = await db
    .select({ assigneeId: conversations.assigneeId, n: count() })
    .from(conversations)
    .where(and(inArray(conversations.assigneeId, skilled.map((u) => u.id)), ne(conversations.status, 'resolved')))
    .groupBy(conversations.assigneeId)
    .prepare('sb_pick_loads')
    .execute();
  const load = new Map(loads.map((l) => [l.assigneeId, Number(l.n)]));
  const open = skilled
    .map((u) => ({ id: u.id, open: load.get(u.id) ?? 0, capacity: u.capacity }))
    .filter((u) => u.open < u.capacity)
    // fewest open first; ties broken by id so the choice is deterministic
    .sort((a, b) => a.open - b.open || a.id.localeCompare(b.id));
  return open[0]?.id ?? null;
}

/**
 * Gives waiting conversations to assistants with room: for each available assistant (one, or
 * those of a practice, or all), the oldest unassigned open conversations of their queues, most
 * urgent first, up to their capacity. Called when capacity frees (a conversation resolved or
 * handed on, an assistant back online, a higher capacity, new queues) and by the minute sweep.
 */
export async function fillFreeCapacity(db: Db, opts: { now: Date; userId?: string; practiceId?: string }): Promise<number> {
  const people = await db
    .select({ id: users.id, capacity: users.capacity, skills: users.skills })
    .from(users)
    .where(
      and(
        eq(users.active, true),
        eq(users.presence, 'available'),
        eq(users.role, 'assistant'),
        opts.userId ? eq(users.id, opts.userId) : undefined,
        opts.practiceId
          ? inArray(users.id, db.select({ id: practiceGrants.userId }).from(practiceGrants).where(eq(practiceGrants.practiceId, opts.practiceId)))
          : undefined,
      ),
    )
    .orderBy(asc(users.id));
  let assigned = 0;
  for (const u of people) {
    const [load] = await db
      .select({ n: count() })
      .from(conversations)
      .where(and(eq(conversations.assigneeId, u.id), ne(conversations.status, 'resolved')));
    const room = u.capacity - Number(load?.n ?? 0);
    if (room <= 0) continue;
    const grants = await db
      .select({ queueId: queueGrants.queueId })
      .from(queueGrants)
      .innerJoin(queues, eq(queues.id, queueGrants.queueId))
      .innerJoin(practiceGrants, and(eq(practiceGrants.userId, queueGrants.userId), eq(practiceGrants.practiceId, queues.practiceId)))
      .where(eq(queueGrants.userId, u.id));
    if (grants.length === 0) continue;
    const waiting = await db
      .select({ id: conversations.id, practiceId: conversations.practiceId, patientId: conversations.patientId })
      .from(conversations)
      .where(
        and(
          eq(conversations.status, 'open'),
          isNull(conversations.assigneeId),
          inArray(conversations.queueId, grants.map((g) => g.queueId)),
          u.skills.tasks.length > 0 ? or(isNull(conversations.intent), inArray(conversations.intent, u.skills.tasks as never[])) : undefined,
        ),
      )
      .orderBy(desc(conversations.priority), asc(sql`coalesce(${conversations.lastInboundAt}, ${conversations.createdAt})`), asc(conversations.id))
      .limit(room);
    for (const w of waiting) {
      // nobody else took it meanwhile
      const [took] = await db
        .update(conversations)
        .set({ assigneeId: u.id, updatedAt: opts.now })
        .where(and(eq(conversations.id, w.id), isNull(conversations.assigneeId)))
        .returning({ id: conversations.id });
      if (!took) continue;
      assigned++;
      await audit(db, 'system', null, {
        action: 'conversation.assigned_from_queue',
        subjectType: 'conversation',
        subjectId: w.id,
        practiceId: w.practiceId,
        patientId: w.patientId,
        detail: { to: u.id },
      });
    }
  }
  return assigned;
}
