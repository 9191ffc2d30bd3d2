import { eq } from 'drizzle-orm';
import { ehrConnections } from '../../platform/db/schema';
import { DeferJob } from '../../platform/jobs/outbox';
import { defineJob } from '../../platform/jobs/registry';
import { AppError } from '../../platform/errors';
import type { EhrClientTuning } from './connection';
import { syncPractice } from './sync';

/**
 * A practice's scheduled sync (its due time is the outbox row's). A row whose time is not the
 * connection's next sync any more is stale: the schedule changed or a sync already ran.
 */
export function ehrSyncJob(tuning: EhrClientTuning = {}) {
  return defineJob({
    queue: 'ehr-sync',
    worker: { concurrency: 1 },
    attempts: 3,
    backoffMs: 30_000,
    async exec(deps, job) {
      const [connection] = await deps.db.select().from(ehrConnections).where(eq(ehrConnections.practiceId, job.data.practiceId));
      if (!connection?.nextSyncAt || connection.nextSyncAt.toISOString() !== new Date(job.data.dueAt).toISOString()) return;
      try {
        const { run } = await syncPractice(deps, job.data.practiceId, { trigger: 'schedule', actor: 'system', tuning });
        deps.log.info({ practiceId: job.data.practiceId, runId: run.id, status: run.status, counts: run.counts }, 'ehr sync');
      } catch (err) {
        // a manual sync is running: this one comes back once it is likely done
        if (err instanceof AppError && err.code === 'conflict') throw new DeferJob(new Date(deps.clock.now().getTime() + 60_000), 'a sync of this practice is running');
        throw err;
      }
      deps.relay.nudge();
    },
  });
}
