import type { InboundMessage } from '../types';
import { ChannelInputError, intParam, requireParam } from '../sms/errors';
import { normalisePhone } from '../sms/phone';
import type { MenuChoice, VoiceLanguage } from './twiml';

export { ChannelInputError };

/** E.164 when it parses; "anonymous", "restricted" and the like stay as they came. */
function phoneOrRaw(raw: string): string {
  return normalisePhone(raw) ?? raw.trim();
}

export interface IncomingCall {
  callSid: string;
  /** E.164, or Twilio's raw value for a withheld number (e.g. `anonymous`) */
  from: string;
  /** the practice number called, E.164 */
  to: string;
  /** false for a withheld or malformed caller id: no patient lookup, no text-back */
  callerIdKnown: boolean;
  accountSid: string | null;
}

/** `POST /webhooks/twilio/voice` (also carries CallSid/From/To on every later voice request). */
export function parseIncomingCall(params: Record<string, string>): IncomingCall {
  const callSid = requireParam(params, 'CallSid');
  const rawFrom = requireParam(params, 'From');
  const to = requireParam(params, 'To');
  const from = phoneOrRaw(rawFrom);
  return { callSid, from, to: phoneOrRaw(to), callerIdKnown: from.startsWith('+'), accountSid: params.AccountSid || null };
}

export type RecordingStatus = 'completed' | 'absent' | 'failed' | 'in-progress';

export interface RecordingCallback {
  callSid: string;
  /** absent on the Record action request when Twilio leaves it out; always on the status callback */
  recordingSid: string | null;
  recordingUrl: string | null;
  durationSeconds: number;
  /** status callback only; the Record action has none (it means "the caller finished") */
  status: RecordingStatus | null;
  /** Twilio error for absent recordings: 16101 too short, 16102 silent */
  errorCode: number | null;
  /** present on the action request (it carries the call's parameters), not on the status callback */
  from: string | null;
  to: string | null;
}

/**
 * `POST /webhooks/twilio/voice/recording`: the Record action (event=action in the query) and
 * the recording status callback (event=status). The status callback has no From/To: join it
 * to the call by CallSid.
 */
export function parseRecordingCallback(params: Record<string, string>): RecordingCallback {
  const callSid = requireParam(params, 'CallSid');
  const rawStatus = params.RecordingStatus?.trim().toLowerCase() || null;
  if (rawStatus && !['completed', 'absent', 'failed', 'in-progress'].includes(rawStatus)) {
    throw new ChannelInputError('invalid_field', 'RecordingStatus');
  }
  const status = rawStatus as RecordingStatus | null;
  if (status === 'completed') {
    requireParam(params, 'RecordingSid');
    requireParam(params, 'RecordingUrl');
  }
  const errorCode = intParam(params, 'ErrorCode');
  return {
    callSid,
    recordingSid: params.RecordingSid || null,
    recordingUrl: params.RecordingUrl || null,
    durationSeconds: intParam(params, 'RecordingDuration') ?? 0,
    status,
    errorCode: errorCode === 0 ? null : errorCode,
    from: params.From ? phoneOrRaw(params.From) : null,
    to: params.To ? phoneOrRaw(params.To) : null,
  };
}

export interface TranscriptionCallback {
  recordingSid: string;
  callSid: string | null;
  status: 'completed' | 'failed';
  /** null when failed or empty */
  text: string | null;
}

/** `POST /webhooks/twilio/voice/transcription`: Twilio's built-in (English) transcription. */
export function parseTranscriptionCallback(params: Record<string, string>): TranscriptionCallback {
  const recordingSid = requireParam(params, 'RecordingSid');
  const status = requireParam(params, 'TranscriptionStatus').trim().toLowerCase();
  if (status !== 'completed' && status !== 'failed') throw new ChannelInputError('invalid_field', 'TranscriptionStatus');
  const text = params.TranscriptionText?.trim() || null;
  return { recordingSid, callSid: params.CallSid || null, status, text: status === 'completed' ? text : null };
}

export type CallStatus = 'queued' | 'ringing' | 'in-progress' | 'completed' | 'busy' | 'no-answer' | 'failed' | 'canceled';
const CALL_STATUSES: readonly string[] = ['queued', 'ringing', 'in-progress', 'completed', 'busy', 'no-answer', 'failed', 'canceled'];

export interface CallStatusCallback {
  callSid: string;
  status: CallStatus;
  durationSeconds: number;
  from: string | null;
  to: string | null;
  /**
   * Twilio picked the call up (our TwiML ran). Not "a person answered": every call that
   * reaches the menu is `completed`; see callOutcome for what the inbox shows.
   */
  connected: boolean;
}

/** `POST /webhooks/twilio/voice/status`: the number's call status callback. */
export function parseCallStatusCallback(params: Record<string, string>): CallStatusCallback {
  const callSid = requireParam(params, 'CallSid');
  const status = requireParam(params, 'CallStatus').trim().toLowerCase();
  if (!CALL_STATUSES.includes(status)) throw new ChannelInputError('invalid_field', 'CallStatus');
  return {
    callSid,
    status: status as CallStatus,
    durationSeconds: intParam(params, 'CallDuration') ?? 0,
    from: params.From ? phoneOrRaw(params.From) : null,
    to: params.To ? phoneOrRaw(params.To) : null,
    connected: status === 'completed' || status === 'in-progress',
  };
}

export type CallOutcome = 'answered' | 'voicemail' | 'missed';

/**
 * What happened to a call, once it ended. Nobody at the practice picks up live except the
 * on-call provider through the after-hours forward, so: answered = the forward was answered;
 * voicemail = a recording completed; everything else (hung up in the menu, silent or absent
 * recording, busy, canceled) is missed.
 */
export function callOutcome(input: { forwardAnswered: boolean; voicemailRecorded: boolean }): CallOutcome {
  if (input.forwardAnswered) return 'answered';
  if (input.voicemailRecorded) return 'voicemail';
  return 'missed';
}

export type NoTranscriptReason = 'too_short' | 'too_long' | 'failed' | 'language' | 'simulated';

/** Twilio's built-in transcription covers recordings of 2 to 120 seconds, English only. */
export const TWILIO_TRANSCRIPTION_MIN_SECONDS = 2;
export const TWILIO_TRANSCRIPTION_MAX_SECONDS = 120;

/**
 * Where a finished recording's transcript will come from: Twilio's callback (English within
 * limits), the TranscriptionProvider (Spanish), or nowhere (store it now, marked).
 */
export function transcriptionPlan(input: {
  language: VoiceLanguage;
  durationSeconds: number;
  /** whether a Spanish-capable provider is configured */
  providerAvailable: boolean;
}): { source: 'twilio' } | { source: 'provider' } | { source: 'none'; reason: NoTranscriptReason } {
  if (input.durationSeconds < TWILIO_TRANSCRIPTION_MIN_SECONDS) return { source: 'none', reason: 'too_short' };
  if (input.language === 'en') {
    if (input.durationSeconds > TWILIO_TRANSCRIPTION_MAX_SECONDS) return { source: 'none', reason: 'too_long' };
    return { source: 'twilio' };
  }
  return input.providerAvailable ? { source: 'provider' } : { source: 'none', reason: 'language' };
}

export interface VoicemailInput {
  recording: { recordingSid: string; recordingUrl: string; durationSeconds: number; callSid: string };
  /** from the call row (the status callback has no From/To) */
  call: { from: string; to: string };
  /** null when there is none: then `noTranscriptReason` says why */
  transcript: string | null;
  noTranscriptReason?: NoTranscriptReason;
  choice: MenuChoice | null;
  language: VoiceLanguage;
  receivedAt: Date;
}

const NO_TRANSCRIPT: Record<NoTranscriptReason, string> = {
  too_short: 'the recording is under 2 seconds',
  too_long: 'the recording is too long to transcribe',
  failed: 'transcription failed',
  language: 'no transcription service for this language is set up',
  simulated: 'transcription is simulated (no provider configured)',
};

/** The body of a voicemail without a transcript: a marker for staff, never mistaken for the caller's words. */
export function noTranscriptMarker(reason: NoTranscriptReason, language: VoiceLanguage): string {
  return `[Voicemail${language === 'es' ? ' in Spanish' : ''}: transcript unavailable (${NO_TRANSCRIPT[reason]}). Listen to the recording.]`;
}

/**
 * A voicemail as an inbound `voice` message: transcript as body (a clear "transcript
 * unavailable" marker, and meta.noTranscript, when there is none, so it still lands in the
 * inbox and reads as what it is), the MP3 link, duration and menu choice.
 */
export function voicemailToInbound(input: VoicemailInput): InboundMessage {
  const { recording } = input;
  const transcript = input.transcript?.trim() || null;
  const meta: Record<string, unknown> = {
    kind: 'voicemail',
    callSid: recording.callSid,
    durationSeconds: recording.durationSeconds,
    choice: input.choice,
    language: input.language,
  };
  if (!transcript) {
    meta.noTranscript = true;
    meta.noTranscriptReason = input.noTranscriptReason ?? 'failed';
  }
  return {
    channel: 'voice',
    providerId: recording.recordingSid,
    to: input.call.to,
    from: { kind: 'phone', value: input.call.from },
    body: transcript ?? noTranscriptMarker(input.noTranscriptReason ?? 'failed', input.language),
    attachments: [
      {
        name: `voicemail-${recording.recordingSid}.mp3`,
        contentType: 'audio/mpeg',
        size: null,
        // Twilio serves the recording as WAV without an extension and as MP3 with `.mp3`;
        // fetching it needs the account credentials
        url: `${recording.recordingUrl.replace(/\.(mp3|wav)$/, '')}.mp3`,
      },
    ],
    meta,
    receivedAt: input.receivedAt,
  };
}

/**
 * A call that ended without a voicemail, as an inbound `voice` message so it shows in the
 * inbox. providerId is the CallSid (distinct from any RecordingSid, so both can exist).
 */
export function missedCallToInbound(input: {
  callSid: string;
  from: string;
  to: string;
  durationSeconds?: number;
  choice?: MenuChoice | null;
  language?: VoiceLanguage;
  receivedAt: Date;
}): InboundMessage {
  return {
    channel: 'voice',
    providerId: input.callSid,
    to: input.to,
    from: { kind: 'phone', value: input.from },
    // staff-facing marker, not patient text; the caller's language is in meta
    body: 'Missed call',
    attachments: [],
    meta: {
      kind: 'missed_call',
      durationSeconds: input.durationSeconds ?? 0,
      choice: input.choice ?? null,
      language: input.language ?? 'en',
    },
    receivedAt: input.receivedAt,
  };
}
