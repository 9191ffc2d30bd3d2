import type { Db } from '../../platform/db/client';
import { addJob } from '../../platform/jobs/catalog';

const DAY = 86_400_000;
/** The daily purge runs at 03:00 UTC, the quietest hour for US practices. */
const RUN_AT_MS = 3 * 3600_000;

/** The next daily retention run after `after`; one row per day whoever schedules it. */
export async function scheduleRetention(db: Db, after: Date) {
  let at = Math.floor(after.getTime() / DAY) * DAY + RUN_AT_MS;
  if (at <= after.getTime()) at += DAY;
  const dueAt = new Date(at).toISOString();
  await addJob(db, 'retention', { kind: 'daily', dueAt }, { runAt: new Date(at), dedupeKey: `retention:${dueAt}` });
}

/** A run that left work for later hands it on at once, in its own row. */
export async function continueRetention(db: Db, now: Date) {
  const dueAt = now.toISOString();
  await addJob(db, 'retention', { kind: 'continue', dueAt }, { runAt: now, dedupeKey: `retention:continue:${dueAt}` });
}
