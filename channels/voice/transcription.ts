import twilio from 'twilio';
import type { VoiceLanguage } from './twiml';

export interface TranscriptionRequest {
  /** Twilio's RecordingUrl */
  recordingUrl: string;
  recordingSid: string;
  language: VoiceLanguage;
}

/**
 * Either the text now, or a job id to ask about later (`fetch`) or to await a webhook for, or
 * word that no transcript will come (the simulated provider says why).
 */
export type TranscriptionResult = { text: string } | { pending: true; id: string } | { unavailable: string };

export type TranscriptionStatus = { state: 'pending' } | { state: 'completed'; text: string } | { state: 'failed' };

/** Transcribes voicemails Twilio's built-in transcription cannot (Spanish). */
export interface TranscriptionProvider {
  readonly name: string;
  /** whether this provider handles the language at all */
  supports(language: VoiceLanguage): boolean;
  transcribe(request: TranscriptionRequest): Promise<TranscriptionResult>;
  /** the state of a pending job */
  fetch(id: string): Promise<TranscriptionStatus>;
}

/** No provider configured: nothing is supported and voicemails land marked "no transcript". */
export function createNoTranscriptionProvider(): TranscriptionProvider {
  return {
    name: 'none',
    supports: () => false,
    transcribe: async () => {
      throw new Error('no transcription provider configured');
    },
    fetch: async () => ({ state: 'failed' }),
  };
}

/**
 * Simulate mode (no provider credentials): every language is "transcribed" to a clear
 * unavailable marker at once, so a Spanish voicemail still lands, marked, in its language,
 * for a person to listen to; nothing leaves the machine.
 */
export function createSimulatedTranscriptionProvider(): TranscriptionProvider {
  return {
    name: 'simulated',
    supports: () => true,
    transcribe: async () => ({ unavailable: 'simulated' }),
    fetch: async () => ({ state: 'failed' }),
  };
}

export interface TwilioIntelligenceOptions {
  accountSid: string;
  authToken: string;
  /**
   * Voice Intelligence service SID (`GA...`) per language: the language is a setting of the
   * service (e.g. es-US), not of a transcript, so Spanish needs a Spanish service.
   */
  serviceSids: Partial<Record<VoiceLanguage, string>>;
  timeoutMs?: number;
}

/**
 * Twilio Voice Intelligence (POST https://intelligence.twilio.com/v2/Transcripts) on the
 * recording's SID: asynchronous, so `transcribe` answers pending with the transcript SID
 * (`GT...`); the send-side job polls `fetch`, or the service's webhook names the same SID.
 * Only one transcript can exist per RecordingSid, which makes a retried create harmless.
 */
export function createTwilioIntelligenceProvider(options: TwilioIntelligenceOptions): TranscriptionProvider {
  const client = twilio(options.accountSid, options.authToken, {
    timeout: options.timeoutMs ?? 10_000,
    autoRetry: false,
  });
  return {
    name: 'twilio-intelligence',
    supports: (language) => !!options.serviceSids[language],
    async transcribe(request) {
      const serviceSid = options.serviceSids[request.language];
      if (!serviceSid) throw new Error(`no Voice Intelligence service for ${request.language}`);
      const transcript = await client.intelligence.v2.transcripts.create({
        serviceSid,
        channel: { media_properties: { source_sid: request.recordingSid } },
        // lets the webhook handler find the voicemail without a lookup table
        customerKey: request.recordingSid,
      });
      return { pending: true, id: transcript.sid };
    },
    async fetch(id) {
      const transcript = await client.intelligence.v2.transcripts(id).fetch();
      if (transcript.status === 'completed') {
        const sentences = await client.intelligence.v2.transcripts(id).sentences.list({ pageSize: 100 });
        const text = [...sentences]
          .sort((a, b) => a.sentenceIndex - b.sentenceIndex)
          .map((s) => s.transcript.trim())
          .filter((s) => s !== '')
          .join(' ');
        return { state: 'completed', text };
      }
      if (transcript.status === 'failed' || transcript.status === 'canceled' || transcript.status === 'error') {
        return { state: 'failed' };
      }
      return { state: 'pending' };
    },
  };
}
