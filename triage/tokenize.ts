import porter from 'natural/lib/natural/stemmers/porter_stemmer.js';
import porterEs from 'natural/lib/natural/stemmers/porter_stemmer_es.js';
import type { Language } from './types.js';

const cache = new Map<string, string>();
const CACHE_LIMIT = 200_000;

/** Stems with natural's Porter stemmer for the language; memoised because it is the hot path. */
export function stem(word: string, language: Language): string {
  const key = language === 'es' ? `es:${word}` : word;
  let s = cache.get(key);
  if (s === undefined) {
    if (/\d/.test(word) || word.length <= 2) s = word;
    else s = language === 'es' ? porterEs.stem(word) : porter.stem(word);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(key, s);
  }
  return s;
}

function numberShape(word: string): string | null {
  if (!/\d/.test(word)) return null;
  if (/^\d{1,2}:\d\d$/.test(word) || /^\d{1,2}(am|pm)$/.test(word)) return '#time';
  if (/^\d{1,2}[/.-]\d{1,2}([/.-]\d{2,4})?$/.test(word)) return '#date';
  if (/^\d{3}\/\d{2,3}$/.test(word)) return '#bp';
  if (/^\+?\d[\d-]{6,}$/.test(word)) return '#phone';
  if (/^\$/.test(word)) return '#money';
  if (/^\d+(mg|mcg|ml|g|units?)$/.test(word)) return '#dose';
  return '#num';
}

/**
 * Classifier features from normalised words: stems, stem bigrams, number shapes and
 * the channel. Order is irrelevant; duplicates are removed.
 */
export function features(normalizedWords: string[], language: Language, channel?: string): string[] {
  const out = new Set<string>();
  let prev = '<s>';
  for (const w of normalizedWords) {
    const shape = numberShape(w);
    const s = shape ?? stem(w, language);
    out.add(s);
    out.add(`${prev}_${s}`);
    // word prefixes: robust to misspellings and inflections the stemmer misses ("reagendar"/"reagendo")
    if (!shape && w.length >= 5) out.add(`^${w.slice(0, 4)}`);
    prev = s;
  }
  out.add(`${prev}_</s>`);
  const n = normalizedWords.length;
  out.add(n <= 2 ? '#len:1-2' : n <= 6 ? '#len:3-6' : n <= 20 ? '#len:7-20' : '#len:21+');
  if (channel) out.add(`#ch:${channel}`);
  return [...out];
}
