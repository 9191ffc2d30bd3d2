import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { auditEvents, messages } from '../../src/platform/db/schema';
import { startHarness, type Harness } from '../helpers/harness';
import { makeConversation, makePractice, tokenFor, userWithPassword } from '../helpers/fixtures';
import { signIn } from '../helpers/session';
import type { PracticeView } from '../../src/practices/practices';

let h: Harness;
let p: PracticeView;
let manager: string;
const people: { id: string; email: string; password: string }[] = [];
const replies: Record<string, string[]> = {};
beforeAll(async () => {
  h = await startHarness();
  p = await makePractice(h.runtime.deps.db);
  manager = await tokenFor(h.runtime.deps.db, 'manager', p.id);
  const at = new Date(h.clock.now().getTime() - 3600_000);
  for (const role of ['assistant', 'assistant'] as const) {
    const u = await userWithPassword(h.runtime.deps.db, role, [p.id]);
    people.push(u);
    replies[u.id] = [];
    for (let i = 0; i < 6; i++) {
      const { conversation } = await makeConversation(h.runtime.deps.db, p.id, { body: `question ${i}`, at: new Date(at.getTime() - 60_000) });
      const [m] = await h.runtime.deps.db
        .insert(messages)
        .values({ practiceId: p.id, conversationId: conversation.id, direction: 'outbound', channel: 'sms', body: `answer ${i} by ${u.email}`, status: 'sent', authorType: 'user', authorUserId: u.id, purpose: 'reply', createdAt: at })
        .returning();
      replies[u.id]!.push(m!.id);
    }
  }
  // automation's replies are not anyone's to coach
  const { conversation } = await makeConversation(h.runtime.deps.db, p.id);
  await h.runtime.deps.db.insert(messages).values({ practiceId: p.id, conversationId: conversation.id, direction: 'outbound', channel: 'sms', body: 'We are open 8 to 5', status: 'sent', authorType: 'automation', purpose: 'auto_reply', createdAt: at });
});
afterAll(() => h.close());

type Sample = { data: { messageId: string; assistant: { id: string }; body: string; patientMessage: string | null; review: unknown }[]; seed: string };
const sample = async (query: string, token = manager) => {
  const res = await h.request('GET', `/api/v1/qa/samples?practiceId=${p.id}${query}`, { token });
  expect(res.status).toBe(200);
  return (await res.json()) as Sample;
};

describe('QA of staff replies', () => {
  it('a manager samples each assistant\'s replies (the same sample for the same seed), with the patient message each answered', async () => {
    const first = await sample('&size=2&seed=week-1');
    const again = await sample('&size=2&seed=week-1');
    expect(first.data.map((d) => d.messageId)).toEqual(again.data.map((d) => d.messageId));
    for (const u of people) {
      const mine = first.data.filter((d) => d.assistant.id === u.id);
      expect(mine).toHaveLength(2);
      expect(mine.every((d) => replies[u.id]!.includes(d.messageId))).toBe(true);
    }
    expect(first.data.every((d) => /^question \d$/.test(d.patientMessage ?? ''))).toBe(true);
    expect(first.data.some((d) => d.body === 'We are open 8 to 5')).toBe(false);
    const one = await sample(`&assistantId=${people[0]!.id}&size=50`);
    expect(one.data).toHaveLength(6);
    expect((await h.request('GET', `/api/v1/qa/samples?practiceId=${p.id}`, { token: await tokenFor(h.runtime.deps.db, 'assistant', p.id) })).status).toBe(403);
  });

  it('marks a reply good or needing coaching (a note is required then), once per reply, never one\'s own; reviewed replies leave the sample; audited', async () => {
    const [a, b] = people;
    const good = await h.request('POST', '/api/v1/qa/reviews', { token: manager, body: { messageId: replies[a!.id]![0], verdict: 'good' } });
    expect(good.status).toBe(200);
    expect((await h.request('POST', '/api/v1/qa/reviews', { token: manager, body: { messageId: replies[a!.id]![1], verdict: 'needs_coaching' } })).status).toBe(400);
    const coach = await h.request('POST', '/api/v1/qa/reviews', { token: manager, body: { messageId: replies[a!.id]![1], verdict: 'needs_coaching', note: 'Confirm the pharmacy before promising a time' } });
    expect(await coach.json()).toMatchObject({ verdict: 'needs_coaching', note: 'Confirm the pharmacy before promising a time' });
    // changing one's mind replaces the mark
    await h.request('POST', '/api/v1/qa/reviews', { token: manager, body: { messageId: replies[b!.id]![0], verdict: 'needs_coaching', note: 'too curt' } });
    await h.request('POST', '/api/v1/qa/reviews', { token: manager, body: { messageId: replies[b!.id]![0], verdict: 'good' } });
    const auto = (await h.runtime.deps.db.select().from(messages).where(eq(messages.authorType, 'automation')))[0]!;
    expect((await h.request('POST', '/api/v1/qa/reviews', { token: manager, body: { messageId: auto.id, verdict: 'good' } })).status).toBe(400);
    const self = await signIn(h, a!);
    expect((await h.request('POST', '/api/v1/qa/reviews', { token: null, headers: self.write, body: { messageId: replies[a!.id]![2], verdict: 'good' } })).status).toBe(403);
    const left = await sample(`&assistantId=${a!.id}&size=50`);
    expect(left.data).toHaveLength(4);
    const reviews = await h.runtime.deps.db.select().from(auditEvents).where(eq(auditEvents.action, 'qa.review'));
    expect(reviews).toHaveLength(4);
  });

  it('the figures show, per assistant, the share of replies reviewed and how they were marked', async () => {
    const res = await h.request('GET', `/api/v1/metrics/qa?practiceId=${p.id}`, { token: manager });
    expect(res.status).toBe(200);
    const figures = (await res.json()) as { assistants: { id: string; replies: number; reviewed: number; good: number; needsCoaching: number; reviewedShare: number; goodShare: number; needsCoachingShare: number }[]; total: { replies: number; reviewed: number; reviewedShare: number } };
    const [a, b] = people;
    expect(figures.assistants.find((x) => x.id === a!.id)).toMatchObject({ replies: 6, reviewed: 2, good: 1, needsCoaching: 1, reviewedShare: 0.333, goodShare: 0.5, needsCoachingShare: 0.5 });
    expect(figures.assistants.find((x) => x.id === b!.id)).toMatchObject({ replies: 6, reviewed: 1, good: 1, needsCoaching: 0, reviewedShare: 0.167, goodShare: 1 });
    expect(figures.total).toMatchObject({ replies: 12, reviewed: 3, reviewedShare: 0.25 });
    const empty = await h.request('GET', `/api/v1/metrics/qa?practiceId=${p.id}&from=2020-01-01T00:00:00Z&to=2020-02-01T00:00:00Z`, { token: manager });
    expect(await empty.json()).toMatchObject({ assistants: [], total: { replies: 0, reviewedShare: null } });
  });
});
