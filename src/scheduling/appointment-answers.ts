import { and, asc, desc, eq, gt, inArray, isNotNull } from 'drizzle-orm';
import type { Database, Db } from '../platform/db/client';
import { appointments, patients, practices, queues, reminders } from '../platform/db/schema';
import type { Channel } from '../../triage/types';
import { practiceNumber, firstNameOrGreeting } from '../outreach/outreach-conversation';
import { nextFreeSlots } from './availability';
import { queueOutbound } from '../outreach/outbound';
import { cancelReminders, planReminders } from './reminders/reminders';
import { renderForPractice } from '../outreach/templates';
import { acceptOffer } from './waitlist/waitlist';
import { declineOffer, openOfferFor } from './waitlist/offers';
import { applyAutomation } from '../inbox/people-only';
import { settleAnswered } from '../inbox/settle';
import { startSla } from '../inbox/sla';
import { pickAssistant } from '../inbox/assignment';
import { queueEhrWriteBack } from './ehr/write-back-queue';

export type AppointmentAnswer = 'confirm' | 'cancel' | 'reschedule';

export const answerFromIntent = (intent: string | null): AppointmentAnswer | null =>
  intent === 'appointment_confirm' ? 'confirm' : intent === 'appointment_cancel' ? 'cancel' : intent === 'appointment_reschedule' ? 'reschedule' : null;

type Appointment = typeof appointments.$inferSelect;

/**
 * The appointment an answer is about: that of the latest reminder sent to the patient (still
 * ahead), else their next upcoming appointment.
 */
export async function appointmentForAnswer(db: Db, patientId: string, now: Date): Promise<{ appointment: Appointment; reminderId: string | null } | null> {
  const [latest] = await db
    .select({ reminder: reminders, appointment: appointments })
    .from(reminders)
    .innerJoin(appointments, eq(appointments.id, reminders.appointmentId))
    .where(and(eq(reminders.patientId, patientId), isNotNull(reminders.sentAt), inArray(reminders.status, ['sent', 'delivered'])))
    .orderBy(desc(reminders.sentAt))
    .limit(1);
  if (latest && latest.appointment.startsAt > now && (latest.appointment.status === 'booked' || latest.appointment.status === 'confirmed')) {
    return { appointment: latest.appointment, reminderId: latest.reminder.id };
  }
  const [next] = await db
    .select()
    .from(appointments)
    .where(and(eq(appointments.patientId, patientId), gt(appointments.startsAt, now), inArray(appointments.status, ['booked', 'confirmed'])))
    .orderBy(asc(appointments.startsAt))
    .limit(1);
  return next ? { appointment: next, reminderId: null } : null;
}

export interface AnswerInput {
  patientId: string;
  answer: AppointmentAnswer;
  now: Date;
  /** where a written reply goes; none for a call (the call says it) */
  reply?: { conversationId: string; channel: Channel } | null;
  /** the reminder answered, when known (a reminder call's keypad) */
  reminderId?: string | null;
}

export type AnswerOutcome =
  | { handled: false }
  | { handled: true; appointmentId: string; answer: AppointmentAnswer; rescheduleOffered?: boolean; queued?: boolean };

/**
 * Applies an answer to a reminder: confirm, cancel (the slot is freed for the waitlist), or
 * reschedule (free slots of the same provider and type when the practice publishes them,
 * else the scheduling queue). The patient is answered from the practice's templates; a reply
 * to their own message is not outreach.
 */
export async function applyAppointmentAnswer(tx: Db, input: AnswerInput): Promise<AnswerOutcome> {
  const { now } = input;
  let target: { appointment: Appointment; reminderId: string | null } | null = null;
  if (input.reminderId) {
    const [r] = await tx
      .select({ reminder: reminders, appointment: appointments })
      .from(reminders)
      .innerJoin(appointments, eq(appointments.id, reminders.appointmentId))
      .where(eq(reminders.id, input.reminderId));
    if (r && r.appointment.startsAt > now && (r.appointment.status === 'booked' || r.appointment.status === 'confirmed')) {
      target = { appointment: r.appointment, reminderId: r.reminder.id };
    }
  } else {
    target = await appointmentForAnswer(tx, input.patientId, now);
  }
  if (!target) return { handled: false };
  const [appointment] = await tx.select().from(appointments).where(eq(appointments.id, target.appointment.id)).for('update');
  if (!appointment) return { handled: false };
  const [patient] = await tx.select().from(patients).where(eq(patients.id, appointment.patientId));
  const [practice] = await tx.select().from(practices).where(eq(practices.id, appointment.practiceId));
  const zone = patient!.timeZone ?? practice!.timeZone;
  if (target.reminderId) {
    await tx.update(reminders).set({ answer: input.answer, answeredAt: now, updatedAt: now }).where(eq(reminders.id, target.reminderId));
  }
  const vars = { patient: { firstName: firstNameOrGreeting(patient!.firstName, patient!.language) }, appointment: { startsAt: appointment.startsAt } };
  const reply = async (
    purpose: 'appointment_confirmed' | 'appointment_cancelled' | 'appointment_reschedule_offer' | 'appointment_reschedule_queue',
    extra: Record<string, unknown> = {},
  ) => {
    if (!input.reply) return;
    const channel = input.reply.channel === 'voice' ? 'sms' : input.reply.channel;
    const rendered = await renderForPractice(tx, {
      practiceId: practice!.id,
      numberTexted: await practiceNumber(tx, practice!.id),
      purpose,
      language: patient!.language,
      channel,
      vars: { ...vars, ...extra },
      timeZone: zone,
    });
    await queueOutbound(tx, {
      practiceId: practice!.id,
      conversationId: input.reply.conversationId,
      channel,
      body: rendered.text,
      subject: rendered.subject ?? null,
      html: rendered.html ?? null,
      purpose: 'reply',
      authorType: 'automation',
      meta: { appointmentId: appointment.id, template: purpose },
      now,
    });
  };

  // the EHR hears of the answer through the outbox: queued here, it never holds the answer up
  const via = input.reply?.channel ?? 'voice';
  if (input.answer === 'confirm') {
    await tx.update(appointments).set({ status: 'confirmed', confirmedAt: appointment.confirmedAt ?? now, updatedAt: now }).where(eq(appointments.id, appointment.id));
    if (appointment.status !== 'confirmed') await queueEhrWriteBack(tx, { appointmentId: appointment.id, action: 'confirm', via, now });
    await reply('appointment_confirmed', { practice: practice!.address ? { address: practice!.address } : {} });
    return { handled: true, appointmentId: appointment.id, answer: 'confirm' };
  }
  if (input.answer === 'cancel') {
    await cancelAppointment(tx, appointment.id, now);
    await queueEhrWriteBack(tx, { appointmentId: appointment.id, action: 'cancel', via, now });
    await reply('appointment_cancelled');
    return { handled: true, appointmentId: appointment.id, answer: 'cancel' };
  }
  const slots = await nextFreeSlots(tx, {
    practiceId: practice!.id,
    settings: practice!.settings,
    timeZone: zone,
    provider: appointment.provider,
    type: appointment.type,
    now,
    count: 3,
    excludeAppointmentId: appointment.id,
  });
  if (slots.length > 0) {
    await tx
      .update(appointments)
      .set({ rescheduleOptions: slots.map((s) => s.toISOString()), updatedAt: now })
      .where(eq(appointments.id, appointment.id));
    await reply('appointment_reschedule_offer', { slots: slots.map((s, i) => ({ number: i + 1, startsAt: s })) });
    return { handled: true, appointmentId: appointment.id, answer: 'reschedule', rescheduleOffered: true };
  }
  if (input.reply) await toSchedulingQueue(tx, practice!.id, input.reply.conversationId, now);
  await reply('appointment_reschedule_queue');
  return { handled: true, appointmentId: appointment.id, answer: 'reschedule', queued: true };
}

/** A cancelled appointment's reminders stop and its slot goes to the waitlist. */
export async function cancelAppointment(tx: Db, appointmentId: string, now: Date): Promise<void> {
  await tx.update(appointments).set({ status: 'cancelled', cancelledAt: now, rescheduleOptions: null, updatedAt: now }).where(eq(appointments.id, appointmentId));
  // also offers the freed slot to the waitlist
  await cancelReminders(tx, appointmentId, now);
}

/**
 * A person finds the patient a new time: the conversation goes to the practice's scheduling
 * queue with a due time, through the people-only gate (an emergency in the same conversation
 * keeps it where it is, with a person).
 */
export async function toSchedulingQueue(tx: Db, practiceId: string, conversationId: string, now: Date): Promise<void> {
  const [queue] = await tx.select({ id: queues.id }).from(queues).where(and(eq(queues.practiceId, practiceId), eq(queues.key, 'scheduling')));
  await applyAutomation(
    tx,
    conversationId,
    { status: 'open', ...(queue ? { queueId: queue.id } : {}), intent: 'appointment_reschedule' },
    { by: 'reminder_answer', now, pickAssignee: (queueId) => pickAssistant(tx, { practiceId, queueId, task: 'appointment_reschedule' }) },
  );
  await startSla(tx, conversationId, now);
}

/** After automation answered a patient's reply to a reminder or an offer (inbox/settle.ts). */
export async function settleAnsweredReply(db: Database, input: { conversationId: string; messageId: string; now: Date; toPerson: boolean }): Promise<void> {
  await db.transaction((tx) => settleAnswered(tx, { ...input, by: 'reminder_answer' }));
}

/**
 * A number answering a reschedule offer ("2") moves the appointment to that slot if it is
 * still free; its reminders are planned again for the new time.
 */
export async function applySlotChoice(tx: Db, input: { patientId: string; choice: number; now: Date; reply: { conversationId: string; channel: Channel } }): Promise<boolean | 'to_person'> {
  const { now } = input;
  const [appointment] = await tx
    .select()
    .from(appointments)
    .where(and(eq(appointments.patientId, input.patientId), isNotNull(appointments.rescheduleOptions), gt(appointments.startsAt, now), inArray(appointments.status, ['booked', 'confirmed'])))
    .orderBy(desc(appointments.updatedAt))
    .limit(1)
    .for('update');
  const chosen = appointment?.rescheduleOptions?.[input.choice - 1];
  if (!appointment || !chosen) return false;
  const [practice] = await tx.select().from(practices).where(eq(practices.id, appointment.practiceId));
  const [patient] = await tx.select().from(patients).where(eq(patients.id, appointment.patientId));
  const zone = patient!.timeZone ?? practice!.timeZone;
  const startsAt = new Date(chosen);
  const free = await nextFreeSlots(tx, {
    practiceId: practice!.id,
    settings: practice!.settings,
    timeZone: zone,
    provider: appointment.provider,
    type: appointment.type,
    now,
    count: 200,
    excludeAppointmentId: appointment.id,
  });
  if (!free.some((s) => s.getTime() === startsAt.getTime())) {
    await tx.update(appointments).set({ rescheduleOptions: null, updatedAt: now }).where(eq(appointments.id, appointment.id));
    await toSchedulingQueue(tx, practice!.id, input.reply.conversationId, now);
    return 'to_person';
  }
  await tx
    .update(appointments)
    .set({ startsAt, status: 'booked', confirmedAt: null, rescheduleOptions: null, updatedAt: now })
    .where(eq(appointments.id, appointment.id));
  await planReminders(tx, appointment.id, now);
  await queueEhrWriteBack(tx, { appointmentId: appointment.id, action: 'reschedule', via: input.reply.channel, startsAt, now });
  const channel = input.reply.channel === 'voice' ? 'sms' : input.reply.channel;
  const rendered = await renderForPractice(tx, {
    practiceId: practice!.id,
    numberTexted: await practiceNumber(tx, practice!.id),
    purpose: 'appointment_confirmed',
    language: patient!.language,
    channel,
    vars: { patient: { firstName: firstNameOrGreeting(patient!.firstName, patient!.language) }, appointment: { startsAt } },
    timeZone: zone,
  });
  await queueOutbound(tx, {
    practiceId: practice!.id,
    conversationId: input.reply.conversationId,
    channel,
    body: rendered.text,
    subject: rendered.subject ?? null,
    purpose: 'reply',
    authorType: 'automation',
    meta: { appointmentId: appointment.id, template: 'appointment_confirmed' },
    now,
  });
  return true;
}

/** A slot number answering a reschedule offer ("2", "2."), if the text is one. */
function slotChoiceIn(text: string): number | null {
  const digit = /^\s*([1-9])\s*[.)]?\s*$/.exec(text);
  return digit ? Number(digit[1]) : null;
}

/**
 * Whether `handleAppointmentReply` could take this text at all (pure, no database): when not,
 * the triage job stores and routes the message in one transaction without asking it.
 */
export const mayAnswerAppointment = (answer: AppointmentAnswer | null, text: string): boolean => answer !== null || slotChoiceIn(text) !== null;

/**
 * The triage job's first look at an inbound text: an answer to a reminder or a waitlist offer
 * belongs to them, not to the routing rules. Returns true when it was handled.
 */
export async function handleAppointmentReply(
  db: Database,
  input: { messageId: string; patientId: string; conversationId: string; channel: Channel; answer: AppointmentAnswer | null; text: string; now: Date },
): Promise<false | 'answered' | 'to_person'> {
  const { now } = input;
  const reply = { conversationId: input.conversationId, channel: input.channel };
  if (input.answer) {
    const offer = await openOfferFor(db, input.patientId, now);
    if (offer && input.answer === 'confirm') {
      await acceptOffer(db, offer.id, now);
      return 'answered';
    }
    if (offer && offer.status === 'offered' && input.answer === 'cancel') {
      await declineOffer(db, offer.id, now);
      return 'answered';
    }
    const outcome = await db.transaction((tx) => applyAppointmentAnswer(tx, { patientId: input.patientId, answer: input.answer!, now, reply }));
    return outcome.handled ? (outcome.queued ? 'to_person' : 'answered') : false;
  }
  const choice = slotChoiceIn(input.text);
  if (choice !== null) {
    const moved = await db.transaction((tx) => applySlotChoice(tx, { patientId: input.patientId, choice, now, reply }));
    return moved === false ? false : moved === 'to_person' ? 'to_person' : 'answered';
  }
  return false;
}
