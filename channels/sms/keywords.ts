import type { Language } from '../../triage/types';

export type SmsKeyword = 'stop' | 'start' | 'help';

export interface SmsKeywordMatch {
  kind: SmsKeyword;
  /** the keyword as normalised, e.g. `OPTOUT`, `PARAR` */
  word: string;
  /** language of the keyword, for the HELP/STOP confirmation reply */
  language: Language;
}

/*
 * English lists follow Twilio's default Advanced Opt-Out keywords, which Twilio enforces at
 * its own level: after one of them Twilio refuses further sends to that number (error 21610)
 * until an opt-in keyword arrives. Our consent ledger must agree with Twilio, so:
 *
 * - CANCEL alone is an opt-out, not an appointment cancellation. Twilio blocks the number on
 *   it whatever we decide, so reading it as "cancel my appointment" would leave a patient
 *   who thinks they cancelled but can no longer get texts. Reminder templates must never ask
 *   the patient to reply CANCEL: they ask for a digit or letter (e.g. "reply 2 or X to
 *   cancel"), and "cancel my appointment" (more than one word) is not a keyword and goes to
 *   triage as `appointment_cancel`.
 * - YES alone is an opt-in at Twilio. A YES to "reply YES to confirm" is harmless: opting in
 *   a contact that never opted out changes nothing, and the service still reads it as a
 *   confirmation.
 *
 * Spanish: Twilio does not act on Spanish words by default, but the TCPA lets a patient
 * revoke consent "by any reasonable means", so PARAR, DETENER and ALTO revoke consent in
 * our ledger too (stricter than Twilio, never looser). CANCELAR is left out for the same
 * appointment reason as above, and since Twilio would not block it, it goes to triage
 * (`appointment_cancel` or `opt_out` by context). No Spanish opt-in word: SÍ is the natural
 * answer to a confirmation and must not re-consent a revoked patient; START works for all.
 * AYUDA asks for help.
 */
const KEYWORDS: Record<string, { kind: SmsKeyword; language: Language }> = {
  STOP: { kind: 'stop', language: 'en' },
  STOPALL: { kind: 'stop', language: 'en' },
  UNSUBSCRIBE: { kind: 'stop', language: 'en' },
  CANCEL: { kind: 'stop', language: 'en' },
  END: { kind: 'stop', language: 'en' },
  QUIT: { kind: 'stop', language: 'en' },
  REVOKE: { kind: 'stop', language: 'en' },
  OPTOUT: { kind: 'stop', language: 'en' },
  PARAR: { kind: 'stop', language: 'es' },
  DETENER: { kind: 'stop', language: 'es' },
  ALTO: { kind: 'stop', language: 'es' },
  START: { kind: 'start', language: 'en' },
  YES: { kind: 'start', language: 'en' },
  UNSTOP: { kind: 'start', language: 'en' },
  HELP: { kind: 'help', language: 'en' },
  INFO: { kind: 'help', language: 'en' },
  AYUDA: { kind: 'help', language: 'es' },
};

/**
 * The keyword when the whole message is one ("Stop.", " stop! ", "Opt-out", "STOP ALL"),
 * null otherwise: "stop texting me please" is not a keyword, triage reads it as `opt_out`.
 */
export function matchSmsKeyword(body: string): SmsKeywordMatch | null {
  const word = body
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toUpperCase()
    // surrounding punctuation, emoji and whitespace
    .replace(/^[^\p{L}]+|[^\p{L}]+$/gu, '')
    // "OPT OUT", "OPT-OUT", "STOP ALL" are written as one keyword
    .replace(/[\s\-_.]+/g, '');
  if (word === '' || word.length > 12) return null;
  const hit = KEYWORDS[word];
  return hit ? { ...hit, word } : null;
}

export function smsKeyword(body: string): SmsKeyword | null {
  return matchSmsKeyword(body)?.kind ?? null;
}
