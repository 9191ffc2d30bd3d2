// Patients, appointments and the audit log. Patients search/read/export and the audit API come
// with the records work; appointments exist now.
import { get, patch, post, request, type Page } from './http';

export interface PatientHit {
  id: string;
  practiceId?: string;
  firstName: string | null;
  lastName: string | null;
  dateOfBirth?: string | null;
  contactPoints?: { kind: string; value: string }[];
}

export const searchPatients = (q: string, practiceId?: string) => get<Page<PatientHit>>('/api/v1/patients', { q, practiceId });

export type ConsentPurpose = 'sms' | 'email' | 'voice';
export type ConsentState = 'unknown' | 'granted' | 'revoked';

/** A patient's record (records API): contacts with consent per channel, conversations, appointments, refills. */
export interface PatientRecord {
  id: string;
  practiceId: string;
  firstName: string | null;
  lastName: string | null;
  dateOfBirth: string | null;
  language: 'en' | 'es';
  timeZone: string | null;
  preferredChannel: ConsentPurpose | null;
  tags: string[];
  portalId: string | null;
  mergedIntoId: string | null;
  erasedAt: string | null;
  createdAt: string;
  contactPoints: {
    id: string;
    kind: 'phone' | 'email' | 'portal';
    value: string;
    undeliverable: boolean;
    consent: Record<ConsentPurpose, ConsentState>;
    consentHistory: { purpose: ConsentPurpose; state: 'granted' | 'revoked'; source: string; detail: string | null; at: string }[];
  }[];
  conversations: { id: string; channel: string; status: string; subject: string | null; intent: string | null; urgency: string | null; queue: string | null; lastMessageAt: string }[];
  appointments: { id: string; startsAt: string; durationMinutes: number; status: string; type: string | null; provider: string | null }[];
  refills: { id: string; medication: string | null; strength: string | null; pharmacy: string | null; status: string; createdAt: string }[];
}

export interface PatientChange {
  firstName?: string | null;
  lastName?: string | null;
  dateOfBirth?: string | null;
  language?: 'en' | 'es';
  timeZone?: string | null;
  preferredChannel?: ConsentPurpose | null;
  tags?: string[];
}

export const getPatient = (id: string) => get<PatientRecord>(`/api/v1/patients/${id}`);
export const updatePatient = (id: string, change: PatientChange) => patch<PatientRecord>(`/api/v1/patients/${id}`, change);
export const addContactPoint = (id: string, input: { kind: 'phone' | 'email'; value: string }) => post<PatientRecord>(`/api/v1/patients/${id}/contact-points`, input);
/** Consent for one contact and purpose, in the ledger; granting says how the patient said so. */
export const setContactConsent = (id: string, contactPointId: string, input: { purpose: ConsentPurpose; state: 'granted' | 'revoked'; detail?: string }) =>
  post<PatientRecord>(`/api/v1/patients/${id}/contact-points/${contactPointId}/consent`, input);
export const exportUrl = (id: string) => `/api/v1/patients/${id}/export`;
export const erasePatient = (id: string, reason: string) => post(`/api/v1/patients/${id}/erase`, { reason });

export interface Appointment {
  id: string;
  practiceId: string;
  externalId: string;
  startsAt: string;
  durationMinutes: number;
  type: string | null;
  provider: string | null;
  status: 'booked' | 'confirmed' | 'cancelled' | 'checked_in' | 'no_show';
  source: string;
  confirmedAt: string | null;
  patient: { id: string; firstName: string | null; lastName: string | null };
  reminders: { id: string; channel: string; dueAt: string; status: string; skipReason: string | null; sentAt: string | null }[];
}

export const listAppointments = (q: { practiceId?: string; from?: string; to?: string; status?: string; cursor?: string }) =>
  get<Page<Appointment>>('/api/v1/appointments', { ...q, limit: 100 });

export interface AuditEvent {
  id: number | string;
  at?: string;
  createdAt?: string;
  actor?: { type: string; userId?: string | null; name?: string | null; email?: string | null } | null;
  actorType?: string;
  actorUserId?: string | null;
  action: string;
  subjectType: string;
  subjectId: string | null;
  patientId: string | null;
  practiceId: string | null;
  detail?: Record<string, unknown> | null;
}

export const listAudit = (q: { actor?: string; patientId?: string; action?: string; from?: string; to?: string; cursor?: string }) => get<Page<AuditEvent>>('/api/v1/audit', { ...q });

/** An import's progress and outcome (GET /api/v1/appointments/imports/{id}). */
export interface ImportRun {
  id: string;
  status: 'running' | 'done' | 'failed';
  total: number;
  done: number;
  counts: { created: number; updated: number; unchanged: number; cancelled: number; held: number; skipped: number; rejected: number; duplicatePatients: number } | null;
  problems: { level: 'error' | 'warning'; line?: number; resource?: string; reason: string }[];
  error?: string | null;
}
/** The file goes as it is: a CSV, or a FHIR Bundle (JSON); importId lets the page poll its progress meanwhile. */
export const importAppointments = (practiceId: string, importId: string, file: Blob, type: 'text/csv' | 'application/fhir+json') =>
  request<ImportRun & { rows: { line?: number; outcome: string; reason?: string }[] }>('/api/v1/appointments/import', { method: 'POST', query: { practiceId, importId }, raw: { body: file, type } });
export const getImportRun = (id: string) => get<ImportRun>(`/api/v1/appointments/imports/${id}`);
