import { z } from '@hono/zod-openapi';
import { asc, eq, inArray, sql } from 'drizzle-orm';
import type { Database, Db } from '../platform/db/client';
import { practices } from '../platform/db/schema';
import { canSeePractice, type Principal } from '../access/principal';
import { AppError, notFound } from '../platform/errors';
import { localDay, zonedTime } from '../platform/time';
import { rowsOf } from '../platform/jobs/outbox';
import { channels } from '../../triage/types';

/*
 * The inbox figures a manager watches, per practice-local day over a period:
 * - volume: patient messages in (inbound, not notes) by channel and by triage intent;
 * - first response: minutes from a conversation's start to the first reply by a person
 *   (median and 90th percentile), for conversations started in the period;
 * - SLA attainment: of those conversations whose due time has come, the share answered by a
 *   person (or closed) before it;
 * - answered automatically: the share of those conversations that got a template answer
 *   (hours, address, fax, portal...; acknowledgements and the emergency reply do not count)
 *   and never needed a person's reply;
 * - backlog by queue: now, what is open, unassigned, past its SLA, and the longest wait;
 * - missed calls: missed calls in the period, text-backs sent, and how many of those patients
 *   wrote back by text within 7 days, in any of their conversations ("recovered").
 * Reminder confirmation and no-show rates come from the appointment figures beside these.
 */

const isoDate = z.iso.date({ error: 'must be a date YYYY-MM-DD' });

export const MetricsQuery = z.object({
  practiceId: z.uuid({ error: 'practiceId must be an id (uuid)' }).optional().openapi({ description: 'default: every practice you may see' }),
  from: isoDate.optional().openapi({ description: 'first local day (default: 6 days before `to`)', example: '2026-01-01' }),
  to: isoDate.optional().openapi({ description: 'last local day, included (default: today)', example: '2026-01-07' }),
  format: z.enum(['json', 'csv']).default('json').openapi({ description: 'csv: one row per figure (section, date, key, value)' }),
});

const num = z.number();
const rate = z.number().nullable().openapi({ description: 'a share from 0 to 1; null when there is nothing to divide by' });

export const InboxMetricsSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    practices: z.array(z.object({ id: z.uuid(), name: z.string(), timeZone: z.string() })),
    volume: z.object({
      total: num,
      byChannel: z.record(z.string(), num),
      byIntent: z.record(z.string(), num),
      days: z.array(z.object({ date: z.string(), total: num, byChannel: z.record(z.string(), num), byIntent: z.record(z.string(), num) })),
    }),
    firstResponse: z.object({
      conversations: num.openapi({ description: 'conversations started in the period that a person answered' }),
      medianMinutes: z.number().nullable(),
      p90Minutes: z.number().nullable(),
      days: z.array(z.object({ date: z.string(), conversations: num, medianMinutes: z.number().nullable(), p90Minutes: z.number().nullable() })),
    }),
    sla: z.object({ met: num, breached: num, pending: num, attainment: rate }),
    automation: z.object({ conversations: num, answeredAutomatically: num, share: rate }),
    backlog: z.array(
      z.object({
        practiceId: z.uuid(),
        queueId: z.uuid().nullable(),
        key: z.string(),
        name: z.string(),
        open: num,
        pending: num,
        snoozed: num,
        unassigned: num,
        breached: num,
        oldestWaitingSince: z.string().nullable(),
      }),
    ),
    missedCalls: z.object({ missed: num, textBacksSent: num, textBacksSkipped: num, recovered: num, recoveryRate: rate }),
  })
  .openapi('InboxMetrics');
export type InboxMetrics = z.infer<typeof InboxMetricsSchema>;

const DAY = 86_400_000;
const addDays = (date: string, n: number) => new Date(Date.parse(`${date}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10);
const round1 = (x: number | null) => (x === null ? null : Math.round(x * 10) / 10);
const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 1000) / 1000 : null);

/** The local days of a period and the instants where each begins in a zone (the last one ends the period). */
export function dayBounds(from: string, to: string, timeZone: string): { days: string[]; bounds: Date[] } {
  const days: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) days.push(d);
  const start = (d: string) => {
    const [y, m, day] = d.split('-').map(Number) as [number, number, number];
    return zonedTime(timeZone, y, m, day, 0);
  };
  return { days, bounds: [...days, addDays(to, 1)].map(start) };
}

export async function resolvePeriod(db: Db, who: Principal, q: z.infer<typeof MetricsQuery>, now: Date) {
  if (q.practiceId && !canSeePractice(who, q.practiceId)) throw notFound('practice');
  const rows = await db
    .select({ id: practices.id, name: practices.name, timeZone: practices.timeZone })
    .from(practices)
    .where(
      q.practiceId
        ? eq(practices.id, q.practiceId)
        : who.practiceIds === 'all'
          ? undefined
          : who.practiceIds.length
            ? inArray(practices.id, who.practiceIds)
            : sql`false`,
    )
    .orderBy(asc(practices.name));
  const zone = rows[0]?.timeZone ?? 'UTC';
  const to = q.to ?? localDay(now, zone);
  const from = q.from ?? addDays(to, -6);
  if (from > to) throw new AppError('validation_failed', 'from: must not be after to');
  if (Date.parse(to) - Date.parse(from) > 366 * DAY) throw new AppError('validation_failed', 'to: a period is at most 366 days');
  return { practices: rows, from, to };
}

const ts = (d: Date) => sql`${d.toISOString()}::timestamptz`;
const boundsArray = (bounds: Date[]) => sql`array[${sql.join(bounds.map(ts), sql`, `)}]`;

export async function inboxMetrics(db: Database, who: Principal, query: z.input<typeof MetricsQuery>, now: Date): Promise<InboxMetrics> {
  const q = MetricsQuery.parse(query);
  const period = await resolvePeriod(db, who, q, now);
  const dayList = dayBounds(period.from, period.to, 'UTC').days;
  const emptyCounts = () => Object.fromEntries(channels.map((c) => [c, 0])) as Record<string, number>;
  const volumeDays = new Map(dayList.map((d) => [d, { date: d, total: 0, byChannel: emptyCounts(), byIntent: {} as Record<string, number> }]));
  const volume = { total: 0, byChannel: emptyCounts(), byIntent: {} as Record<string, number> };
  const responseByDay = new Map<string, number[]>();
  const allResponses: number[] = [];
  const sla = { met: 0, breached: 0, pending: 0 };
  const automation = { conversations: 0, answeredAutomatically: 0 };
  const missed = { missed: 0, textBacksSent: 0, textBacksSkipped: 0, recovered: 0 };
  const backlog: InboxMetrics['backlog'] = [];

  for (const p of period.practices) {
    const { days, bounds } = dayBounds(period.from, period.to, p.timeZone);
    const start = bounds[0]!;
    const end = bounds.at(-1)!;
    const bucket = (b: number) => days[b - 1];

    const vol = rowsOf<{ b: number; channel: string; intent: string; n: number | string }>(
      await db.execute(sql`
        select width_bucket(m.created_at, ${boundsArray(bounds)}) as b, m.channel, coalesce(m.triage ->> 'intent', 'untriaged') as intent, count(*) as n
        from messages m
        where m.practice_id = ${p.id} and m.direction = 'inbound' and m.kind = 'message' and m.created_at >= ${ts(start)} and m.created_at < ${ts(end)}
        group by 1, 2, 3`),
    );
    for (const r of vol) {
      const day = volumeDays.get(bucket(Number(r.b)) ?? '');
      if (!day) continue;
      const n = Number(r.n);
      day.total += n;
      day.byChannel[r.channel] = (day.byChannel[r.channel] ?? 0) + n;
      day.byIntent[r.intent] = (day.byIntent[r.intent] ?? 0) + n;
      volume.total += n;
      volume.byChannel[r.channel] = (volume.byChannel[r.channel] ?? 0) + n;
      volume.byIntent[r.intent] = (volume.byIntent[r.intent] ?? 0) + n;
    }

    const convs = rowsOf<{ b: number; minutes: number | string | null; sla: string; auto: boolean; person: boolean }>(
      await db.execute(sql`
        select width_bucket(c.created_at, ${boundsArray(bounds)}) as b,
          extract(epoch from (c.first_response_at - c.created_at)) / 60.0 as minutes,
          case
            when c.sla_due_at is null then 'none'
            when coalesce(c.first_response_at, c.resolved_at) is not null and coalesce(c.first_response_at, c.resolved_at) <= c.sla_due_at then 'met'
            when coalesce(c.first_response_at, c.resolved_at) is not null or c.sla_due_at <= ${ts(now)} then 'breached'
            else 'pending'
          end as sla,
          exists (select 1 from messages a where a.conversation_id = c.id and a.direction = 'outbound' and a.kind = 'message'
                  and a.author_type = 'automation' and a.purpose = 'auto_reply'
                  and coalesce(a.meta ->> 'template', '') not in ('emergency', 'urgent_ack', 'ack', 'after_hours_ack')) as auto,
          exists (select 1 from messages u where u.conversation_id = c.id and u.direction = 'outbound' and u.kind = 'message' and u.author_type = 'user') as person
        from conversations c
        where c.practice_id = ${p.id} and c.created_at >= ${ts(start)} and c.created_at < ${ts(end)}
          and exists (select 1 from messages i where i.conversation_id = c.id and i.direction = 'inbound' and i.kind = 'message')`),
    );
    for (const r of convs) {
      const day = bucket(Number(r.b));
      if (!day) continue;
      automation.conversations++;
      if (r.auto && !r.person) automation.answeredAutomatically++;
      if (r.sla === 'met') sla.met++;
      else if (r.sla === 'breached') sla.breached++;
      else if (r.sla === 'pending') sla.pending++;
      if (r.minutes !== null && r.person) {
        const m = Math.max(0, Number(r.minutes));
        allResponses.push(m);
        responseByDay.set(day, [...(responseByDay.get(day) ?? []), m]);
      }
    }

    const calls = rowsOf<{ missed: number | string; skipped: number | string; sent: number | string; recovered: number | string }>(
      await db.execute(sql`
        select
          (select count(*) from messages m where m.practice_id = ${p.id} and m.direction = 'inbound' and m.meta ->> 'kind' = 'missed_call'
             and m.created_at >= ${ts(start)} and m.created_at < ${ts(end)}) as missed,
          (select count(*) from messages m where m.practice_id = ${p.id} and m.direction = 'inbound' and m.meta ->> 'kind' = 'missed_call'
             and m.meta -> 'textBack' ? 'skipped' and m.created_at >= ${ts(start)} and m.created_at < ${ts(end)}) as skipped,
          (select count(*) from messages t where t.practice_id = ${p.id} and t.direction = 'outbound' and t.meta ->> 'kind' = 'missed_call_text_back'
             and t.status in ('sent', 'delivered', 'simulated') and t.created_at >= ${ts(start)} and t.created_at < ${ts(end)}) as sent,
          (select count(*) from messages t where t.practice_id = ${p.id} and t.direction = 'outbound' and t.meta ->> 'kind' = 'missed_call_text_back'
             and t.status in ('sent', 'delivered', 'simulated') and t.created_at >= ${ts(start)} and t.created_at < ${ts(end)}
             and exists (select 1 from messages r join conversations rc on rc.id = r.conversation_id
                         join conversations tc on tc.id = t.conversation_id
                         where rc.patient_id = tc.patient_id and r.direction = 'inbound' and r.kind = 'message'
                         and r.channel = 'sms' and r.created_at > t.created_at and r.created_at <= t.created_at + interval '7 days')) as recovered`),
    );
    const cr = calls[0];
    if (cr) {
      missed.missed += Number(cr.missed);
      missed.textBacksSkipped += Number(cr.skipped);
      missed.textBacksSent += Number(cr.sent);
      missed.recovered += Number(cr.recovered);
    }

    backlog.push(...(await backlogOf(db, p.id, now)));
  }

  const days = dayList.map((date) => {
    const list = responseByDay.get(date) ?? [];
    return { date, conversations: list.length, medianMinutes: round1(percentile(list, 0.5)), p90Minutes: round1(percentile(list, 0.9)) };
  });
  return {
    from: period.from,
    to: period.to,
    practices: period.practices,
    volume: { ...volume, days: [...volumeDays.values()] },
    firstResponse: { conversations: allResponses.length, medianMinutes: round1(percentile(allResponses, 0.5)), p90Minutes: round1(percentile(allResponses, 0.9)), days },
    sla: { ...sla, attainment: ratio(sla.met, sla.met + sla.breached) },
    automation: { ...automation, share: ratio(automation.answeredAutomatically, automation.conversations) },
    backlog,
    missedCalls: { ...missed, recoveryRate: ratio(missed.recovered, missed.textBacksSent) },
  };
}

async function backlogOf(db: Db, practiceId: string, now: Date): Promise<InboxMetrics['backlog']> {
  const rows = rowsOf<{
    queue_id: string | null;
    key: string | null;
    name: string | null;
    open: number | string;
    pending: number | string;
    snoozed: number | string;
    unassigned: number | string;
    breached: number | string;
    oldest: Date | string | null;
  }>(
    await db.execute(sql`
      select q.id as queue_id, q.key, q.name,
        count(c.id) filter (where c.status = 'open') as open,
        count(c.id) filter (where c.status = 'pending') as pending,
        count(c.id) filter (where c.status = 'snoozed') as snoozed,
        count(c.id) filter (where c.status = 'open' and c.assignee_id is null) as unassigned,
        count(c.id) filter (where c.status = 'open' and c.first_response_at is null and c.sla_due_at <= ${ts(now)}) as breached,
        min(coalesce(c.last_inbound_at, c.created_at)) filter (where c.status = 'open') as oldest
      from queues q
      left join conversations c on c.queue_id = q.id and c.status <> 'resolved'
      where q.practice_id = ${practiceId}
      group by q.id, q.key, q.name
      union all
      select null, null, null,
        count(*) filter (where c.status = 'open'), count(*) filter (where c.status = 'pending'), count(*) filter (where c.status = 'snoozed'),
        count(*) filter (where c.status = 'open' and c.assignee_id is null),
        count(*) filter (where c.status = 'open' and c.first_response_at is null and c.sla_due_at <= ${ts(now)}),
        min(coalesce(c.last_inbound_at, c.created_at)) filter (where c.status = 'open')
      from conversations c
      where c.practice_id = ${practiceId} and c.queue_id is null and c.status <> 'resolved'
        and exists (select 1 from messages i where i.conversation_id = c.id and i.direction = 'inbound')`),
  );
  return rows
    .filter((r) => r.queue_id !== null || Number(r.open) + Number(r.pending) + Number(r.snoozed) > 0)
    .map((r) => ({
      practiceId,
      queueId: r.queue_id,
      key: r.key ?? 'unqueued',
      name: r.name ?? 'Not yet routed',
      open: Number(r.open),
      pending: Number(r.pending),
      snoozed: Number(r.snoozed),
      unassigned: Number(r.unassigned),
      breached: Number(r.breached),
      oldestWaitingSince: r.oldest === null ? null : new Date(r.oldest).toISOString(),
    }))
    .sort((a, b) => b.open - a.open || a.key.localeCompare(b.key));
}

/** Linear interpolation between closest ranks (what Postgres' percentile_cont does). */
export function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * p;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}
