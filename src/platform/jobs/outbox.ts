import { and, eq, inArray, lt, sql } from 'drizzle-orm';
import type { Database, Db } from '../db/client';
import { outbox } from '../db/schema';
import type { Clock } from '../clock';
import { errorSummary } from '../log-fields';
import type { Logger } from '../logger';
import type { JobContext, JobData, JobHandler, JobQueue } from './queue';

export interface OutboxEntry {
  queue: string;
  /** ids only */
  payload: JobData;
  /** when the work is due; due times live in Postgres, not in Redis */
  runAt: Date;
  /** one live row per key: a second insert with the same key is a no-op */
  dedupeKey?: string;
}

/** Write a job as a row (or several in one statement), inside the caller's transaction. */
export async function addToOutbox(db: Db, entry: OutboxEntry | OutboxEntry[]): Promise<void> {
  const entries = Array.isArray(entry) ? entry : [entry];
  if (entries.length === 0) return;
  await db
    .insert(outbox)
    .values(entries.map((e) => ({ queue: e.queue, payload: e.payload, runAt: e.runAt, dedupeKey: e.dedupeKey ?? null })))
    .onConflictDoNothing({ target: outbox.dedupeKey })
    // every job row: prepared (one round trip instead of two)
    .prepare('sb_outbox_add')
    .execute();
}

/**
 * The queue's job id for one move of an outbox row: the row's id and its move count. A row
 * deferred (DeferJob) is moved again later under a new id; BullMQ keeps a finished job's id
 * for a while and would silently drop a second add under the same one.
 */
export const outboxJobId = (id: number, moves: number) => `ob-${id}-${moves}`;

/**
 * Thrown by a job that cannot do its work yet (quiet hours, a number's rate limit): the
 * outbox row goes back to pending with a new due time, and no retry is spent.
 */
export class DeferJob extends Error {
  constructor(
    readonly until: Date,
    readonly reason: string,
  ) {
    super(`deferred until ${until.toISOString()}: ${reason}`);
    this.name = 'DeferJob';
  }
}

/**
 * Moves due outbox rows into the job queue, and puts back rows the queue lost.
 * Every process may run one: rows are claimed with SKIP LOCKED.
 */
export class OutboxRelay {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private again = false;

  constructor(
    private deps: { db: Database; queue: JobQueue; clock: Clock; log: Logger },
    private opts: {
      batch?: number;
      staleAfterMs?: number;
      /** retries per queue (from the job modules) */
      jobOptions?: Record<string, { attempts?: number; backoffMs?: number }>;
    } = {},
  ) {}

  /** Enqueue what has come due; returns how many rows moved. */
  async tick(): Promise<number> {
    const { db, queue, clock } = this.deps;
    let moved = 0;
    for (;;) {
      const now = clock.now();
      const rows = await db.execute<{ id: number; queue: string; payload: JobData; attempts: number }>(sql`
        update ${outbox} set status = 'enqueued', enqueued_at = ${now.toISOString()}::timestamptz, attempts = attempts + 1
        where id in (
          select id from ${outbox}
          where status = 'pending' and run_at <= ${now.toISOString()}::timestamptz
          order by run_at, id
          limit ${this.opts.batch ?? 200}
          for update skip locked
        )
        returning id, queue, payload, attempts`);
      const list = rowsOf<{ id: number; queue: string; payload: JobData; attempts: number }>(rows);
      if (list.length === 0) return moved;
      // adds go out together: ioredis pipelines them on one connection
      const results = await Promise.allSettled(
        list.map((row) =>
          queue.add(
            row.queue,
            { ...row.payload, outboxId: Number(row.id) },
            { jobId: outboxJobId(Number(row.id), Number(row.attempts)), ...this.opts.jobOptions?.[row.queue] },
          ),
        ),
      );
      const failed: number[] = [];
      results.forEach((r, i) => {
        if (r.status === 'fulfilled') moved++;
        else {
          failed.push(Number(list[i]!.id));
          this.deps.log.warn({ err: r.reason, outboxId: list[i]!.id }, 'could not enqueue outbox row; it stays pending');
        }
      });
      if (failed.length > 0) {
        await db.update(outbox).set({ status: 'pending' }).where(inArray(outbox.id, failed));
        return moved;
      }
    }
  }

  /** Rows marked enqueued that the queue no longer knows (Redis flushed or restarted) go back to pending. */
  async reconcile(): Promise<number> {
    const { db, queue, clock } = this.deps;
    const staleBefore = new Date(clock.now().getTime() - (this.opts.staleAfterMs ?? 60_000));
    const rows = await db
      .select({ id: outbox.id, queue: outbox.queue, attempts: outbox.attempts })
      .from(outbox)
      .where(and(eq(outbox.status, 'enqueued'), lt(outbox.enqueuedAt, staleBefore)))
      .limit(1000);
    const lost: number[] = [];
    for (const row of rows) {
      if (!(await queue.has(row.queue, outboxJobId(row.id, row.attempts)))) lost.push(row.id);
    }
    if (lost.length > 0) {
      await db
        .update(outbox)
        .set({ status: 'pending' })
        .where(and(inArray(outbox.id, lost), eq(outbox.status, 'enqueued')));
      this.deps.log.warn({ count: lost.length }, 're-enqueued outbox rows the queue had lost');
    }
    return lost.length;
  }

  /** In-process queues start empty: everything enqueued before a restart is pending again. */
  async recoverAfterRestart(): Promise<void> {
    await this.deps.db.update(outbox).set({ status: 'pending' }).where(eq(outbox.status, 'enqueued'));
  }

  /**
   * Ask for a tick soon (after a commit that wrote outbox rows). Only a process that runs the
   * relay acts on it: an HTTP-only process (workers elsewhere) leaves the rows to their poll.
   */
  nudge(): void {
    if (this.timer === undefined) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.tick()
      .catch((err) => this.deps.log.warn({ err }, 'outbox relay tick failed'))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.nudge();
        }
      });
  }

  start(intervalMs = 500, reconcileEveryMs = 30_000): void {
    let sinceReconcile = 0;
    const loop = async () => {
      this.nudge();
      await this.running;
      sinceReconcile += intervalMs;
      if (sinceReconcile >= reconcileEveryMs) {
        sinceReconcile = 0;
        await this.reconcile().catch((err) => this.deps.log.warn({ err }, 'outbox reconcile failed'));
      }
      if (this.timer !== undefined) this.timer = setTimeout(loop, intervalMs);
    };
    this.timer = setTimeout(loop, 0);
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }
}

/**
 * Wraps a job's exec so the outbox row records the outcome: a job whose row is already done
 * is not run again (a redelivery after a Redis loss), and a final failure marks it dead.
 */
export function withOutbox(
  deps: { db: Database; clock: Clock },
  exec: (job: JobContext) => Promise<void>,
): JobHandler {
  return async (job) => {
    const outboxId = typeof job.data.outboxId === 'number' ? job.data.outboxId : null;
    if (outboxId !== null) {
      const [row] = await deps.db.select({ status: outbox.status }).from(outbox).where(eq(outbox.id, outboxId));
      if (!row || row.status === 'done' || row.status === 'dead') return;
    }
    try {
      await exec(job);
    } catch (err) {
      if (err instanceof DeferJob && outboxId !== null) {
        await deps.db
          .update(outbox)
          .set({ status: 'pending', runAt: err.until, lastError: err.reason.slice(0, 500) })
          .where(eq(outbox.id, outboxId));
        return;
      }
      if (outboxId !== null) {
        // class and code only: an error's message can quote patient data (a failed query's params)
        const message = errorSummary(err).slice(0, 500);
        await deps.db
          .update(outbox)
          .set(job.finalAttempt ? { status: 'dead', lastError: message, finishedAt: deps.clock.now() } : { lastError: message })
          .where(eq(outbox.id, outboxId));
      }
      throw err;
    }
    if (outboxId !== null) {
      await deps.db.update(outbox).set({ status: 'done', finishedAt: deps.clock.now() }).where(eq(outbox.id, outboxId));
    }
  };
}

/** postgres.js returns an array; PGlite returns { rows }. */
export function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}
