import { and, eq, inArray, ne } from 'drizzle-orm';
import { z } from '@hono/zod-openapi';
import type { Db } from '../../platform/db/client';
import { appointments, contactPoints, messages, patients, practices, reminders } from '../../platform/db/schema';
import { addJob } from '../../platform/jobs/catalog';
import { offerFreedSlot } from '../waitlist/offers';
import { outreachWindowStart as nextOutreachTime, reachable } from '../../outreach/outreach-policy';
import { CadenceStepSchema, ReminderCadenceSchema, type CadenceStep, type PracticeSettings, type ReminderCadence } from '../../platform/db/practice-settings';

export type ReminderChannel = 'sms' | 'email' | 'voice';

export { CadenceStepSchema, ReminderCadenceSchema, type CadenceStep, type ReminderCadence };

/** Email a week before, a text two days before and two hours before. */
export const DEFAULT_CADENCE: ReminderCadence = {
  default: [
    { channel: 'email', minutesBefore: 7 * 24 * 60 },
    { channel: 'sms', minutesBefore: 2 * 24 * 60 },
    { channel: 'sms', minutesBefore: 120 },
  ],
  byType: {},
};

/** The practice's cadence (`settings.reminderCadence`), the default where unset or unreadable. */
export function practiceCadence(settings: PracticeSettings | null | undefined): ReminderCadence {
  const parsed = ReminderCadenceSchema.safeParse(settings?.reminderCadence);
  return parsed.success ? parsed.data : DEFAULT_CADENCE;
}

export function cadenceFor(settings: PracticeSettings | null | undefined, type: string | null): CadenceStep[] {
  const cadence = practiceCadence(settings);
  if (type && cadence.byType[type]) return cadence.byType[type]!;
  return cadence.default;
}

/** Payload ids only; the key carries the due time so a reminder moved later gets its own row. */
export const reminderDedupeKey = (reminderId: string, dueAt: Date) => `reminder:${reminderId}:${dueAt.getTime()}`;

export type ReminderRow = typeof reminders.$inferSelect;

/**
 * When a reminder due at `due` may go out: at `due` inside 8:00-21:00 in the patient's zone,
 * else at the next 8:00, or not at all when the appointment would have started by then.
 */
export function reminderSendTime(
  due: Date,
  startsAt: Date,
  timeZone: string,
): { at: Date } | { skip: 'quiet_hours_appointment_passed' } {
  const at = nextOutreachTime(due, timeZone);
  if (at.getTime() >= startsAt.getTime()) return { skip: 'quiet_hours_appointment_passed' };
  return { at };
}

type Contact = typeof contactPoints.$inferSelect;

/** The channel a cadence step goes by for this patient, and why it cannot go if it cannot. */
export function adaptStep(
  step: CadenceStep,
  patient: { preferredChannel: ReminderChannel | null },
  contacts: Contact[],
): { channel: ReminderChannel; skip?: string } {
  let channel: ReminderChannel = step.channel;
  // the patient's preference replaces the practice's texts; an email step stays an email
  if (channel === 'sms' && patient.preferredChannel === 'voice') channel = 'voice';
  if (channel === 'sms' && patient.preferredChannel === 'email') channel = 'email';
  if (channel === 'voice' && patient.preferredChannel === 'sms') channel = 'sms';
  // the outreach policy says who can be reached; the skip reason keeps its reminder name
  const kind = channel === 'email' ? 'email' : 'phone';
  const mine = contacts.filter((c) => c.kind === kind);
  if (mine.length === 0) return { channel, skip: kind === 'email' ? 'no_email' : 'no_phone' };
  if (mine.some((c) => reachable(channel, c).ok)) return { channel };
  const refusal = reachable(channel, mine[0]!);
  const code = refusal.ok ? null : refusal.code;
  if (mine.some((c) => { const r = reachable(channel, c); return !r.ok && r.code === 'consent_revoked'; })) return { channel, skip: 'consent_revoked' };
  return { channel, skip: code === 'undeliverable' ? 'email_undeliverable' : code === 'not_textable' ? 'not_textable' : (code ?? 'unreachable') };
}

/** Statuses of a reminder that has not gone out yet and can still be called off. */
const liveStatuses = ['planned', 'queued'] as const;

/**
 * Plans the reminders of an appointment from its practice's cadence, in the caller's
 * transaction: when it is made, and again when it moves (the reminders of the old time are
 * called off). Idempotent: reminders already planned for the current time are kept. A step
 * whose time has passed is recorded as skipped (`too_late`), as is one that quiet hours
 * would push past the appointment or one the patient cannot receive.
 */
export async function planReminders(tx: Db, appointmentId: string, now: Date): Promise<ReminderRow[]> {
  const [row] = await tx
    .select({ appointment: appointments, patient: patients, practice: practices })
    .from(appointments)
    .innerJoin(patients, eq(patients.id, appointments.patientId))
    .innerJoin(practices, eq(practices.id, appointments.practiceId))
    .where(eq(appointments.id, appointmentId))
    .for('update', { of: appointments });
  if (!row) throw new Error(`appointment ${appointmentId} not found`);
  const { appointment, patient, practice } = row;
  if (appointment.status !== 'booked' && appointment.status !== 'confirmed') {
    await cancelReminders(tx, appointmentId, now);
    return [];
  }
  const existing = await tx.select().from(reminders).where(eq(reminders.appointmentId, appointmentId));
  const startsAt = appointment.startsAt;
  const current = existing.filter((r) => r.status !== 'cancelled' && r.appointmentStartsAt?.getTime() === startsAt.getTime());
  const stale = existing.filter((r) => (liveStatuses as readonly string[]).includes(r.status) && !current.includes(r));
  if (stale.length > 0) await callOff(tx, stale, now, 'appointment_moved');
  if (current.length > 0) return current;

  const zone = patient.timeZone ?? practice.timeZone;
  const contacts = await tx.select().from(contactPoints).where(eq(contactPoints.patientId, patient.id));
  const planned: ReminderRow[] = [];
  for (const step of cadenceFor(practice.settings, appointment.type)) {
    const { channel, skip } = adaptStep(step, patient, contacts);
    const due = new Date(startsAt.getTime() - step.minutesBefore * 60_000);
    let status: ReminderRow['status'] = 'planned';
    let skipReason: string | null = skip ?? null;
    let dueAt = due;
    if (due.getTime() <= now.getTime()) skipReason = 'too_late';
    else if (!skipReason) {
      const when = reminderSendTime(due, startsAt, zone);
      if ('skip' in when) skipReason = when.skip;
      else dueAt = when.at;
    }
    if (skipReason) status = 'skipped';
    const [reminder] = await tx
      .insert(reminders)
      .values({
        practiceId: appointment.practiceId,
        appointmentId,
        patientId: patient.id,
        channel,
        offsetMinutes: step.minutesBefore,
        dueAt,
        status,
        skipReason,
        appointmentStartsAt: startsAt,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    if (status === 'planned') {
      await addJob(tx, 'reminder', { reminderId: reminder!.id }, { runAt: dueAt, dedupeKey: reminderDedupeKey(reminder!.id, dueAt) });
    }
    planned.push(reminder!);
  }
  return planned;
}

/**
 * Calls off the reminders of a cancelled appointment that have not gone out; returns how
 * many. A cancelled appointment's slot is free: the waitlist hears of it (in this transaction).
 */
export async function cancelReminders(tx: Db, appointmentId: string, now: Date): Promise<number> {
  const live = await tx
    .select()
    .from(reminders)
    .where(and(eq(reminders.appointmentId, appointmentId), inArray(reminders.status, [...liveStatuses])));
  await callOff(tx, live, now, 'appointment_cancelled');
  const [appointment] = await tx.select({ status: appointments.status }).from(appointments).where(eq(appointments.id, appointmentId));
  if (appointment?.status === 'cancelled') {
    await offerFreedSlot(tx, appointmentId, now);
  }
  return live.length;
}

/**
 * A planned reminder's outbox row finds it cancelled and does nothing; a queued one's text is
 * withdrawn unless the send job has already taken it.
 */
async function callOff(tx: Db, list: ReminderRow[], now: Date, reason: string): Promise<void> {
  if (list.length === 0) return;
  await tx
    .update(reminders)
    .set({ status: 'cancelled', skipReason: reason, updatedAt: now })
    .where(inArray(reminders.id, list.map((r) => r.id)));
  const messageIds = list.filter((r) => r.messageId).map((r) => r.messageId!);
  if (messageIds.length > 0) {
    await tx
      .update(messages)
      .set({ status: 'refused', errorCode: reason, errorMessage: 'the reminder was called off before it went out' })
      .where(and(inArray(messages.id, messageIds), eq(messages.status, 'pending')));
  }
}

/** The reminders of an appointment, oldest step first (for the appointment's detail). */
export async function remindersOf(db: Db, appointmentId: string): Promise<ReminderRow[]> {
  const rows = await db.select().from(reminders).where(and(eq(reminders.appointmentId, appointmentId), ne(reminders.status, 'cancelled')));
  return rows.sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime());
}

export const ReminderViewSchema = z
  .object({
    id: z.string().uuid(),
    channel: z.enum(['sms', 'email', 'voice']),
    minutesBefore: z.number().int(),
    dueAt: z.string(),
    status: z.enum(['planned', 'queued', 'sent', 'delivered', 'failed', 'skipped', 'cancelled']),
    skipReason: z.string().nullable(),
    sentAt: z.string().nullable(),
    answer: z.enum(['confirm', 'cancel', 'reschedule']).nullable(),
  })
  .openapi('Reminder');

export function reminderView(r: ReminderRow): z.infer<typeof ReminderViewSchema> {
  return {
    id: r.id,
    channel: r.channel,
    minutesBefore: r.offsetMinutes,
    dueAt: r.dueAt.toISOString(),
    status: r.status,
    skipReason: r.skipReason,
    sentAt: r.sentAt?.toISOString() ?? null,
    answer: r.answer ?? null,
  };
}
