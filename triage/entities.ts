/**
 * Entity extraction: dates and times (chrono-node, English and Spanish, relative to the
 * message time in the practice time zone), medications with strengths, pharmacy, date of
 * birth and callback number (E.164, default region US).
 */
import { TZDate } from '@date-fns/tz';
import * as chrono from 'chrono-node';
import { findPhoneNumbersInText } from 'libphonenumber-js';
import { MEDICATIONS, spanishVariants } from './lexicon/medications.js';
import { foldAccents } from './normalize.js';
import type { Language, TriageEntities } from './types.js';

export interface MedicationMention {
  name: string;
  strength?: string;
  mentioned: string;
}

// ---- medications ----

const MED_INDEX = new Map<string, string>();
for (const line of MEDICATIONS) {
  const names = line.split('|');
  const generic = names[0]!;
  for (const n of names) {
    MED_INDEX.set(n, generic);
    for (const v of spanishVariants(n)) if (!MED_INDEX.has(v)) MED_INDEX.set(v, generic);
  }
}
// aliases indexed by their first word, longest first, so one pass over the words finds them
const MED_BY_FIRST = new Map<string, string[][]>();
for (const alias of [...MED_INDEX.keys()].sort((a, b) => b.length - a.length)) {
  const parts = alias.split(' ');
  const list = MED_BY_FIRST.get(parts[0]!) ?? [];
  list.push(parts);
  MED_BY_FIRST.set(parts[0]!, list);
}
const STRENGTH_RE = /^\s*(?:\(|,)?\s*(\d+(?:\.\d+)?)\s*(mg|mcg|g|ml|units?|unidades|iu|%)\b/;

export function extractMedications(text: string): MedicationMention[] {
  const t = foldAccents(text.toLowerCase());
  const out: MedicationMention[] = [];
  const seen = new Set<string>();
  const tokens: { w: string; end: number }[] = [];
  const wordRe = /[a-z0-9][a-z0-9-]*/g;
  let m: RegExpExecArray | null;
  while ((m = wordRe.exec(t))) tokens.push({ w: m[0], end: m.index + m[0].length });
  for (let i = 0; i < tokens.length; i++) {
    const candidates = MED_BY_FIRST.get(tokens[i]!.w);
    if (!candidates) continue;
    const parts = candidates.find((c) => c.every((p, k) => tokens[i + k]?.w === p));
    if (!parts) continue;
    const alias = parts.join(' ');
    const generic = MED_INDEX.get(alias)!;
    const end = tokens[i + parts.length - 1]!.end;
    const s = STRENGTH_RE.exec(t.slice(end));
    const strength = s ? `${s[1]} ${s[2] === 'unidades' ? 'units' : s[2]}` : undefined;
    i += parts.length - 1;
    const key = `${generic}|${strength ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(strength ? { name: generic, strength, mentioned: alias } : { name: generic, mentioned: alias });
  }
  return out;
}

// ---- pharmacy ----
const CHAINS =
  "cvs|walgreens|rite ?aid|walmart|wal-mart|costco|kroger|publix|safeway|target|h-e-b|heb|sam'?s club|wegmans|meijer|giant eagle|giant|stop ?& ?shop|albertsons|duane reade|express scripts|optum ?rx|caremark|amazon pharmacy|hy-vee|harris teeter|winn-dixie|fred meyer|ralphs|vons|shoprite|jewel-osco|king soopers|smith'?s|walmart neighborhood market|farmacias? del ahorro|farmacias? guadalajara|farmacias? similares|benavides";
const PLACE = String.raw`(?:\s+(?:on|at|in|by|near|off|en|de|por|cerca de|en la|en el)\s+(?:the\s+)?(?:[A-Za-z0-9.'-]+\s+){0,3}?(?:st|street|ave|avenue|rd|road|blvd|boulevard|dr|drive|hwy|highway|ln|lane|way|pkwy|parkway|pike|plaza|square|sq|center|mall|calle|avenida|av)\b\.?|\s+(?:on|at|in|en)\s+[A-Z][A-Za-z]+(?:\s+[A-Z][A-Za-z]+){0,2})`;
const CHAIN_RE = new RegExp(`\\b(?:${CHAINS})\\b(?:\\s+(?:pharmacy|farmacia))?(?:${PLACE})?`, 'i');
const GENERIC_PHARMACY_RE = new RegExp(
  String.raw`\b(?:farmacia\s+(?:[A-Z][\wáéíóúñ'-]+\s*){1,3}|(?:[A-Z][\w'-]+\s+){1,3}(?:Pharmacy|Drug|Drugs|Apothecary))(?:${PLACE})?`,
);

export function extractPharmacy(text: string): string | undefined {
  const m = CHAIN_RE.exec(text) ?? GENERIC_PHARMACY_RE.exec(text);
  if (!m) return undefined;
  let s = m[0].trim().replace(/[.,]$/, '');
  // keep the chain's usual capitalisation
  s = s.replace(/^cvs\b/i, 'CVS').replace(/^(walgreens|walmart|costco|kroger|publix|safeway|target)\b/i, (w) => w[0]!.toUpperCase() + w.slice(1).toLowerCase());
  return s;
}

// ---- phone ----
const DIGIT_WORDS: Record<string, string> = {
  zero: '0', oh: '0', one: '1', two: '2', three: '3', four: '4', five: '5', six: '6', seven: '7', eight: '8', nine: '9',
  cero: '0', uno: '1', dos: '2', tres: '3', cuatro: '4', cinco: '5', seis: '6', siete: '7', ocho: '8', nueve: '9',
};

/** Voicemail transcripts spell numbers out ("six one seven ...") or space the digits. */
function spokenDigits(text: string): string {
  const words = Object.keys(DIGIT_WORDS).join('|');
  return text
    .replace(new RegExp(`\\b(${words})\\b(?:[\\s,-]+\\b(${words})\\b){6,}`, 'gi'), (run) =>
      run
        .split(/[\s,-]+/)
        .map((w) => DIGIT_WORDS[w.toLowerCase()] ?? '')
        .join(''),
    )
    .replace(/\b\d(?:[\s.-]\d\b){6,}/g, (run) => run.replace(/[\s.-]/g, ''));
}

export function extractCallbackNumber(text: string): string | undefined {
  // a phone number needs seven digits, written or spoken; "one", "dos" alone are not one
  if (!/\d[\d\s().-]{5,}\d|(\b(zero|oh|one|two|three|four|five|six|seven|eight|nine|cero|uno|dos|tres|cuatro|cinco|seis|siete|ocho|nueve)\b[\s,-]*){7}/i.test(text)) return undefined;
  const found = findPhoneNumbersInText(spokenDigits(text), 'US');
  const cue = /(call|reach|text|number|numero|número|cell|celular|telefono|teléfono|phone|llam)/i;
  // prefer a number after a callback cue, else the first one
  const withCue = found.find((f) => cue.test(text.slice(Math.max(0, f.startsAt - 60), f.startsAt)));
  const pick = withCue ?? found[0];
  return pick?.number.number;
}

// ---- dates ----
/** Minutes the zone is ahead of UTC at an instant (e.g. -300 for New York in winter). */
// Zones change their offset only on a quarter hour: one look-up per zone and quarter hour.
const OFFSETS = new Map<string, number>();
const QUARTER_HOUR = 15 * 60_000;
function offsetMinutes(instant: Date, timeZone: string): number {
  const key = `${timeZone}|${Math.floor(instant.getTime() / QUARTER_HOUR)}`;
  const known = OFFSETS.get(key);
  if (known !== undefined) return known;
  const off = -new TZDate(instant.getTime(), timeZone).getTimezoneOffset();
  if (Number.isNaN(off)) throw new RangeError(`Invalid time zone specified: ${timeZone}`);
  if (OFFSETS.size >= 10_000) OFFSETS.clear();
  OFFSETS.set(key, off);
  return off;
}

const pad = (n: number) => String(n).padStart(2, '0');

function isoInZone(instant: Date, timeZone: string, withTime: boolean): string {
  const off = offsetMinutes(instant, timeZone);
  const local = new Date(instant.getTime() + off * 60000);
  const date = `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}`;
  if (!withTime) return date;
  const sign = off >= 0 ? '+' : '-';
  const a = Math.abs(off);
  return `${date}T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:00${sign}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
}

const DOB_CUE = /\b(dob|d\.o\.b\.?|date of birth|birth ?date|birthday|born( on)?|b-day|bday|fecha de nacimiento|nacid[oa]( el)?|naci( el)?|cumpleanos|cumpleaños)\b[:\s-]*(is\s+|es\s+|el\s+)?/i;

function parseDob(fragment: string): string | undefined {
  const m = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2,4})/.exec(fragment);
  if (m) {
    let y = Number(m[3]);
    if (y < 100) y += y > 30 ? 1900 : 2000;
    let mo = Number(m[1]);
    let d = Number(m[2]);
    if (mo > 12 && d <= 12) [mo, d] = [d, mo]; // 25/03/1980, the Latin American order
    if (mo < 1 || mo > 12 || d < 1 || d > 31) return undefined;
    return `${y}-${pad(mo)}-${pad(d)}`;
  }
  const ref = new Date(Date.UTC(2000, 0, 1, 12));
  const r = chrono.parse(fragment.slice(0, 40), ref)[0] ?? chrono.es.parse(fragment.slice(0, 40), ref)[0];
  if (!r || r.index > 3 || !r.start.isCertain('year')) return undefined;
  return `${r.start.get('year')}-${pad(r.start.get('month')!)}-${pad(r.start.get('day')!)}`;
}

// chrono is the slowest step; most messages carry no date at all
// A digit alone ("took 30 pills", "room 12") is no date: chrono needs it next to a separator, a
// unit, a clock word or a preposition of time.
const DATE_HINT =
  /\d\s*[:/.-]\s*\d|\d\s*(st|nd|rd|th|am|pm|a\.?m|p\.?m|o ?clock|h|hrs?|hours?|mins?|minutes?|days?|wks?|weeks?|months?|yrs?|years?|dias?|horas?|minutos?|semanas?|meses|anos?|de la)\b|\b(at|by|on|before|after|until|til|till|around|from|to|in|for|the|a las?|las?|al|dia|day|para|el|los|antes|despues|desde|hasta|del?|and|y|or|o|-)\s*\d|\d\s*(to|or|and|a|o|y|-)\s*\d|\b\d{4}\b|\b(today|tonight|tomorrow|tmrw|yesterday|next|this|last|mon|tues?|wed|thu|thurs|fri|sat|sun|monday|tuesday|wednesday|thursday|friday|saturday|sunday|jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|noon|morning|afternoon|evening|week|month|hoy|manana|ayer|lunes|martes|miercoles|jueves|viernes|sabado|domingo|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre|semana|mes|proximo|proxima|mediodia|tarde|noche)\b/i;

// what only the other language's parser reads: its date words, or numbers with a separator
const NUMERIC_DATE = String.raw`\d\s*[:/.-]\s*\d|\d\s*(st|nd|rd|th|am|pm|a\.m|p\.m|hrs?|h)\b`;
const OTHER_LANGUAGE_DATE: Record<'en' | 'es', RegExp> = {
  en: new RegExp(
    String.raw`${NUMERIC_DATE}|\b(today|tonight|tomorrow|tmrw|yesterday|next|this|last|noon|midnight|morning|afternoon|evening|night|week|weekend|month|year|mon|tues?|wed|thu|thurs|fri|sat|sun|monday|tuesday|wednesday|thursday|friday|saturday|sunday|jan|january|feb|february|mar|march|apr|april|may|june?|july?|aug|august|sept?|september|oct|october|nov|november|dec|december|o ?clock|at|on|in|by|before|after|until|from)\b`,
    'i',
  ),
  es: new RegExp(
    String.raw`${NUMERIC_DATE}|\b(hoy|manana|ayer|anteayer|antier|pasado|lunes|martes|miercoles|jueves|viernes|sabado|domingo|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre|semana|mes|ano|proximo|proxima|siguiente|tarde|noche|mediodia|medianoche|madrugada|dia|las?|del?|el|en|para|antes|despues|desde|hasta)\b`,
    'i',
  ),
};

export interface DateContext {
  receivedAt: Date;
  timeZone: string;
  language: Language;
}

export function extractDates(text: string, ctx: DateContext): { dates: string[]; dateOfBirth?: string } {
  let dateOfBirth: string | undefined;
  let scrubbed = text;
  const cue = DOB_CUE.exec(text);
  if (cue) {
    const start = cue.index + cue[0].length;
    dateOfBirth = parseDob(text.slice(start));
    if (dateOfBirth) scrubbed = text.slice(0, cue.index) + ' '.repeat(Math.min(40, text.length - cue.index)) + text.slice(cue.index + 40);
  }
  // phone numbers look like dates to chrono
  scrubbed = scrubbed.replace(/\+?1?[\s(.-]*\d{3}[\s).-]*\d{3}[\s.-]*\d{4}\b/g, (s) => ' '.repeat(s.length));
  const folded = foldAccents(scrubbed);
  if (!DATE_HINT.test(folded)) return dateOfBirth ? { dates: [], dateOfBirth } : { dates: [] };
  const ref = { instant: ctx.receivedAt, timezone: offsetMinutes(ctx.receivedAt, ctx.timeZone) };
  const primary = ctx.language === 'es' ? chrono.es : chrono;
  let results = primary.parse(scrubbed, ref, { forwardDate: true });
  // the other language's parser, for a date written in it ("el martes" in an English message,
  // "tomorrow at 3pm" in a Spanish one) or in numbers the first read otherwise ("25/12")
  if (results.length === 0 && OTHER_LANGUAGE_DATE[ctx.language === 'es' ? 'en' : 'es'].test(folded)) {
    results = (ctx.language === 'es' ? chrono : chrono.es).parse(scrubbed, ref, { forwardDate: true });
  }
  const dates: string[] = [];
  for (const r of results) {
    // bare numbers ("3", "10") and durations parsed as dates are noise
    if (/^\d{1,2}$/.test(r.text.trim())) continue;
    const c = r.start;
    const hasTime = c.isCertain('hour');
    let instant = c.date();
    if (hasTime && !c.isCertain('meridiem')) {
      const h = c.get('hour')!;
      // "at 3" to a practice means the afternoon; nobody books 3 am
      if (h >= 1 && h <= 7) instant = new Date(instant.getTime() + 12 * 3600_000);
    }
    const iso = isoInZone(instant, ctx.timeZone, hasTime);
    if (!dates.includes(iso)) dates.push(iso);
  }
  return dateOfBirth ? { dates, dateOfBirth } : { dates };
}

export function extractEntities(text: string, ctx: DateContext): TriageEntities {
  const entities: TriageEntities = {};
  const { dates, dateOfBirth } = extractDates(text, ctx);
  if (dates.length) entities.dates = dates;
  const meds = extractMedications(text);
  if (meds.length) {
    entities.medications = [...new Set(meds.map((m) => m.name))];
    entities.medicationDetails = meds;
  }
  const pharmacy = extractPharmacy(text);
  if (pharmacy) entities.pharmacy = pharmacy;
  if (dateOfBirth) entities.dateOfBirth = dateOfBirth;
  const phone = extractCallbackNumber(text);
  if (phone) entities.callbackNumber = phone;
  return entities;
}
