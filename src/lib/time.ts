import type { BusinessHours, Weekday } from '../db/schema';

export const weekdays: Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

export function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export interface LocalParts {
  date: string;
  weekday: Weekday;
  hour: number;
  minute: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Wall-clock parts of an instant in a zone (DST handled by Intl). */
export function localParts(at: Date, timeZone: string): LocalParts {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      weekday: 'short',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(at).map((p) => [p.type, p.value]));
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    weekday: String(parts.weekday).toLowerCase().slice(0, 3) as Weekday,
    hour: Number(parts.hour),
    minute: Number(parts.minute),
  };
}

export function isWithinBusinessHours(hours: BusinessHours, timeZone: string, at: Date): boolean {
  const local = localParts(at, timeZone);
  if (hours.closedDates.includes(local.date)) return false;
  const minutes = local.hour * 60 + local.minute;
  return (hours.weekly[local.weekday] ?? []).some((i) => minutes >= toMinutes(i.open) && minutes < toMinutes(i.close));
}

export const toMinutes = (hhmm: string) => {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
};

/** ISO 8601 with the zone's offset, e.g. 2026-12-03T15:00:00-05:00 */
export function isoInZone(at: Date, timeZone: string): string {
  const f = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'longOffset',
  });
  const p = Object.fromEntries(f.formatToParts(at).map((x) => [x.type, x.value]));
  const offset = String(p.timeZoneName).replace('GMT', '') || '+00:00';
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}${offset === '' ? 'Z' : offset}`;
}
