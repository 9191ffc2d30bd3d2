import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, count, eq } from 'drizzle-orm';
import { auditEvents, conversations, messages, outbox, practices, queues } from '../../src/platform/db/schema';
import { ingestInbound } from '../../src/intake/ingest';
import { startHarness, type Harness } from '../helpers/harness';
import { makePractice, tokenFor } from '../helpers/fixtures';
import type { TriageEngine } from '../../src/routing/triage-job';
import type { TriageResult } from '../../triage/types';
import type { PracticeView } from '../../src/practices/practices';
import type { FakeClock } from '../../src/platform/clock';

/** Triage decided by the test: the body names the labels, e.g. "[refill_request/routine] ..." */
const labelled: TriageEngine = {
  triage: ({ text }) => {
    const m = /\[(\w+)\/(\w+)\]/.exec(text);
    const intent = (m?.[1] ?? 'other') as TriageResult['intent'];
    const urgency = (m?.[2] ?? 'routine') as TriageResult['urgency'];
    return { intent, urgency, confidence: 0.95, language: 'en', entities: {}, redFlags: urgency === 'emergency' ? ['chest_pain'] : [], needsHuman: urgency !== 'routine' || intent === 'clinical_question' };
  },
};

let h: Harness;
let p: PracticeView;
let manager: string;
let n = 0;
beforeAll(async () => {
  h = await startHarness({ triage: () => labelled });
  p = await makePractice(h.runtime.deps.db, 'routed');
  await h.runtime.deps.db
    .update(practices)
    .set({ onCallPhone: '+14155559911', address: '1 Main St, Springfield', mainPhone: '+14155550100' })
    .where(eq(practices.id, p.id));
  manager = await tokenFor(h.runtime.deps.db, 'manager', p.id);
});
afterAll(() => h.close());

async function arrive(body: string, phone = `+1415555${String(3000 + ++n)}`) {
  const db = h.runtime.deps.db;
  (h.clock as FakeClock).advance(1000);
  const r = await ingestInbound(db, { channel: 'sms', providerId: `SM-route-${++n}`, to: p.phoneNumbers[0]!, from: { kind: 'phone', value: phone }, body, attachments: [], receivedAt: h.clock.now() }, { practiceId: p.id, receivedAt: h.clock.now() });
  await h.drain();
  const [c] = await db.select({ c: conversations, queueKey: queues.key }).from(conversations).leftJoin(queues, eq(queues.id, conversations.queueId)).where(eq(conversations.id, r.conversationId));
  const out = await db
    .select()
    .from(messages)
    .where(and(eq(messages.conversationId, r.conversationId), eq(messages.direction, 'outbound')));
  return { ...r, conversation: c!.c, queue: c!.queueKey, replies: out };
}

describe('the default rules', () => {
  it.each([
    ['[appointment_new/routine] can I book a physical', 'scheduling'],
    ['[appointment_cancel/routine] cancel my appt', 'scheduling'],
    ['[refill_request/routine] need my refill', 'refills'],
    ['[billing/routine] question about my bill', 'billing'],
    ['[insurance/routine] do you take aetna', 'insurance'],
    ['[records_request/routine] send my records to my new doctor', 'records'],
    ['[clinical_question/routine] is it ok to take ibuprofen with this', 'clinical'],
    ['[test_results/routine] are my labs back', 'clinical'],
    ['[other/routine] hello', 'general'],
  ])('routes %s to %s', async (body, queue) => {
    const r = await arrive(body);
    expect(r.queue).toBe(queue);
    expect(r.conversation.slaDueAt).not.toBeNull();
  });

  it('answers what is safe to answer (hours, address) from templates', async () => {
    const hours = await arrive('[general_question/routine] what are your hours on monday');
    expect(hours.queue).toBe('general');
    expect(hours.replies).toHaveLength(1);
    expect(hours.replies[0]).toMatchObject({ authorType: 'automation', status: 'simulated' });
    expect(hours.replies[0]!.body).toMatch(/8:00/);
    const address = await arrive('[general_question/routine] what is your address');
    expect(address.replies[0]!.body).toContain('1 Main St');
  });
});

describe('safety first', () => {
  it('an emergency under a rule that would auto-reply still reaches a human and the on-call contact', async () => {
    const db = h.runtime.deps.db;
    const save = await h.request('PUT', '/api/v1/rules', {
      token: manager,
      body: {
        practiceId: p.id,
        note: 'answer everything and close it',
        rules: [{ id: 'all', name: 'auto answer everything', conditions: [], actions: [{ type: 'reply_template', template: 'hours' }, { type: 'resolve' }, { type: 'assign_queue', queue: 'general' }, { type: 'stop' }] }],
      },
    });
    expect(save.status).toBe(200);
    const r = await arrive('[refill_request/emergency] refill please, and I have crushing chest pain');
    expect(r.queue).toBe('urgent');
    expect(r.conversation).toMatchObject({ status: 'open', priority: 100, needsHuman: true });
    expect(r.replies).toHaveLength(1);
    expect(r.replies[0]!.body).toContain('911');
    const notices = await db.select().from(auditEvents).where(and(eq(auditEvents.action, 'notification.sent'), eq(auditEvents.subjectId, r.conversationId)));
    expect(notices).toHaveLength(1);
    expect(notices[0]!.detail).toMatchObject({ purpose: 'oncall_emergency', target: 'on_call', recipients: 1 });

    const urgent = await arrive('[clinical_question/urgent] fever of 103 since last night');
    expect(urgent.queue).toBe('urgent');
    expect(urgent.conversation.status).toBe('open');
    expect(urgent.replies.map((m) => m.meta)).toEqual([expect.objectContaining({ template: 'urgent_ack' })]);
    // back to the defaults for the other tests
    await h.request('POST', '/api/v1/rules/restore', { token: manager, body: { practiceId: p.id, version: 1 } });
  });

  it('sends one automatic reply to a burst of messages, and breaks an autoresponder loop', async () => {
    const db = h.runtime.deps.db;
    const phone = '+14155553999';
    const send = async (body: string) => {
      (h.clock as FakeClock).advance(1000);
      return ingestInbound(db, { channel: 'sms', providerId: `SM-loop-${++n}`, to: p.phoneNumbers[0]!, from: { kind: 'phone', value: phone }, body, attachments: [], receivedAt: h.clock.now() }, { practiceId: p.id, receivedAt: h.clock.now() });
    };
    const autoReplies = async (conversationId: string) =>
      db.select().from(messages).where(and(eq(messages.conversationId, conversationId), eq(messages.direction, 'outbound'), eq(messages.authorType, 'automation')));
    // two texts at once: one answer
    const a = await send('[general_question/routine] what are your hours');
    await send('[general_question/routine] hello??');
    await h.drain();
    expect(await autoReplies(a.conversationId)).toHaveLength(1);
    // an autoresponder on the other side answers every reply: automation stops after three in a row
    for (let i = 0; i < 5; i++) {
      await send('[general_question/routine] what are your hours (auto-reply: I am away)');
      await h.drain();
    }
    expect(await autoReplies(a.conversationId)).toHaveLength(3);
    // our own automatic messages never trigger rules: only inbound patient messages are routed
    const routed = await db.select().from(auditEvents).where(and(eq(auditEvents.action, 'conversation.routed'), eq(auditEvents.subjectId, a.conversationId)));
    expect(routed).toHaveLength(7);
  });
});

describe('rules API', () => {
  it('validates with the field named, versions every change, and restores old versions', async () => {
    const bad = await h.request('PUT', '/api/v1/rules', {
      token: manager,
      body: { practiceId: p.id, rules: [{ id: 'r', name: 'bad', conditions: [{ type: 'regex', pattern: '(a+)+$' }], actions: [{ type: 'assign_queue', queue: 'general' }] }] },
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/rules\.0\.conditions\.0\.pattern/);
    const unknownQueue = await h.request('PUT', '/api/v1/rules', {
      token: manager,
      body: { practiceId: p.id, rules: [{ id: 'r', name: 'x', conditions: [], actions: [{ type: 'assign_queue', queue: 'nowhere' }] }] },
    });
    expect(unknownQueue.status).toBe(400);
    const versions = (await (await h.request('GET', `/api/v1/rules/versions?practiceId=${p.id}`, { token: manager })).json()) as { data: { version: number }[] };
    expect(versions.data.map((v) => v.version)).toEqual([3, 2, 1]);
    const live = (await (await h.request('GET', `/api/v1/rules?practiceId=${p.id}`, { token: manager })).json()) as { version: number; rules: unknown[] };
    expect(live.version).toBe(3);
    const audits = await h.runtime.deps.db.select().from(auditEvents).where(and(eq(auditEvents.action, 'rules.save'), eq(auditEvents.practiceId, p.id)));
    expect(audits).toHaveLength(2);
    const assistant = await tokenFor(h.runtime.deps.db, 'assistant', p.id);
    expect((await h.request('PUT', '/api/v1/rules', { token: assistant, body: { practiceId: p.id, rules: [] } })).status).toBe(403);
  });

  it('simulates a draft over 500 stored messages and changes nothing', async () => {
    const db = h.runtime.deps.db;
    const kinds = ['[refill_request/routine] refill', '[billing/routine] bill', '[records_request/routine] records', '[appointment_new/routine] book'];
    (h.clock as FakeClock).advance(60_000);
    const start = h.clock.now();
    for (let i = 0; i < 500; i++) {
      (h.clock as FakeClock).advance(1000);
      // stored and triaged as the triage job would; routing them live is not what this test is about
      const r = await ingestInbound(db, { channel: 'sms', providerId: `SM-sim-${i}`, to: p.phoneNumbers[0]!, from: { kind: 'phone', value: `+1415556${String(1000 + (i % 50))}` }, body: kinds[i % 4]!, attachments: [], receivedAt: h.clock.now() }, { practiceId: p.id, receivedAt: h.clock.now(), triage: false });
      await db.update(messages).set({ triage: labelled.triage({ text: kinds[i % 4]! }) }).where(eq(messages.id, r.messageId));
    }
    await h.drain();
    const snapshot = async () => ({
      messages: (await db.select({ n: count() }).from(messages))[0]!.n,
      outbox: (await db.select({ n: count() }).from(outbox))[0]!.n,
      convs: JSON.stringify(await db.select({ id: conversations.id, q: conversations.queueId, s: conversations.status, a: conversations.assigneeId }).from(conversations).orderBy(conversations.id)),
    });
    const before = await snapshot();
    const res = await h.request('POST', '/api/v1/rules/simulate', {
      token: manager,
      body: {
        practiceId: p.id,
        from: start.toISOString(),
        to: h.clock.now().toISOString(),
        rules: [{ id: 'billing-to-records', name: 'billing goes to records', conditions: [{ type: 'intent', in: ['billing'] }], actions: [{ type: 'assign_queue', queue: 'records' }, { type: 'stop' }] }],
      },
    });
    expect(res.status).toBe(200);
    const sim = (await res.json()) as { total: number; counts: Record<string, { live: number; draft: number }>; changed: { differences: string[] }[] };
    expect(sim.total).toBe(500);
    expect(sim.counts['queue:billing']).toEqual({ live: 125, draft: 0 });
    expect(sim.counts['queue:records']).toEqual({ live: 125, draft: 125 });
    expect(sim.changed).toHaveLength(500);
    expect(sim.changed[0]!.differences.length).toBeGreaterThan(0);
    expect(await snapshot()).toEqual(before);
  }, 120_000);
});

describe('rule notifications', () => {
  it('tells a staff address a rule names, with ids and a link only', async () => {
    const db = h.runtime.deps.db;
    const save = await h.request('PUT', '/api/v1/rules', {
      token: manager,
      body: {
        practiceId: p.id,
        rules: [{ id: 'billing-notice', name: 'billing to the billing lead', conditions: [{ type: 'intent', in: ['billing'] }], actions: [{ type: 'notify', channel: 'email', to: 'billing-lead@example.com' }, { type: 'assign_queue', queue: 'billing' }] }],
      },
    });
    expect(save.status).toBe(200);
    const r = await arrive('[billing/routine] why was I charged twice, my name is Jane Doe');
    const notices = await db.select().from(auditEvents).where(and(eq(auditEvents.action, 'notification.sent'), eq(auditEvents.subjectId, r.conversationId)));
    expect(notices).toHaveLength(1);
    expect(notices[0]!.detail).toMatchObject({ purpose: 'staff_notice', target: 'address', recipients: 1, sent: [{ channel: 'email', status: 'simulated' }] });
    expect(JSON.stringify(notices[0]!.detail)).not.toContain('Jane');
  });
});
