import type { Db } from '../platform/db/client';
import { addJob } from '../platform/jobs/catalog';

/** Written in the transaction that stored the message. */
export async function addTriageJob(db: Db, messageId: string, runAt: Date, requestId?: string | null) {
  await addJob(db, 'triage', { messageId, requestId: requestId ?? null }, { runAt, dedupeKey: `triage:${messageId}` });
}
