import type { Env } from '../../platform/env';
import type { practices } from '../../platform/db/schema';
import type { VoiceLanguage } from '../../../channels/voice/twiml';

type TranscriptionEnv = Pick<Env, 'TWILIO_ACCOUNT_SID' | 'TWILIO_AUTH_TOKEN' | 'SEND_MODE' | 'TWILIO_INTELLIGENCE_SERVICE_ES'>;

/**
 * Which transcription provider a practice's voicemails get, from configuration alone, apart
 * from the provider itself (transcription.ts, which loads Twilio's SDK): the recording
 * webhook only asks whether a language can be transcribed, and must not carry the SDK into
 * the edge bundle.
 * - `simulated`: simulate mode, or no Twilio credentials: a clear "transcript unavailable" at once;
 * - `twilio`: Voice Intelligence with the practice's own service per language, else the
 *   deployment's Spanish service (`TWILIO_INTELLIGENCE_SERVICE_ES`);
 * - `none`: credentials but no service: the voicemail lands marked "no transcript".
 */
export function transcriptionSetup(
  env: TranscriptionEnv,
  practice: Pick<typeof practices.$inferSelect, 'settings'>,
): { kind: 'simulated' } | { kind: 'none' } | { kind: 'twilio'; sids: Partial<Record<VoiceLanguage, string>> } {
  if (env.SEND_MODE === 'simulate' || !env.TWILIO_ACCOUNT_SID || !env.TWILIO_AUTH_TOKEN) return { kind: 'simulated' };
  const sids = { ...(env.TWILIO_INTELLIGENCE_SERVICE_ES ? { es: env.TWILIO_INTELLIGENCE_SERVICE_ES } : {}), ...practice.settings?.voiceIntelligenceServiceSids };
  return Object.keys(sids).length === 0 ? { kind: 'none' } : { kind: 'twilio', sids };
}

/** Whether a provider takes voicemails in the language (the simulated one takes every language, to mark them). */
export function providerTakes(env: TranscriptionEnv, practice: Pick<typeof practices.$inferSelect, 'settings'>, language: VoiceLanguage): boolean {
  const setup = transcriptionSetup(env, practice);
  return setup.kind === 'simulated' || (setup.kind === 'twilio' && !!setup.sids[language]);
}
