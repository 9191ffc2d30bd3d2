/*
 * Example values for each purpose: previews in the console, and the tests' fixtures.
 * Fictional practice and patient; dates in December 2026.
 */
import type { TemplatePurpose } from './purposes.js';

const practice = {
  name: 'Riverside Family Medicine',
  phone: '(555) 201-4400',
  address: '120 Main St, Suite 200, Springfield, IL 62701',
  fax: '(555) 201-4401',
  hours: {
    weekly: {
      mon: [{ open: '08:00', close: '17:00' }],
      tue: [{ open: '08:00', close: '17:00' }],
      wed: [{ open: '08:00', close: '17:00' }],
      thu: [{ open: '08:00', close: '17:00' }],
      fri: [{ open: '08:00', close: '12:00' }],
    },
  },
  portalUrl: 'https://portal.riversidefm.example/signup',
  website: 'https://riversidefm.example',
};

const patient = { firstName: 'Maria' };
const appointment = { startsAt: '2026-12-03T15:30:00-06:00' };
const conversation = {
  id: 'c_7f3a9e21',
  url: 'https://switchboard.example/c/c_7f3a9e21',
  queue: 'refills',
  channel: 'sms',
  receivedAt: '2026-12-01T22:14:00-06:00',
};

export function sampleVars(purpose: TemplatePurpose): Record<string, unknown> {
  const base = { practice, patient };
  switch (purpose) {
    case 'ack':
    case 'after_hours_ack':
    case 'refill_received':
      return { ...base, sla: { dueAt: '2026-12-02T17:00:00-06:00' }, refill: { medication: 'lisinopril 10 mg' } };
    case 'refill_approved':
    case 'refill_denied':
      return { ...base, refill: { medication: 'lisinopril 10 mg', pharmacy: 'CVS, 400 Oak Ave' } };
    case 'appointment_reminder':
    case 'appointment_confirmed':
    case 'appointment_cancelled':
    case 'appointment_reschedule_queue':
    case 'waitlist_booked':
      return { ...base, appointment: { ...appointment, provider: 'Dr. Ana Ruiz' } };
    case 'appointment_reschedule_offer':
      return {
        ...base,
        appointment,
        slots: [
          { number: 1, startsAt: '2026-12-04T09:00:00-06:00' },
          { number: 2, startsAt: '2026-12-07T14:15:00-06:00' },
          { number: 3, startsAt: '2026-12-08T10:45:00-06:00' },
        ],
      };
    case 'waitlist_offer':
      return { ...base, slot: { startsAt: '2026-12-02T10:00:00-06:00' }, offer: { expiresAt: '2026-12-01T12:00:00-06:00' } };
    case 'waitlist_taken':
      return { ...base, slot: { startsAt: '2026-12-02T10:00:00-06:00' } };
    case 'sla_warning':
    case 'sla_breach':
      return { practice, conversation, sla: { dueAt: '2026-12-02T11:00:00-06:00' } };
    case 'oncall_emergency':
      return { practice, conversation: { ...conversation, queue: 'urgent' } };
    case 'staff_notice':
      return { practice, conversation: { ...conversation, queue: 'refills' } };
    default:
      return base;
  }
}

export const sampleTimeZone = 'America/Chicago';
