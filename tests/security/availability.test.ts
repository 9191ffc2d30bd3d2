import { ingestAtStatement, ingestStatement } from '../../src/intake/ingest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../src/app/create-app';
import { isDatabaseUnavailable } from '../../src/platform/db/client';
import { startHarness, type Harness } from '../helpers/harness';
import { makePractice } from '../helpers/fixtures';
import { inboundSms, postTwilio } from '../helpers/twilio';
import type { PracticeView } from '../../src/practices/practices';

// issue 12, points 5 (/readyz answers within 2 s) and 6 (database away: 503 unavailable, fast).
// The same with real Redis and Postgres processes stopped is in tests/security/faults.test.ts.
let h: Harness;
let p: PracticeView;
beforeAll(async () => {
  h = await startHarness();
  p = await makePractice(h.runtime.deps.db, 'avail');
});
afterAll(() => h.close());

const never = () => new Promise<void>(() => {});

describe('/readyz (point 5)', () => {
  it('answers 503 within 2 s naming each dependency that hangs', async () => {
    const deps = h.runtime.deps;
    const app = createApp({ ...deps, database: { ...deps.database, ping: never }, queue: Object.assign(Object.create(deps.queue), { ping: never }) });
    const started = performance.now();
    const res = await app.request('/readyz');
    expect(performance.now() - started).toBeLessThan(2000);
    expect(res.status).toBe(503);
    const body = (await res.json()) as { error: { code: string; message: string; requestId: string }; checks: Record<string, string> };
    expect(body.checks).toEqual({ database: 'timeout', queue: 'timeout' });
    expect(body.error).toMatchObject({ code: 'unavailable', requestId: expect.any(String) });
    expect(body.error.message).toMatch(/database and queue/);
  });

  it('names the one that is down, and answers 200 when both answer', async () => {
    const deps = h.runtime.deps;
    const down = createApp({ ...deps, queue: Object.assign(Object.create(deps.queue), { ping: () => Promise.reject(new Error('ECONNREFUSED')) }) });
    const res = await down.request('/readyz');
    expect(res.status).toBe(503);
    expect(((await res.json()) as { checks: unknown }).checks).toEqual({ database: 'ok', queue: 'unreachable' });
    expect((await h.app.request('/readyz')).status).toBe(200);
  });
});

describe('the database away (point 6)', () => {
  const refused = () => Object.assign(new Error('Failed query: select ... params: Dana'), { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }) });

  it('knows an outage from a bug', () => {
    expect(isDatabaseUnavailable(refused())).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error('x'), { code: '57P01' }))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error('x'), { code: 'CONNECT_TIMEOUT' }))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error('x'), { code: '23505' }))).toBe(false);
    expect(isDatabaseUnavailable(new TypeError('x'))).toBe(false);
  });

  it('answers the API and Twilio 503 unavailable with Retry-After, not 500', async () => {
    const db = h.runtime.deps.db;
    // the webhook's own prepared statements too: once built, they no longer pass through select
    const statements = [ingestAtStatement(db), ingestStatement(db)];
    const spies = [
      vi.spyOn(db, 'select').mockImplementation(() => {
        throw refused();
      }),
      vi.spyOn(db, 'execute').mockImplementation((() => Promise.reject(refused())) as never),
      ...statements.map((st) => vi.spyOn(st, 'execute').mockImplementation((() => Promise.reject(refused())) as never)),
    ];
    try {
      const api = await h.request('GET', '/api/v1/practices');
      expect(api.status).toBe(503);
      expect(api.headers.get('retry-after')).toBe('5');
      expect(((await api.json()) as { error: { code: string } }).error.code).toBe('unavailable');
      const sms = await postTwilio(h, '/webhooks/twilio/sms', inboundSms('+14155557100', p.phoneNumbers[0]!, 'hi'));
      expect(sms.status).toBe(503);
    } finally {
      for (const s of spies) s.mockRestore();
    }
  });
});
