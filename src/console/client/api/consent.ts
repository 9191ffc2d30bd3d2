// Safety API: consent a patient gave or withdrew by phone or in person, recorded by staff (audited),
// and the "unrouted" holding area (messages to numbers no practice owns; admins).
import { get, post, type Page } from './http';

export interface ConsentInput {
  channel: 'sms' | 'email' | 'voice';
  state: 'granted' | 'revoked';
  source: 'phone' | 'in_person';
  note?: string;
}

/** Answers the patient's consent per channel, e.g. `{ sms: 'revoked', email: 'no_contact' }`. */
export const recordConsent = (patientId: string, input: ConsentInput) => post<Record<string, string>>(`/api/v1/patients/${patientId}/consent`, input);

export interface Unrouted {
  id: string;
  channel: string;
  from: string;
  to: string;
  body: string;
  receivedAt?: string;
  createdAt?: string;
}

export const listUnrouted = () => get<Page<Unrouted>>('/api/v1/unrouted');
