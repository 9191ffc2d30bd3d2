/**
 * How the engine reads a message, once: tokens (raw spans kept), the language, the same
 * tokens with that language's shorthand expanded and with non-words corrected, and the
 * intent classifier's features. Training (src/triage-tools/train.ts) reads the same way.
 */
import { detectLanguage } from './language.js';
import { joinTokens, relex, tokenize, type Token } from './text.js';
import { features } from './tokenize.js';
import { correctTokens } from './typos.js';
import type { Channel, Language } from './types.js';

export interface ReadMessage {
  language: Language;
  /** words as written (shorthand expanded) */
  tokens: Token[];
  /** the same tokens with non-words corrected (the same array when nothing was) */
  corrected: Token[];
  /** normalised text (for the reminder rules) */
  normalized: string;
  /** features of the intent classifier */
  intentFeatures: string[];
}

export function readMessage(text: string, channel?: Channel): ReadMessage {
  const neutral = tokenize(text);
  const language = detectLanguage(text, neutral.filter((t) => t.kind !== 'punct').map((t) => t.w));
  const tokens = relex(neutral, language);
  const corrected = correctTokens(tokens, language);
  const words = corrected.filter((t) => t.kind !== 'punct').map((t) => t.w);
  return { language, tokens, corrected, normalized: joinTokens(tokens), intentFeatures: features(words, language, channel) };
}
