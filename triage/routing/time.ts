// Wall-clock arithmetic in a practice's time zone through @date-fns/tz (the same library
// src/platform/time.ts rests on; triage imports nothing of ours). No clock read here: `now`
// always comes from the caller.
import { TZDate } from '@date-fns/tz';

/** The instant a wall-clock time happens in a zone (the later reading in a DST gap). */
function zonedToInstant(year: number, month: number, day: number, hour: number, minute: number, timeZone: string): Date {
  const d = new TZDate(year, month - 1, day, hour, minute, 0, 0, timeZone);
  // an unknown zone is the caller's to handle, as Intl would say it
  if (Number.isNaN(d.getTime())) throw new RangeError(`Invalid time zone specified: ${timeZone}`);
  return new Date(d.getTime());
}

function wallClock(at: Date, timeZone: string) {
  const d = new TZDate(at.getTime(), timeZone);
  if (Number.isNaN(d.getHours())) throw new RangeError(`Invalid time zone specified: ${timeZone}`);
  return { year: d.getFullYear(), month: d.getMonth() + 1, day: d.getDate() };
}

/** The next time the practice's clocks show HH:MM strictly after `now`. */
export function nextLocalTime(now: Date, hhmm: string, timeZone: string): Date {
  const [hour, minute] = hhmm.split(':').map(Number) as [number, number];
  const today = wallClock(now, timeZone);
  const candidate = zonedToInstant(today.year, today.month, today.day, hour, minute, timeZone);
  if (candidate.getTime() > now.getTime()) return candidate;
  const tomorrow = new Date(Date.UTC(today.year, today.month - 1, today.day + 1));
  return zonedToInstant(tomorrow.getUTCFullYear(), tomorrow.getUTCMonth() + 1, tomorrow.getUTCDate(), hour, minute, timeZone);
}
