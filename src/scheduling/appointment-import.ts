import { z } from '@hono/zod-openapi';
import type { Database } from '../platform/db/client';
import type { AppointmentStatus } from '../platform/db/schema';
import type { Principal } from '../access/principal';
import { zonedTime } from '../platform/time';
import { AppError } from '../platform/errors';
import { errorSummary } from '../platform/logger';
import { saveAppointment } from './appointments';
import { AppointmentPatientInput, type AppointmentOutcome, type AppointmentRecord, type AppointmentSource } from './appointment-schemas';

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

export interface ImportSummary {
  total: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: ImportRejection[];
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

const emptySummary = (): ImportSummary => ({ total: 0, created: 0, updated: 0, unchanged: 0, rejected: [] });

type Candidate = { line: number; resource?: string } & ({ record: AppointmentRecord } | { reason: string });

async function applyAll(db: Database, items: Candidate[], source: AppointmentSource, opts: ImportOptions, summary: ImportSummary, total: number) {
  for (const item of items) {
    if ('reason' in item) {
      summary.rejected.push({ line: item.line, resource: item.resource, reason: item.reason });
    } else {
      try {
        const r = await saveAppointment(db, opts.actor ?? 'system', opts.practice.id, item.record, { source, now: opts.now, requestId: opts.requestId });
        summary[r.outcome satisfies AppointmentOutcome]++;
      } catch (err) {
        summary.rejected.push({ line: item.line, resource: item.resource, reason: reasonOf(err) });
      }
    }
    summary.total++;
    opts.onProgress?.(summary.total, Math.max(total, summary.total));
  }
}

function reasonOf(err: unknown): string {
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

interface FhirReference {
  reference?: string;
  display?: string;
}
interface FhirCodeable {
  text?: string;
  coding?: { system?: string; code?: string; display?: string }[];
}
interface FhirResource {
  resourceType?: string;
  id?: string;
  [key: string]: unknown;
}
interface FhirAppointment extends FhirResource {
  identifier?: { system?: string; value?: string }[];
  status?: string;
  start?: string;
  end?: string;
  minutesDuration?: number;
  serviceType?: FhirCodeable[];
  appointmentType?: FhirCodeable;
  participant?: { actor?: FhirReference; status?: string }[];
}
interface FhirPatient extends FhirResource {
  name?: { use?: string; given?: string[]; family?: string; text?: string }[];
  telecom?: { system?: string; value?: string; use?: string; rank?: number }[];
  birthDate?: string;
  communication?: { language?: FhirCodeable; preferred?: boolean }[];
}
export interface FhirBundle {
  resourceType: 'Bundle';
  total?: number;
  link?: { relation?: string; url?: string }[];
  entry?: { fullUrl?: string; resource?: FhirResource; search?: { mode?: string } }[];
}

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

/** Patients of a Bundle by every name a reference may use: fullUrl, `Patient/id`, an absolute URL. */
function patientIndex(bundle: FhirBundle): (ref: string) => FhirPatient | undefined {
  const byKey = new Map<string, FhirPatient>();
  for (const e of bundle.entry ?? []) {
    const r = e.resource;
    if (r?.resourceType !== 'Patient') continue;
    if (e.fullUrl) byKey.set(e.fullUrl, r as FhirPatient);
    if (r.id) byKey.set(`Patient/${r.id}`, r as FhirPatient);
  }
  return (ref) => {
    const direct = byKey.get(ref);
    if (direct) return direct;
    const m = /(?:^|\/)Patient\/([^/]+?)(?:\/_history\/.*)?$/.exec(ref);
    return m ? byKey.get(`Patient/${m[1]}`) : undefined;
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

function fhirRecord(a: FhirAppointment, findPatient: (ref: string) => FhirPatient | undefined): { record: AppointmentRecord } | { reason: string } {
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
    return { reason: anyPatientRef ? `participant ${anyPatientRef.reference} is not in the Bundle` : 'no Patient participant' };
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
  return { record: { ...parsed.data, startsAt: start, status } };
}

function bundleCandidates(bundle: FhirBundle, firstLine: number): Candidate[] {
  const findPatient = patientIndex(bundle);
  const items: Candidate[] = [];
  (bundle.entry ?? []).forEach((e, i) => {
    const r = e.resource;
    if (r?.resourceType !== 'Appointment') return;
    const resource = r.id ? `Appointment/${r.id}` : undefined;
    items.push({ line: firstLine + i, resource, ...fhirRecord(r as FhirAppointment, findPatient) });
  });
  return items;
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

export interface FhirServerOptions {
  /** FHIR base URL, e.g. https://ehr.example.com/fhir */
  baseUrl: string;
  token?: string | null;
  /** local dates (YYYY-MM-DD), inclusive */
  from: string;
  to: string;
  fetch?: typeof fetch;
  /** attempts per page for network errors and 5xx */
  attempts?: number;
  backoffMs?: number;
}

async function fetchPage(url: string, o: FhirServerOptions): Promise<FhirBundle> {
  const attempts = o.attempts ?? 4;
  const doFetch = o.fetch ?? fetch;
  let last = '';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    let res: Response | null = null;
    try {
      res = await doFetch(url, {
        headers: { accept: 'application/fhir+json', ...(o.token ? { authorization: `Bearer ${o.token}` } : {}) },
        signal: AbortSignal.timeout(30_000),
      });
    } catch (err) {
      last = `network error: ${(err as Error).message}`;
    }
    if (res) {
      if (res.status === 401) {
        throw new ImportError(
          `the FHIR server refused the token (401 Unauthorized) at ${redact(url)}: ${o.token ? 'check --token / FHIR_TOKEN, it may have expired' : 'give one with --token or FHIR_TOKEN'}`,
        );
      }
      if (res.ok) {
        try {
          return asBundle(await res.json());
        } catch (err) {
          throw err instanceof ImportError ? err : new ImportError(`the FHIR server answered something that is not JSON at ${redact(url)}`);
        }
      }
      if (res.status < 500 && res.status !== 429) {
        throw new ImportError(`the FHIR server answered ${res.status} ${res.statusText} at ${redact(url)}`);
      }
      last = `${res.status} ${res.statusText}`;
    }
    if (attempt < attempts) await new Promise((r) => setTimeout(r, (o.backoffMs ?? 500) * 2 ** (attempt - 1)));
  }
  throw new ImportError(`the FHIR server could not be reached after ${attempts} attempts (${last}) at ${redact(url)}`);
}

/** Query strings of next links may carry session keys; messages show only the path. */
const redact = (url: string) => {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return 'the given URL';
  }
};

/**
 * Searches a FHIR server for the Appointments in [from, to] with their Patients
 * (`_include=Appointment:patient`), following `next` links until there are none; each page is
 * applied as it arrives. Network errors and 5xx are retried; a 401 stops the import.
 */
export async function importFhirServer(db: Database, server: FhirServerOptions, opts: ImportOptions): Promise<ImportSummary> {
  for (const [flag, v] of [['from', server.from], ['to', server.to]] as const) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(v)) throw new ImportError(`--${flag} must be a date YYYY-MM-DD`);
  }
  const base = server.baseUrl.replace(/\/+$/, '');
  const origin = new URL(base).origin;
  const first = new URL(`${base}/Appointment`);
  first.searchParams.append('date', `ge${server.from}`);
  first.searchParams.append('date', `le${server.to}`);
  first.searchParams.set('_include', 'Appointment:patient');
  first.searchParams.set('_count', '100');
  const summary = emptySummary();
  const seen = new Set<string>();
  let url: string | null = first.toString();
  let line = 1;
  while (url) {
    if (seen.has(url)) break;
    seen.add(url);
    const page = await fetchPage(url, server);
    const items = bundleCandidates(page, line);
    line += page.entry?.length ?? 0;
    const total = typeof page.total === 'number' ? page.total : summary.total + items.length;
    if (summary.total === 0) opts.onProgress?.(0, total);
    await applyAll(db, items, 'fhir', opts, summary, total);
    const next = page.link?.find((l) => l.relation === 'next')?.url ?? null;
    // the bearer token goes only to the server it was given for
    if (next && new URL(next, base).origin !== origin) throw new ImportError(`the next link points at another server (${new URL(next, base).origin}); stopped`);
    url = next ? new URL(next, base).toString() : null;
  }
  return summary;
}
