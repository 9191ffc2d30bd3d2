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
const gate = { clinical: new Set<string>(), clinicalPrefix: new Set<string>(), fn: new Set<string>(), fnPrefix: new Set<string>() };
for (const p of PATTERNS) {
  const kind = GATE_TYPES.has(p.concept.type) || GATE_IDS.has(p.concept.id) ? 'clinical' : p.concept.type === 'function' || p.concept.id === 'unable' ? 'fn' : null;
  if (!kind) continue;
  // the pattern's most telling word (the longest of its required words), not its first:
  // "me falta el aire" is gated on "falta", not on "me"
  let best: Elem | null = null;
  let bestLen = -1;
  for (const e of p.elems) {
    if (e.kind !== 'stem' || e.optional) continue;
    const len = Math.min(...e.alts.map((a) => a.value.length));
    if (len > bestLen) {
      best = e;
      bestLen = len;
    }
  }
  for (const a of best?.alts ?? []) {
    if (a.kind === 'prefix') gate[kind === 'clinical' ? 'clinicalPrefix' : 'fnPrefix'].add(a.value);
    else gate[kind].add(a.value);
  }
}

function hasPrefix(prefixes: Set<string>, w: string): boolean {
  for (let k = 3; k <= w.length; k++) if (prefixes.has(w.slice(0, k))) return true;
  return false;
}

/**
 * Cheap first look: can this message name anything clinical at all? (A word that starts a
 * clinical concept, or a function word with a word that can impair it.) When not, urgency is
 * routine without matching the lexicon.
 */
// what each word is to the gate (the stem is a function of the word): 2 clinical, 1 function, 0 neither
const GATE_MEMO = new Map<string, number>();
function gateKind(t: TokenView): number {
  let k = GATE_MEMO.get(t.w);
  if (k === undefined) {
    k = gate.clinical.has(t.stemEn) || gate.clinical.has(t.w) || hasPrefix(gate.clinicalPrefix, t.w) ? 2 : gate.fn.has(t.stemEn) || gate.fn.has(t.w) || hasPrefix(gate.fnPrefix, t.w) ? 1 : 0;
    if (GATE_MEMO.size >= 100_000) GATE_MEMO.clear();
    GATE_MEMO.set(t.w, k);
  }
  return k;
}

export function mayBeClinical(ts: TokenView[]): boolean {
  let fn = 0;
  for (const t of ts) {
    if (t.isPunct) continue;
    const k = gateKind(t);
    if (k === 2) return true;
    if (k === 1) fn++;
  }
  return fn >= 2;
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

/** All concept mentions in the tokens; masks remove the words they cover from clinical concepts. */
export function findMentions(ts: TokenView[]): Mention[] {
  const raw: Mention[] = [];
  const seen = new Set<Pattern>();
  const present = new Set<string>();
  for (const t of ts) {
    present.add(t.w);
    present.add(t.stemEn);
  }
  const tryList = (list: Pattern[] | undefined, i: number) => {
    if (!list) return;
    for (const p of list) {
      if (seen.has(p)) continue;
      seen.add(p);
      if (p.need && !p.need.some((a) => present.has(a.value))) continue;
      const end = matchFrom(p.elems, 0, ts, i);
      if (end >= i) raw.push({ id: p.concept.id, type: p.concept.type, from: i, to: end, lang: p.lang, pattern: p.source });
    }
  };
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i]!;
    if (t.isPunct) continue;
    seen.clear();
    if (t.isNum) {
      tryList(BY_NUMBER, i);
      tryList(BY_WORD.get(t.w), i);
      continue;
    }
    tryList(BY_STEM.get(t.stemEn), i);
    tryList(BY_WORD.get(t.w), i);
    if (t.w.length >= 3) tryList(BY_PREFIX.get(t.w.slice(0, 3)), i);
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
