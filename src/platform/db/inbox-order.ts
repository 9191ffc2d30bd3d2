import { sql, type AnyColumn, type SQL } from 'drizzle-orm';

/**
 * The inbox's order, as the expressions of its index (conversations_inbox_order, migration
 * 0017) and of the list that means to use it: Postgres uses an expression index only for a
 * query that writes the same expression, so both take them from here.
 */

/** emergencies first, then urgent, then the rest */
export const inboxRank = (urgency: AnyColumn | SQL): SQL<number> => sql<number>`(case ${urgency} when 'emergency' then 0 when 'urgent' then 1 else 2 end)`;

/** the SLA due soonest first; none, last */
export const inboxSlaKey = (slaDueAt: AnyColumn | SQL): SQL => sql`coalesce(${slaDueAt}, 'infinity'::timestamptz)`;

/** the patient's oldest unanswered message, else the conversation's start */
export const inboxWaitingKey = (waitingSince: AnyColumn | SQL, createdAt: AnyColumn | SQL): SQL<Date> => sql<Date>`coalesce(${waitingSince}, ${createdAt})`;
