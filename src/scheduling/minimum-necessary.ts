import { and, eq, exists, sql, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { Db } from '../platform/db/client';
import { conversations } from '../platform/db/schema';
import type { Principal } from '../access/principal';
import { visibleConversations } from '../inbox/conversations';

/**
 * Minimum necessary (README, "Who sees what"): a person limited to some queues (an assistant
 * user) reaches the patients of the conversations they may see, those in their queues or
 * assigned to them, and no others. Their appointments and waitlist entries follow the same
 * reach: an assistant answering a patient sees that patient's appointments, never the
 * practice's whole schedule with everyone's names.
 *
 * As SQL on a row's patient column (correlated): undefined when the caller is not limited.
 */
export function patientInReach(db: Db, who: Principal, patientId: PgColumn): SQL | undefined {
  if (who.queueIds === null) return undefined;
  return exists(
    db
      .select({ one: sql`1` })
      .from(conversations)
      .where(and(eq(conversations.patientId, patientId), visibleConversations(who))),
  );
}

/** The same for one patient id. */
export async function isPatientInReach(db: Db, who: Principal, patientId: string): Promise<boolean> {
  if (who.queueIds === null) return true;
  const [row] = await db
    .select({ one: sql`1` })
    .from(conversations)
    .where(and(eq(conversations.patientId, patientId), visibleConversations(who)))
    .limit(1);
  return Boolean(row);
}
