import { z } from '@hono/zod-openapi';
import type { Database } from '../platform/db/client';
import type { AppointmentStatus } from '../platform/db/schema';
import type { Principal } from '../access/principal';
import { zonedTime } from '../platform/time';
import { AppError } from '../platform/errors';
import { errorSummary } from '../platform/log-fields';
import { saveAppointment } from './appointments';
import { AppointmentPatientInput, type AppointmentOutcome, type AppointmentRecord, type AppointmentSource } from './appointment-schemas';
import { FhirClient, FhirError, referenceId, type FhirAppointment, type FhirBundle, type FhirCodeable, type FhirPatient, type FhirReference } from './ehr/fhir-client';

export type { FhirBundle };

/*
 * Appointments from a practice's schedule: a CSV export, a FHIR R4 Bundle file, or a FHIR
 * server searched by date range. Each row or resource is applied on its own (its own
 * transaction), so one bad row is reported and the rest still go in.
 */

export interface ImportRejection {
  /** CSV: the line the row starts on (the header is line 1); FHIR: the entry's position, from 1, across pages */
  line: number;
  /** FHIR: Appointment/<id>, when it has one */
  resource?: string;
  reason: string;
}

export type ImportRowOutcome = AppointmentOutcome | 'skipped' | 'rejected';

/** What became of one row or resource (the HTTP import answers these). */
export interface ImportRowResult {
  line: number;
  resource?: string;
  outcome: ImportRowOutcome;
  appointmentId?: string;
  reason?: string;
}

export interface ImportSummary {
  total: number;
  created: number;
  updated: number;
  unchanged: number;
  /** updates that cancelled a live appointment (its reminders called off) */
  cancelled: number;
  /** left as they are here while a change made here is still being written back to the EHR */
  held: number;
  /** EHR sync: cancelled appointments we never had */
  skipped: number;
  rejected: ImportRejection[];
  rows: ImportRowResult[];
}

export interface ImportOptions {
  practice: { id: string; timeZone: string };
  now: Date;
  actor?: Principal | 'system';
  requestId?: string | null;
  onProgress?: (done: number, total: number) => void;
}

/** Something the import could not read at all (no rows, a refused token): nothing was applied. */
export class ImportError extends Error {
  override name = 'ImportError';
}

export const emptySummary = (): ImportSummary => ({ total: 0, created: 0, updated: 0, unchanged: 0, cancelled: 0, held: 0, skipped: 0, rejected: [], rows: [] });

export type Candidate = { line: number; resource?: string } & ({ record: AppointmentRecord } | { reason: string });

/** Records one row's fate in the summary. */
export function countRow(summary: ImportSummary, row: ImportRowResult, total: number, opts: Pick<ImportOptions, 'onProgress'>) {
  if (row.outcome === 'rejected') summary.rejected.push({ line: row.line, resource: row.resource, reason: row.reason ?? 'rejected' });
  else summary[row.outcome]++;
  summary.rows.push(row);
  summary.total++;
  opts.onProgress?.(summary.total, Math.max(total, summary.total));
}

export async function applyAll(
  db: Database,
  items: Candidate[],
  source: AppointmentSource,
  opts: ImportOptions,
  summary: ImportSummary,
  total: number,
  before?: (item: Candidate & { record: AppointmentRecord }) => Promise<ImportRowResult | null>,
) {
  for (const item of items) {
    const at = { line: item.line, resource: item.resource };
    let row: ImportRowResult;
    if ('reason' in item) {
      row = { ...at, outcome: 'rejected', reason: item.reason };
    } else {
      try {
        row = (await before?.(item)) ?? (await saveRow(db, item, source, opts));
      } catch (err) {
        row = { ...at, outcome: 'rejected', reason: reasonOf(err) };
      }
    }
    countRow(summary, row, total, opts);
  }
}

async function saveRow(db: Database, item: Candidate & { record: AppointmentRecord }, source: AppointmentSource, opts: ImportOptions): Promise<ImportRowResult> {
  const r = await saveAppointment(db, opts.actor ?? 'system', opts.practice.id, item.record, { source, now: opts.now, requestId: opts.requestId });
  return { line: item.line, resource: item.resource, outcome: r.outcome, appointmentId: r.appointment.id };
}

export function reasonOf(err: unknown): string {
  if (err instanceof AppError) return err.message;
  if ((err as { name?: string }).name === 'ZodError') return describeIssues((err as z.ZodError).issues, {});
  // class and code only: a failed query's message quotes the row's values (names, dates of birth)
  return `could not be saved (${errorSummary(err)})`;
}

function describeIssues(issues: z.core.$ZodIssue[], names: Record<string, string>): string {
  return issues
    .slice(0, 3)
    .map((i) => {
      const path = i.path.join('.');
      return `${names[path] ?? (path || 'row')}: ${i.message.replace(/^Invalid input: /, '')}`;
    })
    .join('; ');
}

// ---------------------------------------------------------------------------------------------
// CSV

/**
 * RFC 4180: fields separated by commas, records by CRLF or LF, double-quoted fields may hold
 * commas, line breaks and doubled quotes. A leading UTF-8 BOM (Excel writes one) is dropped.
 * Each record carries the line it starts on, so a rejection can point at it.
 */
export function parseCsv(text: string): { line: number; fields: string[] }[] {
  const records: { line: number; fields: string[] }[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  let fields: string[] = [];
  let field = '';
  let startLine = 1;
  let quoted = false;
  let fieldStarted = false;
  const endField = () => {
    fields.push(field);
    field = '';
    fieldStarted = false;
  };
  const endRecord = () => {
    endField();
    // a blank line is not a record
    if (!(fields.length === 1 && fields[0] === '')) records.push({ line: startLine, fields });
    fields = [];
  };
  for (; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else {
        if (ch === '\n') line++;
        field += ch;
      }
      continue;
    }
    if (ch === '"' && !fieldStarted && field === '') {
      quoted = true;
      fieldStarted = true;
    } else if (ch === ',') {
      endField();
    } else if (ch === '\r' || ch === '\n') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
      startLine = line;
    } else {
      field += ch;
      fieldStarted = true;
    }
  }
  if (quoted) throw new ImportError(`line ${startLine}: a quoted field is not closed`);
  if (field !== '' || fields.length > 0) endRecord();
  return records;
}

const csvColumns = [
  'external_id',
  'starts_at',
  'duration_minutes',
  'type',
  'provider',
  'first_name',
  'last_name',
  'phone',
  'email',
  'date_of_birth',
  'language',
  'sms_consent',
  'status',
] as const;
type CsvColumn = (typeof csvColumns)[number];
const requiredColumns: CsvColumn[] = ['external_id', 'starts_at', 'first_name', 'last_name'];

/** Zod paths of the record named as the CSV columns they came from. */
const columnOfPath: Record<string, CsvColumn> = {
  externalId: 'external_id',
  durationMinutes: 'duration_minutes',
  type: 'type',
  provider: 'provider',
  'patient.firstName': 'first_name',
  'patient.lastName': 'last_name',
  'patient.phone': 'phone',
  'patient.email': 'email',
  'patient.dateOfBirth': 'date_of_birth',
  'patient.language': 'language',
};

const RowSchema = z.object({
  externalId: z.string().trim().min(1, 'is required').max(200),
  durationMinutes: z.number().int('must be a whole number of minutes').min(1, 'must be at least 1').max(24 * 60, 'must be at most 1440'),
  type: z.string().trim().max(200).nullable().optional(),
  provider: z.string().trim().max(200).nullable().optional(),
  patient: AppointmentPatientInput,
});

const DEFAULT_DURATION = 15;

/**
 * `2026-03-08T09:30:00-05:00` / `...Z` as given; `2026-03-08 09:30` (or with `T`, or seconds)
 * without an offset is wall time in the practice's zone, DST included.
 */
export function parseStartsAt(value: string, timeZone: string): Date | null {
  const v = value.trim();
  const withOffset = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;
  if (withOffset.test(v)) {
    const d = new Date(v.replace(' ', 'T'));
    return Number.isNaN(d.getTime()) ? null : d;
  }
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(v);
  if (!m) return null;
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number) as [number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59) return null;
  // a date such as 2026-02-30 must not roll over into March
  const probe = new Date(Date.UTC(year, month - 1, day));
  if (probe.getUTCMonth() !== month - 1) return null;
  return zonedTime(timeZone, year, month, day, hour, minute);
}

function parseLanguage(value: string): 'en' | 'es' | null | undefined {
  const v = value.trim().toLowerCase();
  if (v === '') return undefined;
  if (/^(es|spa)([-_].*)?$/.test(v) || v === 'spanish' || v === 'español' || v === 'espanol') return 'es';
  if (/^(en|eng)([-_].*)?$/.test(v) || v === 'english') return 'en';
  return null;
}

function parseConsent(value: string): boolean | null | undefined {
  const v = value.trim().toLowerCase();
  if (v === '') return undefined;
  if (['yes', 'y', 'true', '1', 'granted', 'opt-in', 'opt_in'].includes(v)) return true;
  if (['no', 'n', 'false', '0', 'revoked', 'opt-out', 'opt_out'].includes(v)) return false;
  return null;
}

const statusWords: Record<string, AppointmentStatus> = {
  booked: 'booked',
  scheduled: 'booked',
  confirmed: 'confirmed',
  cancelled: 'cancelled',
  canceled: 'cancelled',
  checked_in: 'checked_in',
  'checked-in': 'checked_in',
  arrived: 'checked_in',
  no_show: 'no_show',
  'no-show': 'no_show',
  noshow: 'no_show',
};

function csvRecord(get: (c: CsvColumn) => string | undefined, timeZone: string): { record: AppointmentRecord } | { reason: string } {
  const problems: string[] = [];
  const startsRaw = get('starts_at') ?? '';
  const startsAt = parseStartsAt(startsRaw, timeZone);
  if (!startsRaw.trim()) problems.push('starts_at: is required');
  else if (!startsAt) problems.push(`starts_at: "${startsRaw.trim().slice(0, 40)}" is not a date and time (YYYY-MM-DD HH:MM, or ISO 8601 with an offset)`);
  const durationRaw = (get('duration_minutes') ?? '').trim();
  const duration = durationRaw === '' ? DEFAULT_DURATION : Number(durationRaw);
  if (durationRaw !== '' && !Number.isFinite(duration)) problems.push('duration_minutes: must be a number of minutes');
  const language = parseLanguage(get('language') ?? '');
  if (language === null) problems.push('language: must be en or es');
  const smsConsent = parseConsent(get('sms_consent') ?? '');
  if (smsConsent === null) problems.push('sms_consent: must be yes or no');
  const statusRaw = (get('status') ?? '').trim().toLowerCase();
  const status = statusRaw === '' || !Object.hasOwn(statusWords, statusRaw) ? undefined : statusWords[statusRaw];
  if (statusRaw !== '' && !status) problems.push(`status: must be one of booked, confirmed, cancelled, checked_in, no_show`);
  const optional = (c: CsvColumn) => {
    const v = get(c);
    return v === undefined ? undefined : v.trim() === '' ? null : v.trim();
  };
  const parsed = RowSchema.safeParse({
    externalId: get('external_id') ?? '',
    durationMinutes: Number.isFinite(duration) ? duration : DEFAULT_DURATION,
    type: optional('type'),
    provider: optional('provider'),
    patient: {
      firstName: get('first_name') ?? '',
      lastName: get('last_name') ?? '',
      phone: optional('phone'),
      email: optional('email'),
      dateOfBirth: optional('date_of_birth'),
      language: language ?? undefined,
      smsConsent: smsConsent ?? undefined,
    },
  });
  if (!parsed.success) problems.push(describeIssues(parsed.error.issues, columnOfPath));
  if (problems.length > 0 || !parsed.success || !startsAt) return { reason: problems.join('; ') };
  return { record: { ...parsed.data, startsAt, status } };
}

/** Imports a CSV export of the schedule; header names are case-insensitive. */
export async function importAppointmentsCsv(db: Database, text: string, opts: ImportOptions): Promise<ImportSummary> {
  const records = parseCsv(text);
  const header = records.shift();
  if (!header) throw new ImportError('the file is empty');
  const index = new Map<string, number>();
  header.fields.forEach((name, i) => index.set(name.trim().toLowerCase().replace(/[\s-]+/g, '_'), i));
  const missing = requiredColumns.filter((c) => !index.has(c));
  if (missing.length > 0) {
    throw new ImportError(`the header has no ${missing.join(', ')} column${missing.length > 1 ? 's' : ''} (expected: ${csvColumns.join(', ')})`);
  }
  const items: Candidate[] = records.map((r) => {
    const get = (c: CsvColumn) => {
      const i = index.get(c);
      return i === undefined ? undefined : (r.fields[i] ?? '');
    };
    return { line: r.line, ...csvRecord(get, opts.practice.timeZone) };
  });
  const summary = emptySummary();
  opts.onProgress?.(0, items.length);
  await applyAll(db, items, 'csv', opts, summary, items.length);
  return summary;
}


// ---------------------------------------------------------------------------------------------
// FHIR R4

const fhirStatus: Record<string, AppointmentStatus | undefined> = {
  proposed: 'booked',
  pending: 'booked',
  booked: 'booked',
  arrived: 'checked_in',
  'checked-in': 'checked_in',
  // it happened: the patient came
  fulfilled: 'checked_in',
  noshow: 'no_show',
  cancelled: 'cancelled',
  'entered-in-error': 'cancelled',
};

const codeableText = (c: FhirCodeable | undefined) => c?.text ?? c?.coding?.find((x) => x.display)?.display ?? c?.coding?.[0]?.code ?? null;

/** Patients by every name a reference may use: fullUrl, `Patient/id`, an absolute URL. */
function patientIndex(bundle: FhirBundle, extra: Map<string, FhirPatient> = new Map()): (ref: string) => FhirPatient | undefined {
  const byKey = new Map<string, FhirPatient>();
  for (const [id, p] of extra) byKey.set(`Patient/${id}`, p);
  for (const e of bundle.entry ?? []) {
    const r = e.resource;
    if (r?.resourceType !== 'Patient') continue;
    if (e.fullUrl) byKey.set(e.fullUrl, r as FhirPatient);
    if (r.id) byKey.set(`Patient/${r.id}`, r as FhirPatient);
  }
  return (ref) => {
    const direct = byKey.get(ref);
    if (direct) return direct;
    const id = referenceId(ref, 'Patient');
    return id ? byKey.get(`Patient/${id}`) : undefined;
  };
}

function fhirLanguage(p: FhirPatient): 'en' | 'es' | undefined {
  const comms = [...(p.communication ?? [])].sort((a, b) => Number(b.preferred ?? false) - Number(a.preferred ?? false));
  for (const c of comms) {
    for (const code of [c.language?.coding?.[0]?.code, c.language?.text]) {
      const l = code ? parseLanguage(code) : undefined;
      if (l) return l;
    }
  }
  // a language we do not serve leaves the default (English) rather than refusing the appointment
  return undefined;
}

function telecom(p: FhirPatient, system: 'phone' | 'sms' | 'email'): string | null {
  const list = (p.telecom ?? []).filter((t) => t.system === system && t.value && t.use !== 'old');
  // a mobile is what can take the reminder texts
  list.sort((a, b) => Number(b.use === 'mobile') - Number(a.use === 'mobile') || (a.rank ?? 99) - (b.rank ?? 99));
  return list[0]?.value ?? null;
}

/** The participant references of an Appointment that name a Patient. */
export const patientParticipants = (a: FhirAppointment) =>
  (a.participant ?? []).filter((p) => p.actor?.reference && (/(^|\/)Patient\//.test(p.actor.reference) || /^urn:/.test(p.actor.reference)));

function fhirRecord(a: FhirAppointment, findPatient: (ref: string) => FhirPatient | undefined, unreadable: Map<string, string>): { record: AppointmentRecord } | { reason: string } {
  const externalId = a.identifier?.find((i) => i.value)?.value ?? a.id;
  if (!externalId) return { reason: 'the Appointment has neither an identifier nor an id' };
  const status = a.status && Object.hasOwn(fhirStatus, a.status) ? fhirStatus[a.status] : undefined;
  if (!status) return { reason: `status "${a.status ?? ''}" is not one we import (booked, arrived, fulfilled, noshow, cancelled)` };
  const start = a.start ? new Date(a.start) : null;
  if (!start || Number.isNaN(start.getTime()) || !/(Z|[+-]\d{2}:\d{2})$/.test(a.start!)) return { reason: 'start: missing or not an instant with an offset' };
  let duration = a.minutesDuration;
  if (duration === undefined && a.end) {
    const end = new Date(a.end);
    if (!Number.isNaN(end.getTime())) duration = Math.round((end.getTime() - start.getTime()) / 60_000);
  }
  if (duration === undefined) duration = DEFAULT_DURATION;
  const actors = (a.participant ?? []).map((p) => p.actor).filter((x): x is FhirReference => Boolean(x));
  const patientRef = actors.find((x) => x.reference && /(^|\/)Patient\/|^urn:/.test(x.reference) && findPatient(x.reference));
  const anyPatientRef = actors.find((x) => x.reference && /(^|\/)Patient\//.test(x.reference));
  if (!patientRef) {
    if (!anyPatientRef) return { reason: 'no Patient participant' };
    const why = unreadable.get(referenceId(anyPatientRef.reference, 'Patient') ?? '');
    return { reason: why ? `participant ${anyPatientRef.reference} could not be read: ${why}` : `participant ${anyPatientRef.reference} is not in the Bundle` };
  }
  const patient = findPatient(patientRef.reference!)!;
  const name = patient.name?.find((n) => n.use === 'official') ?? patient.name?.find((n) => n.use !== 'old') ?? patient.name?.[0];
  const provider = actors.find((x) => x.reference?.includes('Practitioner/'))?.display ?? null;
  const parsed = RowSchema.safeParse({
    externalId,
    durationMinutes: duration,
    type: codeableText(a.serviceType?.[0]) ?? codeableText(a.appointmentType),
    provider,
    patient: {
      firstName: name?.given?.[0] ?? '',
      lastName: name?.family ?? '',
      phone: telecom(patient, 'phone') ?? telecom(patient, 'sms'),
      email: telecom(patient, 'email'),
      dateOfBirth: patient.birthDate && /^\d{4}-\d{2}-\d{2}$/.test(patient.birthDate) ? patient.birthDate : null,
      language: fhirLanguage(patient),
    },
  });
  if (!parsed.success) {
    return {
      reason: describeIssues(parsed.error.issues, {
        durationMinutes: 'minutesDuration',
        'patient.firstName': `${patientRef.reference} name.given`,
        'patient.lastName': `${patientRef.reference} name.family`,
        'patient.phone': `${patientRef.reference} telecom phone`,
        'patient.email': `${patientRef.reference} telecom email`,
      }),
    };
  }
  const ehr = a.id
    ? {
        resourceId: a.id,
        versionId: a.meta?.versionId ?? null,
        patientResourceId: patient.id ?? null,
        patientActive: patient.active !== false,
      }
    : undefined;
  return { record: { ...parsed.data, startsAt: start, status, ehr } };
}

/** The Appointments of a Bundle as candidates; `extra` holds Patients read on their own, `unreadable` why some could not be. */
export function bundleCandidates(bundle: FhirBundle, firstLine: number, extra?: Map<string, FhirPatient>, unreadable: Map<string, string> = new Map()): Candidate[] {
  const findPatient = patientIndex(bundle, extra);
  const items: Candidate[] = [];
  (bundle.entry ?? []).forEach((e, i) => {
    const r = e.resource;
    if (r?.resourceType !== 'Appointment') return;
    const resource = r.id ? `Appointment/${r.id}` : undefined;
    items.push({ line: firstLine + i, resource, ...fhirRecord(r as FhirAppointment, findPatient, unreadable) });
  });
  return items;
}

/** Patient ids the Appointments of a page name but the page does not include (to be read on their own). */
export function missingPatients(bundle: FhirBundle, known: (id: string) => boolean): string[] {
  const findPatient = patientIndex(bundle);
  const ids = new Set<string>();
  for (const e of bundle.entry ?? []) {
    if (e.resource?.resourceType !== 'Appointment') continue;
    for (const p of patientParticipants(e.resource as FhirAppointment)) {
      const ref = p.actor!.reference!;
      if (findPatient(ref)) continue;
      const id = referenceId(ref, 'Patient');
      if (id && !known(id)) ids.add(id);
    }
  }
  return [...ids];
}

function asBundle(json: unknown): FhirBundle {
  const b = json as FhirBundle;
  if (!b || typeof b !== 'object' || b.resourceType !== 'Bundle') {
    const kind = (b as { resourceType?: unknown })?.resourceType;
    throw new ImportError(`expected a FHIR Bundle, got ${typeof kind === 'string' ? `a ${kind}` : 'something else'}`);
  }
  return b;
}

/** Imports the Appointments of a FHIR R4 Bundle (with their Patients in the same Bundle). */
export async function importFhirBundle(db: Database, json: unknown, opts: ImportOptions): Promise<ImportSummary> {
  const items = bundleCandidates(asBundle(json), 1);
  const summary = emptySummary();
  opts.onProgress?.(0, items.length);
  await applyAll(db, items, 'fhir', opts, summary, items.length);
  return summary;
}

/**
 * The pages of an Appointment search with their candidates, reading on its own each Patient
 * a page names but does not include (each once per search). A Patient that cannot be read
 * rejects its appointments, not the search; a refused token stops it.
 */
export async function* appointmentPages(client: FhirClient, params: [string, string][]): AsyncGenerator<{ page: FhirBundle; items: Candidate[]; firstLine: number }> {
  const patients = new Map<string, FhirPatient>();
  const unreadable = new Map<string, string>();
  let line = 1;
  for await (const page of client.search('Appointment', params)) {
    for (const id of missingPatients(page, (id) => patients.has(id) || unreadable.has(id))) {
      try {
        patients.set(id, (await client.read<FhirPatient>('Patient', id)).resource);
      } catch (err) {
        if (!(err instanceof FhirError) || err.kind === 'unauthorized' || err.kind === 'refused') throw err;
        unreadable.set(id, err.message);
      }
    }
    const firstLine = line;
    line += page.entry?.length ?? 0;
    yield { page, items: bundleCandidates(page, firstLine, patients, unreadable), firstLine };
  }
}

export interface FhirServerOptions {
  /** FHIR base URL, e.g. https://ehr.example.com/fhir */
  baseUrl: string;
  token?: string | null;
  /** local dates (YYYY-MM-DD), inclusive */
  from: string;
  to: string;
  fetch?: typeof fetch;
  /** attempts per page for network errors, 429 and 5xx */
  attempts?: number;
  backoffMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Searches a FHIR server for the Appointments in [from, to] with their Patients
 * (`_include=Appointment:patient`), following `next` links until there are none; each page is
 * applied as it arrives. Network errors, 429 and 5xx are retried; a 401 stops the import.
 */
export async function importFhirServer(db: Database, server: FhirServerOptions, opts: ImportOptions): Promise<ImportSummary> {
  for (const [flag, v] of [['from', server.from], ['to', server.to]] as const) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(v)) throw new ImportError(`--${flag} must be a date YYYY-MM-DD`);
  }
  const client = new FhirClient({
    baseUrl: server.baseUrl,
    auth: server.token ? { kind: 'bearer', token: server.token } : null,
    fetch: server.fetch,
    attempts: server.attempts,
    backoffMs: server.backoffMs,
    sleep: server.sleep,
  });
  const summary = emptySummary();
  const params: [string, string][] = [
    ['date', `ge${server.from}`],
    ['date', `le${server.to}`],
    ['_include', 'Appointment:patient'],
    ['_count', '100'],
  ];
  try {
    for await (const { page, items } of appointmentPages(client, params)) {
      const total = typeof page.total === 'number' ? page.total : summary.total + items.length;
      if (summary.total === 0) opts.onProgress?.(0, total);
      await applyAll(db, items, 'fhir', opts, summary, total);
    }
  } catch (err) {
    if (!(err instanceof FhirError)) throw err;
    if (err.kind === 'unauthorized') {
      throw new ImportError(`${err.message.replace('refused the credentials', 'refused the token')}: ${server.token ? 'check --token / FHIR_TOKEN, it may have expired' : 'give one with --token or FHIR_TOKEN'}`);
    }
    throw new ImportError(err.message);
  }
  return summary;
}
