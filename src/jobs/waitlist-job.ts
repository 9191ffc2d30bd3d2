import { expireOffer, waitlistQueue } from '../services/waitlist';
import type { JobModule } from './registry';

/** An offer's expiry (its time is the outbox row's): it lapses and the next patients are offered the slot. */
export function waitlistJob(): JobModule {
  return {
    queue: waitlistQueue,
    worker: { concurrency: 2 },
    attempts: 5,
    backoffMs: 5_000,
    async exec(deps, job) {
      if (await expireOffer(deps.db, String(job.data.offerId), deps.clock.now())) deps.relay.nudge();
    },
  };
}
