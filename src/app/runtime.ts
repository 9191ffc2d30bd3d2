import { openDatabase, type DatabaseHandle } from '../platform/db/client';
import type { Env } from '../platform/env';
import { BullMqQueue } from '../platform/jobs/bullmq';
import { InProcessQueue } from '../platform/jobs/in-process';
import { OutboxRelay } from '../platform/jobs/outbox';
import { InProcessEventBus, RedisEventBus, type EventBus } from '../platform/events';
import type { JobQueue } from '../platform/jobs/queue';
import { startWorkers, type JobDeps, type JobModule } from '../platform/jobs/registry';
import { triageJob, type TriageEngine } from '../routing/triage-job';
import { createSendPacer, sendJob, type Deliverers } from '../outreach/send-job';
import { createDeliverers } from '../outreach/deliver';
import { slaJob } from '../inbox/sla-job';
import { notifyJob } from '../outreach/notify-job';
import { timersJob } from '../inbox/timers-job';
import { scheduleSweep } from '../inbox/timers-queue';
import { voicemailJob } from '../intake/voice/voicemail-job';
import { reminderJob } from '../scheduling/reminders/reminder-job';
import { waitlistJob } from '../scheduling/waitlist/waitlist-job';
import { systemClock, type Clock } from '../platform/clock';
import { createLogger, type Logger } from '../platform/logger';
import type { AppDeps } from '../http/context';

export interface Runtime {
  deps: AppDeps;
  jobDeps: JobDeps;
  modules: JobModule[];
  shutdown(): Promise<void>;
}

export interface RuntimeOptions {
  /** run the job handlers in this process (embedded mode, the worker, tests) */
  runWorkers: boolean;
  clock?: Clock;
  log?: Logger;
  /** BullMQ key prefix (tests isolate runs with it) */
  redisPrefix?: string;
  /** relay poll interval; 0 leaves the relay to be ticked by hand (tests) */
  relayIntervalMs?: number;
  triage?: () => TriageEngine;
  /** scales every job's retry backoff (tests use a small one) */
  backoffMs?: number;
  /** more job modules beside the built-in ones (tests) */
  extraModules?: JobModule[];
  /** replace a channel's delivery (tests) */
  deliverers?: Partial<Deliverers>;
}

let cachedEngine: TriageEngine | undefined;
async function loadTriageEngine(): Promise<TriageEngine> {
  if (!cachedEngine) {
    const mod = await import('../../triage/index');
    cachedEngine = mod.loadDefaultTriage();
  }
  return cachedEngine;
}

export async function createRuntime(env: Env, opts: RuntimeOptions): Promise<Runtime> {
  const log = opts.log ?? createLogger({ level: env.LOG_LEVEL });
  const clock = opts.clock ?? systemClock;
  const database: DatabaseHandle = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.DATA_DIR });
  let queue: JobQueue | undefined;
  let events: EventBus | undefined;
  try {
    await database.migrate();
    queue = env.REDIS_URL ? new BullMqQueue(env.REDIS_URL, { prefix: opts.redisPrefix ?? env.QUEUE_PREFIX, log }) : new InProcessQueue(log);
    const engine = opts.triage ?? (() => cachedEngine!);
    if (!opts.triage && opts.runWorkers) await loadTriageEngine();
    const pacer = createSendPacer({
      perSecond: env.SMS_RATE_PER_SECOND,
      redis: queue instanceof BullMqQueue ? queue.redis : undefined,
      prefix: opts.redisPrefix ?? env.QUEUE_PREFIX,
    });
    const modules: JobModule[] = [
      triageJob(engine),
      sendJob(createDeliverers(env, opts.deliverers), pacer),
      voicemailJob(),
      slaJob(),
      notifyJob(),
      timersJob(),
      reminderJob(),
      waitlistJob(),
      ...(opts.extraModules ?? []),
    ];
    const jobOptions = Object.fromEntries(
      modules.map((m) => [m.queue, { attempts: m.attempts, backoffMs: opts.backoffMs ?? m.backoffMs }]),
    );
    const relay = new OutboxRelay({ db: database.db, queue, clock, log }, { jobOptions });
    events = env.REDIS_URL ? new RedisEventBus(env.REDIS_URL, opts.redisPrefix ?? env.QUEUE_PREFIX, log) : new InProcessEventBus();
    const jobDeps: JobDeps = { env, db: database.db, clock, log, relay, events };
    if (opts.runWorkers) {
      if (queue.kind === 'in-process') await relay.recoverAfterRestart();
      startWorkers(jobDeps, queue, modules);
      await scheduleSweep(database.db, clock.now());
      if ((opts.relayIntervalMs ?? 250) > 0) relay.start(opts.relayIntervalMs ?? 250);
    }
    const deps: AppDeps = { env, database, db: database.db, queue, relay, clock, log, dataDir: env.DATA_DIR, events };
    let closed = false;
    return {
      deps,
      jobDeps,
      modules,
      async shutdown() {
        if (closed) return;
        closed = true;
        // open event streams end first, so an HTTP server can close
        await events!.close();
        await relay.stop();
        await queue!.close();
        await database.close();
        log.flush?.();
      },
    };
  } catch (err) {
    await events?.close().catch(() => {});
    await queue?.close().catch(() => {});
    await database.close().catch(() => {});
    throw err;
  }
}
