/**
 * Typo correction that never destroys a word. Only a token that is not a real word is
 * corrected, and only towards a word the engine knows (a concept or intent word) one edit
 * away (two for long words). "Real word" means a word of the English or Spanish dictionary
 * with its inflections: the dictionaries are large (an-array-of-english-words,
 * an-array-of-spanish-words), so the build step (`npm run train:triage`) keeps only the real
 * words that lie within reach of a known word (lexicon/near-words.json). That is all the
 * corrector needs to know to leave "killing", "blurred", "gaping", "drooling", "fractura" or
 * "costillas" alone while still reading "brething" as "breathing".
 */
import nearWords from './lexicon/near-words.json' with { type: 'json' };
import { CONCEPTS } from './lexicon/concepts.js';
import type { Token } from './text.js';
import type { Language } from './types.js';

/** Intent words worth correcting (appointments, refills, ...), besides the concept words. */
const INTENT_WORDS_EN =
  'appointment appointments prescription refill refills pharmacy insurance results reschedule cancel canceled billing records medication tomorrow schedule confirm statement deductible referral doctor morning afternoon tuesday wednesday thursday saturday friday monday sunday breathing breathe unconscious seizure suicidal overdose swallowed allergic swelling throat pregnant vomiting headache'.split(' ');
const INTENT_WORDS_ES =
  'respirar sangrado sangrando convulsion convulsiones suicidarme sobredosis desmayo inconsciente embarazada vomitando confundido confundida garganta hinchada hinchado alergia pastillas cabeza fiebre calentura mareado mareada receta farmacia resultados cancelar reprogramar medicamento medicina necesito quisiera manana martes miercoles jueves viernes sabado domingo confirmo confirmar factura seguro expediente'.split(' ');

/** Known words one could mean, by language, from the concept lexicon and the intent words. */
export function correctionTargets(): { en: Set<string>; es: Set<string> } {
  const en = new Set(INTENT_WORDS_EN);
  const es = new Set(INTENT_WORDS_ES);
  const add = (set: Set<string>, phrase: string) => {
    for (const part of phrase.split(/\s+/)) {
      if (part.endsWith('*') || part.startsWith('~') || part.startsWith('#')) continue;
      for (let w of part.split('|')) {
        w = w.replace(/^[=?]/, '');
        if (w.length >= 5 && /^[a-z]+$/.test(w)) set.add(w);
      }
    }
  };
  for (const c of CONCEPTS) {
    if (c.type === 'mask' || c.type === 'cue' || c.type === 'person') continue;
    for (const p of c.en ?? []) add(en, p);
    for (const p of c.es ?? []) add(es, p);
  }
  return { en, es };
}

const TARGETS = correctionTargets();
const ALL_TARGETS = new Set([...TARGETS.en, ...TARGETS.es]);
const PROTECTED = new Set(nearWords as string[]);

export function maxEdits(word: string): number {
  return word.length >= 9 ? 2 : 1;
}

function deletes(word: string, d: number, out: Set<string>) {
  if (d === 0) return;
  for (let i = 0; i < word.length; i++) {
    const del = word.slice(0, i) + word.slice(i + 1);
    if (!out.has(del)) {
      out.add(del);
      deletes(del, d - 1, out);
    }
  }
}

// deletion index (SymSpell): a word and a target within d edits share a deletion variant.
// Built on the first word that needs it, so loading the engine stays fast.
let INDEX: Map<string, string[]> | null = null;
function index(): Map<string, string[]> {
  if (INDEX) return INDEX;
  INDEX = new Map();
  for (const t of ALL_TARGETS) {
    const variants = new Set<string>([t]);
    deletes(t, maxEdits(t), variants);
    for (const v of variants) {
      const list = INDEX.get(v);
      if (list) list.push(t);
      else INDEX.set(v, [t]);
    }
  }
  return INDEX;
}

/** Damerau-Levenshtein (optimal string alignment) distance, giving up past max. */
export function distance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const m = a.length;
  const n = b.length;
  let prev2: number[] = [];
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  for (let i = 1; i <= m; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, prev2[j - 2]! + 1);
      cur.push(v);
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    prev2 = prev;
    prev = cur;
  }
  return prev[n]!;
}

/** The known word a non-word most likely means, or null. Candidates only: no dictionary check. */
export function nearestTarget(word: string, language: Language): string | null {
  const max = maxEdits(word);
  const variants = new Set<string>([word]);
  deletes(word, max, variants);
  let best: string | null = null;
  let bestScore = Infinity;
  const idx = index();
  for (const v of variants) {
    const list = idx.get(v);
    if (!list) continue;
    for (const t of list) {
      const d = distance(word, t, max);
      if (d > max || (t.length < 7 && d > 1)) continue;
      // prefer fewer edits, the message's language, the same first letter, then the same length
      const score = d * 100 + (TARGETS[language].has(t) ? 0 : 10) + (t[0] === word[0] ? 0 : 5) + Math.abs(t.length - word.length);
      if (score < bestScore || (score === bestScore && best !== null && t < best)) {
        bestScore = score;
        best = t;
      }
    }
  }
  return best;
}

/**
 * Spanish spelled by ear: a key under which the spellings patients mix up coincide (silent h,
 * b/v, s/z/soft c, k/qu/hard c, ll/y, rr/r, doubled letters, "-ao" for "-ado"), so
 * "inchado", "bomitando", "cabesa", "desmallo", "agitao" find "hinchado", "vomitando",
 * "cabeza", "desmayo", "agitado". Only a key shared by exactly one known Spanish word counts.
 */
export function phoneticKeyEs(word: string): string {
  return word
    .replace(/ch/g, '\u0001')
    .replace(/h/g, '')
    .replace(/v/g, 'b')
    .replace(/z/g, 's')
    .replace(/c([ei])/g, 's$1')
    .replace(/qu([ei])/g, 'k$1')
    .replace(/c/g, 'k')
    .replace(/ll/g, 'y')
    .replace(/(.)\1/g, '$1')
    .replace(/ado(s?)$/, 'ao$1')
    .replace(/\u0001/g, 'ch');
}

let PHONETIC: Map<string, string | null> | null = null;
/** The known Spanish word a by-ear spelling stands for, or null. */
export function phoneticTarget(word: string): string | null {
  if (!PHONETIC) {
    PHONETIC = new Map();
    for (const t of TARGETS.es) {
      const k = phoneticKeyEs(t);
      const prev = PHONETIC.get(k);
      PHONETIC.set(k, prev === undefined || prev === t ? t : null);
    }
  }
  const hit = PHONETIC.get(phoneticKeyEs(word));
  return hit && hit !== word ? hit : null;
}

const cache = new Map<string, string>();

/** The corrected word, or the word itself when it is a real word or nothing known is near. */
/** "moraditos" -> "morados", "rapidito" -> "rapido", "poquito" -> "poco": a Spanish diminutive of a known word. */
export function undiminish(word: string): string | null {
  const m = /^([a-z]{3,}?)(qu|gu|c|g)?it([oa]s?)$/.exec(word);
  if (!m) return null;
  const hard = m[2] === 'qu' ? 'c' : m[2] === 'gu' ? 'g' : m[2] ?? '';
  const base = m[1] + hard + m[3];
  return TARGETS.es.has(base) ? base : null;
}

export function correctWord(word: string, language: Language = 'en'): string {
  if (word.length < 5 || ALL_TARGETS.has(word) || !/^[a-z]+$/.test(word)) return word;
  // a diminutive may be a real word ("moraditos"): it is still read as the known word
  const maybeDiminutive = word.length >= 6 && word.includes('it');
  if (PROTECTED.has(word) && !maybeDiminutive) return word;
  const key = `${language}:${word}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const base = maybeDiminutive ? undiminish(word) : null;
  let best = base ?? (PROTECTED.has(word) ? word : phoneticTarget(word) ?? nearestTarget(word, language) ?? word);
  // stretched letters left doubled by the tokenizer ("helpp", "sooo bad") are not typos of another word
  if (best !== word && /(.)\1/.test(word) && ALL_TARGETS.has(word.replace(/(.)\1/g, '$1'))) best = word.replace(/(.)\1/g, '$1');
  if (cache.size > 50_000) cache.clear();
  cache.set(key, best);
  return best;
}

/** Tokens with non-words corrected (the same array when nothing changed). */
export function correctTokens(tokens: Token[], language: Language): Token[] {
  let out: Token[] | null = null;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind !== 'word') continue;
    const c = correctWord(t.w, language);
    if (c === t.w) continue;
    out ??= tokens.slice();
    out[i] = { ...t, w: c, corrected: c };
  }
  return out ?? tokens;
}

/** Space-joined normalised text with non-words corrected (for the intent classifier). */
export function correctTypos(normalized: string, language: Language = 'en'): string {
  return normalized
    .split(' ')
    .map((w) => correctWord(w, language))
    .join(' ');
}
