import { describe, expect, it, inject } from 'vitest';
import { eq } from 'drizzle-orm';
import { Redis } from 'ioredis';
import { messages, practices } from '../../src/platform/db/schema';
import { FakeClock } from '../../src/platform/clock';
import { startWorkers } from '../../src/platform/jobs/registry';
import { availableQueues, startHarness } from '../helpers/harness';
import { makePractice } from '../helpers/fixtures';
import { makeAppointment, makePatient, remindersOfAppointment } from '../helpers/reminder-fixtures';

describe.runIf(availableQueues().includes('bullmq'))('reminders on BullMQ with a Redis that forgets', () => {
  it('a reminder handed to Redis and then flushed still goes, once', async () => {
    const clock = new FakeClock('2026-12-01T14:00:00Z');
    // no workers yet: the reminder's job sits in Redis when Redis loses everything
    const h = await startHarness({ clock, queue: 'bullmq', runWorkers: false, env: { SMS_RATE_PER_SECOND: '1000' } });
    try {
      const db = h.runtime.deps.db;
      const p = await makePractice(db);
      await db.update(practices).set({ mainPhone: '+12125550100' }).where(eq(practices.id, p.id));
      const { patient } = await makePatient(db, p.id, { email: null });
      const { appointment } = await makeAppointment(db, { practiceId: p.id, patientId: patient.id, startsAt: '2026-12-04T15:00:00Z', now: clock.now() });
      clock.set('2026-12-02T15:00:00Z');
      expect(await h.runtime.deps.relay.tick()).toBeGreaterThanOrEqual(1);

      const redis = new Redis(inject('redisUrl')!);
      const prefix = (h.runtime.deps.queue as unknown as { opts: { prefix: string } }).opts.prefix;
      const keys = await redis.keys(`${prefix}:*`);
      expect(keys.length).toBeGreaterThan(0);
      await redis.del(...keys);
      redis.disconnect();

      // the due time was in Postgres all along: the reconciler hands the row back
      clock.advance(120_000);
      expect(await h.runtime.deps.relay.reconcile()).toBeGreaterThanOrEqual(1);
      startWorkers(h.runtime.jobDeps, h.runtime.deps.queue, h.runtime.modules);
      await h.drain();
      await h.drain();
      // a second reconcile and relay pass send nothing more
      clock.advance(120_000);
      await h.runtime.deps.relay.reconcile();
      await h.drain();

      const reminder = (await remindersOfAppointment(db, appointment.id)).find((r) => r.offsetMinutes === 2880)!;
      expect(reminder.status).toBe('sent');
      const sent = await db.select().from(messages).where(eq(messages.idempotencyKey, `reminder:${reminder.id}`));
      expect(sent).toHaveLength(1);
      expect(sent[0]!.status).toBe('simulated');
    } finally {
      await h.close();
    }
  });
});
