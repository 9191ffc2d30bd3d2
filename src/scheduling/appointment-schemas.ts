import { z } from '@hono/zod-openapi';
import type { AppointmentStatus } from '../platform/db/schema';
import { normalisePhone } from '../../channels/sms/phone';
import { inSaneYears, saneYearsMessage } from '../platform/time';

/** The appointments API's shapes: what it takes and what it answers (the OpenAPI document is made from these). */

export const appointmentStatuses = ['booked', 'confirmed', 'cancelled', 'checked_in', 'no_show'] as const satisfies readonly AppointmentStatus[];
export type AppointmentSource = 'api' | 'csv' | 'fhir' | 'waitlist';

const Phone = z
  .string()
  .trim()
  .max(40)
  .transform((v, ctx) => {
    if (v === '') return null;
    const e164 = normalisePhone(v);
    if (!e164) {
      ctx.addIssue({ code: 'custom', message: 'must be a phone number, e.g. +14155550100' });
      return z.NEVER;
    }
    return e164;
  })
  .openapi({ type: 'string', example: '+14155550100' });

export const AppointmentPatientInput = z
  .object({
    firstName: z.string().trim().min(1, 'is required').max(100),
    lastName: z.string().trim().min(1, 'is required').max(100),
    phone: Phone.nullable().optional(),
    email: z
      .email({ error: 'must be an email address' })
      .max(254)
      .transform((e) => e.toLowerCase())
      .nullable()
      .optional(),
    dateOfBirth: z.iso.date({ error: 'must be a date YYYY-MM-DD' }).refine(inSaneYears, saneYearsMessage).nullable().optional(),
    language: z.enum(['en', 'es'], { error: 'must be en or es' }).optional(),
    smsConsent: z
      .boolean()
      .optional()
      .openapi({ description: 'true records a granted SMS consent (source api/import), false a revocation; omitted changes nothing' }),
  })
  .openapi('AppointmentPatientInput');

const appointmentFields = {
  externalId: z.string().trim().min(1, 'is required').max(200).openapi({ description: "The practice's own id for the appointment; the same id again updates it" }),
  startsAt: z.iso
    .datetime({ offset: true, error: 'must be an ISO 8601 date-time with an offset, e.g. 2026-12-03T15:00:00-05:00' })
    .refine(inSaneYears, saneYearsMessage)
    .openapi({ example: '2026-12-03T15:00:00-05:00' }),
  durationMinutes: z.number({ error: 'must be a number of minutes' }).int().min(1).max(24 * 60),
  type: z.string().trim().max(200).nullable().optional(),
  provider: z.string().trim().max(200).nullable().optional(),
};

export const CreateAppointmentSchema = z
  .object({
    practiceId: z.uuid({ error: 'must be the id (uuid) of a practice' }),
    ...appointmentFields,
    status: z.enum(appointmentStatuses).optional().openapi({ description: 'default booked on create; omitted on update keeps the current one' }),
    patient: AppointmentPatientInput,
  })
  .openapi('CreateAppointment');

export const UpdateAppointmentSchema = z
  .object({
    startsAt: appointmentFields.startsAt,
    durationMinutes: appointmentFields.durationMinutes,
    type: appointmentFields.type,
    provider: appointmentFields.provider,
    status: z
      .enum(['booked', 'confirmed', 'checked_in', 'no_show'], { error: 'must be booked, confirmed, checked_in or no_show (cancel with POST .../cancel)' })
      .optional(),
  })
  .partial()
  .openapi('UpdateAppointment');

export const ListAppointmentsQuery = z.object({
  practiceId: z.uuid({ error: 'must be the id (uuid) of a practice' }).optional(),
  from: z.iso.datetime({ offset: true }).or(z.iso.date()).refine(inSaneYears, saneYearsMessage).optional().openapi({ description: 'starts at or after (date-time with offset, or a date: midnight UTC)' }),
  to: z.iso.datetime({ offset: true }).or(z.iso.date()).refine(inSaneYears, saneYearsMessage).optional().openapi({ description: 'starts before' }),
  status: z.enum(appointmentStatuses).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional().openapi({ description: 'nextCursor of the previous page' }),
});

export const AppointmentReminderSchema = z
  .object({
    id: z.uuid(),
    channel: z.enum(['sms', 'email', 'voice']),
    dueAt: z.string(),
    status: z.enum(['planned', 'queued', 'sent', 'delivered', 'failed', 'skipped', 'cancelled']),
    skipReason: z.string().nullable(),
    sentAt: z.string().nullable(),
  })
  .openapi('AppointmentReminder');

export const AppointmentSchema = z
  .object({
    id: z.uuid(),
    practiceId: z.uuid(),
    externalId: z.string(),
    startsAt: z.string().openapi({ description: 'UTC, ISO 8601' }),
    durationMinutes: z.number().int(),
    type: z.string().nullable(),
    provider: z.string().nullable(),
    status: z.enum(appointmentStatuses),
    source: z.enum(['api', 'csv', 'fhir', 'waitlist']),
    confirmedAt: z.string().nullable(),
    cancelledAt: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    patient: z.object({ id: z.uuid(), firstName: z.string().nullable(), lastName: z.string().nullable() }),
    reminders: z.array(AppointmentReminderSchema),
    ehr: z
      .object({
        resourceId: z.string().nullable().openapi({ description: 'the FHIR Appointment id in the practice’s EHR' }),
        versionId: z.string().nullable(),
        writeBack: z
          .object({
            id: z.uuid(),
            action: z.enum(['confirm', 'cancel', 'reschedule', 'book']),
            status: z.enum(['pending', 'running', 'done', 'failed', 'skipped']).openapi({
              description: 'pending: waiting for its (next) try; done: the EHR has it; failed: gave up (retry with POST .../ehr/retry); skipped: write-back was off',
            }),
            attempts: z.number().int(),
            lastError: z.string().nullable().openapi({ description: 'why the last try failed (or a note on a done one)' }),
            nextAttemptAt: z.string().nullable(),
            updatedAt: z.string(),
          })
          .nullable()
          .openapi({ description: 'the latest change written back (or being written back) to the EHR' }),
      })
      .nullable()
      .openapi({ description: 'null when the appointment is not linked to an EHR' }),
  })
  .openapi('Appointment');

export type AppointmentView = z.infer<typeof AppointmentSchema>;
/** cancelled: an update that cancelled a live appointment; held: left as it is while a change made here is written back to the EHR */
export type AppointmentOutcome = 'created' | 'updated' | 'unchanged' | 'cancelled' | 'held';

/** One appointment as the API, the CSV import and the FHIR import all hand it over. */
export interface AppointmentRecord {
  externalId: string;
  startsAt: Date;
  durationMinutes: number;
  /** undefined keeps what is stored; null clears it */
  type?: string | null;
  provider?: string | null;
  status?: AppointmentStatus;
  patient: z.output<typeof AppointmentPatientInput>;
  /** from a FHIR server or Bundle: the resource ids it is known by there */
  ehr?: {
    resourceId: string;
    versionId: string | null;
    /** the FHIR Patient this appointment names (several may lead to one patient here) */
    patientResourceId: string | null;
    patientActive: boolean;
  };
}

