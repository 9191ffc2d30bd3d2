/*
 * SMS segment counting as carriers bill it (GSM 03.38 / 3GPP TS 23.038).
 * GSM-7 carries 160 septets in one message or 153 per part of a concatenated one (the rest
 * is the UDH); an extension character takes two septets (escape + char) and is never split
 * across parts. Anything outside the alphabet makes the whole message UCS-2: 70 UTF-16 units,
 * or 67 per part, and a surrogate pair (emoji) is never split either.
 */

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface SmsSegments {
  encoding: SmsEncoding;
  /** number of SMS parts the carrier bills */
  count: number;
  /** septets for GSM-7 (extension characters count 2), UTF-16 code units for UCS-2 */
  characters: number;
  /** the distinct characters that forced UCS-2, so an author can replace them */
  unicodeCharacters: string[];
  /** set when the text needs more than two parts, with the reason when it is UCS-2 */
  warnings: string[];
}

/** Warn when a text needs more parts than this. */
export const SMS_SEGMENT_WARNING_THRESHOLD = 2;

// The basic table, in code-point order of the standard (0x00-0x7F), without ESC (0x1B).
const GSM_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
    '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
const GSM_EXTENSION = new Set('\f^{}\\[~]|€');

export function isGsm7(text: string): boolean {
  for (const ch of text) if (!GSM_BASIC.has(ch) && !GSM_EXTENSION.has(ch)) return false;
  return true;
}

/** Parts needed to carry units of the given sizes, never splitting a unit. */
function pack(sizes: number[], single: number, multi: number): number {
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total === 0) return 1;
  if (total <= single) return 1;
  let parts = 1;
  let used = 0;
  for (const size of sizes) {
    if (used + size > multi) {
      parts += 1;
      used = 0;
    }
    used += size;
  }
  return parts;
}

export function smsSegments(text: string): SmsSegments {
  const chars = [...text];
  const unicode = [...new Set(chars.filter((ch) => !GSM_BASIC.has(ch) && !GSM_EXTENSION.has(ch)))];
  if (unicode.length === 0) {
    const sizes = chars.map((ch) => (GSM_EXTENSION.has(ch) ? 2 : 1));
    return withWarnings({ encoding: 'GSM-7', count: pack(sizes, 160, 153), characters: sizes.reduce((a, b) => a + b, 0), unicodeCharacters: [] });
  }
  const sizes = chars.map((ch) => ch.length);
  return withWarnings({ encoding: 'UCS-2', count: pack(sizes, 70, 67), characters: text.length, unicodeCharacters: unicode });
}

/** Warnings a person editing a text should see: more than two parts, and why it is UCS-2. */
function withWarnings(segments: Omit<SmsSegments, 'warnings'>): SmsSegments {
  const warnings: string[] = [];
  if (segments.count > SMS_SEGMENT_WARNING_THRESHOLD) {
    const why =
      segments.encoding === 'UCS-2'
        ? ` (UCS-2 because of ${segments.unicodeCharacters.map((c) => JSON.stringify(c)).join(', ')}: 70 characters per part instead of 160)`
        : '';
    warnings.push(`This text needs ${segments.count} SMS segments${why}; keep it to ${SMS_SEGMENT_WARNING_THRESHOLD}.`);
  }
  return { ...segments, warnings };
}

// Punctuation that word processors and Intl produce, replaced as carriers' "smart encoding"
// does, so a curly apostrophe does not turn a whole message into UCS-2. Letters are never touched.
const SMART_PUNCTUATION: [RegExp, string][] = [
  [/[\u2018\u2019\u201A\u201B\u2032\u00B4\u0060]/g, "'"],
  [/[\u201C\u201D\u201E\u201F\u2033\u00AB\u00BB]/g, '"'],
  [/[\u2010\u2011\u2012\u2013\u2014\u2015\u2212]/g, '-'],
  [/\u2026/g, '...'],
  [/[\u00A0\u2000-\u200A\u202F\u205F\u3000]/g, ' '],
  [/[\u200B\u200C\u200D\u2060\uFEFF]/g, ''],
];

export function gsmPunctuation(text: string): string {
  let out = text;
  for (const [re, to] of SMART_PUNCTUATION) out = out.replace(re, to);
  return out;
}
