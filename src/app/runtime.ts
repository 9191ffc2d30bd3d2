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
import { mediaJob, moveInlineAttachments } from '../intake/media/media-job';
import { retentionJob } from '../inbox/attachments/retention-job';
import { scheduleRetention } from '../inbox/attachments/retention-queue';
import { createBlobStore, type BlobStore } from '../platform/blobs/index';
import { ehrSyncJob } from '../scheduling/ehr/sync-job';
import { ehrWriteBackJob } from '../scheduling/ehr/write-back-job';
import { systemClock, type Clock } from '../platform/clock';
import { createLogger, type Logger } from '../platform/logger';
import type { AppDeps } from '../http/context';
import { Redis } from 'ioredis';
import { createLoginThrottle } from '../access/login-throttle';
import { localFallbackSecrets } from '../access/webhook-secrets';
import { packageFiles } from './static-files';
import { createSimulatedVoiceCaller, createTwilioVoiceCaller } from '../../channels/voice/caller';

/** Node's deps: the concrete database, queue and relay (the CLI, the worker and tests use them), files and local secrets. */
export interface NodeAppDeps extends AppDeps {
  blobs: BlobStore;
  database: DatabaseHandle;
  queue: JobQueue;
  relay: OutboxRelay;
  /** where the demo keeps its local Twilio token etc.; set in embedded mode */
  dataDir: string;
}

export interface Runtime {
  deps: NodeAppDeps;
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
  /** how often the relay looks for rows Redis lost, and how old an enqueued row must be to count (fault tests shorten both) */
  reconcile?: { everyMs?: number; staleAfterMs?: number };
  /** BullMQ's job lock: a job whose worker died is handed out again after this long (default 30 s) */
  queueLockMs?: number;
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
  let throttleRedis: Redis | undefined;
  let events: EventBus | undefined;
  try {
    await database.migrate();
    const blobs = await createBlobStore(env);
    if (blobs.kind === 'fs' && env.REDIS_URL) {
      log.warn('BLOB_STORE is fs while jobs run in separate workers: media written by one process must be readable by all (share DATA_DIR, or set S3_BUCKET)');
    }
    // the data step after the schema: attachments older versions kept inline move out of Postgres
    await moveInlineAttachments(database.db, blobs, log, clock.now());
    queue = env.REDIS_URL ? new BullMqQueue(env.REDIS_URL, { prefix: opts.redisPrefix ?? env.QUEUE_PREFIX, log, lockDurationMs: opts.queueLockMs }) : new InProcessQueue(log);
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
      mediaJob(),
      retentionJob(),
      ehrSyncJob(opts.backoffMs !== undefined ? { backoffMs: opts.backoffMs } : {}),
      ehrWriteBackJob(),
      ...(opts.extraModules ?? []),
    ];
    const jobOptions = Object.fromEntries(
      modules.map((m) => [m.queue, { attempts: m.attempts, backoffMs: opts.backoffMs ?? m.backoffMs }]),
    );
    const relay = new OutboxRelay({ db: database.db, queue, clock, log }, { jobOptions, staleAfterMs: opts.reconcile?.staleAfterMs });
    events = env.REDIS_URL ? new RedisEventBus(env.REDIS_URL, opts.redisPrefix ?? env.QUEUE_PREFIX, log) : new InProcessEventBus();
    const jobDeps: JobDeps = { env, db: database.db, clock, log, relay, blobs, events };
    if (opts.runWorkers) {
      if (queue.kind === 'in-process') await relay.recoverAfterRestart();
      startWorkers(jobDeps, queue, modules);
      await scheduleSweep(database.db, clock.now());
      await scheduleRetention(database.db, clock.now());
      if ((opts.relayIntervalMs ?? 250) > 0) relay.start(opts.relayIntervalMs ?? 250, opts.reconcile?.everyMs);
    }
    // its own connection that never queues commands: while Redis is away a sign-in is counted in memory instead of waiting
    if (queue instanceof BullMqQueue) {
      throttleRedis = new Redis(env.REDIS_URL!, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
      throttleRedis.on('error', () => {});
    }
    const loginThrottle = createLoginThrottle({ redis: throttleRedis, prefix: opts.redisPrefix ?? env.QUEUE_PREFIX });
    const deps: NodeAppDeps = {
      env,
      database,
      db: database.db,
      queue,
      relay,
      clock,
      log,
      blobs,
      loginThrottle,
      secrets: localFallbackSecrets(env),
      voiceCaller:
        env.SEND_MODE === 'live' && env.TWILIO_ACCOUNT_SID && env.TWILIO_AUTH_TOKEN
          ? createTwilioVoiceCaller({ accountSid: env.TWILIO_ACCOUNT_SID, authToken: env.TWILIO_AUTH_TOKEN })
          : createSimulatedVoiceCaller(),
      files: packageFiles,
      dataDir: env.DATA_DIR,
      events,
    };
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
        throttleRedis?.disconnect();
        await database.close();
        log.flush?.();
      },
    };
  } catch (err) {
    throttleRedis?.disconnect();
    await events?.close().catch(() => {});
    await queue?.close().catch(() => {});
    await database.close().catch(() => {});
    throw err;
  }
}
