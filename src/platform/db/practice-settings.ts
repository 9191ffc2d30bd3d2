import { z } from '@hono/zod-openapi';

/*
 * `practices.settings`: what a manager sets beside the practice's columns. Each field has its
 * schema here; a field that cannot be read is treated as unset by its reader (a default
 * cadence, no published availability), never as an error for the patient.
 */

export const CadenceStepSchema = z
  .object({
    channel: z.enum(['sms', 'email', 'voice']),
    /** how long before the appointment, in minutes (at most 60 days) */
    minutesBefore: z.number().int().min(5).max(60 * 24 * 60),
  })
  .openapi('ReminderCadenceStep');
export type CadenceStep = z.infer<typeof CadenceStepSchema>;

const StepsSchema = z
  .array(CadenceStepSchema)
  .max(10)
  .refine((steps) => new Set(steps.map((s) => `${s.channel}:${s.minutesBefore}`)).size === steps.length, 'a step is listed twice');

export const ReminderCadenceSchema = z
  .object({
    default: StepsSchema,
    /** appointment type -> its own steps (an empty list: no reminders for that type) */
    byType: z.record(z.string().min(1).max(100), StepsSchema).default({}),
  })
  .openapi('ReminderCadence');
export type ReminderCadence = z.infer<typeof ReminderCadenceSchema>;

/**
 * A practice publishes availability per provider: the weekly hours, slot length and the
 * appointment types the slots are for.
 */
export const ProviderAvailabilitySchema = z.object({
  weekly: z.partialRecord(
    z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']),
    z.array(z.object({ open: z.string().regex(/^\d{2}:\d{2}$/), close: z.string().regex(/^\d{2}:\d{2}$/) })),
  ),
  slotMinutes: z.number().int().min(5).max(480),
  types: z.array(z.string()).optional(),
});
export const AvailabilitySchema = z.object({ providers: z.record(z.string(), ProviderAvailabilitySchema) });
export type Availability = z.infer<typeof AvailabilitySchema>;

/** How long media are kept (DESIGN: recordings 1 year, attachments 7 years), in days. */
export const defaultRetention = { recordingsDays: 365, attachmentsDays: 2557 } as const;

export const MediaRetentionSchema = z
  .object({
    recordingsDays: z.number().int().min(1).max(36_500),
    attachmentsDays: z.number().int().min(1).max(36_500),
  })
  .partial()
  .openapi('MediaRetention');

export const PracticeSettingsSchema = z.object({
  reminderCadence: ReminderCadenceSchema.optional(),
  availability: AvailabilitySchema.optional(),
  /** how long an offline assistant's unanswered work waits before it goes back to the queue */
  offlineReturnMinutes: z.number().int().min(1).max(24 * 60).optional(),
  /** the Spanish after-hours greeting (the English one is a column) */
  afterHoursMessageEs: z.string().max(1000).optional(),
  /**
   * The staff phones a caller reaches by "talk to someone" in hours (the IVR's 0, a reminder
   * call's 3): rung together, the first to answer takes the call; nobody within the timeout:
   * voicemail.
   */
  ringGroup: z
    .object({
      numbers: z.array(z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number')).min(1).max(10),
      timeoutSeconds: z.number().int().min(5).max(60).default(20),
    })
    .optional(),
  /** Twilio Voice Intelligence service per language, for voicemail transcripts Twilio's own cannot do */
  voiceIntelligenceServiceSids: z.partialRecord(z.enum(['en', 'es']), z.string().max(64)).optional(),
  /** days to keep recordings and attachments before the retention job purges them */
  mediaRetention: MediaRetentionSchema.optional(),
  /** record calls placed from the inbox (both sides; the patient hears a notice first) */
  recordCalls: z.boolean().optional(),
});
export type PracticeSettings = z.infer<typeof PracticeSettingsSchema>;
