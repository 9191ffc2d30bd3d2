import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { appointments, auditEvents, contactPoints, conversations, messages, patients, queues, reminders } from '../../src/platform/db/schema';
import type { MessageMeta } from '../../src/platform/db/message-meta';
import { FakeClock } from '../../src/platform/clock';
import { startHarness, type Harness } from '../helpers/harness';
import { makePractice, tokenFor } from '../helpers/fixtures';
import type { PracticeView } from '../../src/practices/practices';

/*
 * The figures on a small week whose answers are worked out by hand, in the practice's zone
 * (America/New_York): two conversations land on a local day that is already the next day in UTC.
 */

let h: Harness;
let p: PracticeView;
let token: string;
const at = (iso: string) => new Date(iso);
const MIN = 60_000;

beforeAll(async () => {
  h = await startHarness({ clock: new FakeClock('2026-01-08T20:00:00Z') });
  const db = h.runtime.deps.db;
  p = await makePractice(db, 'figures-clinic');
  token = await tokenFor(db, 'manager', p.id);
  const q = Object.fromEntries((await db.select().from(queues).where(eq(queues.practiceId, p.id))).map((x) => [x.key, x.id]));

  let n = 0;
  const patient = async (phone: string) => {
    const [pt] = await db.insert(patients).values({ practiceId: p.id, firstName: `P${++n}`, lastName: 'Figures' }).returning();
    const [cp] = await db.insert(contactPoints).values({ practiceId: p.id, patientId: pt!.id, kind: 'phone', value: phone }).returning();
    return { patientId: pt!.id, cp: cp!.id };
  };
  const conv = async (
    who: { patientId: string; cp: string },
    o: { at: string; channel: 'sms' | 'voice' | 'email' | 'portal'; intent?: string; queue: string; status: 'open' | 'pending' | 'resolved'; firstResponseMin?: number; slaMin?: number; resolvedMin?: number; meta?: MessageMeta },
  ) => {
    const start = at(o.at);
    const [c] = await db
      .insert(conversations)
      .values({
        practiceId: p.id,
        patientId: who.patientId,
        channel: o.channel,
        status: o.status,
        queueId: q[o.queue],
        createdAt: start,
        lastMessageAt: start,
        lastInboundAt: start,
        firstResponseAt: o.firstResponseMin === undefined ? null : new Date(start.getTime() + o.firstResponseMin * MIN),
        slaDueAt: o.slaMin === undefined ? null : new Date(start.getTime() + o.slaMin * MIN),
        resolvedAt: o.resolvedMin === undefined ? null : new Date(start.getTime() + o.resolvedMin * MIN),
      })
      .returning();
    await db.insert(messages).values({
      practiceId: p.id,
      conversationId: c!.id,
      direction: 'inbound',
      channel: o.channel,
      providerId: `fig-${++n}`,
      contactPointId: who.cp,
      body: 'a patient message',
      status: 'received',
      authorType: 'patient',
      triage: o.intent ? { intent: o.intent as 'billing', urgency: 'routine', confidence: 0.9, language: 'en', entities: {}, redFlags: [], needsHuman: false } : null,
      meta: o.meta ?? {},
      createdAt: start,
    });
    if (o.firstResponseMin !== undefined) {
      await db.insert(messages).values({ practiceId: p.id, conversationId: c!.id, direction: 'outbound', channel: o.channel, body: 'a reply', status: 'delivered', authorType: 'user', purpose: 'reply', createdAt: new Date(start.getTime() + o.firstResponseMin * MIN) });
    }
    return c!;
  };

  // Mon 5 Jan: answered in 10 min (met), answered in 30 min against a 20 min SLA (breached)
  await conv(await patient('+14155553001'), { at: '2026-01-05T15:00:00Z', channel: 'sms', intent: 'refill_request', queue: 'refills', status: 'resolved', firstResponseMin: 10, slaMin: 240, resolvedMin: 15 });
  await conv(await patient('+14155553002'), { at: '2026-01-05T16:00:00Z', channel: 'email', intent: 'billing', queue: 'billing', status: 'pending', firstResponseMin: 30, slaMin: 20 });
  // Tue 6 Jan: a missed call with a text-back the patient answered by text in another conversation (recovered),
  // and that text went unanswered past its SLA (breached)
  const caller = await patient('+14155553003');
  const missed = await conv(caller, { at: '2026-01-06T15:00:00Z', channel: 'voice', queue: 'general', status: 'resolved', resolvedMin: 60, meta: { kind: 'missed_call', textBack: { at: '2026-01-06T15:01:00Z' } } });
  await db.insert(messages).values({ practiceId: p.id, conversationId: missed.id, direction: 'outbound', channel: 'sms', body: 'Sorry we missed your call', status: 'simulated', authorType: 'automation', purpose: 'outreach', meta: { kind: 'missed_call_text_back' }, createdAt: at('2026-01-06T15:01:00Z') });
  await conv(caller, { at: '2026-01-06T15:11:00Z', channel: 'sms', intent: 'other', queue: 'general', status: 'open', slaMin: 240 });
  // Wed 7 Jan: answered automatically by the hours template and closed in time (met; automated)
  const auto = await conv(await patient('+14155553005'), { at: '2026-01-07T14:00:00Z', channel: 'sms', intent: 'general_question', queue: 'general', status: 'resolved', slaMin: 240, resolvedMin: 60 });
  await db.insert(messages).values({ practiceId: p.id, conversationId: auto.id, direction: 'outbound', channel: 'sms', body: 'We are open...', status: 'delivered', authorType: 'automation', purpose: 'auto_reply', meta: { template: 'hours' }, createdAt: at('2026-01-07T14:00:05Z') });
  // Wed 7 Jan local, already Thu 8 Jan in UTC: answered in 60 min (met), and one still inside its SLA (pending)
  await conv(await patient('+14155553006'), { at: '2026-01-07T23:30:00Z', channel: 'portal', intent: 'test_results', queue: 'clinical', status: 'resolved', firstResponseMin: 60, slaMin: 240, resolvedMin: 61 });
  await conv(await patient('+14155553007'), { at: '2026-01-08T03:00:00Z', channel: 'sms', intent: 'appointment_new', queue: 'general', status: 'open', slaMin: 24 * 60 });
  // Sun 4 Jan local: outside the period
  await conv(await patient('+14155553008'), { at: '2026-01-04T12:00:00Z', channel: 'sms', intent: 'billing', queue: 'billing', status: 'open', slaMin: 240 });

  // two appointments of the period that took place, both reminded: one confirmed and came, one no answer and no-show
  const ap = await patient('+14155553009');
  for (const [i, confirmed] of [[1, true], [2, false]] as const) {
    const startsAt = at(`2026-01-0${5 + i}T15:00:00Z`);
    const [a] = await db
      .insert(appointments)
      .values({ practiceId: p.id, patientId: ap.patientId, externalId: `fig-${i}`, startsAt, durationMinutes: 20, status: confirmed ? 'checked_in' : 'booked', confirmedAt: confirmed ? new Date(startsAt.getTime() - 86_400_000) : null })
      .returning();
    await db.insert(reminders).values({ practiceId: p.id, appointmentId: a!.id, patientId: ap.patientId, channel: 'sms', offsetMinutes: 2880, dueAt: new Date(startsAt.getTime() - 2 * 86_400_000), status: 'delivered', sentAt: new Date(startsAt.getTime() - 2 * 86_400_000), answer: confirmed ? 'confirm' : null });
  }
});
afterAll(() => h.close());

const query = () => `practiceId=${p.id}&from=2026-01-05&to=2026-01-07`;

describe('the inbox figures', () => {
  it('counts volume per local day by channel and intent, response times, SLA, automation, backlog, missed calls and reminders', async () => {
    const res = await h.request('GET', `/api/v1/metrics/inbox?${query()}`, { token });
    expect(res.status).toBe(200);
    const f = (await res.json()) as Record<string, never> & {
      volume: { total: number; days: { date: string; total: number; byChannel: Record<string, number>; byIntent: Record<string, number> }[]; byIntent: Record<string, number> };
      firstResponse: { conversations: number; medianMinutes: number; p90Minutes: number; days: { date: string; conversations: number }[] };
      sla: unknown;
      automation: unknown;
      backlog: { key: string; open: number; pending: number; unassigned: number; breached: number }[];
      missedCalls: unknown;
      reminders: unknown;
    };
    expect(f.volume.total).toBe(7);
    expect(f.volume.days.map((d) => [d.date, d.total])).toEqual([
      ['2026-01-05', 2],
      ['2026-01-06', 2],
      ['2026-01-07', 3],
    ]);
    expect(f.volume.days[2]!.byChannel).toEqual({ sms: 2, voice: 0, email: 0, portal: 1 });
    expect(f.volume.days[1]!.byChannel).toMatchObject({ voice: 1, sms: 1 });
    expect(f.volume.byIntent).toEqual({ refill_request: 1, billing: 1, untriaged: 1, other: 1, general_question: 1, test_results: 1, appointment_new: 1 });
    expect(f.firstResponse).toMatchObject({ conversations: 3, medianMinutes: 30, p90Minutes: 54 });
    expect(f.firstResponse.days.map((d) => d.conversations)).toEqual([2, 0, 1]);
    expect(f.sla).toEqual({ met: 3, breached: 2, pending: 1, attainment: 0.6 });
    expect(f.automation).toEqual({ conversations: 7, answeredAutomatically: 1, share: 0.143 });
    expect(f.missedCalls).toEqual({ missed: 1, textBacksSent: 1, textBacksSkipped: 0, recovered: 1, recoveryRate: 1 });
    expect(f.reminders).toMatchObject({ passed: 2, reminded: 2, confirmed: 1, confirmationRate: 0.5, noShows: 1, noShowRate: 0.5 });
    const general = f.backlog.find((b) => b.key === 'general')!;
    expect(general).toMatchObject({ open: 2, unassigned: 2, breached: 1 });
    expect(f.backlog.find((b) => b.key === 'billing')).toMatchObject({ open: 1, pending: 1 });
    const [audited] = await h.runtime.deps.db.select().from(auditEvents).where(and(eq(auditEvents.action, 'metrics.inbox.read'), eq(auditEvents.practiceId, p.id)));
    expect(audited).toBeDefined();
  });

  it('exports the same figures as CSV and draws them as SVG charts', async () => {
    const csv = await h.request('GET', `/api/v1/metrics/inbox?${query()}&format=csv`, { token });
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect(csv.headers.get('content-disposition')).toContain('switchboard-figures-2026-01-05-to-2026-01-07.csv');
    const lines = (await csv.text()).split('\r\n');
    expect(lines[0]).toBe('section,date,key,value');
    expect(lines).toContain('volume,2026-01-07,channel:portal,1');
    expect(lines).toContain('sla,period,attainment,0.6');
    expect(lines).toContain('first_response,period,p90_minutes,54');
    expect(lines).toContain('missed_calls,period,recovery_rate,1');

    const svg = await h.request('GET', `/api/v1/metrics/charts/volume-by-channel.svg?${query()}`, { token });
    expect(svg.status).toBe(200);
    expect(svg.headers.get('content-type')).toContain('image/svg+xml');
    const text = await svg.text();
    expect(text).toContain('<title id="chart-volume-channel-title">Patient messages per day by channel, 2026-01-05 to 2026-01-07</title>');
    // one bar per channel with messages on each day: 2 + 2 + 2
    expect(text.match(/class="bar"/g)).toHaveLength(6);
    const rates = await (await h.request('GET', `/api/v1/metrics/charts/rates.svg?${query()}`, { token })).text();
    expect(rates).toContain('SLA attainment 60%');
    expect((await h.request('GET', `/api/v1/metrics/charts/nope.svg?${query()}`, { token })).status).toBe(404);
  });

  it('refuses a bad period and another practice, and documents the routes', async () => {
    expect((await h.request('GET', `/api/v1/metrics/inbox?practiceId=${p.id}&from=2026-01-07&to=2026-01-05`, { token })).status).toBe(400);
    expect((await h.request('GET', `/api/v1/metrics/inbox?practiceId=${p.id}&from=yesterday`, { token })).status).toBe(400);
    const other = await makePractice(h.runtime.deps.db, 'other-figures');
    expect((await h.request('GET', `/api/v1/metrics/inbox?practiceId=${other.id}`, { token })).status).toBe(404);
    expect((await h.request('GET', `/api/v1/metrics/inbox`, { token: null })).status).toBe(401);
    const doc = (await (await h.request('GET', '/api/v1/openapi.json', { token: null })).json()) as { paths: Record<string, unknown> };
    for (const path of ['/api/v1/metrics/inbox', '/api/v1/metrics/charts/{chart}', '/api/v1/events', '/api/v1/inbox']) expect(doc.paths[path], path).toBeDefined();
  });
});
