import { and, eq, ne, sql } from 'drizzle-orm';
import type { Database, Db } from '../../platform/db/client';
import { calls, contactPoints, messages, patients, practices, recordings, type CallOutcome } from '../../platform/db/schema';
import type { Env } from '../../platform/env';
import { rowsOf } from '../../platform/jobs/outbox';
import { addJob } from '../../platform/jobs/catalog';
import { isWithinBusinessHours } from '../../platform/time';
import { canReceiveSms } from '../../../channels/sms/phone';
import { decideMissedCallTextBack, type TextBackDecision } from './missed-call';
import {
  callOutcome,
  missedCallToInbound,
  transcriptionPlan,
  voicemailToInbound,
  type CallStatusCallback,
  type IncomingCall,
  type NoTranscriptReason,
  type RecordingCallback,
  type TranscriptionCallback,
} from '../../../channels/voice/parse';
import { menuChoices, type MenuChoice, type VoiceLanguage, type VoicePracticeSettings } from '../../../channels/voice/twiml';
import { ingestInbound } from '../ingest';
import { queueOutbound } from '../../outreach/outbound';
import { renderForPractice } from '../../outreach/templates';
import { reachable } from '../../outreach/outreach-policy';
import { providerTakes } from './transcription-config';

type Practice = typeof practices.$inferSelect;
type Call = typeof calls.$inferSelect;
type Recording = typeof recordings.$inferSelect;

/** How long to wait for Twilio's transcription callback before the voicemail lands without one. */
export const TRANSCRIPTION_WAIT_MS = 10 * 60_000;

const FINAL_CALL_STATUSES = new Set(['completed', 'busy', 'no-answer', 'failed', 'canceled']);

export function voiceUrls(env: Pick<Env, 'PUBLIC_BASE_URL'>): VoicePracticeSettings['urls'] {
  const base = env.PUBLIC_BASE_URL.replace(/\/+$/, '');
  return {
    menu: `${base}/webhooks/twilio/voice/menu`,
    recording: `${base}/webhooks/twilio/voice/recording`,
    transcription: `${base}/webhooks/twilio/voice/transcription`,
  };
}

/** What the IVR needs of a practice, for a call in a language. */
export function voiceSettings(env: Pick<Env, 'PUBLIC_BASE_URL'>, practice: Practice, inHours: boolean, language: VoiceLanguage): VoicePracticeSettings {
  const esMessage = practice.settings.afterHoursMessageEs ?? null;
  // the practice's own after-hours text is written in English; Spanish has its own setting,
  // and each language reads only its own (a caller who presses 9 hears the Spanish one)
  const afterHoursMessages = { en: practice.afterHoursMessage, es: esMessage };
  return {
    practiceName: practice.name,
    inHours,
    afterHoursMessage: afterHoursMessages[language],
    afterHoursMessages,
    onCallNumber: practice.onCallPhone,
    ringGroup: ringGroupOf(practice),
    urls: voiceUrls(env),
  };
}

/** The staff phones a caller reaches by "talk to someone" (settings.ringGroup), if the practice set them. */
export function ringGroupOf(practice: Pick<Practice, 'settings'>): { numbers: string[]; timeoutSeconds: number } | null {
  const group = practice.settings.ringGroup;
  if (!group || group.numbers.length === 0) return null;
  return { numbers: group.numbers, timeoutSeconds: group.timeoutSeconds ?? 20 };
}

const isChoice = (v: string | null | undefined): v is MenuChoice => (menuChoices as readonly string[]).includes(v ?? '');

/**
 * The first webhook of a call: keeps a `calls` row keyed by CallSid (later callbacks, the
 * recording status callback above all, carry no From/To), with the caller's patient when
 * known, whether the practice was open, and the language (a known Spanish-speaking patient
 * hears Spanish first).
 */
export async function startCall(db: Db, practice: Practice, call: IncomingCall, now: Date): Promise<Call> {
  const inHours = isWithinBusinessHours(practice.hours, practice.timeZone, now);
  let patientId: string | null = null;
  let language: VoiceLanguage = 'en';
  if (call.callerIdKnown) {
    const [known] = await db
      .select({ patientId: patients.id, language: patients.language })
      .from(contactPoints)
      .innerJoin(patients, eq(patients.id, contactPoints.patientId))
      .where(and(eq(contactPoints.practiceId, practice.id), eq(contactPoints.kind, 'phone'), eq(contactPoints.value, call.from)));
    if (known) {
      patientId = known.patientId;
      language = known.language;
    }
  }
  const [row] = await db
    .insert(calls)
    .values({
      practiceId: practice.id,
      callSid: call.callSid,
      direction: 'inbound',
      fromNumber: call.from,
      toNumber: call.to,
      patientId,
      status: 'in-progress',
      language,
      inHours,
      startedAt: now,
      createdAt: now,
    })
    // a retried first webhook keeps the row it made
    .onConflictDoUpdate({ target: calls.callSid, set: { status: sql`${calls.status}` } })
    .returning();
  return row!;
}

export async function callBySid(db: Db, callSid: string): Promise<{ call: Call; practice: Practice } | null> {
  const [row] = await db.select({ call: calls, practice: practices }).from(calls).innerJoin(practices, eq(practices.id, calls.practiceId)).where(eq(calls.callSid, callSid));
  return row ?? null;
}

export async function updateCall(db: Db, callId: string, set: Partial<typeof calls.$inferInsert>): Promise<void> {
  if (Object.keys(set).length === 0) return;
  await db.update(calls).set(set).where(eq(calls.id, callId));
}

/** A finished recording with its transcript (or the reason it has none) becomes one inbound voice message. */
export async function landVoicemail(
  db: Db,
  input: {
    recording: Recording;
    call: Call;
    transcript: string | null;
    noTranscriptReason?: NoTranscriptReason;
    choice?: MenuChoice | null;
    language?: VoiceLanguage;
    receivedAt: Date;
    requestId?: string | null;
  },
): Promise<{ messageId: string; duplicate: boolean }> {
  const { recording, call } = input;
  const language = input.language ?? (call.language === 'es' ? 'es' : 'en');
  const choice = input.choice ?? (isChoice(call.menuChoice) ? call.menuChoice : null);
  const message = voicemailToInbound({
    recording: { recordingSid: recording.recordingSid, recordingUrl: recording.url, durationSeconds: recording.durationSeconds ?? 0, callSid: call.callSid },
    call: { from: call.fromNumber, to: call.toNumber },
    transcript: input.transcript,
    ...(input.noTranscriptReason ? { noTranscriptReason: input.noTranscriptReason } : {}),
    choice,
    language,
    receivedAt: input.receivedAt,
  });
  const stored = await ingestInbound(db, message, { practiceId: call.practiceId, receivedAt: input.receivedAt, requestId: input.requestId ?? null });
  const transcript = message.meta?.noTranscript ? null : message.body;
  if (stored.duplicate && transcript) {
    // the transcript came after the voicemail had landed without one: fill it in
    const [existing] = await db.select({ meta: messages.meta }).from(messages).where(eq(messages.id, stored.messageId));
    if (existing?.meta.noTranscript) {
      const { noTranscript: _n, noTranscriptReason: _r, ...meta } = existing.meta;
      await db.update(messages).set({ body: transcript, meta }).where(eq(messages.id, stored.messageId));
    }
  }
  await db
    .update(recordings)
    .set({
      messageId: stored.messageId,
      transcript: transcript ?? recording.transcript,
      transcriptionStatus: transcript ? 'completed' : `none:${input.noTranscriptReason ?? 'failed'}`,
    })
    .where(eq(recordings.id, recording.id));
  await db
    .update(calls)
    .set({ outcome: call.outcome === 'answered' ? 'answered' : 'voicemail', patientId: stored.patientId, conversationId: stored.conversationId })
    .where(eq(calls.id, call.id));
  return { messageId: stored.messageId, duplicate: stored.duplicate };
}

/** The recording row for a RecordingSid, made if new and locked for this transaction (callbacks race). */
async function lockRecording(db: Db, init: { recordingSid: string; url: string | null; callId: string | null }): Promise<Recording> {
  await db
    .insert(recordings)
    .values({ recordingSid: init.recordingSid, url: init.url ?? '', callId: init.callId })
    .onConflictDoNothing({ target: recordings.recordingSid });
  const [row] = await db.select().from(recordings).where(eq(recordings.recordingSid, init.recordingSid)).for('update');
  return row!;
}

/**
 * The recording status callback (event=status). A completed recording either lands now
 * (no transcript possible: too short, too long, a language nobody transcribes), waits for
 * Twilio's transcription callback (English; a job lands it without one if that never
 * comes), or goes to the TranscriptionProvider job (Spanish).
 */
export async function recordingCompleted(
  db: Database,
  env: Env,
  input: { rec: RecordingCallback; call: Call; practice: Practice; choice: MenuChoice | null; language: VoiceLanguage; now: Date; requestId: string | null },
): Promise<{ landed: boolean; wroteOutbox: boolean }> {
  const { rec, call, practice, now } = input;
  return db.transaction(async (tx) => {
    const recording = await lockRecording(tx, { recordingSid: rec.recordingSid!, url: rec.recordingUrl, callId: call.id });
    const [updated] = await tx
      .update(recordings)
      .set({ url: rec.recordingUrl!, durationSeconds: rec.durationSeconds, callId: call.id })
      .where(eq(recordings.id, recording.id))
      .returning();
    await tx
      .update(calls)
      .set({ outcome: call.outcome === 'answered' ? 'answered' : 'voicemail', ...(input.choice ? { menuChoice: input.choice } : {}), language: input.language })
      .where(eq(calls.id, call.id));
    // the call-ended callback came first and took it for a missed call: a text-back not yet
    // sent is withdrawn, the caller left a message
    await tx
      .update(messages)
      .set({ status: 'refused', errorCode: 'voicemail_left', errorMessage: 'the caller left a voicemail after all' })
      .where(and(eq(messages.status, 'pending'), sql`${messages.meta} ->> 'kind' = 'missed_call_text_back'`, sql`${messages.meta} ->> 'callId' = ${call.id}`));
    const callNow = { ...call, language: input.language, menuChoice: input.choice ?? call.menuChoice };
    if (recording.messageId) return { landed: false, wroteOutbox: false };

    const base = { recording: updated!, call: callNow, choice: input.choice, language: input.language, receivedAt: now, requestId: input.requestId };
    // Twilio's transcription callback came first
    if (recording.transcriptionStatus === 'completed' && recording.transcript) {
      await landVoicemail(tx, { ...base, transcript: recording.transcript });
      return { landed: true, wroteOutbox: true };
    }
    if (recording.transcriptionStatus === 'failed') {
      await landVoicemail(tx, { ...base, transcript: null, noTranscriptReason: 'failed' });
      return { landed: true, wroteOutbox: true };
    }
    // configuration alone says whether a provider takes this language; the voicemail job makes the provider
    const providerAvailable = providerTakes(env, practice, input.language);
    const plan = transcriptionPlan({ language: input.language, durationSeconds: rec.durationSeconds, providerAvailable });
    if (plan.source === 'none') {
      await landVoicemail(tx, { ...base, transcript: null, noTranscriptReason: plan.reason });
      return { landed: true, wroteOutbox: true };
    }
    await tx.update(recordings).set({ transcriptionStatus: plan.source === 'twilio' ? 'pending_twilio' : 'pending_provider' }).where(eq(recordings.id, recording.id));
    await addJob(tx, 'voicemail', { recordingId: recording.id, step: plan.source === 'twilio' ? 'finalize' : 'transcribe', requestId: input.requestId }, { runAt: plan.source === 'twilio' ? new Date(now.getTime() + TRANSCRIPTION_WAIT_MS) : now, dedupeKey: `voicemail:${recording.id}:${plan.source === 'twilio' ? 'finalize' : 'transcribe'}` });
    return { landed: false, wroteOutbox: true };
  });
}

/** Twilio's built-in transcription callback: lands the voicemail if its recording is known, else keeps the text for it. */
export async function transcriptionArrived(
  db: Database,
  input: { tr: TranscriptionCallback; recordingUrl: string | null; choice: MenuChoice | null; language: VoiceLanguage; now: Date; requestId: string | null },
): Promise<{ landed: boolean }> {
  const { tr } = input;
  return db.transaction(async (tx) => {
    const found = tr.callSid ? await callBySid(tx, tr.callSid) : null;
    const recording = await lockRecording(tx, { recordingSid: tr.recordingSid, url: input.recordingUrl, callId: found?.call.id ?? null });
    const transcript = tr.status === 'completed' && tr.text ? tr.text : null;
    await tx
      .update(recordings)
      .set({ transcript, transcriptionStatus: transcript ? 'completed' : 'failed' })
      .where(eq(recordings.id, recording.id));
    const callId = recording.callId ?? found?.call.id ?? null;
    // the recording status callback has not come yet: it lands the voicemail with this text
    if (recording.durationSeconds === null || !callId) return { landed: false };
    const [call] = await tx.select().from(calls).where(eq(calls.id, callId));
    if (!call) return { landed: false };
    if (recording.messageId && !transcript) return { landed: false };
    await landVoicemail(tx, {
      recording,
      call,
      transcript,
      noTranscriptReason: 'failed',
      choice: input.choice,
      language: input.language,
      receivedAt: input.now,
      requestId: input.requestId,
    });
    return { landed: true };
  });
}

export interface CallEnded {
  outcome: CallOutcome | null;
  missedMessageId: string | null;
  textBack: TextBackDecision | null;
  wroteOutbox: boolean;
}

/**
 * The call status callback: records status and duration, and once the call has ended its
 * outcome. A call that ended unanswered without a voicemail shows in the inbox as a missed
 * call, and gets one text-back at most once per caller per day (decideMissedCallTextBack).
 */
export async function callStatusChanged(
  db: Database,
  input: { status: CallStatusCallback; practiceForNewCall: Practice | null; now: Date; requestId: string | null },
): Promise<CallEnded> {
  const { status, now } = input;
  return db.transaction(async (tx) => {
    let found = await callBySid(tx, status.callSid);
    if (!found && input.practiceForNewCall && status.from && status.to) {
      // a call that ended before its first webhook (hung up while ringing)
      await startCall(tx, input.practiceForNewCall, { callSid: status.callSid, from: status.from, to: status.to, callerIdKnown: status.from.startsWith('+'), accountSid: null }, now);
      found = await callBySid(tx, status.callSid);
    }
    const none: CallEnded = { outcome: null, missedMessageId: null, textBack: null, wroteOutbox: false };
    if (!found) return none;
    const [call] = await tx.select().from(calls).where(eq(calls.id, found.call.id)).for('update');
    const practice = found.practice;
    if (!call) return none;
    const ended = FINAL_CALL_STATUSES.has(status.status);
    if (!ended) {
      await updateCall(tx, call.id, { status: status.status });
      return { ...none, outcome: call.outcome };
    }
    if (call.endedAt) return { ...none, outcome: call.outcome }; // a retried callback
    const [rec] = await tx
      .select({ id: recordings.id })
      .from(recordings)
      .where(and(eq(recordings.callId, call.id), ne(recordings.url, '')))
      .limit(1);
    const outcome = callOutcome({ forwardAnswered: call.outcome === 'answered', voicemailRecorded: call.outcome === 'voicemail' || !!rec });
    await updateCall(tx, call.id, { status: status.status, durationSeconds: status.durationSeconds, endedAt: now, outcome });
    if (outcome !== 'missed') return { ...none, outcome };

    const callerIdKnown = call.fromNumber.startsWith('+');
    const language: VoiceLanguage = call.language === 'es' ? 'es' : 'en';
    const missedCall = missedCallToInbound({ callSid: call.callSid, from: call.fromNumber, to: call.toNumber, durationSeconds: status.durationSeconds, choice: isChoice(call.menuChoice) ? call.menuChoice : null, language, receivedAt: now });
    // a withheld number still shows in the inbox, as its own unknown caller (there is no
    // contact to match or text back; staff can merge it if the caller turns up)
    const inbound = callerIdKnown
      ? missedCall
      : { ...missedCall, from: { kind: 'phone' as const, value: `withheld:${call.callSid}` }, body: 'Missed call (number withheld)', meta: { ...missedCall.meta, numberWithheld: true } };
    const stored = await ingestInbound(tx, inbound, { practiceId: practice.id, receivedAt: now, requestId: input.requestId, triage: false });
    await updateCall(tx, call.id, { patientId: stored.patientId, conversationId: stored.conversationId });
    if (stored.duplicate) return { ...none, outcome, missedMessageId: stored.messageId };
    if (!callerIdKnown) {
      await tx.update(contactPoints).set({ canReceiveSms: false }).where(eq(contactPoints.id, stored.contactPointId));
      const [missed] = await tx.select({ meta: messages.meta }).from(messages).where(eq(messages.id, stored.messageId));
      await tx.update(messages).set({ meta: { ...missed!.meta, textBack: { skipped: 'number_withheld' } } }).where(eq(messages.id, stored.messageId));
      return { ...none, outcome, missedMessageId: stored.messageId };
    }

    const textBack = await missedCallTextBack(tx, { practice, call, language, contactPointId: stored.contactPointId, patientId: stored.patientId, conversationId: stored.conversationId, now });
    const [missed] = await tx.select({ meta: messages.meta }).from(messages).where(eq(messages.id, stored.messageId));
    await tx
      .update(messages)
      .set({ meta: { ...missed!.meta, textBack: textBack.send ? { at: textBack.at.toISOString() } : { skipped: textBack.reason } } })
      .where(eq(messages.id, stored.messageId));
    return { outcome, missedMessageId: stored.messageId, textBack, wroteOutbox: textBack.send };
  });
}

async function missedCallTextBack(
  tx: Db,
  input: { practice: Practice; call: Call; language: VoiceLanguage; contactPointId: string; patientId: string; conversationId: string; now: Date },
): Promise<TextBackDecision> {
  const { practice, call, now } = input;
  // two calls at once from one number must not both text back
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`textback:${input.contactPointId}`}))`);
  const [cp] = await tx.select().from(contactPoints).where(eq(contactPoints.id, input.contactPointId));
  let textable = cp!.canReceiveSms;
  if (textable === null) {
    textable = canReceiveSms(cp!.value);
    await tx.update(contactPoints).set({ canReceiveSms: textable }).where(eq(contactPoints.id, cp!.id));
  }
  const [patient] = await tx.select({ timeZone: patients.timeZone }).from(patients).where(eq(patients.id, input.patientId));
  const [last] = rowsOf<{ ms: number | string | null }>(
    await tx.execute(sql`
      select (extract(epoch from max((meta ->> 'textBackAt')::timestamptz)) * 1000)::float8 as ms from messages
      where contact_point_id = ${cp!.id} and direction = 'outbound' and meta ->> 'kind' = 'missed_call_text_back'`),
  );
  // the outreach policy says whether this number may get an automated text at all
  const policy = reachable('sms', { ...cp!, canReceiveSms: textable });
  const decision = decideMissedCallTextBack({
    now,
    timeZone: patient?.timeZone ?? practice.timeZone,
    lastTextBackAt: last?.ms != null ? new Date(Number(last.ms)) : null,
    canTextBack: policy.ok || policy.code === 'consent_revoked',
    revoked: !policy.ok && policy.code === 'consent_revoked',
  });
  if (!decision.send) return decision;
  await queueOutbound(tx, {
    practiceId: practice.id,
    conversationId: input.conversationId,
    channel: 'sms',
    body: (await renderForPractice(tx, { practiceId: practice.id, purpose: 'missed_call_textback', language: input.language, channel: 'sms', numberTexted: call.toNumber })).text.trim(),
    purpose: 'outreach',
    authorType: 'automation',
    contactPointId: cp!.id,
    idempotencyKey: `textback:${call.callSid}`,
    meta: { kind: 'missed_call_text_back', textBackAt: decision.at.toISOString(), from: call.toNumber, callId: call.id },
    now,
    notBefore: decision.at,
  });
  return decision;
}
