import { Queue, Worker } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../logger';
import { defaultAttempts, defaultBackoffMs, type AddOptions, type JobData, type JobHandler, type JobQueue, type WorkerOptions } from './queue';

/** BullMQ on Redis: workers can run in their own processes and scale out. */
export class BullMqQueue implements JobQueue {
  readonly kind = 'bullmq' as const;
  private connection: Redis;
  /** the shared connection, for other Redis users (the send pacer) */
  get redis(): Redis {
    return this.connection;
  }
  private queues = new Map<string, Queue>();
  private workers: Worker[] = [];

  constructor(
    private redisUrl: string,
    private opts: { prefix?: string; log?: Logger; lockDurationMs?: number } = {},
  ) {
    // BullMQ's blocking commands need maxRetriesPerRequest: null
    this.connection = new Redis(redisUrl, { maxRetriesPerRequest: null, lazyConnect: false });
    this.connection.on('error', (err) => this.opts.log?.warn({ err }, 'redis connection error'));
  }

  private queue(name: string): Queue {
    let q = this.queues.get(name);
    if (!q) {
      q = new Queue(name, {
        connection: this.connection,
        prefix: this.opts.prefix,
        defaultJobOptions: {
          removeOnComplete: { age: 3600, count: 1000 },
          removeOnFail: { age: 7 * 24 * 3600 },
        },
      });
      q.on('error', (err) => this.opts.log?.warn({ err, queue: name }, 'queue error'));
      this.queues.set(name, q);
    }
    return q;
  }

  async add(queue: string, data: JobData, opts: AddOptions = {}): Promise<void> {
    await this.queue(queue).add(queue, data, {
      jobId: opts.jobId,
      delay: opts.delayMs,
      attempts: opts.attempts ?? defaultAttempts,
      backoff: { type: 'exponential', delay: opts.backoffMs ?? defaultBackoffMs },
    });
  }

  async has(queue: string, jobId: string): Promise<boolean> {
    const job = await this.queue(queue).getJob(jobId);
    if (!job) return false;
    const state = await job.getState();
    if (state === 'completed' || state === 'failed') {
      // finished, yet the caller still waits on it: it gave up while Postgres was away and
      // could not record that (its outbox row is still enqueued). BullMQ keeps a finished job
      // and ignores an add with its id, so it is forgotten here for the id to run again.
      await job.remove().catch(() => {});
      return false;
    }
    return state !== 'unknown';
  }

  work(queue: string, handler: JobHandler, opts: WorkerOptions): void {
    const worker = new Worker(
      queue,
      async (job) => {
        const attempts = job.opts.attempts ?? 1;
        const attempt = job.attemptsMade + 1;
        await handler({
          queue,
          id: job.id ?? '',
          data: job.data as JobData,
          attempt,
          finalAttempt: attempt >= attempts,
        });
      },
      {
        connection: this.redisOptions(),
        prefix: this.opts.prefix,
        concurrency: opts.concurrency,
        ...(this.opts.lockDurationMs ? { lockDuration: this.opts.lockDurationMs, stalledInterval: this.opts.lockDurationMs } : {}),
        limiter: opts.rateLimit ? { max: opts.rateLimit.max, duration: opts.rateLimit.durationMs } : undefined,
      },
    );
    worker.on('failed', (job, err) =>
      this.opts.log?.warn({ queue, jobId: job?.id, attempt: job?.attemptsMade, err }, 'job failed'),
    );
    worker.on('error', (err) => this.opts.log?.warn({ err, queue }, 'worker error'));
    this.workers.push(worker);
  }

  private redisOptions(): RedisOptions {
    const url = new URL(this.redisUrl);
    return {
      host: url.hostname,
      port: Number(url.port || 6379),
      username: url.username || undefined,
      password: url.password ? decodeURIComponent(url.password) : undefined,
      db: url.pathname.length > 1 ? Number(url.pathname.slice(1)) : undefined,
      tls: url.protocol === 'rediss:' ? {} : undefined,
      maxRetriesPerRequest: null,
    };
  }

  async ping(): Promise<void> {
    // a disconnected client queues commands until Redis is back (maxRetriesPerRequest: null): say so now
    if (this.connection.status !== 'ready') throw new Error(`redis connection is ${this.connection.status}`);
    const pong = await this.connection.ping();
    if (pong !== 'PONG') throw new Error('redis did not answer PONG');
  }

  /** Workers first (they finish or hand back their jobs), then queues, then the connection. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    await this.connection.quit().catch(() => this.connection.disconnect());
  }
}
