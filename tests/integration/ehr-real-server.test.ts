import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appointments, practices } from '../../src/platform/db/schema';
import { FakeClock } from '../../src/platform/clock';
import { availableQueues, startHarness, type Harness } from '../helpers/harness';
import { makePractice } from '../helpers/fixtures';
import { inboundSms, postTwilio } from '../helpers/twilio';
import { appointment, FhirStandIn, patient } from '../msw/fhir-stand-in';
import type { PracticeView } from '../../src/practices/practices';

/** an API answer, checked by the assertions that follow */
const json = (r: Response): Promise<any> => r.json();

/*
 * The whole round trip over real HTTP: a tiny FHIR server on 127.0.0.1 (node:http) that
 * records every request, signed in with OAuth2 client credentials; a sync, then a patient's
 * cancellation written back through a 429 and a version conflict.
 */

const KEY = Buffer.alloc(32, 3).toString('base64');
const ehr = new FhirStandIn({
  base: 'http://127.0.0.1/fhir',
  clientCredentials: { tokenUrl: 'http://127.0.0.1/oauth/token', clientId: 'switchboard-test', clientSecret: 'real-server-secret-0123456789' },
  pageSize: 2,
});
let stop: () => Promise<void>;
const clock = new FakeClock('2026-03-06T15:00:00Z');
let h: Harness;
let p: PracticeView;

beforeAll(async () => {
  stop = (await ehr.listen('/fhir')).close;
  h = await startHarness({ clock, env: { EHR_SECRET_KEY: KEY, SMS_RATE_PER_SECOND: '1000' } });
  p = await makePractice(h.runtime.deps.db);
  await h.runtime.deps.db.update(practices).set({ mainPhone: '+12125550100' }).where(eq(practices.id, p.id));
  ehr.put(patient('h1', 'Ada', 'Stone', '+16465550201'));
  ehr.put(patient('h2', 'Bo', 'Lee', '+16465550202'));
  ehr.put(patient('h2b', 'Bo', 'Lee', '+16465550202'));
  ehr.omitIncludes.add('h2b');
  ehr.put(appointment('x1', 'h1', '2026-03-09T09:00:00-04:00'));
  ehr.put(appointment('x2', 'h2', '2026-03-10T09:00:00-04:00'));
  ehr.put(appointment('x3', 'h2b', '2026-03-11T09:00:00-04:00'));
});
afterAll(async () => {
  await h.close();
  await stop();
});

describe('against a real HTTP FHIR server', () => {
  it('syncs with a client-credentials token, paging and reading the Patient it was not given', async () => {
    const r = await h.request('PATCH', `/api/v1/practices/${p.id}`, {
      body: {
        ehr: {
          fhirBaseUrl: ehr.base,
          auth: { kind: 'client_credentials', tokenUrl: `${new URL(ehr.base).origin}/oauth/token`, clientId: 'switchboard-test', clientSecret: 'real-server-secret-0123456789', scope: 'system/Appointment.cru system/Patient.r' },
          syncMinutes: null,
          writeBack: true,
        },
      },
    });
    expect(r.status).toBe(200);
    expect(await r.text()).not.toContain('real-server-secret');
    const run = await json(await h.request('POST', `/api/v1/practices/${p.id}/ehr/sync`));
    expect(run).toMatchObject({ status: 'done', counts: expect.objectContaining({ created: 3, duplicatePatients: 1 }) });

    const token = ehr.requests.find((q) => q.path === '/oauth/token')!;
    expect(token.method).toBe('POST');
    expect(token.authorization).toBe(`Basic ${Buffer.from('switchboard-test:real-server-secret-0123456789').toString('base64')}`);
    expect(String(token.body)).toContain('grant_type=client_credentials');
    const searches = ehr.requests.filter((q) => q.path === '/fhir/Appointment');
    expect(searches).toHaveLength(2);
    expect(searches[0]!.query.getAll('date')).toEqual(['ge2026-03-06T00:00:00-05:00', 'lt2026-06-05T00:00:00-04:00']);
    expect(searches[0]!.query.get('_include')).toBe('Appointment:patient');
    expect(searches[1]!.query.get('_getpagesoffset')).toBe('2');
    expect(ehr.requests.filter((q) => q.path === '/fhir/Patient/h2b')).toHaveLength(1);
    expect(ehr.requests.filter((q) => q.path.startsWith('/fhir/')).every((q) => /^Bearer at-/.test(q.authorization ?? ''))).toBe(true);
  });

  it('writes a cancellation back through a 429 and a 412', async () => {
    const db = h.runtime.deps.db;
    const [a] = await db.select().from(appointments).where(and(eq(appointments.practiceId, p.id), eq(appointments.ehrResourceId, 'x1')));
    ehr.fault({ method: 'GET', path: /Appointment\/x1$/, status: 429, headers: { 'retry-after': '120' } });
    let once = true;
    ehr.beforeWrite = (key) => {
      if (once) ehr.edit(key, (x) => (x.comment = 'moved room'));
      once = false;
    };
    const res = await postTwilio(h, '/webhooks/twilio/sms', inboundSms('+16465550201', p.phoneNumbers[0]!, 'X'));
    expect(res.status).toBe(200);
    await h.drain();
    await h.drain();
    const pending = (await json(await h.request('GET', `/api/v1/appointments/${a!.id}`))).ehr.writeBack;
    expect(pending).toMatchObject({ status: 'pending', nextAttemptAt: new Date(clock.now().getTime() + 120_000).toISOString() });
    clock.advance(120_000);
    await h.drain();
    const trail = ehr.requests.filter((q) => q.path === '/fhir/Appointment/x1').map((q) => `${q.method} ${q.ifMatch ?? ''}`.trim());
    expect(trail).toEqual(['GET', 'GET', 'PUT W/"1"', 'GET', 'PUT W/"2"']);
    const put = ehr.requests.filter((q) => q.method === 'PUT').at(-1)!;
    expect(put.body).toMatchObject({ status: 'cancelled', comment: 'moved room', cancelationReason: { coding: [{ code: 'pat-crs' }] } });
    expect((await json(await h.request('GET', `/api/v1/appointments/${a!.id}`))).ehr).toMatchObject({ versionId: '3', writeBack: { status: 'done', attempts: 2 } });
  });

  it.runIf(availableQueues().includes('bullmq'))('the scheduled sync runs as a BullMQ job too (queue names and payloads as Redis takes them)', async () => {
    const b = await startHarness({ queue: 'bullmq', clock: new FakeClock('2026-03-06T15:00:00Z'), env: { EHR_SECRET_KEY: KEY } });
    try {
      const q = await makePractice(b.runtime.deps.db);
      const r = await b.request('PATCH', `/api/v1/practices/${q.id}`, {
        body: { ehr: { fhirBaseUrl: ehr.base, auth: { kind: 'client_credentials', tokenUrl: `${new URL(ehr.base).origin}/oauth/token`, clientId: 'switchboard-test', clientSecret: 'real-server-secret-0123456789' } } },
      });
      expect(r.status).toBe(200);
      await b.drain();
      const s = await json(await b.request('GET', `/api/v1/practices/${q.id}/ehr`));
      expect(s.lastSync).toMatchObject({ status: 'done', trigger: 'schedule' });
      expect(s.lastSync.counts.created).toBeGreaterThan(0);
    } finally {
      await b.close();
    }
  });
});
