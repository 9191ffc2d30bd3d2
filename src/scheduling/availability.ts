import { and, eq, gte, inArray, lt, ne } from 'drizzle-orm';
import type { Db } from '../platform/db/client';
import { appointments } from '../platform/db/schema';
import { localDay, localParts, toMinutes, zonedTime } from '../platform/time';
import { AvailabilitySchema, ProviderAvailabilitySchema, type Availability, type PracticeSettings } from '../platform/db/practice-settings';

/**
 * A practice publishes availability in `settings.availability`: per provider, the weekly
 * hours they see patients, the slot length, and (optionally) the appointment types those
 * slots are for. A free slot is a slot in those hours that no booked or confirmed
 * appointment of the provider overlaps. Without `settings.availability` for the provider,
 * a reschedule goes to the scheduling queue for a person.
 *
 *   { "availability": { "providers": { "Dr. Ruiz": {
 *       "weekly": { "mon": [{ "open": "09:00", "close": "12:00" }] },
 *       "slotMinutes": 30, "types": ["follow-up"] } } } }
 */
export { AvailabilitySchema, ProviderAvailabilitySchema, type Availability };

export function practiceAvailability(settings: PracticeSettings | null | undefined): Availability | null {
  const parsed = AvailabilitySchema.safeParse(settings?.availability);
  return parsed.success ? parsed.data : null;
}

/** The next `count` free slots of the provider for the type, from tomorrow on, within 21 days. */
export async function nextFreeSlots(
  db: Db,
  input: {
    practiceId: string;
    settings: PracticeSettings;
    timeZone: string;
    provider: string | null;
    type: string | null;
    now: Date;
    count?: number;
    excludeAppointmentId?: string;
  },
): Promise<Date[]> {
  const availability = practiceAvailability(input.settings);
  if (!availability || !input.provider) return [];
  const hours = availability.providers[input.provider];
  if (!hours) return [];
  if (hours.types && input.type && !hours.types.includes(input.type)) return [];
  const count = input.count ?? 3;
  const horizon = new Date(input.now.getTime() + 21 * 86_400_000);
  const booked = await db
    .select({ startsAt: appointments.startsAt, durationMinutes: appointments.durationMinutes })
    .from(appointments)
    .where(
      and(
        eq(appointments.practiceId, input.practiceId),
        eq(appointments.provider, input.provider),
        inArray(appointments.status, ['booked', 'confirmed', 'checked_in']),
        gte(appointments.startsAt, new Date(input.now.getTime() - 86_400_000)),
        lt(appointments.startsAt, horizon),
        ...(input.excludeAppointmentId ? [ne(appointments.id, input.excludeAppointmentId)] : []),
      ),
    );
  const busy = booked.map((b) => [b.startsAt.getTime(), b.startsAt.getTime() + b.durationMinutes * 60_000] as const);
  const slots: Date[] = [];
  const [ty, tm, td] = localDay(input.now, input.timeZone).split('-').map(Number) as [number, number, number];
  // from tomorrow: a same-day slot offered by text is usually gone before it is read
  for (let d = 1; d <= 21 && slots.length < count; d++) {
    const noon = zonedTime(input.timeZone, ty, tm, td + d, 12);
    const { weekday, date } = localParts(noon, input.timeZone);
    const [y, mo, da] = date.split('-').map(Number) as [number, number, number];
    for (const span of hours.weekly[weekday] ?? []) {
      for (let m = toMinutes(span.open); m + hours.slotMinutes <= toMinutes(span.close) && slots.length < count; m += hours.slotMinutes) {
        const start = zonedTime(input.timeZone, y, mo, da, Math.floor(m / 60), m % 60);
        const end = start.getTime() + hours.slotMinutes * 60_000;
        if (busy.some(([s, e]) => s < end && e > start.getTime())) continue;
        slots.push(start);
      }
    }
  }
  return slots;
}
