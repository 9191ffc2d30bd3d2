import { eq } from 'drizzle-orm';
import { appointments, messages, patients, practices, reminders } from '../../platform/db/schema';
import { reminderAnswerTwiml, reminderCallTwiml, reminderDialDoneTwiml, connectingText } from '../../../channels/voice/reminder-twiml';
import { ringGroupOf } from '../../intake/voice/calls';
import type { VoiceLanguage } from '../../../channels/voice/twiml';
import { applyAppointmentAnswer, toSchedulingQueue, type AppointmentAnswer } from '../appointment-answers';
import { renderForPractice } from '../../outreach/templates';
import { firstNameOrGreeting } from '../../outreach/outreach-conversation';
import { reflectOnReminder } from '../../outreach/reminder-delivery';
import type { App } from '../../http/context';
import { twiml, verifiedTwilioParams } from '../../http/twilio-webhook';
import { AppError } from '../../platform/errors';

const ID = /^[0-9a-f-]{36}$/;

/**
 * A reminder call's webhooks (signed like every Twilio webhook): the TwiML that reads the
 * reminder, the keypress (1 confirm, 2 cancel, 3 talk to someone) and the call's status.
 */
export function twilioVoiceReminderRoutes(app: App) {
  const reminderIdOf = (url: string) => {
    const id = new URL(url).searchParams.get('reminderId');
    if (!id || !ID.test(id)) throw new AppError('bad_request', 'reminderId: must be a reminder id');
    return id;
  };

  async function load(db: Parameters<typeof renderForPractice>[0], reminderId: string) {
    const [row] = await db
      .select({ reminder: reminders, appointment: appointments, patient: patients, practice: practices, body: messages.body, conversationId: messages.conversationId })
      .from(reminders)
      .innerJoin(appointments, eq(appointments.id, reminders.appointmentId))
      .innerJoin(patients, eq(patients.id, reminders.patientId))
      .innerJoin(practices, eq(practices.id, reminders.practiceId))
      .leftJoin(messages, eq(messages.id, reminders.messageId))
      .where(eq(reminders.id, reminderId));
    return row ?? null;
  }

  app.post('/webhooks/twilio/voice/reminder', async (c) => {
    const deps = c.get('deps');
    await verifiedTwilioParams(c);
    const reminderId = reminderIdOf(c.req.url);
    const row = await load(deps.db, reminderId);
    if (!row || !row.body || row.reminder.channel !== 'voice') throw new AppError('not_found', 'reminder call not found');
    const language: VoiceLanguage = row.patient.language === 'es' ? 'es' : 'en';
    const base = deps.env.PUBLIC_BASE_URL.replace(/\/$/, '');
    return twiml(c, reminderCallTwiml({ language, text: row.body, actionUrl: `${base}/webhooks/twilio/voice/reminder/answer?reminderId=${reminderId}` }));
  });

  app.post('/webhooks/twilio/voice/reminder/answer', async (c) => {
    const deps = c.get('deps');
    const params = await verifiedTwilioParams(c);
    const reminderId = reminderIdOf(c.req.url);
    const row = await load(deps.db, reminderId);
    if (!row || row.reminder.channel !== 'voice') throw new AppError('not_found', 'reminder call not found');
    const language: VoiceLanguage = row.patient.language === 'es' ? 'es' : 'en';
    const now = deps.clock.now();
    // the ring group's answer after a "3": the conversation is already in the scheduling queue
    if (new URL(c.req.url).searchParams.get('event') === 'dial') {
      const status = params.DialCallStatus ?? 'failed';
      return twiml(c, reminderDialDoneTwiml({ language, answered: status === 'completed' || status === 'answered' }));
    }
    const digit = (params.Digits ?? '').trim();
    const answers: Record<string, AppointmentAnswer> = { '1': 'confirm', '2': 'cancel' };
    const zone = row.patient.timeZone ?? row.practice.timeZone;
    const say = async (purpose: 'appointment_confirmed' | 'appointment_cancelled' | 'appointment_reschedule_queue') =>
      (
        await renderForPractice(deps.db, {
          practiceId: row.practice.id,
          purpose,
          language,
          channel: 'voice',
          vars: {
            patient: { firstName: firstNameOrGreeting(row.patient.firstName, row.patient.language) },
            appointment: { startsAt: row.appointment.startsAt },
            ...(row.practice.address ? { practice: { address: row.practice.address } } : {}),
          },
          timeZone: zone,
        })
      ).text;
    const answer = Object.hasOwn(answers, digit) ? answers[digit] : undefined;
    if (answer) {
      const outcome = await deps.db.transaction((tx) => applyAppointmentAnswer(tx, { patientId: row.patient.id, answer, now, reminderId, reply: null }));
      deps.relay.nudge();
      if (!outcome.handled) return twiml(c, reminderAnswerTwiml({ language, text: await say('appointment_reschedule_queue') }));
      return twiml(c, reminderAnswerTwiml({ language, text: await say(answer === 'confirm' ? 'appointment_confirmed' : 'appointment_cancelled') }));
    }
    if (digit === '3') {
      const group = ringGroupOf(row.practice);
      await deps.db.transaction(async (tx) => {
        await tx.update(reminders).set({ answer: 'reschedule', answeredAt: now, updatedAt: now }).where(eq(reminders.id, reminderId));
        // a person calls back if the transfer is not picked up
        if (row.conversationId) await toSchedulingQueue(tx, row.practice.id, row.conversationId, now);
      });
      if (group) {
        const base = deps.env.PUBLIC_BASE_URL.replace(/\/$/, '');
        const actionUrl = `${base}/webhooks/twilio/voice/reminder/answer?reminderId=${reminderId}&event=dial`;
        return twiml(c, reminderAnswerTwiml({ language, text: connectingText[language], dial: { ...group, actionUrl } }));
      }
      return twiml(c, reminderAnswerTwiml({ language, text: await say('appointment_reschedule_queue') }));
    }
    const base = deps.env.PUBLIC_BASE_URL.replace(/\/$/, '');
    return twiml(c, reminderCallTwiml({ language, text: row.body ?? '', actionUrl: `${base}/webhooks/twilio/voice/reminder/answer?reminderId=${reminderId}` }));
  });

  app.post('/webhooks/twilio/voice/reminder/status', async (c) => {
    const deps = c.get('deps');
    const params = await verifiedTwilioParams(c);
    const reminderId = reminderIdOf(c.req.url);
    const [reminder] = await deps.db.select({ messageId: reminders.messageId }).from(reminders).where(eq(reminders.id, reminderId));
    if (reminder?.messageId) {
      const status = params.CallStatus;
      const stored = status === 'completed' ? 'delivered' : ['busy', 'no-answer', 'failed', 'canceled'].includes(status ?? '') ? 'undelivered' : null;
      if (stored) {
        await deps.db.update(messages).set({ status: stored, ...(stored === 'delivered' ? { deliveredAt: deps.clock.now() } : { errorCode: `call_${status}` }) }).where(eq(messages.id, reminder.messageId));
        await reflectOnReminder(deps.db, reminder.messageId, deps.clock.now());
      }
    }
    return c.body(null, 204);
  });
}
