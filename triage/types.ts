export const intents = [
  'appointment_new',
  'appointment_reschedule',
  'appointment_cancel',
  'appointment_confirm',
  'refill_request',
  'billing',
  'insurance',
  'records_request',
  'test_results',
  'general_question',
  'clinical_question',
  'opt_out',
  'other',
] as const;
export type Intent = (typeof intents)[number];

export const urgencies = ['emergency', 'urgent', 'routine'] as const;
export type Urgency = (typeof urgencies)[number];

export const channels = ['sms', 'voice', 'email', 'portal'] as const;
export type Channel = (typeof channels)[number];

export type Language = 'en' | 'es';

export interface TriageEntities {
  dates?: string[];
  medications?: string[];
  pharmacy?: string;
  dateOfBirth?: string;
  callbackNumber?: string;
  [key: string]: unknown;
}

/** The triage contract of DESIGN.md. */
export interface TriageResult {
  intent: Intent;
  urgency: Urgency;
  confidence: number;
  language: Language;
  entities: TriageEntities;
  redFlags: string[];
  needsHuman: boolean;
}

export interface TriageInput {
  text: string;
  channel?: Channel;
  /** when the message was received; relative dates resolve against it */
  receivedAt?: Date;
  /** IANA zone of the practice (or patient) */
  timeZone?: string;
}
