// Practices: the list, office settings (managers), numbers and addresses (admins), reminder
// cadence, queues, and the EHR connection (EHR API).
import { get, patch, post, put, type Page } from './http';

export interface Hours {
  weekly: Partial<Record<'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun', { open: string; close: string }[]>>;
  closedDates: string[];
}

export interface Practice {
  id: string;
  slug: string;
  name: string;
  timeZone: string;
  phoneNumbers: string[];
  emailAddresses: string[];
  hours: Hours;
  queues: { id: string; key: string; name: string; urgent: boolean }[];
  active: boolean;
}

export const listPractices = () => get<Page<Practice>>('/api/v1/practices');
export const updatePractice = (id: string, input: { phoneNumbers?: string[]; emailAddresses?: string[] }) => patch<Practice>(`/api/v1/practices/${id}`, input);

export interface OfficeSettings {
  practiceId: string;
  name: string;
  timeZone: string;
  hours: Hours;
  afterHoursMessage: string | null;
  afterHoursMessageEs: string | null;
  onCall: { phone: string | null; email: string | null };
  mainPhone: string | null;
  address: string | null;
  fax: string | null;
  website: string | null;
  portalUrl: string | null;
  quietHours: { start: string; end: string };
}

export const getOffice = (id: string) => get<OfficeSettings>(`/api/v1/practices/${id}/office`);
export const updateOffice = (id: string, input: Partial<Omit<OfficeSettings, 'practiceId' | 'name' | 'timeZone' | 'quietHours'>>) => patch<OfficeSettings>(`/api/v1/practices/${id}/office`, input);

export interface CadenceStep {
  channel: 'sms' | 'email' | 'voice';
  minutesBefore: number;
}
export interface Cadence {
  default: CadenceStep[];
  byType: Record<string, CadenceStep[]>;
}
export const getCadence = (id: string) => get<Cadence>(`/api/v1/practices/${id}/reminder-cadence`);
export const setCadence = (id: string, c: Cadence) => put<Cadence>(`/api/v1/practices/${id}/reminder-cadence`, c);

export interface SlaTarget {
  firstResponseMinutes?: number;
  resolutionMinutes?: number;
  businessHours?: boolean;
  warnMinutesBefore?: number;
}
export interface Queue {
  id: string;
  practiceId: string;
  key: string;
  name: string;
  urgent: boolean;
  sla: Partial<Record<'emergency' | 'urgent' | 'routine', SlaTarget>> | null;
  playbook: { items: { key: string; label: string; entity?: string }[] } | null;
  open: number;
  unassigned: number;
}
export const listQueues = (practiceId?: string) => get<Page<Queue>>('/api/v1/queues', { practiceId });
export const updateQueue = (id: string, input: Partial<Pick<Queue, 'name' | 'sla' | 'playbook'>>) => patch<Queue>(`/api/v1/queues/${id}`, input);
/** Records API: create a queue. */
export const createQueue = (input: { practiceId: string; key: string; name: string }) => post<Queue>('/api/v1/queues', input);

/** EHR API: the practice's FHIR connection (never its secret), its syncs and write-backs. */
export interface EhrRun {
  id: string;
  status: 'running' | 'done' | 'failed';
  total: number;
  done: number;
  counts: { created: number; updated: number; unchanged: number; cancelled: number; held: number; skipped: number; rejected: number; duplicatePatients: number } | null;
  problems: { level: 'error' | 'warning'; reason: string; resource?: string }[];
  error: string | null;
  startedAt: string;
  finishedAt?: string | null;
}
export interface EhrConnection {
  fhirBaseUrl: string;
  auth: { kind: 'bearer' | 'client_credentials'; tokenUrl: string | null; clientId: string | null; scope: string | null; secretSet: true };
  syncMinutes: number | null;
  writeBack: boolean;
  status: 'new' | 'ok' | 'error' | 'failing';
  statusReason: string | null;
  nextSyncAt: string | null;
}
export interface EhrStatus {
  practiceId: string;
  connection: EhrConnection | null;
  lastSync: EhrRun | null;
  runningSync: EhrRun | null;
  writeBacks: { pending: number; failed: number };
}
export type EhrConnectionInput = {
  fhirBaseUrl?: string;
  auth?: { kind: 'bearer'; token?: string } | { kind: 'client_credentials'; tokenUrl: string; clientId: string; clientSecret?: string; scope?: string | null };
  syncMinutes?: number | null;
  writeBack?: boolean;
};
export const getEhr = (id: string) => get<EhrStatus>(`/api/v1/practices/${id}/ehr`);
export const syncEhr = (id: string) => post<EhrRun>(`/api/v1/practices/${id}/ehr/sync`, {});
/** Admins: the connection is set on the practice (PATCH with `ehr`; null removes it). */
export const setEhrConnection = (id: string, ehr: EhrConnectionInput | null) => patch<Practice & { ehr: EhrConnection | null }>(`/api/v1/practices/${id}`, { ehr });
