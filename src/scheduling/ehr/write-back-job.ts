import { defineJob } from '../../platform/jobs/registry';
import type { EhrClientTuning } from './connection';
import { runWriteBack } from './write-back';

/**
 * One change going back to the EHR. Its failures are the write-back's own (retried through
 * the outbox on the clock, shown on the appointment); the queue's retries are for ours.
 */
export function ehrWriteBackJob(tuning: EhrClientTuning = {}) {
  return defineJob({
    queue: 'ehr-writeback',
    worker: { concurrency: 2 },
    attempts: 3,
    backoffMs: 10_000,
    async exec(deps, job) {
      // a wait the EHR asks for (429) goes to the outbox, not into this worker
      await runWriteBack(deps, job.data.writeBackId, { attempts: 1, maxWaitMs: 0, ...tuning });
      deps.relay.nudge();
    },
  });
}
