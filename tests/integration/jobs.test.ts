import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { Redis } from 'ioredis';
import { BullMqQueue } from '../../src/platform/jobs/bullmq';
import { InProcessQueue } from '../../src/platform/jobs/in-process';
import { addToOutbox } from '../../src/platform/jobs/outbox';
import type { JobContext, JobQueue } from '../../src/platform/jobs/queue';
import type { JobModule } from '../../src/platform/jobs/registry';
import { addTriageJob } from '../../src/routing/triage-queue';
import { messages, conversations, outbox } from '../../src/platform/db/schema';
import { availableQueues, startHarness, type Harness } from '../helpers/harness';
import { makeConversation, makePractice } from '../helpers/fixtures';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

function makeQueue(kind: 'in-process' | 'bullmq'): { queue: JobQueue; prefix: string } {
  const prefix = `sbt-${inject('runId')}-${randomBytes(4).toString('hex')}`;
  const queue = kind === 'bullmq' ? new BullMqQueue(inject('redisUrl')!, { prefix }) : new InProcessQueue();
  cleanups.push(() => queue.close());
  return { queue, prefix };
}

/** Resolves when `n` calls have been recorded. */
function recorder<T>(n: number) {
  const seen: T[] = [];
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  return {
    seen,
    finished,
    push(v: T) {
      seen.push(v);
      if (seen.length === n) done();
    },
  };
}

describe.each(availableQueues())('queue adapter: %s', (kind) => {
  it('retries with exponential backoff', async () => {
    const { queue } = makeQueue(kind);
    const rec = recorder<{ attempt: number; at: number }>(3);
    queue.work(
      'flaky',
      async (job) => {
        rec.push({ attempt: job.attempt, at: performance.now() });
        if (job.attempt < 3) throw new Error('not yet');
      },
      { concurrency: 1 },
    );
    await queue.add('flaky', { id: 'x' }, { attempts: 4, backoffMs: 40 });
    await rec.finished;
    expect(rec.seen.map((s) => s.attempt)).toEqual([1, 2, 3]);
    const [a, b, c] = rec.seen.map((s) => s.at) as [number, number, number];
    expect(b - a).toBeGreaterThanOrEqual(35);
    expect(c - b).toBeGreaterThanOrEqual(75); // twice the first wait
  });

  it('holds a delayed job until its time', async () => {
    const { queue } = makeQueue(kind);
    const rec = recorder<number>(1);
    const added = performance.now();
    queue.work('later', async () => rec.push(performance.now()), { concurrency: 1 });
    await queue.add('later', { id: 'y' }, { delayMs: 150 });
    await rec.finished;
    expect(rec.seen[0]! - added).toBeGreaterThanOrEqual(140);
  });

  it('keeps to the rate limit and the concurrency of a queue', async () => {
    const { queue } = makeQueue(kind);
    const rec = recorder<number>(6);
    let running = 0;
    let maxRunning = 0;
    queue.work(
      'limited',
      async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        rec.push(performance.now());
        await new Promise((r) => setImmediate(r));
        running--;
      },
      { concurrency: 2, rateLimit: { max: 2, durationMs: 250 } },
    );
    for (let i = 0; i < 6; i++) await queue.add('limited', { i });
    await rec.finished;
    expect(maxRunning).toBeLessThanOrEqual(2);
    const starts = rec.seen;
    // never more than 2 starts inside one window
    for (let i = 2; i < starts.length; i++) expect(starts[i]! - starts[i - 2]!).toBeGreaterThanOrEqual(200);
  });

  it('runs each concurrency slot in parallel, and never more', async () => {
    const { queue } = makeQueue(kind);
    let running = 0;
    let maxRunning = 0;
    const release: (() => void)[] = [];
    const started = recorder<number>(2);
    const ended = recorder<number>(4);
    queue.work(
      'parallel',
      async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        started.push(running);
        await new Promise<void>((r) => release.push(r));
        running--;
        ended.push(1);
      },
      { concurrency: 2 },
    );
    for (let i = 0; i < 4; i++) await queue.add('parallel', { i });
    await started.finished;
    expect(running).toBe(2);
    while (ended.seen.length < 4) {
      release.shift()?.();
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(maxRunning).toBe(2);
  });

  it('runs a job id once however often it is added', async () => {
    const { queue } = makeQueue(kind);
    let runs = 0;
    const rec = recorder<string>(1);
    queue.work('once', async (job) => {
      runs++;
      rec.push(job.id);
    }, { concurrency: 1 });
    await queue.add('once', { a: 1 }, { jobId: 'same', delayMs: 50 });
    await queue.add('once', { a: 1 }, { jobId: 'same', delayMs: 50 });
    await rec.finished;
    await queue.add('probe', {});
    expect(runs).toBe(1);
  });
});

describe.each(availableQueues())('outbox and job handlers on %s', (kind) => {
  let h: Harness;
  const calls: { data: JobContext['data']; attempt: number }[] = [];
  const failing = new Set<string>();
  const counter: JobModule = {
    queue: 'counter',
    worker: { concurrency: 2 },
    attempts: 3,
    async exec(_deps, job) {
      calls.push({ data: job.data, attempt: job.attempt });
      if (failing.has(String(job.data.key))) throw new Error('always fails');
    },
  };

  afterEach(async () => {
    calls.length = 0;
    failing.clear();
    await h?.close();
  });

  it('runs the triage job from the outbox and stores the result on message and conversation', async () => {
    h = await startHarness({ queue: kind, extraModules: [counter] });
    const db = h.runtime.deps.db;
    const p = await makePractice(db);
    const { message, conversation } = await makeConversation(db, p.id, { body: 'I need a refill of my lisinopril' });
    await addTriageJob(db, message.id, h.clock.now());
    await h.drain();
    const [m] = await db.select().from(messages).where(eq(messages.id, message.id));
    expect(m!.triage).toMatchObject({ intent: 'refill_request', urgency: 'routine' });
    const [c] = await db.select().from(conversations).where(eq(conversations.id, conversation.id));
    expect(c).toMatchObject({ intent: 'refill_request', urgency: 'routine', needsHuman: false });
    const rows = await db.select().from(outbox).where(eq(outbox.queue, 'triage'));
    expect(rows).toHaveLength(1);
    expect(rows.every((r) => r.status === 'done')).toBe(true);
    // job data is ids only
    expect(Object.keys(rows[0]!.payload).sort()).toEqual(['messageId', 'requestId']);
  });

  it('keeps work due later in Postgres until the clock reaches it', async () => {
    h = await startHarness({ queue: kind, extraModules: [counter] });
    const db = h.runtime.deps.db;
    const due = new Date(h.clock.now().getTime() + 3_600_000);
    await addToOutbox(db, { queue: 'counter', payload: { key: 'later' }, runAt: due });
    await h.drain();
    expect(calls).toHaveLength(0);
    (h.clock as import('../../src/platform/clock').FakeClock).advance(3_600_000);
    await h.drain();
    expect(calls.map((c) => c.data.key)).toEqual(['later']);
  });

  it('marks a job that fails every attempt as dead with its error, after retrying', async () => {
    h = await startHarness({ queue: kind, extraModules: [counter] });
    const db = h.runtime.deps.db;
    failing.add('bad');
    await addToOutbox(db, { queue: 'counter', payload: { key: 'bad' }, runAt: h.clock.now() });
    await h.drain();
    expect(calls.map((c) => c.attempt)).toEqual([1, 2, 3]);
    const [row] = await db.select().from(outbox).where(eq(outbox.queue, 'counter'));
    // the error's class and code, never its message (a failed query's message quotes patient data)
    expect(row).toMatchObject({ status: 'dead', lastError: 'Error' });
  });

  it('writes one row per dedupe key, and does not run a done job again', async () => {
    h = await startHarness({ queue: kind, extraModules: [counter] });
    const db = h.runtime.deps.db;
    await addToOutbox(db, { queue: 'counter', payload: { key: 'k' }, runAt: h.clock.now(), dedupeKey: 'k1' });
    await addToOutbox(db, { queue: 'counter', payload: { key: 'k' }, runAt: h.clock.now(), dedupeKey: 'k1' });
    await h.drain();
    expect(calls).toHaveLength(1);
    const [row] = await db.select().from(outbox).where(eq(outbox.queue, 'counter'));
    // the queue delivers the same job again (at-least-once): the handler sees it is done
    await h.runtime.deps.queue.add('counter', { key: 'k', outboxId: row!.id }, { jobId: `again-${row!.id}` });
    await h.drain();
    // wait for the redelivered job to finish (an event, not a fixed time)
    while (await h.runtime.deps.queue.has('counter', `again-${row!.id}`)) await new Promise((r) => setTimeout(r, 10));
    expect(calls).toHaveLength(1);
  });
});

describe.runIf(availableQueues().includes('bullmq'))('a Redis that forgets', () => {
  it('re-enqueues what Redis lost, and the job runs once', async () => {
    const calls: string[] = [];
    const counter: JobModule = {
      queue: 'counter',
      worker: { concurrency: 1 },
      async exec(_deps, job) {
        calls.push(String(job.data.key));
      },
    };
    // no workers yet: the job sits in Redis
    const h = await startHarness({ queue: 'bullmq', runWorkers: false, extraModules: [counter] });
    try {
      const db = h.runtime.deps.db;
      await addToOutbox(db, { queue: 'counter', payload: { key: 'survivor' }, runAt: h.clock.now() });
      expect(await h.runtime.deps.relay.tick()).toBe(1);
      // Redis restarts with nothing on disk: every key of this run is gone
      const redis = new Redis(inject('redisUrl')!);
      const prefix = (h.runtime.deps.queue as unknown as { opts: { prefix: string } }).opts.prefix;
      const keys = await redis.keys(`${prefix}:*`);
      expect(keys.length).toBeGreaterThan(0);
      await redis.del(...keys);
      redis.disconnect();
      expect(await h.runtime.deps.queue.has('counter', 'ob-1')).toBe(false);

      // the reconciler puts it back once it is stale, and a worker runs it
      expect(await h.runtime.deps.relay.reconcile()).toBe(0);
      (h.clock as import('../../src/platform/clock').FakeClock).advance(120_000);
      expect(await h.runtime.deps.relay.reconcile()).toBe(1);
      const { startWorkers } = await import('../../src/platform/jobs/registry');
      startWorkers(h.runtime.jobDeps, h.runtime.deps.queue, [counter]);
      await h.drain();
      expect(calls).toEqual(['survivor']);
      const [row] = await db.select().from(outbox);
      expect(row!.status).toBe('done');
    } finally {
      await h.close();
    }
  });
});
