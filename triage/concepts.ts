/**
 * Concept matching: finds every lexicon phrase (lexicon/concepts.ts) in the tokens of a
 * message, in both languages at once (patients switch languages mid-message), on Porter
 * stems for English and on words and word prefixes for Spanish.
 */
import { CONCEPTS, type ConceptDef, type ConceptType } from './lexicon/concepts.js';
import { MEDICATIONS, spanishVariants } from './lexicon/medications.js';
import type { Token } from './text.js';
import { stem } from './tokenize.js';

type ElemKind = 'stem' | 'exact' | 'prefix' | 'num' | 'year' | 'gap' | 'end';

interface Alt {
  kind: 'stem' | 'exact' | 'prefix';
  value: string;
}

interface Elem {
  kind: ElemKind;
  alts: Alt[];
  optional: boolean;
  /** for gaps: most words skipped */
  max: number;
}

interface Pattern {
  concept: ConceptDef;
  lang: 'en' | 'es';
  elems: Elem[];
  source: string;
  /** a later word the pattern cannot match without (checked against the message first) */
  need: Alt[] | null;
}

export interface Mention {
  id: string;
  type: ConceptType;
  /** first and last token index (inclusive) */
  from: number;
  to: number;
  lang: 'en' | 'es';
  pattern: string;
}

function compileWord(raw: string, lang: 'en' | 'es'): Alt {
  if (raw.endsWith('*')) return { kind: 'prefix', value: raw.slice(0, -1) };
  if (raw.startsWith('=')) return { kind: 'exact', value: raw.slice(1) };
  // short English words stem to other words ("ate" -> "at", "los" -> "lo"): exact match for them
  if (lang === 'en' && /^[a-z]+$/.test(raw) && raw.length > 3) return { kind: 'stem', value: stem(raw, 'en') };
  return { kind: 'exact', value: raw };
}

function compile(def: ConceptDef, lang: 'en' | 'es', phrase: string): Pattern {
  const elems: Elem[] = [];
  for (let part of phrase.trim().split(/\s+/)) {
    if (/^~\d*$/.test(part)) {
      elems.push({ kind: 'gap', alts: [], optional: true, max: part.length > 1 ? Number(part.slice(1)) : 2 });
      continue;
    }
    let optional = false;
    if (part.startsWith('?')) {
      optional = true;
      part = part.slice(1);
    }
    if (part === '$') elems.push({ kind: 'end', alts: [], optional, max: 0 });
    else if (part === '#') elems.push({ kind: 'num', alts: [], optional, max: 0 });
    else if (part === '#year') elems.push({ kind: 'year', alts: [], optional, max: 0 });
    else {
      // a word may itself be split by shorthand ("can't" -> "cannot"); patterns are written expanded
      elems.push({ kind: 'stem', alts: part.split('|').map((a) => compileWord(a, lang)), optional, max: 0 });
    }
  }
  // the last required word that is a stem or an exact word: if the message lacks it, skip
  let need: Alt[] | null = null;
  for (let k = elems.length - 1; k > 0; k--) {
    const e = elems[k]!;
    if (e.kind === 'stem' && !e.optional && e.alts.every((a) => a.kind !== 'prefix')) {
      need = e.alts;
      break;
    }
  }
  return { concept: def, lang, elems, source: phrase, need };
}

// medication names (generic, brand, common misspellings) are one concept
const MED_NAMES: ConceptDef = {
  id: 'med_name',
  type: 'medication',
  en: [...new Set(MEDICATIONS.flatMap((line) => line.split('|')).flatMap((name) => (name.includes(' ') ? [name] : [name, ...spanishVariants(name)].flatMap((n) => [n, `${n}s`]))))].map((name) => name.split(' ').map((w) => `=${w}`).join(' ')),
};

const PATTERNS: Pattern[] = [];
for (const def of [...CONCEPTS, MED_NAMES]) {
  for (const p of def.en ?? []) PATTERNS.push(compile(def, 'en', p));
  for (const p of def.es ?? []) PATTERNS.push(compile(def, 'es', p));
}

// index by what the first element needs to see: a stem, a word, a 3-letter prefix, a number
const BY_STEM = new Map<string, Pattern[]>();
const BY_WORD = new Map<string, Pattern[]>();
const BY_PREFIX = new Map<string, Pattern[]>();
const BY_NUMBER: Pattern[] = [];
const addKey = (map: Map<string, Pattern[]>, key: string, p: Pattern) => {
  const list = map.get(key);
  if (list) {
    if (!list.includes(p)) list.push(p);
  } else map.set(key, [p]);
};
for (const p of PATTERNS) {
  const first = p.elems[0]!;
  if (first.kind === 'gap' || first.optional || first.kind === 'end') throw new Error(`pattern must start with a word: ${p.source}`);
  if (first.kind === 'num' || first.kind === 'year') BY_NUMBER.push(p);
  else {
    for (const a of first.alts) {
      if (a.kind === 'stem') addKey(BY_STEM, a.value, p);
      else if (a.kind === 'exact') addKey(BY_WORD, a.value, p);
      else {
        if (a.value.length < 3) throw new Error(`prefix too short: ${p.source}`);
        addKey(BY_PREFIX, a.value.slice(0, 3), p);
      }
    }
  }
}

// words that can start something clinical: a message with none of them names nothing clinical
const GATE_TYPES = new Set<ConceptType>(['symptom', 'event', 'harm', 'substance', 'ingest', 'quantity', 'vital']);
const GATE_IDS = new Set(['ran_out', 'accidental', 'pregnant', 'postpartum', 'closing', 'infection_sign']);
// words most messages hold, whatever they are about (requests, greetings, grammar): a
// pattern is gated on one of them only when it has no other required word
const COMMON_WORDS = new Set(
  ('the a an i my me is it to and of on at in for with from this that there be been was were had has have am are do did ' +
    'can could will would should need want get got go come make take give see feel know like just still out about after ' +
    'back day today time good left something someone little some any all very much too now not no cannot ' +
    'de la el los las que y en un una por para con se lo le les al del su sus mi ya muy pero como o mas ' +
    'tengo tiene tienen tener esta estoy estar necesito quiero quisiera puedo puede pueden hacer tomar habla hablo ' +
    'hoy manana despues ahora dia bien todo algo hace fue ' +
    'up down off over into onto one two three four five si es yo tu te nos son hay ni sin ser va van ir')
    .split(' ')
    .flatMap((w) => [w, stem(w, 'en')]),
);
type GateSet = 'clinical' | 'fn' | 'unable';
interface GateWords {
  words: Set<string>;
  prefixes: Set<string>;
  /** patterns made only of everyday words ("give up", "ya no tengo"): two of their words, both needed */
  pairs: [Alt[], Alt[]][];
}
const gate: Record<GateSet, GateWords> = {
  clinical: { words: new Set(), prefixes: new Set(), pairs: [] },
  fn: { words: new Set(), prefixes: new Set(), pairs: [] },
  unable: { words: new Set(), prefixes: new Set(), pairs: [] },
};
const isCommon = (e: Elem) => e.alts.some((a) => a.kind !== 'prefix' && COMMON_WORDS.has(a.value));
for (const p of PATTERNS) {
  const kind: GateSet | null = GATE_TYPES.has(p.concept.type) || GATE_IDS.has(p.concept.id) ? 'clinical' : p.concept.type === 'function' ? 'fn' : p.concept.id === 'unable' ? 'unable' : null;
  if (!kind) continue;
  // the pattern's most telling word, not its first: the longest of its required words that
  // no everyday message is full of ("me falta el aire" is gated on "falta", not on "me";
  // "need ~ refill" on "refill", not on "need")
  const required = p.elems
    .filter((e) => e.kind === 'stem' && !e.optional)
    .map((e) => ({ e, score: (isCommon(e) ? 0 : 100) + Math.min(...e.alts.map((a) => a.value.length)) }))
    .sort((a, b) => b.score - a.score);
  const best = required[0];
  if (!best) continue;
  if (best.score < 100 && required.length >= 2) {
    gate[kind].pairs.push([best.e.alts, required[1]!.e.alts]);
    continue;
  }
  for (const a of best.e.alts) {
    if (a.kind === 'prefix') gate[kind].prefixes.add(a.value);
    else gate[kind].words.add(a.value);
  }
}

/** Words after a function that say it works badly ("breathing fast", "habla raro"). */
export const POST_IMPAIRED_HINT = new Set(['hard', 'difficult', 'labored', 'fast', 'rapid', 'shallow', 'weird', 'funny', 'strange', 'noisy', 'slow', 'badly', 'less', 'mal', 'raro', 'rapido', 'dificil', 'lento', 'agitado', 'menos', 'feo', 'wrong']);
/** A denial inside a function's own words ("baby is not moving", "el bebe no patea"). */
export const INNER_DENIAL_HINT = new Set(['no', 'not', 'never', 'nunca', 'barely', 'apenas', 'hardly']);

function hasPrefix(prefixes: Set<string>, w: string): boolean {
  for (let k = 3; k <= w.length; k++) if (prefixes.has(w.slice(0, k))) return true;
  return false;
}
const inGate = (g: GateSet, t: TokenView) => gate[g].words.has(t.stemEn) || gate[g].words.has(t.w) || hasPrefix(gate[g].prefixes, t.w);

// what each word is to the gate (the stem is a function of the word), as bits
const CLINICAL_WORD = 4;
const FUNCTION_WORD = 1;
/** a word that can start an "unable" cue ("cannot", "no", "barely") */
const UNABLE_WORD = 2;
/** a word that impairs a function without being a cue ("fast", "raro", "nunca") */
const IMPAIRING_WORD = 8;
const GATE_MEMO = new Map<string, number>();
function gateKind(t: TokenView): number {
  let k = GATE_MEMO.get(t.w);
  if (k === undefined) {
    if (inGate('clinical', t)) k = CLINICAL_WORD;
    else {
      k = (inGate('fn', t) ? FUNCTION_WORD : 0) | (inGate('unable', t) ? UNABLE_WORD : 0);
      if (POST_IMPAIRED_HINT.has(t.w) || INNER_DENIAL_HINT.has(t.w)) k |= IMPAIRING_WORD;
    }
    if (GATE_MEMO.size >= 100_000) GATE_MEMO.clear();
    GATE_MEMO.set(t.w, k);
  }
  return k;
}

/** words and stems of the message (prefixes are looked for word by word) */
function wordsOf(ts: TokenView[]): Set<string> {
  const out = new Set<string>();
  for (const t of ts) {
    if (t.isPunct) continue;
    out.add(t.w);
    out.add(t.stemEn);
  }
  return out;
}

function pairSeen(pairs: [Alt[], Alt[]][], ts: TokenView[], words: Set<string>): boolean {
  const has = (alts: Alt[]) => {
    for (const a of alts) {
      if (a.kind !== 'prefix' ? words.has(a.value) : ts.some((t) => !t.isPunct && t.w.startsWith(a.value))) return true;
    }
    return false;
  };
  for (const [a, b] of pairs) if (has(a) && has(b)) return true;
  return false;
}

/**
 * Cheap first look: can this message name anything clinical at all? A word that starts a
 * clinical concept (or both words of a clinical phrase made of everyday words, "give up") or two words of a function and its impairment: a function
 * word ("breathe", "despierta") and a word that can say it fails ("cannot", "no", "fast",
 * "raro"). When not, urgency is routine without matching the lexicon. ("Can I see the doctor
 * tomorrow" has neither: requests like it were about half of all messages.)
 */
export function mayBeClinical(ts: TokenView[]): boolean {
  let fn = 0;
  let bits = 0;
  for (const t of ts) {
    if (t.isPunct) continue;
    const k = gateKind(t);
    if (k & CLINICAL_WORD) return true;
    if (k & (FUNCTION_WORD | UNABLE_WORD)) fn++;
    bits |= k;
  }
  const words = wordsOf(ts);
  if (pairSeen(gate.clinical.pairs, ts, words)) return true;
  if (pairSeen(gate.fn.pairs, ts, words)) {
    bits |= FUNCTION_WORD;
    fn++;
  }
  if (!(bits & UNABLE_WORD) && pairSeen(gate.unable.pairs, ts, words)) {
    bits |= UNABLE_WORD;
    fn++;
  }
  return fn >= 2 && (bits & FUNCTION_WORD) !== 0 && (bits & (UNABLE_WORD | IMPAIRING_WORD)) !== 0;
}

export const conceptTypes = new Map([...CONCEPTS, MED_NAMES].map((c) => [c.id, c.type]));

/** Per-token reading used by the matcher. */
export interface TokenView {
  w: string;
  stemEn: string;
  isNum: boolean;
  isPunct: boolean;
  value: number;
}

export function view(tokens: Token[]): TokenView[] {
  return tokens.map((t) => ({
    w: t.w,
    stemEn: t.kind === 'word' ? stem(t.w, 'en') : t.w,
    isNum: t.kind === 'number',
    isPunct: t.kind === 'punct',
    value: t.kind === 'number' ? Number.parseFloat(t.w) : Number.NaN,
  }));
}

function altMatches(a: Alt, t: TokenView): boolean {
  if (t.isPunct) return false;
  if (a.kind === 'stem') return t.stemEn === a.value || t.w === a.value;
  if (a.kind === 'exact') return t.w === a.value;
  return t.w.startsWith(a.value);
}

function elemMatches(e: Elem, t: TokenView): boolean {
  if (t.isPunct) return false;
  if (e.kind === 'num') return t.isNum;
  if (e.kind === 'year') return t.isNum && /^(19|20)\d\d$/.test(t.w);
  for (const a of e.alts) if (altMatches(a, t)) return true;
  return false;
}

/** End index (inclusive) of the longest match of elems[k..] starting at token i, or -1. */
function matchFrom(elems: Elem[], k: number, ts: TokenView[], i: number): number {
  if (k === elems.length) return i - 1;
  const e = elems[k]!;
  if (e.kind === 'gap') {
    let best = -1;
    for (let skip = 0; skip <= e.max; skip++) {
      if (skip > 0 && (i + skip - 1 >= ts.length || ts[i + skip - 1]!.isPunct)) break;
      const r = matchFrom(elems, k + 1, ts, i + skip);
      if (r > best) best = r;
    }
    return best;
  }
  // "$": the phrase ends a clause (next is punctuation or the end); consumes nothing
  if (e.kind === 'end') return i >= ts.length || ts[i]!.isPunct ? matchFrom(elems, k + 1, ts, i) : -1;
  let best = -1;
  if (i < ts.length && elemMatches(e, ts[i]!)) best = matchFrom(elems, k + 1, ts, i + 1);
  if (e.optional) {
    const r = matchFrom(elems, k + 1, ts, i);
    if (r > best) best = r;
  }
  return best;
}

// the patterns that can start at a word, in look-up order (stem, word, prefix), each once and
// only those whose first element the word matches: the same for every message holding the word.
// A word that starts many patterns ("me", "no", "my") also files them by the later word each
// needs, so a message looks up its own words there instead of testing every pattern.
interface Starts {
  list: Pattern[];
  /** need value -> positions in list (only for long lists) */
  byNeed: Map<string, number[]> | null;
  /** positions in list of patterns without a needed word */
  free: number[];
}
const MANY_STARTS = 24;
const STARTS = new Map<string, Starts>();
function startingAt(t: TokenView): Starts {
  let st = STARTS.get(t.w);
  if (st) return st;
  const list: Pattern[] = [];
  const add = (ps: Pattern[] | undefined) => {
    for (const p of ps ?? []) if (!list.includes(p) && elemMatches(p.elems[0]!, t)) list.push(p);
  };
  add(BY_STEM.get(t.stemEn));
  add(BY_WORD.get(t.w));
  if (t.w.length >= 3) add(BY_PREFIX.get(t.w.slice(0, 3)));
  st = { list, byNeed: null, free: [] };
  if (list.length > MANY_STARTS) {
    const byNeed = new Map<string, number[]>();
    list.forEach((p, k) => {
      if (!p.need) st!.free.push(k);
      else for (const v of new Set(p.need.map((a) => a.value))) (byNeed.get(v) ?? byNeed.set(v, []).get(v)!).push(k);
    });
    st.byNeed = byNeed;
  }
  if (STARTS.size >= 100_000) STARTS.clear();
  STARTS.set(t.w, st);
  return st;
}

function needMet(need: Alt[], present: Set<string>): boolean {
  for (let k = 0; k < need.length; k++) if (present.has(need[k]!.value)) return true;
  return false;
}

/** A medication name starts at this word ("30 xanax", "2 tylenol"). */
export function startsMedication(t: TokenView): boolean {
  if (t.isPunct || t.isNum) return false;
  return startingAt(t).list.some((p) => p.concept.type === 'medication');
}

/** All concept mentions in the tokens; masks remove the words they cover from clinical concepts. */
export function findMentions(ts: TokenView[]): Mention[] {
  const raw: Mention[] = [];
  const present = new Set<string>();
  for (const t of ts) {
    present.add(t.w);
    present.add(t.stemEn);
  }
  const tryPattern = (p: Pattern, i: number) => {
    const end = matchFrom(p.elems, 0, ts, i);
    if (end >= i) raw.push({ id: p.concept.id, type: p.concept.type, from: i, to: end, lang: p.lang, pattern: p.source });
  };
  const tryList = (list: Pattern[] | undefined, i: number, seen: Set<Pattern>) => {
    if (!list) return;
    for (const p of list) {
      if (seen.has(p)) continue;
      seen.add(p);
      if (p.need && !needMet(p.need, present)) continue;
      tryPattern(p, i);
    }
  };
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i]!;
    if (t.isPunct) continue;
    if (t.isNum) {
      const seen = new Set<Pattern>();
      tryList(BY_NUMBER, i, seen);
      tryList(BY_WORD.get(t.w), i, seen);
      continue;
    }
    const st = startingAt(t);
    if (!st.byNeed) {
      for (const p of st.list) if (!p.need || needMet(p.need, present)) tryPattern(p, i);
      continue;
    }
    // the patterns whose needed word the message holds, in list order
    const at = st.free.slice();
    for (const w of present) {
      const ks = st.byNeed.get(w);
      if (ks) for (const k of ks) at.push(k);
    }
    at.sort((a, b) => a - b);
    for (let j = 0; j < at.length; j++) if (j === 0 || at[j] !== at[j - 1]) tryPattern(st.list[at[j]!]!, i);
  }
  return cleanUp(raw.filter((m) => m.id !== 'accidental' || !isSchedule(ts, m.to + 1)));
}

const PER = new Set(['a', 'per', 'each', 'every', 'al', 'por', 'cada']);
const PERIOD = new Set(['day', 'days', 'daily', 'night', 'week', 'dia', 'dias', 'noche', 'semana']);
/** "twice a day", "dos veces al dia", "2 times daily": a dosing schedule, not a double dose. */
function isSchedule(ts: TokenView[], i: number): boolean {
  const a = ts[i]?.w;
  const b = ts[i + 1]?.w;
  return a === 'daily' || a === 'diario' || a === 'diarias' || (a !== undefined && PER.has(a) && b !== undefined && PERIOD.has(b));
}

const MASKABLE = new Set<ConceptType>(['symptom', 'body', 'event', 'harm', 'function', 'substance']);
const NOT_CUE_HOST = new Set<ConceptType>(['symptom', 'function', 'event', 'harm', 'substance', 'mask', 'mod', 'quantity', 'ingest', 'medication']);

const SWALLOWED_THING = new Set(['product', 'battery', 'magnet', 'medication', 'med_name']);

function cleanUp(raw: Mention[]): Mention[] {
  // "didn't drink any of the bleach", "no se comio las pastillas": a denied ingestion, not a
  // child who will not feed (the negation stays a negation)
  if (raw.some((m) => m.id === 'poor_feeding')) raw = raw.filter((m) => m.id !== 'poor_feeding' || !raw.some((o) => SWALLOWED_THING.has(o.id) && o.from > m.to && o.from - m.to <= 5));
  const masks = raw.filter((m) => m.type === 'mask');
  let out = raw.filter((m) => m.type !== 'mask' && !(MASKABLE.has(m.type) && masks.some((k) => k.from <= m.from && m.to <= k.to)));
  // the same concept found twice over overlapping words: keep the longer
  out.sort((a, b) => a.from - b.from || b.to - a.to);
  const kept: Mention[] = [];
  for (const m of out) {
    let dup = false;
    for (const k of kept) {
      if (k.id === m.id && k.from <= m.from && m.to <= k.to) {
        dup = true;
        break;
      }
    }
    if (!dup) kept.push(m);
  }
  out = kept;
  // a function word inside a symptom phrase belongs to it ("short of breath", "cannot get air")
  const phrases = out.filter((m) => m.type === 'symptom' || m.type === 'harm' || m.type === 'event');
  out = out.filter((m) => m.type !== 'function' || !phrases.some((p) => p.from <= m.from && m.to <= p.to && p.to - p.from > m.to - m.from));
  // a context cue inside a clinical phrase belongs to that phrase ("no me entra el aire",
  // "passed out", "not want to live"): it is not a cue there
  const hosts = out.filter((m) => NOT_CUE_HOST.has(m.type) || (m.type === 'cue' && m.id === 'pseudo_neg'));
  // ("every hour", "cada hora" inside "a pad every hour" still date the clause as now)
  out = out.filter((m) => m.type !== 'cue' || m.id === 'pseudo_neg' || !hosts.some((h) => h.from <= m.from && m.to <= h.to && h !== m && !(m.id === 'current' && h.type === 'mod' && /hour|hora/.test(m.pattern))));
  return out.concat(masks);
}
