import { expireOffer } from './offers';
import { defineJob } from '../../platform/jobs/registry';

/** An offer's expiry (its time is the outbox row's): it lapses and the next patients are offered the slot. */
export function waitlistJob() {
  return defineJob({
    queue: 'waitlist',
    worker: { concurrency: 2 },
    attempts: 5,
    backoffMs: 5_000,
    async exec(deps, job) {
      if (await expireOffer(deps.db, job.data.offerId, deps.clock.now())) deps.relay.nudge();
    },
  });
}
