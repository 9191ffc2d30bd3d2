import { eq } from 'drizzle-orm';
import { appointments, contactPoints, patients, practices, reminders } from '../../platform/db/schema';
import { queueOutbound } from '../../outreach/outbound';
import { adaptStep, reminderSendTime, type ReminderChannel } from './reminders';
import { firstNameOrGreeting, latestOutreachConversation, outreachConversation, practiceNumberOf } from '../../outreach/outreach-conversation';
import { overridesOf, renderForPractice } from '../../outreach/templates';
import { DeferJob } from '../../platform/jobs/outbox';
import { reachable } from '../../outreach/outreach-policy';
import { defineJob, type JobDeps } from '../../platform/jobs/registry';

/**
 * The reminder dispatcher's job: the outbox row of a reminder comes due (its time is in
 * Postgres), the job checks the rules of the road once more and hands the text, email or
 * call to the send job as outreach with the key `reminder:<id>`, so it goes once.
 */
export function reminderJob() {
  return defineJob({
    queue: 'reminder',
    worker: { concurrency: 4 },
    attempts: 5,
    backoffMs: 5_000,
    async exec(deps, job) {
      const outcome = await dispatchReminder(deps, job.data.reminderId);
      if (outcome.defer) throw new DeferJob(outcome.defer, outcome.reason);
      if (outcome.queued) deps.relay.nudge();
    },
  });
}

type Outcome = { defer?: undefined; queued: boolean } | { defer: Date; reason: string };

export async function dispatchReminder(deps: Pick<JobDeps, 'db' | 'clock'>, reminderId: string): Promise<Outcome> {
  return deps.db.transaction(async (tx): Promise<Outcome> => {
    // the reminder with its appointment, patient and practice, one row per contact of the
    // patient, the number outreach names, the conversation it goes in and the practice's
    // reminder templates: one statement
    const rows = await tx
      .select({
        reminder: reminders,
        appointment: appointments,
        patient: patients,
        practice: practices,
        contact: contactPoints,
        practiceNumber: practiceNumberOf(practices.id),
        conversationId: latestOutreachConversation(patients.id, reminders.channel),
        overrides: overridesOf(practices.id, 'appointment_reminder', reminders.channel),
      })
      .from(reminders)
      .innerJoin(appointments, eq(appointments.id, reminders.appointmentId))
      .innerJoin(patients, eq(patients.id, reminders.patientId))
      .innerJoin(practices, eq(practices.id, reminders.practiceId))
      .leftJoin(contactPoints, eq(contactPoints.patientId, patients.id))
      .where(eq(reminders.id, reminderId))
      .for('update', { of: reminders });
    const row = rows[0];
    // a reminder that was sent, skipped or called off stays as it is (a redelivered job)
    if (!row || row.reminder.status !== 'planned') return { queued: false };
    const { reminder, appointment, patient, practice } = row;
    const now = deps.clock.now();
    const skip = async (reason: string, status: 'skipped' | 'cancelled' = 'skipped') => {
      await tx.update(reminders).set({ status, skipReason: reason, updatedAt: now }).where(eq(reminders.id, reminder.id));
      return { queued: false };
    };
    if (appointment.status !== 'booked' && appointment.status !== 'confirmed') return skip('appointment_cancelled', 'cancelled');
    if (reminder.appointmentStartsAt && reminder.appointmentStartsAt.getTime() !== appointment.startsAt.getTime()) {
      return skip('appointment_moved', 'cancelled');
    }
    if (reminder.dueAt.getTime() > now.getTime()) return { defer: reminder.dueAt, reason: 'the reminder is not due yet' };
    if (appointment.startsAt.getTime() <= now.getTime()) return skip('appointment_passed');
    const zone = patient.timeZone ?? practice.timeZone;
    const when = reminderSendTime(now, appointment.startsAt, zone);
    if ('skip' in when) return skip(when.skip);
    if (when.at.getTime() > now.getTime()) {
      await tx.update(reminders).set({ dueAt: when.at, updatedAt: now }).where(eq(reminders.id, reminder.id));
      return { defer: when.at, reason: "quiet hours: the reminder waits for 8:00 in the patient's time zone" };
    }
    // consent and contacts as they are now (read under the reminder's lock): a patient may
    // have texted STOP since it was planned
    const contacts = rows.flatMap((r) => (r.contact ? [r.contact] : []));
    const adapted = adaptStep({ channel: reminder.channel, minutesBefore: reminder.offsetMinutes }, { preferredChannel: null }, contacts);
    if (adapted.skip) return skip(adapted.skip);
    const contact = contactFor(reminder.channel, contacts);
    const rendered = await renderForPractice(tx, {
      practiceId: practice.id,
      practice,
      overrides: row.overrides,
      numberTexted: row.practiceNumber,
      purpose: 'appointment_reminder',
      language: patient.language,
      channel: reminder.channel,
      vars: { patient: { firstName: firstNameOrGreeting(patient.firstName, patient.language) }, appointment: { startsAt: appointment.startsAt } },
      timeZone: zone,
    });
    const conversationId = row.conversationId ?? (await outreachConversation(tx, practice.id, patient.id, reminder.channel, now));
    const { messageId } = await queueOutbound(tx, {
      practiceId: practice.id,
      conversationId,
      channel: reminder.channel,
      body: rendered.text,
      subject: rendered.subject ?? null,
      html: rendered.html ?? null,
      purpose: 'outreach',
      authorType: 'automation',
      contact: contact ?? null,
      idempotencyKey: `reminder:${reminder.id}`,
      meta: { reminderId: reminder.id, appointmentId: appointment.id, template: 'appointment_reminder' },
      now,
    });
    await tx.update(reminders).set({ status: 'queued', messageId, updatedAt: now }).where(eq(reminders.id, reminder.id));
    return { queued: true };
  });
}

/** The first contact the outreach policy lets this reminder reach. */
function contactFor(channel: ReminderChannel, contacts: (typeof contactPoints.$inferSelect)[]) {
  return contacts.find((c) => reachable(channel, c).ok);
}

