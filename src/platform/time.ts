/*
 * Local time in a practice's (or patient's) time zone: the one place Switchboard turns
 * instants into wall-clock times and back. Everything rests on @date-fns/tz's TZDate, whose
 * zone data is the platform's (Intl), so daylight-saving changes come from the tz database,
 * never from offsets of ours. Business hours, quiet hours for outreach and local calendar
 * days are all computed here. (triage/ and channels/ may import nothing of ours; where they
 * need a zone they use the same library directly.)
 */
import { TZDate } from '@date-fns/tz';
import type { BusinessHours, Weekday } from './db/schema';

export const weekdays: Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

export function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** An instant as a TZDate in the zone; an unknown zone is a bad setting and throws. */
function inZone(at: Date | number, timeZone: string): TZDate {
  const d = new TZDate(typeof at === 'number' ? at : at.getTime(), timeZone);
  if (Number.isNaN(d.getHours())) throw new RangeError(`Invalid time zone specified: ${timeZone}`);
  return d;
}

export interface LocalParts {
  /** `YYYY-MM-DD` */
  date: string;
  year: number;
  month: number;
  day: number;
  weekday: Weekday;
  hour: number;
  minute: number;
  second: number;
}

/** Wall-clock parts of an instant in a zone. */
export function localParts(at: Date, timeZone: string): LocalParts {
  const d = inZone(at, timeZone);
  const year = d.getFullYear();
  const month = d.getMonth() + 1;
  const day = d.getDate();
  return {
    date: `${pad(year, 4)}-${pad(month)}-${pad(day)}`,
    year,
    month,
    day,
    weekday: weekdays[d.getDay()]!,
    hour: d.getHours(),
    minute: d.getMinutes(),
    second: d.getSeconds(),
  };
}

/** The calendar day of an instant in a zone, `YYYY-MM-DD`. */
export function localDay(at: Date, timeZone: string): string {
  return localParts(at, timeZone).date;
}

/**
 * The instant a local wall-clock time occurs in a zone. Date fields may overflow (day 32 is
 * next month). A time that does not exist (the hour skipped in spring) reads as the hour
 * after; one that occurs twice (autumn) is its first occurrence.
 */
export function zonedTime(timeZone: string, year: number, month: number, day: number, hour: number, minute = 0): Date {
  const d = new TZDate(year, month - 1, day, hour, minute, 0, 0, timeZone);
  if (Number.isNaN(d.getTime())) throw new RangeError(`Invalid time zone specified: ${timeZone}`);
  return new Date(d.getTime());
}

/** ISO 8601 with the zone's offset, e.g. 2026-12-03T15:00:00-05:00 */
export function isoInZone(at: Date, timeZone: string): string {
  const p = localParts(at, timeZone);
  const offset = -inZone(at, timeZone).getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  const abs = Math.abs(offset);
  return `${p.date}T${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

export const toMinutes = (hhmm: string) => {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
};

// ---- quiet hours (TCPA): automated outreach only between 08:00 and 21:00 local ----

export const OUTREACH_START_HOUR = 8;
export const OUTREACH_END_HOUR = 21;

/** When automated outreach may go out: `now` inside 08:00-21:00 local, else the next 08:00. */
export function nextOutreachTime(now: Date, timeZone: string): Date {
  const p = localParts(now, timeZone);
  if (p.hour >= OUTREACH_START_HOUR && p.hour < OUTREACH_END_HOUR) return now;
  const day = p.hour < OUTREACH_START_HOUR ? p.day : p.day + 1;
  return zonedTime(timeZone, p.year, p.month, day, OUTREACH_START_HOUR);
}

// ---- business hours ----

export function isWithinBusinessHours(hours: BusinessHours, timeZone: string, at: Date): boolean {
  const local = localParts(at, timeZone);
  if (hours.closedDates.includes(local.date)) return false;
  const minutes = local.hour * 60 + local.minute;
  return (hours.weekly[local.weekday] ?? []).some((i) => minutes >= toMinutes(i.open) && minutes < toMinutes(i.close));
}

/**
 * The instant `minutes` of working time after `start`, counting only the practice's open
 * hours (and skipping its closed dates), in its time zone.
 * A practice with no open hours at all counts plain time rather than never.
 */
export function addBusinessMinutes(start: Date, minutes: number, hours: BusinessHours, timeZone: string): Date {
  const hasHours = Object.values(hours.weekly).some((d) => (d ?? []).length > 0);
  if (!hasHours) return new Date(start.getTime() + minutes * 60_000);
  let left = minutes * 60_000;
  const first = localParts(start, timeZone);
  for (let offset = 0; offset < 400; offset++) {
    // noon of the local day, to read its date and weekday safely
    const day = localParts(zonedTime(timeZone, first.year, first.month, first.day + offset, 12), timeZone);
    if (hours.closedDates.includes(day.date)) continue;
    const intervals = [...(hours.weekly[day.weekday] ?? [])].sort((a, b) => toMinutes(a.open) - toMinutes(b.open));
    for (const i of intervals) {
      const at = (hhmm: string) => zonedTime(timeZone, day.year, day.month, day.day, Math.floor(toMinutes(hhmm) / 60), toMinutes(hhmm) % 60);
      const open = at(i.open);
      const close = at(i.close);
      const from = Math.max(open.getTime(), start.getTime());
      if (from >= close.getTime()) continue;
      const available = close.getTime() - from;
      if (available >= left) return new Date(from + left);
      left -= available;
    }
  }
  return new Date(start.getTime() + minutes * 60_000);
}

/**
 * Years a date or instant from outside may have: Postgres has no year 0 (a query with one
 * fails), and JavaScript dates reach the year 275760. Anything outside is refused as input.
 */
export const saneYears = { min: 1800, max: 2999 } as const;
export const saneYearsMessage = `must be between the years ${saneYears.min} and ${saneYears.max}`;
export function inSaneYears(value: string | Date): boolean {
  const d = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(d.getTime())) return false;
  const y = d.getUTCFullYear();
  return y >= saneYears.min && y <= saneYears.max;
}
