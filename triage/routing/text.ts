// Text forms the routing conditions match against. Kept here rather than shared with the
// classifier's normaliser: rule matching must not change when the classifier is retuned.

const MARKS = /\p{M}+/gu;
const APOSTROPHES = /['\u2019\u02bc]/g;
const NOT_WORD = /[^\p{L}\p{N}]+/gu;

/** "Dirección" -> "Direccion": accents off, everything else as written. */
export function foldAccents(text: string): string {
  return text.normalize('NFD').replace(MARKS, '').normalize('NFC');
}

/**
 * The body as keyword matching sees it: accent-folded, lower case, apostrophes dropped
 * ("what's" -> "whats"), every other run of non-letters a single space, padded with one
 * space each side so " phrase " finds whole words only.
 */
export function keywordText(text: string): string {
  const words = foldAccents(text).toLowerCase().replace(APOSTROPHES, '').replace(NOT_WORD, ' ').trim();
  return ` ${words} `;
}

export interface KeywordNeedle {
  /** the phrase in keyword form with its boundary spaces, e.g. " sign up " or " registr" */
  needle: string;
  /** the phrase ended in `*`: its last word is a prefix ("registr*" finds "registrarme") */
  prefix: boolean;
}

/** null when the phrase holds no letters or digits at all. */
export function keywordNeedle(phrase: string): KeywordNeedle | null {
  const trimmed = phrase.trim();
  const prefix = trimmed.endsWith('*');
  const words = keywordText(prefix ? trimmed.slice(0, -1) : trimmed).trim();
  if (!words) return null;
  return { needle: prefix ? ` ${words}` : ` ${words} `, prefix };
}
