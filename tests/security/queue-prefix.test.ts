import { afterAll, describe, expect, inject, it } from 'vitest';
import { Redis } from 'ioredis';
import { parseEnv } from '../../src/platform/env';
import { addToOutbox } from '../../src/platform/jobs/outbox';
import type { JobModule } from '../../src/platform/jobs/registry';
import { startHarness, type Harness } from '../helpers/harness';

// issue 12, point 11: two deployments on one Redis never take each other's jobs
describe('QUEUE_PREFIX', () => {
  it('defaults to one derived from the database, never its credentials', () => {
    const a = parseEnv({ DATABASE_URL: 'postgres://u:secret@db.example:5432/one' }).QUEUE_PREFIX;
    const b = parseEnv({ DATABASE_URL: 'postgres://u:other@db.example:5432/two' }).QUEUE_PREFIX;
    const again = parseEnv({ DATABASE_URL: 'postgres://v:changed@db.example:5432/one' }).QUEUE_PREFIX;
    expect(a).toMatch(/^sb-[0-9a-f]{10}$/);
    expect(a).not.toBe(b);
    expect(again).toBe(a);
    expect(parseEnv({}).QUEUE_PREFIX).toBe('sb-embedded');
    expect(parseEnv({ QUEUE_PREFIX: 'clinic-east' }).QUEUE_PREFIX).toBe('clinic-east');
    expect(() => parseEnv({ QUEUE_PREFIX: 'has space' })).toThrow(/QUEUE_PREFIX/);
  });

  const harnesses: Harness[] = [];
  afterAll(async () => {
    const prefixes = harnesses.map((h) => h.env.QUEUE_PREFIX);
    for (const h of harnesses) await h.close();
    if (inject('redisUrl') && prefixes.length > 0) {
      const r = new Redis(inject('redisUrl')!);
      for (const prefix of prefixes) {
        let cursor = '0';
        do {
          const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
          cursor = next;
          if (keys.length > 0) await r.del(...keys);
        } while (cursor !== '0');
      }
      r.disconnect();
    }
  });

  it.skipIf(!inject('redisUrl') || !inject('templateDatabase'))('keeps two deployments on one Redis apart: each runs its own jobs only, though their outbox ids are the same', async () => {
    const seen: Record<string, string[]> = { east: [], west: [] };
    const probe = (name: string): JobModule => ({
      queue: 'probe',
      worker: { concurrency: 2 },
      async exec(_deps, job) {
        seen[name]!.push(String(job.data.from));
      },
    });
    const east = await startHarness({ queue: 'bullmq', envQueuePrefix: true, extraModules: [probe('east')] });
    harnesses.push(east);
    const west = await startHarness({ queue: 'bullmq', envQueuePrefix: true, extraModules: [probe('west')] });
    harnesses.push(west);
    expect(east.env.QUEUE_PREFIX).not.toBe(west.env.QUEUE_PREFIX);
    for (let i = 0; i < 6; i++) {
      // fresh databases count outbox ids alike, so the BullMQ job ids collide without a prefix
      await addToOutbox(east.runtime.deps.db, { queue: 'probe', payload: { from: 'east' }, runAt: east.clock.now() });
      await addToOutbox(west.runtime.deps.db, { queue: 'probe', payload: { from: 'west' }, runAt: west.clock.now() });
    }
    await Promise.all([east.drain(), west.drain()]);
    expect(seen.east).toEqual(Array(6).fill('east'));
    expect(seen.west).toEqual(Array(6).fill('west'));
  });
});
