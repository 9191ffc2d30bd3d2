import type { Db } from '../platform/db/client';
import { addJob } from '../platform/jobs/catalog';

/** A snoozed conversation opens again at its time (a new patient message opens it sooner). */
export async function addWakeJob(db: Db, conversationId: string, until: Date) {
  await addJob(db, 'timers', { kind: 'wake', conversationId, until: until.toISOString() }, { runAt: until, dedupeKey: `wake:${conversationId}:${until.toISOString()}` });
}

/** The sweep runs every minute of the clock; one row per minute whoever schedules it. */
export async function scheduleSweep(db: Db, after: Date) {
  const at = new Date(Math.floor(after.getTime() / 60_000) * 60_000 + 60_000);
  await addJob(db, 'timers', { kind: 'sweep' }, { runAt: at, dedupeKey: `sweep:${at.toISOString()}` });
}
