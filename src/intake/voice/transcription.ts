import type { Env } from '../../platform/env';
import type { practices } from '../../platform/db/schema';
import {
  createNoTranscriptionProvider,
  createTwilioIntelligenceProvider,
  type TranscriptionProvider,
} from '../../../channels/voice/transcription';
import { intelligenceServiceSids } from './transcription-config';

const providers = new Map<string, TranscriptionProvider>();
const none = createNoTranscriptionProvider();

/**
 * The practice's transcription provider for voicemails Twilio's built-in transcription
 * cannot do (Spanish): Twilio Voice Intelligence on the account's credentials, with the
 * service SID per language kept in the practice's settings
 * (`settings.voiceIntelligenceServiceSids = { es: 'GA...' }`: the language is a setting of
 * a Voice Intelligence service, so Spanish needs its own). None configured: voicemails in
 * that language land marked "no transcript".
 */
export function transcriptionProviderFor(
  env: Pick<Env, 'TWILIO_ACCOUNT_SID' | 'TWILIO_AUTH_TOKEN'>,
  practice: Pick<typeof practices.$inferSelect, 'settings'>,
): TranscriptionProvider {
  const sids = intelligenceServiceSids(env, practice);
  if (!sids || !env.TWILIO_ACCOUNT_SID || !env.TWILIO_AUTH_TOKEN) return none;
  const key = `${env.TWILIO_ACCOUNT_SID}:${JSON.stringify(sids)}`;
  let provider = providers.get(key);
  if (!provider) {
    provider = createTwilioIntelligenceProvider({ accountSid: env.TWILIO_ACCOUNT_SID, authToken: env.TWILIO_AUTH_TOKEN, serviceSids: sids });
    providers.set(key, provider);
  }
  return provider;
}
