import { createRoute, z } from '@hono/zod-openapi';
import type { App } from '../http/context';
import { requireStaff } from '../http/auth';
import { bearer, errors } from '../http/openapi';
import type { Principal } from '../access/principal';
import type { Database } from '../platform/db/client';
import { audit } from '../access/audit';
import { appointmentMetrics } from '../scheduling/appointment-metrics';
import { InboxMetricsSchema, MetricsQuery, dayBounds, inboxMetrics, type InboxMetrics } from './inbox-metrics';

export const ReminderFiguresSchema = z
  .object({
    appointments: z.number(),
    remindersSent: z.number(),
    passed: z.number().openapi({ description: 'appointments of the period that have taken place (not cancelled)' }),
    reminded: z.number().openapi({ description: 'of those, the ones that got a reminder' }),
    confirmed: z.number().openapi({ description: 'of the reminded ones, confirmed by the patient' }),
    confirmationRate: z.number().nullable(),
    noShows: z.number(),
    noShowRate: z.number().nullable(),
  })
  .openapi('ReminderFigures');

export const FiguresSchema = InboxMetricsSchema.extend({ reminders: ReminderFiguresSchema }).openapi('Figures');
export type Figures = z.infer<typeof FiguresSchema>;

const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 1000) / 1000 : null);

/** The inbox figures and the reminder figures of one period, audited once. */
export async function readFigures(db: Database, who: Principal, query: z.input<typeof MetricsQuery>, now: Date, requestId: string | null): Promise<Figures> {
  const inbox: InboxMetrics = await inboxMetrics(db, who, query, now);
  // appointments starting in the period's days (in the first practice's zone when there are several)
  const { bounds } = dayBounds(inbox.from, inbox.to, inbox.practices[0]?.timeZone ?? 'UTC');
  const appts = await appointmentMetrics(db, who, { practiceId: query.practiceId, from: bounds[0]!.toISOString(), to: bounds.at(-1)!.toISOString() }, now, requestId);
  const sum = (f: (m: (typeof appts.data)[number]) => number) => appts.data.reduce((s, m) => s + f(m), 0);
  const o = (k: 'confirmed' | 'remindedNoAnswer' | 'notReminded') => sum((m) => m.noShowRateByReminderOutcome[k].appointments);
  const passed = o('confirmed') + o('remindedNoAnswer') + o('notReminded');
  const reminded = o('confirmed') + o('remindedNoAnswer');
  const noShows = sum((m) => m.noShows);
  await audit(db, who, requestId, {
    action: 'metrics.inbox.read',
    subjectType: 'practice',
    subjectId: query.practiceId ?? null,
    practiceId: query.practiceId ?? null,
    detail: { practices: inbox.practices.length, from: inbox.from, to: inbox.to },
  });
  return {
    ...inbox,
    reminders: {
      appointments: sum((m) => m.appointments),
      remindersSent: sum((m) => m.remindersSent),
      passed,
      reminded,
      confirmed: o('confirmed'),
      confirmationRate: ratio(o('confirmed'), reminded),
      noShows,
      noShowRate: ratio(noShows, passed),
    },
  };
}

const cell = (v: string | number | null) => {
  const s = v === null ? '' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** One row per figure: section, date (or "period"/"now"), key, value. */
export function figuresCsv(f: Figures): string {
  const rows: (string | number | null)[][] = [['section', 'date', 'key', 'value']];
  for (const d of f.volume.days) {
    rows.push(['volume', d.date, 'total', d.total]);
    for (const [k, v] of Object.entries(d.byChannel)) rows.push(['volume', d.date, `channel:${k}`, v]);
    for (const [k, v] of Object.entries(d.byIntent).sort()) rows.push(['volume', d.date, `intent:${k}`, v]);
  }
  for (const d of f.firstResponse.days) {
    rows.push(['first_response', d.date, 'conversations', d.conversations], ['first_response', d.date, 'median_minutes', d.medianMinutes], ['first_response', d.date, 'p90_minutes', d.p90Minutes]);
  }
  rows.push(
    ['first_response', 'period', 'conversations', f.firstResponse.conversations],
    ['first_response', 'period', 'median_minutes', f.firstResponse.medianMinutes],
    ['first_response', 'period', 'p90_minutes', f.firstResponse.p90Minutes],
    ['sla', 'period', 'met', f.sla.met],
    ['sla', 'period', 'breached', f.sla.breached],
    ['sla', 'period', 'pending', f.sla.pending],
    ['sla', 'period', 'attainment', f.sla.attainment],
    ['automation', 'period', 'conversations', f.automation.conversations],
    ['automation', 'period', 'answered_automatically', f.automation.answeredAutomatically],
    ['automation', 'period', 'share', f.automation.share],
  );
  for (const q of f.backlog) {
    for (const k of ['open', 'pending', 'snoozed', 'unassigned', 'breached'] as const) rows.push(['backlog', 'now', `${q.key}:${k}`, q[k]]);
  }
  for (const [k, v] of Object.entries(f.missedCalls)) rows.push(['missed_calls', 'period', k.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`), v]);
  for (const [k, v] of Object.entries(f.reminders)) rows.push(['reminders', 'period', k.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`), v]);
  return rows.map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}

export function metricsRoutes(app: App) {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/metrics/inbox',
      tags: ['metrics'],
      summary: 'The figures of a period: volume by channel and intent per day, first response (median, p90), SLA attainment, share answered automatically, backlog by queue, missed calls recovered by text-back, reminder confirmation and no-show rates',
      description: [
        'Days are the practice’s local days; `from` and `to` are included (default: the last 7 days). With several practices, figures are summed and each practice’s days are its own.',
        '- **volume**: patient messages received (not notes, not our replies), by channel and by triage intent (`untriaged` before triage).',
        '- **firstResponse**: minutes from a conversation’s first patient message to the first reply by a person, over the conversations started in the period that a person answered.',
        '- **sla**: of those conversations with a due time, `met` were answered (or closed) by it, `breached` were not, `pending` are still inside it; `attainment` = met / (met + breached).',
        '- **automation**: conversations with a template answer (hours, address, fax, portal sign-up...) and no reply by a person, out of all conversations started by a patient; acknowledgements and the emergency reply do not count as answers.',
        '- **backlog**: now, per queue: open, waiting on the patient, snoozed, unassigned, past the SLA, the longest wait.',
        '- **missedCalls**: missed calls, text-backs sent or skipped, and text-backs the patient answered by text within 7 days (`recovered`).',
        '- **reminders**: appointments of the period that took place: reminded, confirmed among the reminded, no-shows.',
        '`format=csv` answers `text/csv` with one row per figure (section, date, key, value).',
      ].join('\n'),
      security: bearer,
      request: { query: MetricsQuery },
      responses: {
        200: {
          description: 'The figures',
          content: { 'application/json': { schema: FiguresSchema }, 'text/csv': { schema: z.string() } },
        },
        400: errors[400],
        401: errors[401],
        403: errors[403],
        404: errors[404],
      },
    }),
    async (c) => {
      const deps = c.get('deps');
      const query = c.req.valid('query');
      const figures = await readFigures(deps.db, requireStaff(c), query, deps.clock.now(), c.get('requestId'));
      if (query.format === 'csv') {
        return c.body(figuresCsv(figures), 200, {
          'content-type': 'text/csv; charset=utf-8',
          'content-disposition': `attachment; filename="switchboard-figures-${figures.from}-to-${figures.to}.csv"`,
        }) as never;
      }
      return c.json(figures, 200);
    },
  );
}
