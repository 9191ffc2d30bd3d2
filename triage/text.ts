/**
 * Tokens with their place in the raw text. Every later step (shorthand, typo correction,
 * concepts, context) works on these tokens and never loses the raw words: `raw` is the slice
 * the patient wrote, `w` what the engine reads. Spans make `--explain` point at the words.
 */
import type { Language } from './types.js';

export type TokenKind = 'word' | 'number' | 'punct';

export interface Token {
  /** what the engine reads: lowercase, accents folded, shorthand expanded, typo corrected */
  w: string;
  /** the word as split from the text, lowercase and accent-folded, before any rewriting */
  orig: string;
  kind: TokenKind;
  /** offsets of the token in the raw text (an expansion such as "im" -> "i am" shares one span) */
  start: number;
  end: number;
  /** set when typo correction changed the word */
  corrected?: string;
}

const MARKS = /[\u0300-\u036f]/g;

export function foldAccents(text: string): string {
  return text.normalize('NFD').replace(MARKS, '');
}

/** Lowercases and folds accents character by character, so offsets stay those of the raw text. */
function foldKeepingOffsets(text: string): string {
  // most messages are plain ASCII
  if (!/[^\x00-\x7f]/.test(text)) return text.toLowerCase();
  let out = '';
  for (const ch of text) {
    const code = ch.charCodeAt(0);
    if (code < 128) {
      out += ch.toLowerCase();
      continue;
    }
    let f = ch.toLowerCase().normalize('NFD').replace(MARKS, '');
    if (f.length !== ch.length) f = f.length > ch.length ? f.slice(0, ch.length) : f.padEnd(ch.length, ' ');
    out += f;
  }
  return out
    .replace(/[\u2018\u2019\u02bc`\u00b4]/g, "'")
    .replace(/[\u201c\u201d]/g, '"')
    .replace(/[\u2013\u2014]/g, '-');
}

/*
 * Shorthand, per language. Applied to whole words after accents are folded. A word that
 * means one thing in English and another in Spanish lives in its language's table only:
 * Spanish "ya" is "already", not "yes"; "pa" is "para"; "yr" after a number is "year"
 * ("2 yr old"), elsewhere "your". Single letters that answer reminders (c, x, r, s) are left
 * to the reminder rules, which read the raw text first.
 */
const SHARED_WORDS: Record<string, string> = {
  pls: 'please', plz: 'please', plez: 'please', plse: 'please', pleae: 'please', pleas: 'please',
  appt: 'appointment', appts: 'appointments', apt: 'appointment', apts: 'appointments',
  appoitment: 'appointment', appointmnet: 'appointment', appoinment: 'appointment', apointment: 'appointment',
  appointement: 'appointment', appontment: 'appointment', apptmt: 'appointment',
  rx: 'prescription', rxs: 'prescriptions', perscription: 'prescription', prescripton: 'prescription',
  prescrition: 'prescription', presciption: 'prescription', prescriptoin: 'prescription',
  refil: 'refill', refils: 'refills', reffil: 'refill', reffill: 'refill',
  meds: 'medication', med: 'medication', medz: 'medication', medicaton: 'medication', medicatons: 'medication',
  medicaiton: 'medication', dr: 'doctor', drs: 'doctors', doc: 'doctor', dok: 'doctor',
  tmrw: 'tomorrow', tmr: 'tomorrow', tmw: 'tomorrow', tomoro: 'tomorrow', tomorow: 'tomorrow', '2morrow': 'tomorrow',
  tommorow: 'tomorrow', tommorrow: 'tomorrow', '2moro': 'tomorrow', '2day': 'today', tdy: 'today', tonite: 'tonight', '2nite': 'tonight',
  b4: 'before', thx: 'thanks', thnx: 'thanks', thanx: 'thanks', tks: 'thanks',
  msg: 'message', msgs: 'messages', txt: 'text', txts: 'texts', bp: 'blood pressure', hbp: 'high blood pressure',
  sob: 'short of breath', xray: 'x-ray', xrays: 'x-rays', bday: 'birthday', dob: 'date of birth',
  o2: 'oxygen', spo2: 'oxygen', sats: 'oxygen saturation',
 
};

const EN_WORDS: Record<string, string> = {
  u: 'you', ur: 'your', yr: 'your', youre: 'you are', r: 'are', n: 'and', im: 'i am', ive: 'i have',
  pharm: 'pharmacy', pharmacey: 'pharmacy', pharmcy: 'pharmacy', phamacy: 'pharmacy', farmcy: 'pharmacy',
  ins: 'insurance', insurence: 'insurance', insurace: 'insurance', insruance: 'insurance', insuranse: 'insurance',
  bs: 'blood sugar', bg: 'blood sugar', dm: 'diabetes', hr: 'heart rate', bpm: 'beats per minute',
  resched: 'reschedule', reschedual: 'reschedule', rescedule: 'reschedule', reschudule: 'reschedule',
  reshedule: 'reschedule', rescheduel: 'reschedule', cancell: 'cancel', cancle: 'cancel', cancelled: 'canceled',
  cancelation: 'cancellation', canel: 'cancel', cancl: 'cancel', conf: 'confirm', confrim: 'confirm', comfirm: 'confirm',
  resuts: 'results', reults: 'results', resluts: 'results', reslts: 'results', rsults: 'results',
  bil: 'bill', biling: 'billing', ammount: 'amount', recieve: 'receive', recieved: 'received',
  cant: 'cannot', cnt: 'cannot', cannt: 'cannot', dont: 'do not', doesnt: 'does not', didnt: 'did not', isnt: 'is not',
  arent: 'are not', wasnt: 'was not', werent: 'were not', wont: 'will not', havent: 'have not', hasnt: 'has not',
  hadnt: 'had not', couldnt: 'could not', shouldnt: 'should not', wouldnt: 'would not', aint: 'is not',
  idk: 'i do not know', thats: 'that is', whats: 'what is', hes: 'he is', shes: 'she is', theres: 'there is', lets: 'let us',
  gonna: 'going to', wanna: 'want to', gotta: 'got to', kinda: 'kind of', sorta: 'sort of', outta: 'out of',
  lemme: 'let me', gimme: 'give me', ok: 'okay', k: 'okay', kk: 'okay', ya: 'yes', yea: 'yes', yeah: 'yes', yep: 'yes',
  yup: 'yes', ye: 'yes', nope: 'no', nah: 'no', ty: 'thanks', bc: 'because', cuz: 'because', coz: 'because',
  becuase: 'because', becasue: 'because', abt: 'about', bout: 'about', w: 'with', wo: 'without', 'w/o': 'without',
  wk: 'week', wks: 'weeks', hrs: 'hours', mins: 'minutes', min: 'minute', yrs: 'years', mo: 'month', mos: 'months',
  ppl: 'people', pt: 'patient', brethe: 'breathe', brething: 'breathing', breating: 'breathing', breathin: 'breathing',
  breathng: 'breathing', breth: 'breath', chst: 'chest', chect: 'chest', pian: 'pain', pane: 'pain', hedache: 'headache',
  headace: 'headache', hedake: 'headache', siezure: 'seizure', seizer: 'seizure', seisure: 'seizure', siezures: 'seizures',
  seizers: 'seizures', unconcious: 'unconscious', unconsious: 'unconscious', bleading: 'bleeding', bleding: 'bleeding',
  sucidal: 'suicidal', suicidle: 'suicidal', suiside: 'suicide', pils: 'pills', pillz: 'pills', vomitting: 'vomiting',
  throwin: 'throwing', preg: 'pregnant', pregnent: 'pregnant', prego: 'pregnant', pragnant: 'pregnant', alergic: 'allergic',
  alergy: 'allergy', allergie: 'allergy', swolen: 'swollen', dizy: 'dizzy', dizzie: 'dizzy', feinted: 'fainted',
  numbnes: 'numbness', hurst: 'hurts', hurtz: 'hurts', labz: 'labs', od: 'overdose', ods: 'overdosed',
  tylenols: 'tylenol', bf: 'boyfriend', gf: 'girlfriend', hubby: 'husband', mom: 'mom', mum: 'mom', momma: 'mom',
  gma: 'grandma', gpa: 'grandpa', temp: 'temperature', temps: 'temperature', smth: 'something', sth: 'something',
  rn: 'right now', pp: 'postpartum',
};

const ES_WORDS: Record<string, string> = {
  q: 'que', ke: 'que', k: 'que', xq: 'porque', pq: 'porque', porq: 'porque', xk: 'porque', tb: 'tambien', tmb: 'tambien',
  tmbn: 'tambien', xfa: 'por favor', xfavor: 'por favor', porfa: 'por favor', porfavor: 'por favor', porfis: 'por favor',
  pf: 'por favor', dra: 'doctora', d: 'de', pa: 'para', kiero: 'quiero', aki: 'aqui', toy: 'estoy', tqm: 'te quiero',
  bn: 'bien', mnn: 'manana', hoi: 'hoy', cta: 'cita', sita: 'cita', pastiyas: 'pastillas', pastias: 'pastillas',
  reseta: 'receta', rezeta: 'receta', resetas: 'recetas', farmasia: 'farmacia', aseguranza: 'seguro', aseguransa: 'seguro',
  nesesito: 'necesito', nesecito: 'necesito', necesto: 'necesito', ocupo: 'necesito', kisiera: 'quisiera', kancelar: 'cancelar',
  respiral: 'respirar', rrespirar: 'respirar', pexo: 'pecho', pesho: 'pecho', dolo: 'dolor', embarasada: 'embarazada',
  enbarazada: 'embarazada', desmallo: 'desmayo', desmalle: 'desmaye', convulcion: 'convulsion',
  convulciones: 'convulsiones', ok: 'ok', mñn: 'manana', aca: 'aqui', ps: 'pues', nd: 'nada', tmp: 'tampoco',
  hrs: 'horas', min: 'minutos', mins: 'minutos', sem: 'semanas',
  // spelled by ear (silent h, dropped first syllable): "ase", "aora", "asta", "ta mal", "pal lado"
  ase: 'hace', aser: 'hacer', aora: 'ahora', aorita: 'ahorita', orita: 'ahorita', asta: 'hasta', ta: 'esta', tamos: 'estamos',
  tas: 'estas', pal: 'para el', ijo: 'hijo', ija: 'hija', ijos: 'hijos', ace: 'hace', ai: 'ahi',
};

// word-shaped, number-shaped or a punctuation mark; "120/80", "38.5", "38,5", "3:30" stay one token
const TOKEN_RE = /[a-z0-9ñ]+(?:'[a-z]+)*(?:[.,:/][0-9]+)*%?|[.!?;]+|[,:()\n\-"]/g;

function kindOf(w: string): TokenKind {
  const c = w.charCodeAt(0);
  const letterOrDigit = (c >= 97 && c <= 122) || (c >= 48 && c <= 57);
  if (!letterOrDigit) return 'punct';
  for (let i = 0; i < w.length; i++) {
    const d = w.charCodeAt(i);
    if (d >= 48 && d <= 57) return 'number';
  }
  return 'word';
}

function punctValue(p: string): string {
  if (p === '\n') return '.';
  if (/^[.!?;]/.test(p)) return p[0] === '.' && p.length > 1 ? '.' : p[0]!;
  return ',';
}

export function isPunct(t: Token): boolean {
  return t.kind === 'punct';
}

export function isSentenceEnd(t: Token): boolean {
  return t.kind === 'punct' && t.w !== ',';
}

// "2yr", "6wk", "10mg", "100.4f", "38c": number and unit become two tokens
const NUM_UNIT = /^(\d+(?:[.,]\d+)?)([a-z]+)$/;
const UNIT_EXPANSION: Record<string, string> = {
  yr: 'year', yrs: 'years', yo: 'year old', y: 'year', mo: 'month', mos: 'months', m: 'month', wk: 'week', wks: 'weeks',
  w: 'week', d: 'day', f: 'f', c: 'c', lb: 'lb', lbs: 'lb', kg: 'kg', mg: 'mg', ml: 'ml', mcg: 'mcg', min: 'minutes', mins: 'minutes',
  hr: 'hours', hrs: 'hours', h: 'hours', am: 'am', pm: 'pm', th: 'th', st: 'st', nd: 'nd', rd: 'rd', x: 'x', anos: 'anos',
  meses: 'meses', semanas: 'semanas', dias: 'dias',
};
// after a number, these abbreviations are units, not words ("2 yr old", "6 mo", "3 wk")
const AFTER_NUMBER_WORDS: Record<string, string> = {
  yr: 'year', yrs: 'years', yo: 'year old', mo: 'month', mos: 'months', wk: 'week', wks: 'weeks', hr: 'hours', hrs: 'hours',
  min: 'minutes', mins: 'minutes', lbs: 'lb',
};

// as Maps: a message's words are looked up here one by one, and a word such as "constructor"
// must not find what every plain object inherits (it made tokenizing throw)
type Shorthand = Map<string, string>;
const SHARED: Shorthand = new Map(Object.entries(SHARED_WORDS));
const EN: Shorthand = new Map(Object.entries(EN_WORDS));
const ES: Shorthand = new Map(Object.entries(ES_WORDS));
const AFTER_NUMBER: Shorthand = new Map(Object.entries(AFTER_NUMBER_WORDS));

/**
 * Splits raw text into tokens. With a language, shorthand of that language is expanded;
 * without one only shorthand that means the same in English and Spanish is.
 */
export function tokenize(raw: string, language?: Language): Token[] {
  const folded = foldKeepingOffsets(raw);
  const out: Token[] = [];
  const table = language === 'es' ? ES : language === 'en' ? EN : undefined;
  TOKEN_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = TOKEN_RE.exec(folded))) {
    let word = m[0];
    const start = m.index;
    const end = start + word.length;
    const kind = kindOf(word);
    if (kind === 'punct') {
      // a hyphen between words is not a pause ("6-week-old", "x-ray"); a spaced dash is
      if (word === '-' && folded[start - 1] !== ' ' && folded[end] !== ' ') continue;
      if (word === '"') continue;
      out.push({ w: punctValue(word), orig: word, kind, start, end });
      continue;
    }
    word = word.replace(/'/g, '');
    if (word.endsWith('%') && word.length > 1) {
      push(out, word.slice(0, -1), start, end - 1, table);
      out.push({ w: '%', orig: '%', kind: 'word', start: end - 1, end });
      continue;
    }
    // "38,5" is 38.5 (Spanish decimal comma); "1,200" stays a number with a thousands comma
    if (/^\d+,\d{1,2}$/.test(word)) word = word.replace(',', '.');
    const nu = NUM_UNIT.exec(word);
    if (nu && !SHARED.has(word) && !table?.has(word)) {
      const numEnd = start + nu[1]!.length;
      out.push({ w: nu[1]!.replace(',', '.'), orig: nu[1]!, kind: 'number', start, end: numEnd });
      const unit = UNIT_EXPANSION[nu[2]!] ?? nu[2]!;
      for (const u of unit.split(' ')) out.push({ w: u, orig: nu[2]!, kind: 'word', start: numEnd, end });
      continue;
    }
    const prev = out[out.length - 1];
    const afterNumber = prev?.kind === 'number' ? AFTER_NUMBER.get(word) : undefined;
    if (afterNumber) {
      for (const u of afterNumber.split(' ')) out.push({ w: u, orig: word, kind: 'word', start, end });
      continue;
    }
    push(out, word, start, end, table);
  }
  return out;
}

const STRETCHED = /([a-z])\1\1/;

function push(out: Token[], word: string, start: number, end: number, table: Shorthand | undefined) {
  const direct = SHARED.get(word) ?? table?.get(word);
  if (kindOf(word) === 'number' && direct === undefined) {
    out.push({ w: word, orig: word, kind: 'number', start, end });
    return;
  }
  // stretched letters: "pleeease", "helppp", "nooo" -> two letters at most
  const squeezed = STRETCHED.test(word) ? word.replace(/([a-z])\1{2,}/g, '$1$1') : word;
  const expanded = SHARED.get(squeezed) ?? table?.get(squeezed);
  if (expanded === undefined || expanded === squeezed) {
    out.push({ w: squeezed, orig: word, kind: /\d/.test(squeezed) ? 'number' : 'word', start, end });
    return;
  }
  for (const part of expanded.split(' ')) out.push({ w: part, orig: word, kind: 'word', start, end });
}

/**
 * Tokens from `tokenize(raw)` (no language) re-read in a language: that language's
 * shorthand expanded, raw spans kept. Same result as `tokenize(raw, language)`, cheaper.
 */
export function relex(tokens: Token[], language: Language): Token[] {
  const table = language === 'es' ? ES : EN;
  let out: Token[] | null = null;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const hit = t.kind === 'punct' ? undefined : table.get(t.w);
    const expanded = hit === undefined || t.w !== (STRETCHED.test(t.orig) ? t.orig.replace(/([a-z])\1{2,}/g, '$1$1') : t.orig) ? undefined : hit;
    if (expanded === undefined || expanded === t.w) {
      out?.push(t);
      continue;
    }
    out ??= tokens.slice(0, i);
    for (const part of expanded.split(' ')) out.push({ w: part, orig: t.orig, kind: 'word', start: t.start, end: t.end });
  }
  return out ?? tokens;
}

/** Words only, as a space-joined string with clause punctuation (". , ; ! ?") kept as tokens. */
export function joinTokens(tokens: Token[]): string {
  return tokens.map((t) => t.w).join(' ');
}
