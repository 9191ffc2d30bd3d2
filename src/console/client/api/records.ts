// Patients, appointments and the audit log. Patients search/read/export and the audit API come
// with the records work; appointments exist now.
import { get, post, type Page } from './http';

export interface PatientHit {
  id: string;
  practiceId?: string;
  firstName: string | null;
  lastName: string | null;
  dateOfBirth?: string | null;
  contactPoints?: { kind: string; value: string }[];
}

export const searchPatients = (q: string, practiceId?: string) => get<Page<PatientHit>>('/api/v1/patients', { q, practiceId });
export const getPatient = (id: string) => get<PatientHit & Record<string, unknown>>(`/api/v1/patients/${id}`);
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
