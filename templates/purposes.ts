/*
 * What each template purpose is for, where it may be sent, and which variables it may use.
 * The allow-list is the privacy rule in code: a variable that is not listed for a purpose and
 * channel cannot be saved in a template, so a practice override cannot put a last name in a
 * text or a visit reason in a reminder (DESIGN.md, "Privacy and compliance").
 */

export const channels = ['sms', 'email', 'portal', 'voice'] as const;
export type TemplateChannel = (typeof channels)[number];

export const languages = ['en', 'es'] as const;
export type TemplateLanguage = (typeof languages)[number];

export const purposes = [
  'emergency',
  'urgent_ack',
  'ack',
  'after_hours_ack',
  'hours',
  'address',
  'fax',
  'portal_signup',
  'refill_received',
  'refill_approved',
  'refill_denied',
  'appointment_reminder',
  'appointment_confirmed',
  'appointment_cancelled',
  'appointment_reschedule_offer',
  'appointment_reschedule_queue',
  'waitlist_offer',
  'waitlist_taken',
  'waitlist_booked',
  'missed_call_textback',
  'help',
  'opt_out_confirm',
  'opt_in_confirm',
  'sla_warning',
  'sla_breach',
  'oncall_emergency',
  'staff_notice',
] as const;
export type TemplatePurpose = (typeof purposes)[number];

/**
 * A variable path as templates write it; `[]` marks an array element, so `slots[].startsAt`
 * is `{{startsAt}}` inside `{{#each slots}}`. `channels` narrows where it may appear.
 */
export interface VariableRule {
  path: string;
  channels?: readonly TemplateChannel[];
}

export interface PurposeSpec {
  audience: 'patient' | 'staff';
  /** automated outreach (not a reply): minimum content, quiet hours and caps apply upstream */
  outreach: boolean;
  channels: readonly TemplateChannel[];
  variables: readonly VariableRule[];
  description: string;
}

/** Always present: the renderer sets them from its own arguments. */
export const builtInVariables = ['tz', 'lang'] as const;

const practice: VariableRule[] = [
  'practice.name',
  'practice.phone',
  'practice.address',
  'practice.fax',
  'practice.hours',
  'practice.portalUrl',
  'practice.website',
].map((path) => ({ path }));

/** First name anywhere a patient reads or hears it; the last name only behind the portal login. */
const patient: VariableRule[] = [{ path: 'patient.firstName' }, { path: 'patient.lastName', channels: ['portal'] }];

/** The reminder minimum: first name, date and time, practice name and phone (how to answer is template text). */
const minimum: VariableRule[] = [{ path: 'practice.name' }, { path: 'practice.phone' }, { path: 'patient.firstName' }];

const written: TemplateChannel[] = ['sms', 'email', 'portal'];

/** Staff notifications carry ids and links, never the patient's name, number or words. */
const staff: VariableRule[] = [
  { path: 'practice.name' },
  { path: 'conversation.id' },
  { path: 'conversation.url' },
  { path: 'conversation.queue' },
  { path: 'conversation.channel' },
];

export const purposeSpecs: Record<TemplatePurpose, PurposeSpec> = {
  emergency: {
    audience: 'patient',
    outreach: false,
    channels: written,
    variables: [...practice, ...patient],
    description: 'Standard emergency reply: call 911 now; for thoughts of suicide call or text 988.',
  },
  urgent_ack: {
    audience: 'patient',
    outreach: false,
    channels: written,
    variables: [...practice, ...patient],
    description: 'Urgent message: a nurse will call you today.',
  },
  ack: {
    audience: 'patient',
    outreach: false,
    channels: written,
    variables: [...practice, ...patient, { path: 'sla.dueAt' }],
    description: 'Generic acknowledgement: we got your message and will reply by the SLA due time.',
  },
  after_hours_ack: {
    audience: 'patient',
    outreach: false,
    channels: written,
    variables: [...practice, ...patient, { path: 'sla.dueAt' }],
    description: 'Acknowledgement outside business hours, with the hours and the 911 reminder.',
  },
  hours: {
    audience: 'patient',
    outreach: false,
    channels: written,
    variables: [...practice, ...patient],
    description: "The practice's opening hours.",
  },
  address: {
    audience: 'patient',
    outreach: false,
    channels: written,
    variables: [...practice, ...patient],
    description: "The practice's address.",
  },
  fax: {
    audience: 'patient',
    outreach: false,
    channels: written,
    variables: [...practice, ...patient],
    description: "The practice's fax number.",
  },
  portal_signup: {
    audience: 'patient',
    outreach: false,
    channels: written,
    variables: [...practice, ...patient],
    description: 'How to sign up for the patient portal.',
  },
  refill_received: {
    audience: 'patient',
    outreach: false,
    channels: written,
    variables: [...practice, ...patient, { path: 'sla.dueAt' }, { path: 'refill.medication', channels: ['portal'] }],
    description: 'Refill request received and sent for review.',
  },
  refill_approved: {
    audience: 'patient',
    outreach: false,
    channels: written,
    variables: [
      ...practice,
      ...patient,
      { path: 'refill.medication', channels: ['portal'] },
      { path: 'refill.pharmacy', channels: ['portal'] },
    ],
    description: 'Refill approved and sent to the pharmacy.',
  },
  refill_denied: {
    audience: 'patient',
    outreach: false,
    channels: written,
    variables: [...practice, ...patient, { path: 'refill.medication', channels: ['portal'] }],
    description: 'Refill not approved: call us about next steps (no reason in the message).',
  },
  appointment_reminder: {
    audience: 'patient',
    outreach: true,
    channels: ['sms', 'email', 'portal', 'voice'],
    variables: [...minimum, { path: 'appointment.startsAt' }],
    description: 'Reminder with the minimum content; answer C to confirm, X to cancel, R to reschedule (voice: 1, 2, 3).',
  },
  appointment_confirmed: {
    audience: 'patient',
    outreach: false,
    channels: ['sms', 'email', 'portal', 'voice'],
    variables: [
      ...minimum,
      { path: 'practice.address' },
      { path: 'appointment.startsAt' },
      { path: 'appointment.provider', channels: ['email', 'portal'] },
    ],
    description: 'The appointment is confirmed.',
  },
  appointment_cancelled: {
    audience: 'patient',
    outreach: false,
    channels: ['sms', 'email', 'portal', 'voice'],
    variables: [...minimum, { path: 'appointment.startsAt' }, { path: 'appointment.provider', channels: ['email', 'portal'] }],
    description: 'The appointment is cancelled.',
  },
  appointment_reschedule_offer: {
    audience: 'patient',
    outreach: false,
    channels: written,
    variables: [...minimum, { path: 'appointment.startsAt' }, { path: 'slots[].number' }, { path: 'slots[].startsAt' }],
    description: 'A few free slots, each with a number to reply.',
  },
  appointment_reschedule_queue: {
    audience: 'patient',
    outreach: false,
    channels: ['sms', 'email', 'portal', 'voice'],
    variables: [...minimum, { path: 'appointment.startsAt' }],
    description: 'Someone from the practice will contact you to find a new time.',
  },
  waitlist_offer: {
    audience: 'patient',
    outreach: true,
    channels: ['sms', 'email'],
    variables: [...minimum, { path: 'slot.startsAt' }, { path: 'offer.expiresAt' }],
    description: 'A freed slot offered to a waitlisted patient; reply C to take it (never YES: a carrier opt-in keyword).',
  },
  waitlist_taken: {
    audience: 'patient',
    outreach: false,
    channels: ['sms', 'email'],
    variables: [...minimum, { path: 'slot.startsAt' }],
    description: 'The offered slot went to someone else; you stay on the waitlist.',
  },
  waitlist_booked: {
    audience: 'patient',
    outreach: false,
    channels: ['sms', 'email'],
    variables: [...minimum, { path: 'practice.address' }, { path: 'appointment.startsAt' }],
    description: 'You got the offered slot.',
  },
  missed_call_textback: {
    audience: 'patient',
    outreach: true,
    channels: ['sms'],
    variables: [{ path: 'practice.name' }, { path: 'practice.phone' }],
    description: "Sorry we missed your call, reply here and we'll help.",
  },
  help: {
    audience: 'patient',
    outreach: false,
    channels: ['sms'],
    variables: [{ path: 'practice.name' }, { path: 'practice.phone' }],
    description: 'Answer to HELP / AYUDA: practice name and phone, how to stop.',
  },
  opt_out_confirm: {
    audience: 'patient',
    outreach: false,
    channels: ['sms'],
    variables: [{ path: 'practice.name' }, { path: 'practice.phone' }],
    description: 'Texts stopped; how to start again.',
  },
  opt_in_confirm: {
    audience: 'patient',
    outreach: false,
    channels: ['sms'],
    variables: [{ path: 'practice.name' }, { path: 'practice.phone' }],
    description: 'Texts restarted; how to stop.',
  },
  sla_warning: {
    audience: 'staff',
    outreach: false,
    channels: ['sms', 'email'],
    variables: [...staff, { path: 'sla.dueAt' }, { path: 'sla.kind' }],
    description: 'Staff: a conversation will breach its SLA soon (ids and link only).',
  },
  sla_breach: {
    audience: 'staff',
    outreach: false,
    channels: ['sms', 'email'],
    variables: [...staff, { path: 'sla.dueAt' }, { path: 'sla.kind' }],
    description: 'Staff: a conversation breached its SLA (ids and link only).',
  },
  oncall_emergency: {
    audience: 'staff',
    outreach: false,
    channels: ['sms', 'email'],
    variables: [...staff, { path: 'conversation.receivedAt' }],
    description: 'Staff on call: an emergency message is waiting at the top of the urgent queue (ids and link only).',
  },
  staff_notice: {
    audience: 'staff',
    outreach: false,
    channels: ['sms', 'email'],
    variables: [...staff, { path: 'conversation.receivedAt' }],
    description: 'Staff: a new message someone should look at (a rule asked, or an urgent one after hours); ids and link only.',
  },
};

/**
 * Variables that exist on our records but never go into any template. Named here so a
 * manager gets the reason instead of "unknown variable".
 */
export const forbiddenVariables: Record<string, string> = {
  'patient.dateOfBirth': 'a date of birth never goes into a message',
  'patient.dob': 'a date of birth never goes into a message',
  'patient.phone': "the patient's contact details never go into a message",
  'patient.email': "the patient's contact details never go into a message",
  'patient.id': 'internal ids never go to a patient',
  'appointment.reason': 'the reason for a visit never goes into a message',
  'appointment.type': 'the visit type never goes into a message',
  'appointment.specialty': "the provider's specialty never goes into a message",
  'message.body': "a patient's words are never copied into a message",
  'triage.redFlags': 'clinical details never go into a message',
};

export function isPurpose(value: string): value is TemplatePurpose {
  return (purposes as readonly string[]).includes(value);
}

export function isChannel(value: string): value is TemplateChannel {
  return (channels as readonly string[]).includes(value);
}

/**
 * The patient's language picks the template; a regional tag counts as its language
 * (`es-MX` is `es`), and anything we have no templates for falls back to English.
 */
export function resolveLanguage(language: string | null | undefined): TemplateLanguage {
  const base = (language ?? '').trim().toLowerCase().split(/[-_]/)[0];
  return (languages as readonly string[]).includes(base ?? '') ? (base as TemplateLanguage) : 'en';
}
