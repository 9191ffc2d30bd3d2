import type { Env } from '../../platform/env';
import type { practices } from '../../platform/db/schema';
import {
  createNoTranscriptionProvider,
  createSimulatedTranscriptionProvider,
  createTwilioIntelligenceProvider,
  type TranscriptionProvider,
} from '../../../channels/voice/transcription';
import { transcriptionSetup } from './transcription-config';

const providers = new Map<string, TranscriptionProvider>();
const none = createNoTranscriptionProvider();
const simulated = createSimulatedTranscriptionProvider();

/**
 * The practice's transcription provider for voicemails Twilio's built-in transcription
 * cannot do (Spanish): Twilio Voice Intelligence on the account's credentials, with the
 * service SID per language kept in the practice's settings
 * (`settings.voiceIntelligenceServiceSids = { es: 'GA...' }`: the language is a setting of
 * a Voice Intelligence service, so Spanish needs its own), or for every practice the
 * deployment's `TWILIO_INTELLIGENCE_SERVICE_ES`. None configured: voicemails in that language
 * land marked "no transcript". In simulate mode a simulated provider marks them at once.
 */
export function transcriptionProviderFor(
  env: Pick<Env, 'TWILIO_ACCOUNT_SID' | 'TWILIO_AUTH_TOKEN' | 'SEND_MODE' | 'TWILIO_INTELLIGENCE_SERVICE_ES'>,
  practice: Pick<typeof practices.$inferSelect, 'settings'>,
): TranscriptionProvider {
  const setup = transcriptionSetup(env, practice);
  if (setup.kind === 'simulated') return simulated;
  if (setup.kind === 'none' || !env.TWILIO_ACCOUNT_SID || !env.TWILIO_AUTH_TOKEN) return none;
  const { sids } = setup;
  const key = `${env.TWILIO_ACCOUNT_SID}:${JSON.stringify(sids)}`;
  let provider = providers.get(key);
  if (!provider) {
    provider = createTwilioIntelligenceProvider({ accountSid: env.TWILIO_ACCOUNT_SID, authToken: env.TWILIO_AUTH_TOKEN, serviceSids: sids });
    providers.set(key, provider);
  }
  return provider;
}
