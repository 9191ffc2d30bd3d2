/** Job data is ids only: never a name, number, address or message text. */
export type JobData = Record<string, string | number | boolean | null>;

export interface JobContext<Data = JobData> {
  queue: string;
  id: string;
  /** the payload; the outbox relay adds the row's id */
  data: Data & { outboxId?: number };
  /** 1 on the first try */
  attempt: number;
  /** true when a failure now will not be retried */
  finalAttempt: boolean;
}

export type JobHandler = (job: JobContext) => Promise<void>;

export interface WorkerOptions {
  concurrency: number;
  /** at most `max` jobs start per `durationMs` on this queue (across workers for BullMQ) */
  rateLimit?: { max: number; durationMs: number };
}

export interface AddOptions {
  /** the same id twice is one job */
  jobId?: string;
  delayMs?: number;
  attempts?: number;
  /** first retry waits this long, then twice as long each time */
  backoffMs?: number;
}

export const defaultAttempts = 5;
export const defaultBackoffMs = 2_000;

/** The port both adapters implement: BullMQ on Redis, or in-process when REDIS_URL is unset. */
export interface JobQueue {
  readonly kind: 'bullmq' | 'in-process';
  add(queue: string, data: JobData, opts?: AddOptions): Promise<void>;
  /** whether the queue still knows a job that has yet to finish (the reconciler asks after a Redis loss); a finished one is forgotten, so the same id can be added again */
  has(queue: string, jobId: string): Promise<boolean>;
  work(queue: string, handler: JobHandler, opts: WorkerOptions): void;
  ping(): Promise<void>;
  /** stop taking jobs, let running ones finish (or hand them back), then close */
  close(): Promise<void>;
}

export function backoffDelay(baseMs: number, attempt: number): number {
  return baseMs * 2 ** Math.max(0, attempt - 1);
}
