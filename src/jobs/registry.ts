import type { Database } from '../db/client';
import type { Env } from '../env';
import type { Clock } from '../lib/clock';
import type { Logger } from '../lib/logger';
import type { OutboxRelay } from './outbox';
import { withOutbox } from './outbox';
import type { JobContext, JobQueue, WorkerOptions } from './queue';

/** What a job may use. Job data carries ids; the job reads the rest from Postgres. */
export interface JobDeps {
  env: Env;
  db: Database;
  clock: Clock;
  log: Logger;
  relay: OutboxRelay;
}

/** One module per job (medplum's shape): its queue, worker options and `exec`, which tests call directly. */
export interface JobModule {
  queue: string;
  worker: WorkerOptions;
  attempts?: number;
  /** first retry after this long, doubling each time */
  backoffMs?: number;
  exec(deps: JobDeps, job: JobContext): Promise<void>;
}

export function startWorkers(deps: JobDeps, queue: JobQueue, modules: JobModule[]): void {
  for (const m of modules) {
    queue.work(m.queue, withOutbox(deps, (job) => m.exec(deps, job)), m.worker);
  }
}
