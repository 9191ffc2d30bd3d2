/**
 * Text normalisation shared by the intent classifier, the reminder rules and the concept
 * engine. Output is lowercase ASCII-ish words separated by single spaces, with sentence and
 * clause punctuation kept as separate tokens (". , ; ! ?") because negation scope stops at
 * them. Shorthand is expanded in the message's language (see text.ts).
 */
import { detectLanguage } from './language.js';
import { foldAccents, joinTokens, tokenize } from './text.js';
import type { Language } from './types.js';

export { foldAccents };

/**
 * Lowercases, folds accents, strips apostrophes inside words ("don't" -> "dont" -> "do not"),
 * expands the shorthand of the language (detected when not given) and keeps clause
 * punctuation as separate tokens.
 */
export function normalizeText(text: string, language?: Language): string {
  const lang = language ?? detectLanguage(text, words(joinTokens(tokenize(text))));
  return joinTokens(tokenize(text, lang));
}

/** Words only (punctuation dropped), from normalised text. */
export function words(normalized: string): string[] {
  return normalized.split(' ').filter((w) => w && !/^[.,;!?]$/.test(w));
}
