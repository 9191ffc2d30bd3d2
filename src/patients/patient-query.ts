import { parsePhoneNumberFromString } from 'libphonenumber-js';

/**
 * What a search box's text asks for, read the way front-desk staff type: an email address,
 * a phone number in any format ("(415) 555-0142", "415.555.0142", "+1 415 555 0142", the
 * last digits), a date of birth (1980-03-14, 3/14/1980, 14/03/1980, 3/14/80, "March 14 1980",
 * "14 de marzo de 1980"), or names, in any order and case, with or without accents, and
 * mixes of a name and a date of birth ("Lopez 3/14/1980").
 */
export type PatientQuery =
  | { kind: 'email'; email: string }
  | { kind: 'phone'; e164: string | null; digits: string }
  | { kind: 'person'; names: string[]; dateOfBirth: string | null };

const months: Record<string, number> = {
  jan: 1, january: 1, ene: 1, enero: 1,
  feb: 2, february: 2, febrero: 2,
  mar: 3, march: 3, marzo: 3,
  apr: 4, april: 4, abr: 4, abril: 4,
  may: 5, mayo: 5,
  jun: 6, june: 6, junio: 6,
  jul: 7, july: 7, julio: 7,
  aug: 8, august: 8, ago: 8, agosto: 8,
  sep: 9, sept: 9, september: 9, septiembre: 9, setiembre: 9,
  oct: 10, october: 10, octubre: 10,
  nov: 11, november: 11, noviembre: 11,
  dec: 12, december: 12, dic: 12, diciembre: 12,
};

/** Accents off and lower case: "José" and "jose" are one name. */
export const foldName = (s: string) => s.normalize('NFD').replace(/\p{M}+/gu, '').toLowerCase();

function isoDate(y: number, m: number, d: number): string | null {
  if (m < 1 || m > 12 || d < 1 || d > 31 || y < 1880 || y > 2200) return null;
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return null;
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** A two-digit year of birth: in the future means last century. */
const fullYear = (yy: number, now: Date) => (yy > now.getUTCFullYear() % 100 ? 1900 + yy : 2000 + yy);

/** A date of birth written one of the usual ways, as YYYY-MM-DD; null when it is not one. */
export function parseDateOfBirth(text: string, now = new Date()): string | null {
  const t = foldName(text.trim()).replace(/,/g, ' ').replace(/\s+/g, ' ');
  let m = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$/.exec(t);
  if (m) return isoDate(Number(m[1]), Number(m[2]), Number(m[3]));
  m = /^(\d{1,2})[-/.](\d{1,2})[-/.](\d{2}|\d{4})$/.exec(t);
  if (m) {
    const a = Number(m[1]);
    const b = Number(m[2]);
    const y = m[3]!.length === 2 ? fullYear(Number(m[3]), now) : Number(m[3]);
    // US order (month first) unless the first number cannot be a month
    return a > 12 ? isoDate(y, b, a) : isoDate(y, a, b);
  }
  m = /^([a-z]+)\.? (\d{1,2}) (\d{4})$/.exec(t);
  if (m && months[m[1]!]) return isoDate(Number(m[3]), months[m[1]!]!, Number(m[2]));
  m = /^(\d{1,2}) (?:de )?([a-z]+)\.? (?:de |del )?(\d{4})$/.exec(t);
  if (m && months[m[2]!]) return isoDate(Number(m[3]), months[m[2]!]!, Number(m[1]));
  return null;
}

export function parsePatientQuery(raw: string, now = new Date()): PatientQuery {
  const q = raw.trim();
  if (q.includes('@')) return { kind: 'email', email: q.toLowerCase() };
  const whole = parseDateOfBirth(q, now);
  if (whole) return { kind: 'person', names: [], dateOfBirth: whole };
  const digits = q.replace(/\D/g, '');
  if (!/\p{L}/u.test(q) && digits.length >= 4) {
    const parsed = parsePhoneNumberFromString(q, 'US');
    return { kind: 'phone', e164: parsed?.isValid() ? (parsed.number as string) : null, digits };
  }
  // names, with a date of birth among them ("Lopez 3/14/1980", "Maria Lopez March 14 1980")
  let rest = q;
  let dateOfBirth: string | null = null;
  const monthWords = Object.keys(months).join('|');
  const dateLike = new RegExp(`(\\d{4}[-/.]\\d{1,2}[-/.]\\d{1,2}|\\d{1,2}[-/.]\\d{1,2}[-/.]\\d{2,4}|(?:${monthWords})\\.?\\s+\\d{1,2},?\\s+\\d{4}|\\d{1,2}\\s+(?:de\\s+)?(?:${monthWords})\\.?\\s+(?:de\\s+|del\\s+)?\\d{4})`, 'iu');
  const found = dateLike.exec(foldName(q));
  if (found) {
    dateOfBirth = parseDateOfBirth(found[0], now);
    if (dateOfBirth) rest = foldName(q).replace(found[0], ' ');
  }
  const names = foldName(rest)
    .split(/[\s,;]+/)
    .map((w) => w.replace(/[^\p{L}\p{N}'-]/gu, ''))
    .filter((w) => w.length > 0);
  return { kind: 'person', names, dateOfBirth };
}
