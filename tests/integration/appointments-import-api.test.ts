import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appointments, auditEvents } from '../../src/platform/db/schema';
import { FakeClock } from '../../src/platform/clock';
import { startHarness, type Harness } from '../helpers/harness';
import { makePractice, tokenFor } from '../helpers/fixtures';
import { fhirAppointment, fhirPatient } from '../msw/fhir';
import type { PracticeView } from '../../src/practices/practices';

/** an API answer, checked by the assertions that follow */
const json = (r: Response): Promise<any> => r.json();

let h: Harness;
let p: PracticeView;
beforeAll(async () => {
  h = await startHarness({ clock: new FakeClock('2026-03-02T15:00:00Z') });
  p = await makePractice(h.runtime.deps.db);
});
afterAll(() => h.close());

const csv = [
  'external_id,starts_at,duration_minutes,type,provider,first_name,last_name,phone,email,date_of_birth,language,sms_consent',
  'H-1,2026-03-09 09:00,20,Check-up,Dr. Lee,Kim,Park,+14155550261,,1990-02-03,en,yes',
  'H-2,not a date,20,Check-up,Dr. Lee,Lou,Reed,+14155550262,,,,',
  'H-3,2026-03-10T10:00:00-04:00,20,Check-up,Dr. Lee,Lee,Ray,+14155550263,,,es,',
].join('\n');

const post = (body: string, type: string, query = `practiceId=${p.id}`, token?: string) =>
  h.request('POST', `/api/v1/appointments/import?${query}`, { body, headers: { 'content-type': type }, ...(token ? { token } : {}) });

describe('POST /api/v1/appointments/import', () => {
  it('imports a CSV and answers what became of each row; the run can be read back by its importId', async () => {
    const importId = randomUUID();
    const r = await post(csv, 'text/csv', `practiceId=${p.slug}&importId=${importId}`);
    expect(r.status).toBe(200);
    const body = await json(r);
    expect(body).toMatchObject({ id: importId, kind: 'csv', status: 'done', total: 3, done: 3, counts: { created: 2, rejected: 1 } });
    expect(body.rows).toEqual([
      { line: 2, outcome: 'created', appointmentId: expect.any(String) },
      { line: 3, outcome: 'rejected', reason: expect.stringMatching(/starts_at/) },
      { line: 4, outcome: 'created', appointmentId: expect.any(String) },
    ]);
    const [h1] = await h.runtime.deps.db.select().from(appointments).where(eq(appointments.id, body.rows[0].appointmentId));
    // a local time in the practice's zone, the day after New York moved to EDT
    expect(h1!.startsAt.toISOString()).toBe('2026-03-09T13:00:00.000Z');
    const progress = await json(await h.request('GET', `/api/v1/appointments/imports/${importId}`));
    expect(progress).toMatchObject({ id: importId, status: 'done', done: 3, total: 3, problems: [expect.objectContaining({ level: 'error', line: 3 })] });
    const audits = await h.runtime.deps.db.select().from(auditEvents).where(eq(auditEvents.action, 'appointment.import'));
    expect(audits).toHaveLength(1);
    // the same file again changes nothing; the same importId is refused
    const again = await json(await post(csv, 'text/csv'));
    expect(again.counts).toMatchObject({ created: 0, unchanged: 2, rejected: 1 });
    expect((await post(csv, 'text/csv', `practiceId=${p.id}&importId=${importId}`)).status).toBe(409);
  });

  it('imports a FHIR Bundle (application/fhir+json)', async () => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [
        { resource: fhirPatient('hp1', 'Ivy', 'Chen', '+14155550281') },
        { resource: fhirAppointment('hb1', 'Patient/hp1', '2026-03-12T09:00:00-04:00') },
        { resource: fhirAppointment('hb2', 'Patient/nobody', '2026-03-12T10:00:00-04:00') },
      ],
    };
    const r = await post(JSON.stringify(bundle), 'application/fhir+json');
    expect(r.status).toBe(200);
    const body = await json(r);
    expect(body).toMatchObject({ kind: 'fhir_bundle', counts: { created: 1, rejected: 1 } });
    expect(body.rows).toEqual([
      { line: 2, resource: 'Appointment/hb1', outcome: 'created', appointmentId: expect.any(String) },
      { line: 3, resource: 'Appointment/hb2', outcome: 'rejected', reason: expect.stringContaining('Patient/nobody') },
    ]);
  });

  it('refuses clearly: nothing readable 400, not a Bundle 400, bad JSON 400, another type 415, too big 413', async () => {
    const noHeader = await post('id,when\n1,2\n', 'text/csv');
    expect(noHeader.status).toBe(400);
    expect((await json(noHeader)).error.message).toMatch(/external_id/);
    expect((await post('', 'text/csv')).status).toBe(400);
    const notBundle = await post(JSON.stringify({ resourceType: 'Patient' }), 'application/json');
    expect(notBundle.status).toBe(400);
    expect((await json(notBundle)).error.message).toMatch(/resourceType/);
    expect((await post('{not json', 'application/fhir+json')).status).toBe(400);
    expect((await post('<xml/>', 'application/xml')).status).toBe(415);
    const huge = 'x'.repeat(21 * 1024 * 1024);
    const big = await h.request('POST', `/api/v1/appointments/import?practiceId=${p.id}`, { body: huge, headers: { 'content-type': 'text/csv', 'content-length': String(huge.length) } });
    expect(big.status).toBe(413);
    // a few megabytes are fine for this route (the API's other routes take 256 KB)
    const rows = Array.from({ length: 20_000 }, (_, i) => `B-${i},not a date,20,Check-up,Dr. Lee,Kim,Park,,,,,`);
    const mid = await post([csv.split('\n')[0], ...rows].join('\n'), 'text/csv');
    expect(mid.status).toBe(200);
    expect((await json(mid)).counts.rejected).toBe(20_000);
  });

  it('is for managers and admins of the practice', async () => {
    expect((await post(csv, 'text/csv', `practiceId=${p.id}`, await tokenFor(h.runtime.deps.db, 'assistant', p.id))).status).toBe(403);
    const other = await makePractice(h.runtime.deps.db);
    expect((await post(csv, 'text/csv', `practiceId=${p.id}`, await tokenFor(h.runtime.deps.db, 'manager', other.id))).status).toBe(404);
    expect((await post(csv, 'text/csv', `practiceId=${p.id}`, await tokenFor(h.runtime.deps.db, 'manager', p.id))).status).toBe(200);
  });
});
