import { randomUUID } from 'node:crypto';
import { z } from '@hono/zod-openapi';
import { and, desc, eq, sql } from 'drizzle-orm';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import twilio from '../../../channels/twilio-parts';
import type { Database, Db } from '../../platform/db/client';
import {
  calls,
  contactPoints,
  conversations,
  messageAttachments,
  messages,
  patients,
  practiceAddresses,
  practices,
  recordings,
  users,
  type CallOutcome,
  type DeliveryStatus,
} from '../../platform/db/schema';
import type { Env } from '../../platform/env';
import { canSeeQueue, type Principal } from '../../access/principal';
import { AppError, forbidden, notFound } from '../../platform/errors';
import { audit } from '../../access/audit';
import { addJob } from '../../platform/jobs/catalog';
import { SendError } from '../../../channels/sms/send-error';
import type { VoiceCaller } from '../../../channels/voice/caller';

export const PlaceCallSchema = z
  .object({
    staffPhone: z.string().trim().min(3).max(40).optional().openapi({ description: 'the phone to ring first; default: the caller\'s profile number (PATCH /api/v1/profile)' }),
  })
  .openapi('PlaceCall');

export const PlacedCallSchema = z
  .object({
    callId: z.uuid(),
    status: z.string().openapi({ description: 'queued (the staff phone rings now), simulated (SEND_MODE=simulate: nothing rang), failed' }),
    staffPhone: z.string(),
    callerId: z.string().openapi({ description: 'the practice number the patient sees' }),
    recording: z.boolean(),
    messageId: z.uuid().openapi({ description: 'the call in the conversation' }),
  })
  .openapi('PlacedCall');

const e164 = (v: string | null | undefined) => {
  const n = v ? parsePhoneNumberFromString(v, 'US') : undefined;
  return n?.isValid() ? (n.number as string) : null;
};

export const bridgeUrl = (env: Pick<Env, 'PUBLIC_BASE_URL'>, step: 'connect' | 'done' | 'status' | 'recording' | 'notice', callId: string) =>
  `${env.PUBLIC_BASE_URL}/webhooks/twilio/voice/bridge/${step}?callId=${callId}`;

const say = { voice: 'Polly.Joanna', language: 'en-US' } as const;

/** What the staff member hears on answering: a key press first, so their voicemail never calls the patient. */
export function staffLegTwiml(env: Pick<Env, 'PUBLIC_BASE_URL'>, callId: string): string {
  const r = new twilio.twiml.VoiceResponse();
  const gather = r.gather({ numDigits: 1, timeout: 10, action: bridgeUrl(env, 'connect', callId), method: 'POST' });
  gather.say(say, 'Switchboard call to a patient. Press 1 to connect.');
  r.say(say, 'No key was pressed. Goodbye.');
  r.hangup();
  return r.toString();
}

/** After the key press: dial the patient from the practice number, recorded when the practice turned it on. */
export function bridgeTwiml(env: Pick<Env, 'PUBLIC_BASE_URL'>, input: { callId: string; callerId: string; patientPhone: string; record: boolean }): string {
  const r = new twilio.twiml.VoiceResponse();
  r.say(say, 'Connecting you to the patient.');
  const dial = r.dial({
    callerId: input.callerId,
    answerOnBridge: true,
    timeout: 25,
    action: bridgeUrl(env, 'done', input.callId),
    method: 'POST',
    ...(input.record
      ? { record: 'record-from-answer-dual', recordingStatusCallback: bridgeUrl(env, 'recording', input.callId), recordingStatusCallbackEvent: ['completed'] }
      : {}),
  } as never);
  // a recorded call tells the patient before they are connected
  dial.number(input.record ? { url: bridgeUrl(env, 'notice', input.callId), method: 'POST' } : {}, input.patientPhone);
  return r.toString();
}

export function recordingNoticeTwiml(practiceName: string): string {
  const r = new twilio.twiml.VoiceResponse();
  r.say(say, `This call from ${practiceName} may be recorded.`);
  return r.toString();
}

export const cancelledTwiml = (words: string) => {
  const r = new twilio.twiml.VoiceResponse();
  r.say(say, words);
  r.hangup();
  return r.toString();
};

const outcomeWords: Record<CallOutcome, string> = {
  answered: 'the patient answered',
  no_answer: 'the patient did not answer',
  busy: "the patient's line was busy",
  failed: 'the call failed',
  staff_no_answer: 'the staff phone did not take the call',
  canceled: 'the call was cancelled before the patient was rung',
  missed: 'missed',
  voicemail: 'voicemail',
  forwarded: 'forwarded',
};

const minutes = (s: number) => `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
export function callSummary(placedBy: string | null, outcome: CallOutcome | null, durationSeconds: number | null, simulated = false): string {
  const who = placedBy ? `Call by ${placedBy}` : 'Call';
  if (simulated) return `${who} (simulated: SEND_MODE=simulate, no phone rang)`;
  if (!outcome) return `${who}: ringing the staff phone, then the patient`;
  return `${who}: ${outcomeWords[outcome]}${outcome === 'answered' && durationSeconds !== null ? `, ${minutes(durationSeconds)}` : ''}`;
}

const statusFor = (outcome: CallOutcome): DeliveryStatus => (outcome === 'answered' ? 'delivered' : outcome === 'canceled' || outcome === 'staff_no_answer' ? 'failed' : 'undelivered');

/**
 * `POST /api/v1/conversations/{id}/call`: rings the staff member's phone first (their
 * profile number, or the one given); when they press 1 the patient is dialled with the
 * practice's number as caller ID (the number the patient wrote or called to, when it takes
 * calls). The call is a row of its own and an event in the conversation that takes its
 * outcome and duration, and its recording when the practice records calls. A person
 * calling a patient back is not automated outreach: no quiet hours or caps apply.
 */
export async function placeCall(db: Database, env: Env, caller: VoiceCaller, who: Principal, conversationId: string, input: z.input<typeof PlaceCallSchema>, now: Date, requestId: string | null) {
  const data = PlaceCallSchema.parse(input);
  if (who.role === 'portal') throw forbidden('portal tokens can only use the portal routes');
  const placed = await db.transaction(async (tx) => {
    const [c] = await tx.select().from(conversations).where(eq(conversations.id, conversationId));
    if (!c || !canSeeQueue(who, c.practiceId, c.queueId, c.assigneeId)) throw notFound('conversation');
    const [patient] = await tx.select().from(patients).where(eq(patients.id, c.patientId));
    if (patient?.erasedAt) throw new AppError('conflict', "this patient's record was erased");
    const [practice] = await tx.select().from(practices).where(eq(practices.id, c.practiceId));
    let staffPhone: string | null = null;
    let staffName: string | null = null;
    if (who.userId) {
      const [u] = await tx.select({ phone: users.phone, name: users.name, email: users.email }).from(users).where(eq(users.id, who.userId));
      staffPhone = u?.phone ?? null;
      staffName = u?.name ?? u?.email ?? null;
    }
    if (data.staffPhone !== undefined) {
      staffPhone = e164(data.staffPhone);
      if (!staffPhone) throw new AppError('validation_failed', 'staffPhone: must be a phone number, e.g. (415) 555-0100');
    }
    if (!staffPhone) throw new AppError('unprocessable', 'no phone to ring first: add one to your profile (PATCH /api/v1/profile) or give staffPhone');

    // the patient's number: the one they wrote or called from in this conversation, else any of theirs
    const [fromThread] = await tx
      .select({ value: contactPoints.value, to: messages.toAddress })
      .from(messages)
      .innerJoin(contactPoints, eq(contactPoints.id, messages.contactPointId))
      .where(and(eq(messages.conversationId, c.id), eq(messages.direction, 'inbound'), eq(contactPoints.kind, 'phone')))
      .orderBy(desc(messages.createdAt))
      .limit(1);
    const [anyPhone] = fromThread
      ? [fromThread]
      : await tx.select({ value: contactPoints.value, to: contactPoints.value }).from(contactPoints).where(and(eq(contactPoints.patientId, c.patientId), eq(contactPoints.kind, 'phone'))).limit(1);
    const patientPhone = anyPhone?.value ?? null;
    if (!patientPhone) throw new AppError('unprocessable', 'the patient has no phone number on record');
    if (patientPhone === staffPhone) throw new AppError('validation_failed', "staffPhone: that is the patient's own number");

    const numbers = await tx
      .select({ value: practiceAddresses.value })
      .from(practiceAddresses)
      .where(and(eq(practiceAddresses.practiceId, c.practiceId), eq(practiceAddresses.kind, 'phone'), eq(practiceAddresses.voice, true)));
    const voiceNumbers = numbers.map((n) => n.value);
    const callerId = fromThread?.to && voiceNumbers.includes(fromThread.to) ? fromThread.to : (voiceNumbers[0] ?? null);
    if (!callerId) throw new AppError('unprocessable', 'the practice has no number that makes calls');

    const record = practice?.settings.recordCalls === true;
    const id = randomUUID();
    await tx.insert(calls).values({
      id,
      practiceId: c.practiceId,
      callSid: `pending-${id}`,
      direction: 'outbound',
      fromNumber: callerId,
      toNumber: patientPhone,
      patientId: c.patientId,
      conversationId: c.id,
      status: 'initiated',
      placedById: who.userId,
      staffPhone,
      startedAt: now,
      createdAt: now,
    });
    const [event] = await tx
      .insert(messages)
      .values({
        practiceId: c.practiceId,
        conversationId: c.id,
        direction: 'outbound',
        kind: 'event',
        channel: 'voice',
        body: callSummary(staffName, null, null),
        status: 'pending',
        authorType: 'user',
        authorUserId: who.userId,
        meta: { kind: 'call', callId: id },
        createdAt: now,
      })
      .returning({ id: messages.id });
    await tx.update(conversations).set({ lastMessageAt: now, updatedAt: now }).where(eq(conversations.id, c.id));
    await audit(tx, who, requestId, { action: 'call.place', subjectType: 'call', subjectId: id, practiceId: c.practiceId, patientId: c.patientId, detail: { conversationId: c.id, messageId: event!.id, recording: record } });
    return { id, staffPhone, callerId, record, messageId: event!.id, staffName };
  });

  // the provider is asked after the commit: the row exists for its callbacks before any can come
  try {
    const result = await caller.call({
      from: placed.callerId,
      to: placed.staffPhone,
      twiml: staffLegTwiml(env, placed.id),
      statusCallback: bridgeUrl(env, 'status', placed.id),
      idempotencyKey: placed.id,
    });
    const simulated = caller.mode === 'simulated';
    await db.transaction(async (tx) => {
      await tx
        .update(calls)
        .set({ callSid: result.providerId, status: simulated ? 'simulated' : result.status, ...(simulated ? { endedAt: now } : {}) })
        .where(eq(calls.id, placed.id));
      await tx
        .update(messages)
        .set({ providerId: result.providerId, status: simulated ? 'simulated' : 'sent', sentAt: now, ...(simulated ? { body: callSummary(placed.staffName, null, null, true) } : {}) })
        .where(eq(messages.id, placed.messageId));
    });
    return { callId: placed.id, status: simulated ? 'simulated' : 'queued', staffPhone: placed.staffPhone, callerId: placed.callerId, recording: placed.record, messageId: placed.messageId };
  } catch (err) {
    const reason = err instanceof SendError ? err.message : 'the call could not be placed';
    await db.transaction(async (tx) => {
      await tx.update(calls).set({ status: 'failed', outcome: 'failed', endedAt: now }).where(eq(calls.id, placed.id));
      await tx
        .update(messages)
        .set({ status: 'failed', body: callSummary(placed.staffName, 'failed', null), errorCode: err instanceof SendError && err.code ? String(err.code) : 'call_failed', errorMessage: reason.slice(0, 500) })
        .where(eq(messages.id, placed.messageId));
    });
    if (err instanceof SendError && err.kind !== 'retryable') throw new AppError('unprocessable', `Twilio refused the call: ${reason}`);
    throw new AppError('unavailable', 'Twilio could not be reached to place the call; try again');
  }
}

// ---- Twilio's callbacks --------------------------------------------------------------

async function callWithEvent(db: Db, callId: string) {
  const [row] = await db
    .select({ call: calls, practiceName: practices.name, settings: practices.settings, placedBy: users.name, placedByEmail: users.email })
    .from(calls)
    .innerJoin(practices, eq(practices.id, calls.practiceId))
    .leftJoin(users, eq(users.id, calls.placedById))
    .where(and(eq(calls.id, callId), eq(calls.direction, 'outbound')));
  if (!row) return null;
  const [event] = await db
    .select()
    .from(messages)
    .where(and(eq(messages.conversationId, row.call.conversationId!), eq(messages.kind, 'event'), sql`${messages.meta} ->> 'callId' = ${callId}`))
    .limit(1);
  return { ...row, event: event ?? null };
}

/** The staff member pressed a key (or did not): the TwiML that dials the patient, or ends the call. */
export async function connectToPatient(db: Database, env: Env, callId: string, digits: string | undefined): Promise<string> {
  const found = await callWithEvent(db, callId);
  if (!found || found.call.endedAt) return cancelledTwiml('This call has ended.');
  if (digits !== '1') {
    await finishCall(db, callId, 'canceled', null, new Date());
    return cancelledTwiml('Call cancelled.');
  }
  await db.update(calls).set({ status: 'in-progress' }).where(eq(calls.id, callId));
  return bridgeTwiml(env, { callId, callerId: found.call.fromNumber, patientPhone: found.call.toNumber, record: found.settings.recordCalls === true });
}

export async function recordingNotice(db: Database, callId: string): Promise<string> {
  const found = await callWithEvent(db, callId);
  return recordingNoticeTwiml(found?.practiceName ?? 'the practice');
}

const dialOutcome: Record<string, CallOutcome> = { completed: 'answered', answered: 'answered', busy: 'busy', 'no-answer': 'no_answer', failed: 'failed', canceled: 'canceled' };

/** The call's end joins the conversation: outcome and duration on the call and on its event (audited as the system's). */
export async function finishCall(db: Database, callId: string, outcome: CallOutcome, durationSeconds: number | null, now: Date): Promise<void> {
  await db.transaction(async (tx) => {
    const [call] = await tx.select().from(calls).where(eq(calls.id, callId)).for('update');
    if (!call || call.outcome) return; // a retried callback, or the staff leg's end after the dial's
    const found = await callWithEvent(tx, callId);
    await tx.update(calls).set({ outcome, durationSeconds, status: 'completed', endedAt: now }).where(eq(calls.id, callId));
    if (found?.event) {
      await tx
        .update(messages)
        .set({
          body: callSummary(found.placedBy ?? found.placedByEmail ?? null, outcome, durationSeconds),
          status: statusFor(outcome),
          meta: { ...found.event.meta, callOutcome: outcome, ...(durationSeconds !== null ? { durationSeconds } : {}) },
          ...(outcome === 'answered' ? { deliveredAt: now } : {}),
        })
        .where(eq(messages.id, found.event.id));
    }
    // a call the patient took is a response to them
    if (outcome === 'answered' && call.conversationId) {
      const [c] = await tx.select({ firstResponseAt: conversations.firstResponseAt }).from(conversations).where(eq(conversations.id, call.conversationId));
      await tx.update(conversations).set({ firstResponseAt: c?.firstResponseAt ?? now, lastOutboundAt: now, updatedAt: now }).where(eq(conversations.id, call.conversationId));
    }
    await audit(tx, 'system', null, { action: 'call.ended', subjectType: 'call', subjectId: callId, practiceId: call.practiceId, patientId: call.patientId, detail: { outcome, durationSeconds } });
  });
}

export function outcomeOfDial(status: string | undefined): CallOutcome {
  return dialOutcome[status ?? ''] ?? 'failed';
}

/** The staff leg ended: if it never reached the patient, that is the outcome. */
export async function staffLegEnded(db: Database, callId: string, callStatus: string, now: Date): Promise<void> {
  if (!['completed', 'busy', 'no-answer', 'failed', 'canceled'].includes(callStatus)) {
    await db.update(calls).set({ status: callStatus }).where(and(eq(calls.id, callId), eq(calls.direction, 'outbound')));
    return;
  }
  await finishCall(db, callId, callStatus === 'completed' ? 'canceled' : 'staff_no_answer', null, now);
}

/** The bridged call's recording: kept on the call's event in the conversation, fetched into our storage by the media job. */
export async function callRecorded(db: Database, callId: string, input: { recordingSid: string; recordingUrl: string; durationSeconds: number | null }, now: Date, requestId: string | null): Promise<boolean> {
  return db.transaction(async (tx) => {
    const found = await callWithEvent(tx, callId);
    if (!found?.event || !found.call.conversationId) return false;
    const [rec] = await tx
      .insert(recordings)
      .values({ callId, recordingSid: input.recordingSid, url: input.recordingUrl, durationSeconds: input.durationSeconds, messageId: found.event.id, transcriptionStatus: 'none:call' })
      .onConflictDoNothing({ target: recordings.recordingSid })
      .returning({ id: recordings.id });
    if (!rec) return false;
    const [a] = await tx
      .insert(messageAttachments)
      .values({
        practiceId: found.call.practiceId,
        conversationId: found.call.conversationId,
        messageId: found.event.id,
        kind: 'recording',
        status: 'pending',
        name: `call-${input.recordingSid}.mp3`,
        contentType: 'audio/mpeg',
        url: `${input.recordingUrl.replace(/\.(mp3|wav)$/, '')}.mp3`,
        createdAt: now,
      })
      .returning({ id: messageAttachments.id });
    await addJob(tx, 'media', { attachmentId: a!.id, requestId }, { runAt: now, dedupeKey: `media:${a!.id}` });
    await audit(tx, 'system', requestId, { action: 'call.recording', subjectType: 'call', subjectId: callId, practiceId: found.call.practiceId, patientId: found.call.patientId, detail: { attachmentId: a!.id, durationSeconds: input.durationSeconds } });
    return true;
  });
}
