import { eq } from 'drizzle-orm';
import type { Db } from '../../platform/db/client';
import { ehrConnections } from '../../platform/db/schema';
import { addJob } from '../../platform/jobs/catalog';

/**
 * The practice's next scheduled sync at `at` (null: none). The due time lives on the
 * connection and in the outbox row; a row whose time is no longer the connection's (the
 * schedule changed, a manual sync ran) finds itself stale and does nothing.
 */
export async function scheduleEhrSync(db: Db, practiceId: string, at: Date | null): Promise<void> {
  await db.update(ehrConnections).set({ nextSyncAt: at }).where(eq(ehrConnections.practiceId, practiceId));
  if (at) await addJob(db, 'ehr-sync', { practiceId, dueAt: at.toISOString() }, { runAt: at, dedupeKey: `ehr-sync:${practiceId}:${at.toISOString()}` });
}
