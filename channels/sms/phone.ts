import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

/**
 * E.164 for a phone number as Twilio posts it or as a person typed it in a form, or null
 * when it is not a possible number (too short, letters, a short code).
 * "Possible" (length) rather than "valid" (allocated ranges) on purpose: fictional 555-01xx
 * numbers used in demos and brand-new number ranges must still find their patient.
 */
export function normalisePhone(raw: string, defaultRegion: CountryCode = 'US'): string | null {
  const trimmed = raw.trim();
  if (trimmed === '') return null;
  // what Twilio sends for every North American number: already E.164, and possible by its
  // length alone (the library's answer too, checked by tests/unit/channels/phone.test.ts),
  // so the metadata walk (a good share of an SMS webhook's time) is skipped
  if (nanpE164.test(trimmed)) return trimmed;
  const parsed = parsePhoneNumberFromString(trimmed, defaultRegion);
  if (!parsed || !parsed.isPossible()) return null;
  return parsed.number;
}

const nanpE164 = /^\+1[2-9]\d{2}[2-9]\d{6}$/;

/**
 * Whether a text to this number can plausibly arrive. Landlines, toll-free and premium
 * numbers are refused (a missed-call text-back to a landline is wasted and billed);
 * VOIP stays allowed (Google Voice and similar take texts);
 * whenever the type is unknown (most North American numbers are FIXED_LINE_OR_MOBILE, and
 * fictional ones have no type) we try, and Twilio's error on the send settles it.
 */
export function canReceiveSms(e164: string): boolean {
  const parsed = parsePhoneNumberFromString(e164);
  if (!parsed) return false;
  switch (parsed.getType()) {
    case 'FIXED_LINE':
    case 'TOLL_FREE':
    case 'PREMIUM_RATE':
    case 'SHARED_COST':
    case 'PAGER':
    case 'UAN':
    case 'VOICEMAIL':
      return false;
    default:
      return true;
  }
}
