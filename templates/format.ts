/*
 * Dates, times and opening hours in the reader's language and time zone, through Intl only
 * (the platform's tz data, so daylight-saving changes are right). Intl puts narrow and
 * non-breaking spaces before "PM" on newer ICU; those become plain spaces so an SMS stays GSM-7.
 */
import type { TemplateLanguage } from './purposes.js';

export type DateStyle = 'weekday' | 'long' | 'dayMonth';

const locales: Record<TemplateLanguage, string> = { en: 'en-US', es: 'es-US' };

const dateOptions: Record<DateStyle, Intl.DateTimeFormatOptions> = {
  weekday: { weekday: 'short', month: 'short', day: 'numeric' },
  long: { weekday: 'long', month: 'long', day: 'numeric' },
  dayMonth: { month: 'long', day: 'numeric' },
};

const cache = new Map<string, Intl.DateTimeFormat>();
function formatter(language: TemplateLanguage, timeZone: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${language}|${timeZone}|${JSON.stringify(options)}`;
  let f = cache.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locales[language], { ...options, timeZone });
    cache.set(key, f);
  }
  return f;
}

function plainSpaces(text: string): string {
  return text.replace(/[\u00A0\u202F\u2009]/g, ' ');
}

export class FormatError extends Error {}

export function toInstant(value: unknown): Date {
  const date = value instanceof Date ? value : typeof value === 'string' || typeof value === 'number' ? new Date(value) : null;
  if (!date || Number.isNaN(date.getTime())) throw new FormatError(`not a date: ${JSON.stringify(value)}`);
  return date;
}

export function checkTimeZone(timeZone: unknown): string {
  if (typeof timeZone !== 'string' || timeZone === '') throw new FormatError('no time zone given for a date or time');
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    throw new FormatError(`unknown time zone ${JSON.stringify(timeZone)}`);
  }
  return timeZone;
}

export function formatDate(value: unknown, timeZone: string, language: TemplateLanguage, style: DateStyle = 'weekday'): string {
  const options = dateOptions[style];
  if (!options) throw new FormatError(`unknown date style ${JSON.stringify(style)} (weekday, long, dayMonth)`);
  return plainSpaces(formatter(language, checkTimeZone(timeZone), options).format(toInstant(value)));
}

export function formatTime(value: unknown, timeZone: string, language: TemplateLanguage): string {
  return plainSpaces(formatter(language, checkTimeZone(timeZone), { hour: 'numeric', minute: '2-digit' }).format(toInstant(value)));
}

const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
type Weekday = (typeof weekdays)[number];

/** The practice's weekly hours as stored on the practice (`BusinessHours`). */
export interface WeeklyHours {
  weekly: Partial<Record<Weekday, { open: string; close: string }[]>>;
  closedDates?: string[];
}

function clock(hhmm: string, language: TemplateLanguage): string {
  const m = /^(\d{1,2}):(\d{2})$/.exec(hhmm);
  if (!m) throw new FormatError(`not a time of day: ${JSON.stringify(hhmm)}`);
  const at = new Date(Date.UTC(2024, 0, 1, Number(m[1]), Number(m[2])));
  return plainSpaces(formatter(language, 'UTC', { hour: 'numeric', minute: '2-digit' }).format(at));
}

function dayName(day: Weekday, language: TemplateLanguage): string {
  // 2024-01-01 was a Monday
  const at = new Date(Date.UTC(2024, 0, 1 + weekdays.indexOf(day), 12));
  return formatter(language, 'UTC', { weekday: 'short' }).format(at).replace(/\.$/, '');
}

/**
 * "Mon-Fri 8:00 AM-5:00 PM, Sat 9:00 AM-12:00 PM": consecutive days with the same intervals
 * are grouped; a plain string (hours already written by the practice) is used as it is.
 */
export function formatHours(value: unknown, language: TemplateLanguage): string {
  if (typeof value === 'string') return value;
  const hours = value as WeeklyHours | null;
  if (!hours || typeof hours !== 'object' || typeof hours.weekly !== 'object' || hours.weekly === null) {
    throw new FormatError('hours must be a string or { weekly: { mon: [{ open, close }] ... } }');
  }
  const spans = weekdays.map((day) =>
    (hours.weekly[day] ?? []).map((i) => `${clock(i.open, language)}-${clock(i.close, language)}`).join(', '),
  );
  const groups: { from: Weekday; to: Weekday; text: string }[] = [];
  weekdays.forEach((day, i) => {
    const text = spans[i] ?? '';
    if (!text) return;
    const last = groups[groups.length - 1];
    if (last && last.text === text && weekdays.indexOf(last.to) === i - 1) last.to = day;
    else groups.push({ from: day, to: day, text });
  });
  if (groups.length === 0) throw new FormatError('the practice has no opening hours');
  return groups
    .map((g) => `${dayName(g.from, language)}${g.from === g.to ? '' : `-${dayName(g.to, language)}`} ${g.text}`)
    .join('; ');
}

/**
 * The time with its preposition: "at 3:30 PM"; in Spanish "a las 3:30 p.m." but "a la 1:00 p.m.",
 * which a plain "a las {{time}}" gets wrong for every one o'clock appointment.
 */
export function formatAt(value: unknown, timeZone: string, language: TemplateLanguage): string {
  const time = formatTime(value, timeZone, language);
  if (language === 'en') return `at ${time}`;
  return /^1:/.test(time) ? `a la ${time}` : `a las ${time}`;
}
