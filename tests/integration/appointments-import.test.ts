import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { appointments, contactPoints, patients, reminders } from '../../src/platform/db/schema';
import { importAppointmentsCsv, importFhirBundle, importFhirServer, parseCsv, type ImportOptions } from '../../src/scheduling/appointment-import';
import { startHarness, type Harness } from '../helpers/harness';
import { makePractice } from '../helpers/fixtures';
import type { PracticeView } from '../../src/practices/practices';
import { createFhirMock, FHIR_BASE, fhirAppointment, fhirPatient } from '../msw/fhir';
import { bareEnv, runCli } from '../helpers/cli';

const TOKEN = 'fhir-test-token-0123456789';
const fhir = createFhirMock({
  token: TOKEN,
  pages: [
    {
      appointments: [
        fhirAppointment('a1', 'Patient/p1', '2026-02-10T09:00:00-05:00'),
        fhirAppointment('a2', `${FHIR_BASE}/Patient/p2`, '2026-02-11T10:00:00-05:00', { status: 'arrived' }),
      ],
      patients: [fhirPatient('p1', 'Rosa', 'Diaz', '+14155550171'), fhirPatient('p2', 'Tom', 'Ng', '+14155550172')],
    },
    {
      appointments: [
        fhirAppointment('a3', 'Patient/p3', '2026-02-12T11:00:00-05:00', { minutesDuration: undefined, end: '2026-02-12T11:45:00-05:00' }),
        fhirAppointment('a4', 'Patient/missing', '2026-02-12T12:00:00-05:00'),
      ],
      patients: [fhirPatient('p3', 'Lena', 'Kim', '+14155550173', { communication: [{ language: { coding: [{ code: 'es-MX' }] }, preferred: true }] })],
    },
  ],
});
const server = setupServer(...fhir.handlers);

let h: Harness;
let p: PracticeView;
const opts = (extra: Partial<ImportOptions> = {}): ImportOptions => ({ practice: p, now: h.clock.now(), ...extra });

beforeAll(async () => {
  server.listen({ onUnhandledRequest: 'bypass' });
  // clock: 2026-01-05T14:00:00Z; the practice is in America/New_York
  h = await startHarness();
  p = await makePractice(h.runtime.deps.db);
});
afterEach(() => server.resetHandlers());
afterAll(async () => {
  server.close();
  await h.close();
});

describe('CSV parsing (RFC 4180)', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks, CRLF, a BOM, and keeps line numbers', () => {
    const text = '\uFEFFa,b,c\r\n1,"x, y","say ""hi"""\r\n\r\n2,"two\nlines",z\n3,,\n';
    expect(parseCsv(text)).toEqual([
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, fields: ['1', 'x, y', 'say "hi"'] },
      { line: 4, fields: ['2', 'two\nlines', 'z'] },
      { line: 6, fields: ['3', '', ''] },
    ]);
  });
});

describe('CSV import', () => {
  const csv = [
    'External_ID,Starts_At,Duration_Minutes,Type,Provider,First_Name,Last_Name,Phone,Email,Date_Of_Birth,Language,SMS_Consent,Status',
    'C-1,2026-03-09 09:00,30,"Check-up, annual",Dr. Rivera,Maria,Gomez,(415) 555-0191,maria@example.com,1975-06-01,es,yes,',
    'C-2,2026-01-20T15:00:00-05:00,15,Follow-up,Dr. Chen,John,Smith,+14155550192,,1960-01-01,en,no,confirmed',
    'C-3,2026-02-30 10:00,15,Follow-up,Dr. Chen,Bad,Date,+14155550193,,,,,',
    ',2026-01-21 10:00,15,Follow-up,Dr. Chen,No,Id,+14155550194,,,,,',
    'C-5,2026-01-22 10:00,15,Follow-up,Dr. Chen,Bad,Phone,12,,,,,',
    '"C-6",2026-01-23 08:15,,"Lab",,Ann,"O\'Neil",,ann@example.com,,,,',
  ].join('\r\n');

  it('imports the good rows, lists the bad ones with line and reason, and reads local times in the practice zone across DST', async () => {
    const progress: [number, number][] = [];
    const s = await importAppointmentsCsv(h.runtime.deps.db, csv, opts({ onProgress: (d, t) => progress.push([d, t]) }));
    expect(s).toMatchObject({ total: 6, created: 3, updated: 0, unchanged: 0 });
    expect(s.rejected).toEqual([
      { line: 4, reason: expect.stringContaining('starts_at') },
      { line: 5, reason: expect.stringContaining('external_id') },
      { line: 6, reason: expect.stringContaining('phone') },
    ]);
    expect(progress.at(0)).toEqual([0, 6]);
    expect(progress.at(-1)).toEqual([6, 6]);

    const db = h.runtime.deps.db;
    const rows = await db.select().from(appointments).where(eq(appointments.practiceId, p.id));
    const byId = Object.fromEntries(rows.map((r) => [r.externalId, r]));
    // 2026-03-09 is the day after New York moves to EDT (-04:00)
    expect(byId['C-1']!.startsAt.toISOString()).toBe('2026-03-09T13:00:00.000Z');
    expect(byId['C-1']).toMatchObject({ type: 'Check-up, annual', provider: 'Dr. Rivera', durationMinutes: 30, source: 'csv', status: 'booked' });
    expect(byId['C-2']).toMatchObject({ status: 'confirmed' });
    // January is EST (-05:00); an empty duration takes the default
    expect(byId['C-6']!.startsAt.toISOString()).toBe('2026-01-23T13:15:00.000Z');
    expect(byId['C-6']!.durationMinutes).toBe(15);
    const [maria] = await db.select().from(patients).where(eq(patients.id, byId['C-1']!.patientId));
    expect(maria).toMatchObject({ firstName: 'Maria', language: 'es', dateOfBirth: '1975-06-01' });
    const phones = await db.select().from(contactPoints).where(eq(contactPoints.practiceId, p.id));
    expect(phones.find((c) => c.value === '+14155550191')?.smsConsent).toBe('granted');
    expect(phones.find((c) => c.value === '+14155550192')?.smsConsent).toBe('revoked');
    const planned = await db.select().from(reminders).where(eq(reminders.appointmentId, byId['C-1']!.id));
    expect(planned.length).toBeGreaterThan(0);
  });

  it('a second run of the same file changes nothing; a moved row is updated', async () => {
    const again = await importAppointmentsCsv(h.runtime.deps.db, csv, opts());
    expect(again).toMatchObject({ created: 0, updated: 0, unchanged: 3 });
    expect(again.rejected).toHaveLength(3);
    const moved = csv.replace('C-1,2026-03-09 09:00', 'C-1,2026-03-10 09:30');
    const third = await importAppointmentsCsv(h.runtime.deps.db, moved, opts());
    expect(third).toMatchObject({ created: 0, updated: 1, unchanged: 2 });
  });

  it('refuses a file without the needed columns, naming them', async () => {
    await expect(importAppointmentsCsv(h.runtime.deps.db, 'id,when\n1,2\n', opts())).rejects.toThrow(/external_id, starts_at, first_name, last_name/);
  });
});

describe('FHIR R4 import', () => {
  it('imports a Bundle file: Appointments with their Patients, statuses, end instead of minutesDuration, bad entries reported', async () => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [
        { fullUrl: 'urn:uuid:11111111-1111-4111-8111-111111111111', resource: fhirPatient('x1', 'Ivy', 'Chen', '+14155550181', { communication: [{ language: { text: 'Spanish' } }] }) },
        { fullUrl: 'urn:uuid:a-1', resource: fhirAppointment('b1', 'urn:uuid:11111111-1111-4111-8111-111111111111', '2026-02-01T09:00:00-05:00', { identifier: [{ value: 'EHR-B1' }] }) },
        { resource: fhirAppointment('b2', 'Patient/x1', '2026-02-02T09:00:00-05:00', { status: 'noshow', minutesDuration: undefined, end: '2026-02-02T09:40:00-05:00' }) },
        { resource: fhirAppointment('b3', 'Patient/x1', '2026-02-03T09:00:00-05:00', { status: 'cancelled' }) },
        { resource: fhirAppointment('b4', 'Patient/x1', '2026-02-04T09:00:00', {}) },
        { resource: fhirAppointment('b5', 'Patient/nope', '2026-02-05T09:00:00-05:00') },
        { resource: fhirAppointment('b6', 'Patient/x1', '2026-02-06T09:00:00-05:00', { status: 'waitlist' }) },
      ],
    };
    const s = await importFhirBundle(h.runtime.deps.db, bundle, opts());
    expect(s).toMatchObject({ total: 6, created: 3, updated: 0, unchanged: 0 });
    expect(s.rejected).toEqual([
      { line: 5, resource: 'Appointment/b4', reason: expect.stringContaining('start') },
      { line: 6, resource: 'Appointment/b5', reason: expect.stringContaining('Patient/nope') },
      { line: 7, resource: 'Appointment/b6', reason: expect.stringContaining('waitlist') },
    ]);
    const db = h.runtime.deps.db;
    const rows = await db.select().from(appointments).where(eq(appointments.source, 'fhir'));
    const byId = Object.fromEntries(rows.map((r) => [r.externalId, r]));
    expect(byId['EHR-B1']).toMatchObject({ status: 'booked', type: 'Follow-up', provider: 'Dr. Rivera', durationMinutes: 20 });
    expect(byId['b2']).toMatchObject({ status: 'no_show', durationMinutes: 40 });
    expect(byId['b3']).toMatchObject({ status: 'cancelled' });
    const [ivy] = await db.select().from(patients).where(eq(patients.id, byId['EHR-B1']!.patientId));
    expect(ivy).toMatchObject({ firstName: 'Ivy', lastName: 'Chen', language: 'es', dateOfBirth: '1980-04-02' });
    expect(new Set(rows.filter((r) => r.externalId.startsWith('b') || r.externalId === 'EHR-B1').map((r) => r.patientId)).size).toBe(1);
  });

  it('searches a FHIR server by date range with the bearer token, across two pages (next link), retrying a 503', async () => {
    fhir.failNext(1);
    const progress: [number, number][] = [];
    const s = await importFhirServer(
      h.runtime.deps.db,
      { baseUrl: FHIR_BASE, token: TOKEN, from: '2026-02-01', to: '2026-02-28', backoffMs: 1 },
      opts({ onProgress: (d, t) => progress.push([d, t]) }),
    );
    expect(s).toMatchObject({ total: 4, created: 3, updated: 0, unchanged: 0 });
    // entry positions count across pages: page 1 held 4 entries (2 appointments, 2 included patients)
    expect(s.rejected).toEqual([{ line: 6, resource: 'Appointment/a4', reason: expect.stringContaining('Patient/missing') }]);
    expect(progress.at(-1)).toEqual([4, 4]);
    const first = new URL(fhir.requests[0]!.url);
    expect(first.pathname).toBe('/fhir/Appointment');
    expect(first.searchParams.getAll('date')).toEqual(['ge2026-02-01', 'le2026-02-28']);
    expect(first.searchParams.get('_include')).toBe('Appointment:patient');
    expect(first.searchParams.get('_count')).toBe('100');
    // the 503, its retry, then the page the next link named
    expect(fhir.requests).toHaveLength(3);
    expect(fhir.requests[2]!.url).toContain('_page=1');
    expect(fhir.requests.every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);

    const db = h.runtime.deps.db;
    const a2 = (await db.select().from(appointments).where(eq(appointments.externalId, 'a2')))[0]!;
    expect(a2.status).toBe('checked_in');
    const a3 = (await db.select().from(appointments).where(eq(appointments.externalId, 'a3')))[0]!;
    expect(a3.durationMinutes).toBe(45);
    const [lena] = await db.select().from(patients).where(eq(patients.id, a3.patientId));
    expect(lena!.language).toBe('es');

    const again = await importFhirServer(h.runtime.deps.db, { baseUrl: FHIR_BASE, token: TOKEN, from: '2026-02-01', to: '2026-02-28', backoffMs: 1 }, opts());
    expect(again).toMatchObject({ created: 0, updated: 0, unchanged: 3 });
  });

  it('stops with a clear message when the server refuses the token (401)', async () => {
    await expect(
      importFhirServer(h.runtime.deps.db, { baseUrl: FHIR_BASE, token: 'wrong', from: '2026-02-01', to: '2026-02-28', backoffMs: 1 }, opts()),
    ).rejects.toThrow(/refused the token \(401/);
  });
});

describe('import appointments on the command line', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sb-import-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const cli = (args: string[], extra: Record<string, string> = {}) => runCli(args, bareEnv(join(dir, 'data'), extra));

  it('imports a CSV into the embedded database and prints the summary; exit 1 when nothing can be read', async () => {
    expect((await cli(['seed', '--demo'])).status).toBe(0);
    const file = join(dir, 'schedule.csv');
    writeFileSync(
      file,
      [
        'external_id,starts_at,duration_minutes,type,provider,first_name,last_name,phone,email,date_of_birth,language,sms_consent',
        'K-1,2030-05-06 09:00,20,Check-up,Dr. Lee,Kim,Park,+14155550161,,1990-02-03,en,yes',
        'K-2,not a date,20,Check-up,Dr. Lee,Lou,Reed,+14155550162,,,,',
        'K-3,2030-05-07T10:00:00-04:00,20,Check-up,Dr. Lee,Lee,Ray,+14155550163,,,es,',
      ].join('\n'),
    );
    const run = await cli(['import', 'appointments', file, '--practice', 'maple-street']);
    expect(run.stderr).not.toContain('[#'); // not a terminal: no progress bar
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('3 read: 2 created, 0 updated, 0 unchanged, 1 rejected');
    expect(run.stdout).toMatch(/rejected line 3: starts_at: .*not a date/);

    const missing = await cli(['import', 'appointments', join(dir, 'nope.csv'), '--practice', 'maple-street']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/import failed: cannot read .*ENOENT/);
    const noPractice = await cli(['import', 'appointments', file]);
    expect(noPractice.status).toBe(2);
    expect(noPractice.stderr).toContain('--practice is required');
  }, 180_000);
});
