import { backoffDelay, defaultAttempts, defaultBackoffMs, type AddOptions, type JobData, type JobHandler, type JobQueue, type WorkerOptions } from './queue';
import type { Logger } from '../logger';

interface PendingJob {
  id: string;
  data: JobData;
  attempt: number;
  attempts: number;
  backoffMs: number;
  dueAt: number;
}

interface QueueState {
  handler?: JobHandler;
  opts: WorkerOptions;
  ready: PendingJob[];
  delayed: Set<NodeJS.Timeout>;
  known: Set<string>;
  running: number;
  starts: number[];
  rateTimer?: NodeJS.Timeout;
}

/**
 * Jobs in the server's own process, for the embedded default: the same handlers, retries
 * with exponential backoff, delays, a per-queue rate limit and concurrency as BullMQ.
 * What it holds is lost on exit; the outbox in Postgres is what makes that safe.
 */
export class InProcessQueue implements JobQueue {
  readonly kind = 'in-process' as const;
  private queues = new Map<string, QueueState>();
  private closed = false;
  private idleWaiters: (() => void)[] = [];
  private seq = 0;

  constructor(private log?: Logger) {}

  private state(queue: string): QueueState {
    let s = this.queues.get(queue);
    if (!s) {
      s = { opts: { concurrency: 1 }, ready: [], delayed: new Set(), known: new Set(), running: 0, starts: [] };
      this.queues.set(queue, s);
    }
    return s;
  }

  async add(queue: string, data: JobData, opts: AddOptions = {}): Promise<void> {
    if (this.closed) throw new Error('job queue is closed');
    const s = this.state(queue);
    const id = opts.jobId ?? `j${++this.seq}`;
    if (s.known.has(id)) return;
    s.known.add(id);
    const job: PendingJob = {
      id,
      data: { ...data },
      attempt: 1,
      attempts: opts.attempts ?? defaultAttempts,
      backoffMs: opts.backoffMs ?? defaultBackoffMs,
      dueAt: Date.now() + (opts.delayMs ?? 0),
    };
    this.schedule(queue, job, opts.delayMs ?? 0);
  }

  async has(queue: string, jobId: string): Promise<boolean> {
    return this.queues.get(queue)?.known.has(jobId) ?? false;
  }

  work(queue: string, handler: JobHandler, opts: WorkerOptions): void {
    const s = this.state(queue);
    s.handler = handler;
    s.opts = opts;
    this.pump(queue);
  }

  async ping(): Promise<void> {
    if (this.closed) throw new Error('job queue is closed');
  }

  /** Resolves once nothing is running, ready or delayed (tests and shutdown). */
  onIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const s of this.queues.values()) {
      for (const t of s.delayed) clearTimeout(t);
      s.delayed.clear();
      if (s.rateTimer) clearTimeout(s.rateTimer);
      s.ready = [];
    }
    // running jobs finish; their outbox rows stay pending/enqueued otherwise and are picked up again
    await new Promise<void>((resolve) => {
      const check = () => ([...this.queues.values()].every((s) => s.running === 0) ? resolve() : setTimeout(check, 10));
      check();
    });
    this.notifyIdle();
  }

  private isIdle(): boolean {
    for (const s of this.queues.values()) {
      if (s.running > 0 || s.ready.length > 0 || s.delayed.size > 0) return false;
    }
    return true;
  }

  private notifyIdle(): void {
    if (!this.isIdle() && !this.closed) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private schedule(queue: string, job: PendingJob, delayMs: number): void {
    const s = this.state(queue);
    if (delayMs <= 0) {
      s.ready.push(job);
      this.pump(queue);
      return;
    }
    const timer = setTimeout(() => {
      s.delayed.delete(timer);
      s.ready.push(job);
      this.pump(queue);
    }, delayMs);
    s.delayed.add(timer);
  }

  private pump(queue: string): void {
    const s = this.state(queue);
    if (!s.handler || this.closed) return;
    while (s.ready.length > 0 && s.running < s.opts.concurrency) {
      const limit = s.opts.rateLimit;
      if (limit) {
        const now = Date.now();
        s.starts = s.starts.filter((t) => now - t < limit.durationMs);
        if (s.starts.length >= limit.max) {
          if (!s.rateTimer) {
            const wait = limit.durationMs - (now - s.starts[0]!);
            s.rateTimer = setTimeout(() => {
              s.rateTimer = undefined;
              this.pump(queue);
            }, wait);
          }
          return;
        }
        s.starts.push(now);
      }
      const job = s.ready.shift()!;
      void this.run(queue, s, job);
    }
    this.notifyIdle();
  }

  private async run(queue: string, s: QueueState, job: PendingJob): Promise<void> {
    s.running++;
    try {
      await s.handler!({
        queue,
        id: job.id,
        data: job.data,
        attempt: job.attempt,
        finalAttempt: job.attempt >= job.attempts,
      });
      s.known.delete(job.id);
    } catch (err) {
      if (job.attempt < job.attempts && !this.closed) {
        const delay = backoffDelay(job.backoffMs, job.attempt);
        this.log?.warn({ queue, jobId: job.id, attempt: job.attempt, retryInMs: delay, err }, 'job failed, will retry');
        this.schedule(queue, { ...job, attempt: job.attempt + 1 }, delay);
      } else {
        this.log?.error({ queue, jobId: job.id, attempt: job.attempt, err }, 'job failed for good');
        s.known.delete(job.id);
      }
    } finally {
      s.running--;
      this.pump(queue);
    }
  }
}
