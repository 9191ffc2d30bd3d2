import { and, count, eq, inArray, ne } from 'drizzle-orm';
import type { Db } from '../platform/db/client';
import { conversations, practiceGrants, queueGrants, users } from '../platform/db/schema';

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
    .where(and(eq(users.active, true), eq(users.presence, 'available'), eq(users.role, 'assistant')));
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
    .groupBy(conversations.assigneeId);
  const load = new Map(loads.map((l) => [l.assigneeId, Number(l.n)]));
  const open = skilled
    .map((u) => ({ id: u.id, open: load.get(u.id) ?? 0, capacity: u.capacity }))
    .filter((u) => u.open < u.capacity)
    // fewest open first; ties broken by id so the choice is deterministic
    .sort((a, b) => a.open - b.open || a.id.localeCompare(b.id));
  return open[0]?.id ?? null;
}
