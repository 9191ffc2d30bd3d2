import { and, eq, gte, inArray, lt, sql } from 'drizzle-orm';
import { inSaneYears, saneYearsMessage } from '../platform/time';
import { z } from '@hono/zod-openapi';
import type { Database } from '../platform/db/client';
import { appointments, messages, practices, reminders } from '../platform/db/schema';
import { canSeePractice, type Principal } from '../access/principal';
import { notFound } from '../platform/errors';
import { audit } from '../access/audit';

const instant = (field: string) =>
  z
    .string()
    .max(40)
    .refine((s) => /^\d{4}-\d{2}-\d{2}/.test(s) && !Number.isNaN(Date.parse(s)), { message: `${field} must be an ISO 8601 date or date-time` })
    .refine(inSaneYears, `${field} ${saneYearsMessage}`)
    .optional();

export const AppointmentMetricsQuery = z.object({
  practiceId: z.uuid({ error: 'practiceId must be an id (uuid)' }).optional().openapi({ param: { name: 'practiceId', in: 'query' } }),
  from: instant('from').openapi({ param: { name: 'from', in: 'query' }, example: '2026-01-01' }),
  to: instant('to').openapi({ param: { name: 'to', in: 'query' }, example: '2026-02-01' }),
});

const Outcome = z.object({ appointments: z.number().int(), noShows: z.number().int(), rate: z.number().nullable() });

export const AppointmentMetricsSchema = z
  .object({
    practiceId: z.string().uuid(),
    practiceName: z.string(),
    from: z.string(),
    to: z.string(),
    appointments: z.number().int(),
    remindersSent: z.number().int(),
    remindersDelivered: z.number().int(),
    remindersSkipped: z.number().int(),
    confirmed: z.number().int(),
    cancelled: z.number().int(),
    rescheduled: z.number().int(),
    noShows: z.number().int(),
    noShowRate: z.number().nullable(),
    /** appointments that have passed, by what their reminders got: confirmed, reminded with no answer, never reached */
    noShowRateByReminderOutcome: z.object({ confirmed: Outcome, remindedNoAnswer: Outcome, notReminded: Outcome }),
    refilledFromWaitlist: z.number().int(),
  })
  .openapi('AppointmentMetrics');
export type AppointmentMetrics = z.infer<typeof AppointmentMetricsSchema>;

const DAY = 86_400_000;

/**
 * Per practice over a period (appointments starting in it; default the last 30 days): what
 * reminders did, how patients answered, no-shows (marked no-show, or unconfirmed and not
 * checked in once the appointment is over), and slots refilled from the waitlist.
 */
export async function appointmentMetrics(
  db: Database,
  who: Principal,
  query: z.infer<typeof AppointmentMetricsQuery>,
  now: Date,
  requestId: string | null,
): Promise<{ data: AppointmentMetrics[]; nextCursor: null }> {
  const to = query.to ? new Date(query.to) : now;
  const from = query.from ? new Date(query.from) : new Date(to.getTime() - 30 * DAY);
  if (query.practiceId && !canSeePractice(who, query.practiceId)) throw notFound('practice');
  const visible = await db
    .select({ id: practices.id, name: practices.name })
    .from(practices)
    .where(
      query.practiceId
        ? eq(practices.id, query.practiceId)
        : who.practiceIds === 'all'
          ? undefined
          : who.practiceIds.length
            ? inArray(practices.id, who.practiceIds)
            : sql`false`,
    );
  const data: AppointmentMetrics[] = [];
  for (const practice of visible) {
    const appts = await db
      .select({
        id: appointments.id,
        status: appointments.status,
        startsAt: appointments.startsAt,
        durationMinutes: appointments.durationMinutes,
        confirmedAt: appointments.confirmedAt,
        source: appointments.source,
      })
      .from(appointments)
      .where(and(eq(appointments.practiceId, practice.id), gte(appointments.startsAt, from), lt(appointments.startsAt, to)));
    const ids = appts.map((a) => a.id);
    const rems = ids.length
      ? await db
          .select({ appointmentId: reminders.appointmentId, status: reminders.status, sentAt: reminders.sentAt, answer: reminders.answer, messageStatus: messages.status })
          .from(reminders)
          .leftJoin(messages, eq(messages.id, reminders.messageId))
          .where(inArray(reminders.appointmentId, ids))
      : [];
    const sent = rems.filter((r) => r.sentAt !== null || r.status === 'sent' || r.status === 'delivered');
    const byAppt = new Map<string, typeof rems>();
    for (const r of rems) byAppt.set(r.appointmentId, [...(byAppt.get(r.appointmentId) ?? []), r]);
    const isNoShow = (a: (typeof appts)[number]) =>
      a.status === 'no_show' || (a.status === 'booked' && a.startsAt.getTime() + a.durationMinutes * 60_000 <= now.getTime());
    const outcomes = { confirmed: { appointments: 0, noShows: 0 }, remindedNoAnswer: { appointments: 0, noShows: 0 }, notReminded: { appointments: 0, noShows: 0 } };
    let noShows = 0;
    let passed = 0;
    for (const a of appts) {
      if (a.status === 'cancelled' || a.startsAt.getTime() > now.getTime()) continue;
      passed++;
      const mine = byAppt.get(a.id) ?? [];
      const key = a.confirmedAt || mine.some((r) => r.answer === 'confirm') ? 'confirmed' : mine.some((r) => r.sentAt !== null) ? 'remindedNoAnswer' : 'notReminded';
      outcomes[key].appointments++;
      if (isNoShow(a)) {
        outcomes[key].noShows++;
        noShows++;
      }
    }
    const rate = (o: { appointments: number; noShows: number }) => ({ ...o, rate: o.appointments ? round(o.noShows / o.appointments) : null });
    data.push({
      practiceId: practice.id,
      practiceName: practice.name,
      from: from.toISOString(),
      to: to.toISOString(),
      appointments: appts.length,
      remindersSent: sent.length,
      remindersDelivered: rems.filter((r) => r.status === 'delivered' || r.messageStatus === 'delivered').length,
      remindersSkipped: rems.filter((r) => r.status === 'skipped').length,
      confirmed: appts.filter((a) => a.confirmedAt !== null).length,
      cancelled: appts.filter((a) => a.status === 'cancelled').length,
      rescheduled: new Set(rems.filter((r) => r.answer === 'reschedule').map((r) => r.appointmentId)).size,
      noShows,
      noShowRate: passed ? round(noShows / passed) : null,
      noShowRateByReminderOutcome: {
        confirmed: rate(outcomes.confirmed),
        remindedNoAnswer: rate(outcomes.remindedNoAnswer),
        notReminded: rate(outcomes.notReminded),
      },
      refilledFromWaitlist: appts.filter((a) => a.source === 'waitlist').length,
    });
  }
  await audit(db, who, requestId, {
    action: 'metrics.appointments.read',
    subjectType: 'practice',
    subjectId: query.practiceId ?? null,
    practiceId: query.practiceId ?? null,
    detail: { practices: data.length, from: from.toISOString(), to: to.toISOString() },
  });
  return { data, nextCursor: null };
}

const round = (x: number) => Math.round(x * 1000) / 1000;
