import type { Env } from '../../platform/env';
import type { practices } from '../../platform/db/schema';
import type { VoiceLanguage } from '../../../channels/voice/twiml';

/**
 * The practice's Voice Intelligence service SIDs when the account's credentials are set too,
 * else null. Decided from configuration alone, apart from the provider (transcription.ts,
 * which loads Twilio's SDK): the recording webhook only asks whether a language can be
 * transcribed, and must not carry the SDK into the edge bundle.
 */
export function intelligenceServiceSids(
  env: Pick<Env, 'TWILIO_ACCOUNT_SID' | 'TWILIO_AUTH_TOKEN'>,
  practice: Pick<typeof practices.$inferSelect, 'settings'>,
): Partial<Record<VoiceLanguage, string>> | null {
  const sids = practice.settings?.voiceIntelligenceServiceSids;
  if (!env.TWILIO_ACCOUNT_SID || !env.TWILIO_AUTH_TOKEN || !sids || Object.keys(sids).length === 0) return null;
  return sids;
}
