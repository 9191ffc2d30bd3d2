import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { auditEvents, conversations, messages, queues } from '../../src/platform/db/schema';
import type { FakeClock } from '../../src/platform/clock';
import { startHarness, type Harness } from '../helpers/harness';
import { makeConversation, makePractice, tokenFor, userWithPassword } from '../helpers/fixtures';
import { inboundSms, postTwilio } from '../helpers/twilio';
import type { PracticeView } from '../../src/practices/practices';

let h: Harness;
let p: PracticeView;
let other: PracticeView;
let token: string;
beforeAll(async () => {
  h = await startHarness();
  p = await makePractice(h.runtime.deps.db);
  other = await makePractice(h.runtime.deps.db);
  token = await tokenFor(h.runtime.deps.db, 'manager', p.id);
});
afterAll(() => h.close());

const clock = () => h.clock as FakeClock;
const ago = (minutes: number) => new Date(clock().now().getTime() - minutes * 60_000);
const get = async <T>(path: string, t = token) => {
  const res = await h.request('GET', path, { token: t });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as T;
};

interface InboxItem {
  id: string;
  urgency: string | null;
  preview: string | null;
  redFlags: string[];
  slaDueAt: string | null;
  assignee: { name: string | null } | null;
  patient: { firstName: string | null };
}

describe('the inbox list', () => {
  it('puts emergencies, then urgent, then the nearest SLA, then the longest wait first, with the patient’s own words and red flags', async () => {
    const db = h.runtime.deps.db;
    const assistant = await userWithPassword(db, 'assistant', [p.id], ['general']);
    await db.update((await import('../../src/platform/db/schema')).users).set({ name: 'Alex Rivera' }).where(eq((await import('../../src/platform/db/schema')).users.id, assistant.id));
    const old = await makeConversation(db, p.id, { queue: 'general', firstName: 'Oldest', body: 'question from long ago', at: ago(300) });
    const recent = await makeConversation(db, p.id, { queue: 'general', firstName: 'Recent', body: 'a recent question', at: ago(5) });
    const due = await makeConversation(db, p.id, { queue: 'general', firstName: 'Due', body: 'due soon', at: ago(10) });
    const urgent = await makeConversation(db, p.id, { queue: 'urgent', firstName: 'Urgent', body: 'my fever is 103', at: ago(1) });
    const emergency = await makeConversation(db, p.id, { queue: 'urgent', firstName: 'Emergency', body: 'I have chest pain', at: ago(2) });
    await db.update(conversations).set({ slaDueAt: new Date(clock().now().getTime() + 10 * 60_000) }).where(eq(conversations.id, due.conversation.id));
    await db.update(conversations).set({ urgency: 'urgent' }).where(eq(conversations.id, urgent.conversation.id));
    await db.update(conversations).set({ urgency: 'emergency', assigneeId: assistant.id }).where(eq(conversations.id, emergency.conversation.id));
    await db
      .update(messages)
      .set({ triage: { intent: 'clinical_question', urgency: 'emergency', confidence: 0.9, language: 'en', entities: {}, redFlags: ['chest_pain'], needsHuman: true } })
      .where(eq(messages.id, emergency.message.id));
    // the automatic 911 reply goes out after the patient's words: the preview stays the patient's
    await db.insert(messages).values({
      practiceId: p.id,
      conversationId: emergency.conversation.id,
      direction: 'outbound',
      channel: 'sms',
      body: 'If this is an emergency, call 911 now.',
      status: 'simulated',
      authorType: 'automation',
      purpose: 'auto_reply',
      createdAt: ago(1),
    });

    const page = await get<{ data: InboxItem[]; now: string }>(`/api/v1/inbox?practiceId=${p.id}`);
    const names = page.data.map((d) => d.patient.firstName);
    expect(names.slice(0, 5)).toEqual(['Emergency', 'Urgent', 'Due', 'Oldest', 'Recent']);
    const e = page.data[0]!;
    expect(e.preview).toBe('I have chest pain');
    expect(e.redFlags).toEqual(['chest_pain']);
    expect(e.assignee?.name).toBe('Alex Rivera');
    expect(page.now).toBe(clock().now().toISOString());
    void old;
    void recent;
  });

  it('pages by the same order without skipping or repeating', async () => {
    const all = await get<{ data: InboxItem[] }>(`/api/v1/inbox?practiceId=${p.id}&limit=100`);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { data: InboxItem[]; nextCursor: string | null } = await get(`/api/v1/inbox?practiceId=${p.id}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.data.map((d) => d.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all.data.map((d) => d.id));
  });

  it('finds a patient by a phone number typed any way, and by name', async () => {
    await makeConversation(h.runtime.deps.db, p.id, { queue: 'general', firstName: 'Phoebe', phone: '+14155550177', body: 'hello there' });
    for (const q of ['(415) 555-0177', '415.555.0177', '+1 415 555 0177', '5550177', 'phoebe']) {
      const page = await get<{ data: InboxItem[] }>(`/api/v1/inbox?practiceId=${p.id}&q=${encodeURIComponent(q)}`);
      expect(page.data.map((d) => d.patient.firstName), q).toEqual(['Phoebe']);
    }
  });

  it('shows an assistant only their queues, and writes one audit row per page', async () => {
    const db = h.runtime.deps.db;
    const assistant = await userWithPassword(db, 'assistant', [p.id], ['billing']);
    await makeConversation(db, p.id, { queue: 'billing', firstName: 'Billy', body: 'billing question' });
    const cookie = await signIn(assistant.email, assistant.password);
    const before = await db.select().from(auditEvents).where(eq(auditEvents.action, 'conversation.list'));
    const res = await h.request('GET', '/api/v1/inbox', { token: null, headers: { cookie } });
    expect(res.status).toBe(200);
    const page = (await res.json()) as { data: InboxItem[] };
    expect(page.data.map((d) => d.patient.firstName)).toEqual(['Billy']);
    const after = await db.select().from(auditEvents).where(eq(auditEvents.action, 'conversation.list'));
    expect(after.length - before.length).toBe(1);
    expect((after.at(-1)!.detail as { conversations: string[] }).conversations).toEqual(page.data.map((d) => d.id));
  });
});

async function signIn(email: string, password: string) {
  const res = await h.request('POST', '/login', { token: null, body: { email, password } });
  expect(res.status).toBe(200);
  return res.headers.get('set-cookie')!.split(';')[0]!;
}

describe('beside a conversation', () => {
  it('gives the patient panel, ticks the checklist, and renders canned answers with the patient’s values', async () => {
    const db = h.runtime.deps.db;
    await db
      .update(queues)
      .set({ playbook: { items: [{ key: 'dob', label: 'Confirm date of birth', entity: 'dateOfBirth' }] } })
      .where(and(eq(queues.practiceId, p.id), eq(queues.key, 'refills')));
    const first = await makeConversation(db, p.id, { queue: 'refills', firstName: 'Rosa', phone: '+14155550188', body: 'refill please' });
    const second = await makeConversation(db, p.id, { queue: 'refills', firstName: 'Rosa', body: 'another one' });
    await db.update(conversations).set({ patientId: first.patient.id }).where(eq(conversations.id, second.conversation.id));

    const ctx = await get<{
      patient: { contactPoints: { value: string; smsConsent: string }[] };
      otherConversations: { id: string }[];
      replyChannels: { channel: string; available: boolean; reason: string | null }[];
      checklist: unknown[];
    }>(`/api/v1/conversations/${first.conversation.id}/context`);
    expect(ctx.patient.contactPoints).toEqual([expect.objectContaining({ value: '+14155550188', smsConsent: 'unknown' })]);
    expect(ctx.otherConversations.map((o) => o.id)).toEqual([second.conversation.id]);
    expect(ctx.replyChannels.find((r) => r.channel === 'email')).toEqual({ channel: 'email', available: false, reason: 'no email address' });
    expect(ctx.checklist).toEqual([]);

    const tick = await h.request('PUT', `/api/v1/conversations/${first.conversation.id}/checklist/dob`, { token, body: { checked: true } });
    expect(tick.status).toBe(200);
    const bad = await h.request('PUT', `/api/v1/conversations/${first.conversation.id}/checklist/nope`, { token, body: { checked: true } });
    expect(bad.status).toBe(400);
    const again = await get<{ checklist: { key: string }[] }>(`/api/v1/conversations/${first.conversation.id}/context`);
    expect(again.checklist.map((c) => c.key)).toEqual(['dob']);

    const canned = await get<{ data: { purpose: string; text: string; segments: number | null }[] }>(`/api/v1/conversations/${first.conversation.id}/canned-answers`);
    const hours = canned.data.find((c) => c.purpose === 'hours');
    expect(hours?.text).toContain(`Practice ${p.slug} is open Mon 8:00`);
    expect(canned.data.find((c) => c.purpose === 'appointment_reschedule_queue')?.text).toContain('Rosa');
    expect(hours?.text).not.toMatch(/\{\{|\}\}/);
    expect(hours?.segments).toBeGreaterThan(0);
    // the portal version names the medication, which this conversation does not: not offered there
    expect(canned.data.some((c) => c.purpose === 'refill_approved')).toBe(true);
    const portal = await get<{ data: { purpose: string }[] }>(`/api/v1/conversations/${first.conversation.id}/canned-answers?channel=portal`);
    expect(portal.data.some((c) => c.purpose === 'refill_approved')).toBe(false);
    expect(portal.data.some((c) => c.purpose === 'hours')).toBe(true);
    // once the patient's message names the medication and pharmacy, those answers are offered, filled
    await db
      .update(messages)
      .set({ triage: { intent: 'refill_request', urgency: 'routine', confidence: 0.9, language: 'en', entities: { medications: ['lisinopril'], medicationDetails: [{ name: 'lisinopril', strength: '10 mg' }], pharmacy: 'CVS on Main St' }, redFlags: [], needsHuman: false } })
      .where(eq(messages.id, first.message.id));
    const named = await get<{ data: { purpose: string; text: string }[] }>(`/api/v1/conversations/${first.conversation.id}/canned-answers?channel=portal`);
    expect(named.data.find((c) => c.purpose === 'refill_approved')?.text).toContain('lisinopril 10 mg was approved and sent to CVS on Main St');
    const es = await get<{ data: { language: string }[] }>(`/api/v1/conversations/${first.conversation.id}/canned-answers?language=es`);
    expect(es.data.every((c) => c.language === 'es')).toBe(true);
  });

  it('says "not found" for another practice’s conversation, on every route beside it', async () => {
    const elsewhere = await makeConversation(h.runtime.deps.db, other.id, { queue: 'general' });
    for (const path of ['context', 'canned-answers']) {
      const res = await h.request('GET', `/api/v1/conversations/${elsewhere.conversation.id}/${path}`, { token });
      expect(res.status).toBe(404);
    }
    const tick = await h.request('PUT', `/api/v1/conversations/${elsewhere.conversation.id}/checklist/dob`, { token, body: { checked: true } });
    expect(tick.status).toBe(404);
  });
});

describe('live updates', () => {
  it('streams a change when an SMS arrives and is routed, and when a person acts, only to those who may see the practice', async () => {
    const mine = await h.request('GET', '/api/v1/events', { token });
    const theirs = await h.request('GET', '/api/v1/events', { token: await tokenFor(h.runtime.deps.db, 'manager', other.id) });
    expect(mine.headers.get('content-type')).toContain('text/event-stream');
    const mineEvents = reader(mine);
    const theirEvents = reader(theirs);
    await mineEvents.next('ready');
    await theirEvents.next('ready');

    const res = await postTwilio(h, '/webhooks/twilio/sms', inboundSms('+14155550199', p.phoneNumbers[0]!, 'can I get a refill of my inhaler'));
    expect(res.status).toBe(200);
    await h.drain();
    const change = await mineEvents.next('conversation');
    const [conv] = await h.runtime.deps.db.select().from(conversations).where(eq(conversations.id, change.conversationId));
    expect(conv?.practiceId).toBe(p.id);

    const resolve = await h.request('POST', `/api/v1/conversations/${conv!.id}/resolve`, { token });
    expect(resolve.status).toBe(200);
    expect((await mineEvents.next('conversation')).conversationId).toBe(conv!.id);
    mineEvents.close();
    // the other practice's manager heard nothing of those: their first event is their own practice's
    const elsewhere = await makeConversation(h.runtime.deps.db, other.id, { queue: 'general' });
    expect((await h.request('POST', `/api/v1/conversations/${elsewhere.conversation.id}/resolve`)).status).toBe(200);
    expect(await theirEvents.next('conversation')).toEqual({ conversationId: elsewhere.conversation.id, practiceId: other.id });
    theirEvents.close();
  });
});

function reader(res: Response) {
  const body = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const received: { event: string; data: { conversationId: string; practiceId: string } }[] = [];
  let cursor = 0;
  const pump = async () => {
    const { value, done } = await body.read();
    if (done) throw new Error('stream ended');
    buffer += decoder.decode(value, { stream: true });
    let i: number;
    while ((i = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, i);
      buffer = buffer.slice(i + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event) received.push({ event, data: data ? JSON.parse(data) : null });
    }
  };
  return {
    received,
    async next(event: string) {
      for (;;) {
        const found = received.findIndex((e, i) => i >= cursor && e.event === event);
        if (found >= 0) {
          cursor = found + 1;
          return received[found]!.data;
        }
        await pump();
      }
    },
    close() {
      void body.cancel();
    },
  };
}
