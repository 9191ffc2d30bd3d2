import type { BusinessHours } from '../db/schema';
import { zonedTime } from '../../channels/voice/missed-call';
import { localParts, toMinutes } from './time';

/**
 * The instant `minutes` of working time after `start`, counting only the practice's open
 * hours (and skipping its closed dates), in its time zone; DST is handled by the zone.
 * A practice with no open hours at all counts plain time rather than never.
 */
export function addBusinessMinutes(start: Date, minutes: number, hours: BusinessHours, timeZone: string): Date {
  const hasHours = Object.values(hours.weekly).some((d) => (d ?? []).length > 0);
  if (!hasHours) return new Date(start.getTime() + minutes * 60_000);
  let left = minutes * 60_000;
  const first = localParts(start, timeZone);
  const [y, m, d] = first.date.split('-').map(Number) as [number, number, number];
  for (let offset = 0; offset < 400; offset++) {
    // noon of the local day, to read its date and weekday safely
    const noon = zonedTime(timeZone, y, m, d + offset, 12);
    const day = localParts(noon, timeZone);
    if (hours.closedDates.includes(day.date)) continue;
    const [yy, mm, dd] = day.date.split('-').map(Number) as [number, number, number];
    const intervals = [...(hours.weekly[day.weekday] ?? [])].sort(
      (a, b) => toMinutes(a.open) - toMinutes(b.open),
    );
    for (const i of intervals) {
      const open = zonedTime(timeZone, yy, mm, dd, Math.floor(toMinutes(i.open) / 60), toMinutes(i.open) % 60);
      const close = zonedTime(timeZone, yy, mm, dd, Math.floor(toMinutes(i.close) / 60), toMinutes(i.close) % 60);
      const from = Math.max(open.getTime(), start.getTime());
      if (from >= close.getTime()) continue;
      const available = close.getTime() - from;
      if (available >= left) return new Date(from + left);
      left -= available;
    }
  }
  return new Date(start.getTime() + minutes * 60_000);
}
