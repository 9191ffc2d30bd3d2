import type { Database } from '../db/client';
import type { Env } from '../env';
import type { Clock } from '../clock';
import type { Logger } from '../logger';
import type { BlobStore } from '../blobs/blob-store';
import type { OutboxRelay } from './outbox';
import { conversationOfJob, type EventBus } from '../events';
import { withOutbox } from './outbox';
import type { JobContext, JobData, JobQueue, WorkerOptions } from './queue';
import { isQueueName, parseJobPayload, type JobPayload, type QueueName } from './catalog';

/** What a job may use. Job data carries ids; the job reads the rest from Postgres. */
export interface JobDeps {
  env: Env;
  db: Database;
  clock: Clock;
  log: Logger;
  relay: OutboxRelay;
  blobs: BlobStore;
  /** live updates: which conversation a finished job changed (the console listens) */
  events?: EventBus;
}

/** One module per job (medplum's shape): its queue, worker options and `exec`, which tests call directly. */
export interface JobModule<Q extends string = string> {
  queue: Q;
  worker: WorkerOptions;
  attempts?: number;
  /** first retry after this long, doubling each time */
  backoffMs?: number;
  exec(deps: JobDeps, job: JobContext<Q extends QueueName ? JobPayload<Q> : JobData>): Promise<void>;
}

/** A job module of a queue in the catalog: `exec` receives the payload typed and checked. */
export function defineJob<Q extends QueueName>(m: JobModule<Q>): JobModule<Q> {
  return m;
}

export function startWorkers(deps: JobDeps, queue: JobQueue, modules: JobModule[]): void {
  for (const m of modules) {
    queue.work(
      m.queue,
      withOutbox(deps, async (job) => {
        if (!isQueueName(m.queue)) return m.exec(deps, job);
        // zod drops keys it does not know: the relay's outbox id goes back on
        const data = { ...parseJobPayload(m.queue, job.data), outboxId: job.data.outboxId };
        await m.exec(deps, { ...job, data } as JobContext);
        if (deps.events) await announce(deps, m.queue, job.data);
      }),
      m.worker,
    );
  }
}

/** After a job's work is committed: tell the consoles which conversation changed (never fails the job). */
async function announce(deps: JobDeps, queue: string, data: JobData) {
  try {
    const change = await conversationOfJob(deps.db, queue, data);
    if (change) deps.events!.publish(change);
  } catch (err) {
    deps.log.warn({ err, queue }, 'could not announce a finished job to the consoles');
  }
}
