import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { contactPoints, conversations, messages, outbox, queues, users } from '../../src/platform/db/schema';
import { pickAssistant } from '../../src/inbox/assignment';
import { ingestInbound } from '../../src/intake/ingest';
import { startHarness, type Harness } from '../helpers/harness';
import { makeConversation, makePractice, tokenFor, userWithPassword } from '../helpers/fixtures';
import { signIn } from '../helpers/session';
import type { PracticeView } from '../../src/practices/practices';

let h: Harness;
let p: PracticeView;
let token: string;
beforeAll(async () => {
  h = await startHarness();
  p = await makePractice(h.runtime.deps.db);
  token = await tokenFor(h.runtime.deps.db, 'manager', p.id);
});
afterAll(() => h.close());

const minuteAgo = () => new Date(h.clock.now().getTime() - 60_000);
const post = (path: string, body: unknown, t = token) => h.request('POST', path, { token: t, body });

describe('replies and notes', () => {
  it('sends a reply through the send job (simulated here) and keeps a note internal', async () => {
    const db = h.runtime.deps.db;
    const { conversation, message } = await makeConversation(db, p.id, { queue: 'general', at: minuteAgo() });
    const note = await post(`/api/v1/conversations/${conversation.id}/messages`, { kind: 'note', body: 'called pharmacy, waiting' });
    expect(note.status).toBe(201);
    const noteId = ((await note.json()) as { messageId: string }).messageId;
    (h.clock as import('../../src/platform/clock').FakeClock).advance(1000);
    const reply = await post(`/api/v1/conversations/${conversation.id}/messages`, { body: 'We sent it to your pharmacy.', seenMessageId: message.id });
    expect(reply.status).toBe(201);
    const replyId = ((await reply.json()) as { messageId: string }).messageId;
    await h.drain();
    const [sent] = await db.select().from(messages).where(eq(messages.id, replyId));
    expect(sent).toMatchObject({ direction: 'outbound', kind: 'message', status: 'simulated', authorType: 'user' });
    expect(sent!.providerId).toMatch(/^SIM/);
    expect(await db.select().from(outbox).where(eq(outbox.dedupeKey, `send:${noteId}`))).toHaveLength(0);
    const [c] = await db.select().from(conversations).where(eq(conversations.id, conversation.id));
    expect(c!.status).toBe('pending');
    expect(c!.firstResponseAt).not.toBeNull();
    const detail = (await (await h.request('GET', `/api/v1/conversations/${conversation.id}`, { token })).json()) as { messages: { kind: string; body: string }[] };
    expect(detail.messages.map((m) => m.kind)).toEqual(['message', 'note', 'message']);
  });

  it('makes the second of two simultaneous replies confirm first', async () => {
    const db = h.runtime.deps.db;
    const { conversation, message } = await makeConversation(db, p.id, { queue: 'general', at: minuteAgo() });
    const first = await post(`/api/v1/conversations/${conversation.id}/messages`, { body: 'First answer', seenMessageId: message.id });
    expect(first.status).toBe(201);
    const other = await tokenFor(db, 'manager', p.id);
    (h.clock as import('../../src/platform/clock').FakeClock).advance(1000);
    const second = await post(`/api/v1/conversations/${conversation.id}/messages`, { body: 'Second answer', seenMessageId: message.id }, other);
    expect(second.status).toBe(409);
    const err = (await second.json()) as { error: { code: string; message: string } };
    expect(err.error.code).toBe('conflict');
    expect(err.error.message).toContain('another reply went out');
    const confirmed = await post(`/api/v1/conversations/${conversation.id}/messages`, { body: 'Second answer', seenMessageId: message.id, confirm: true }, other);
    expect(confirmed.status).toBe(201);
  });

  it('refuses a text to a patient who opted out, with the reason, and stores nothing', async () => {
    const db = h.runtime.deps.db;
    const { conversation, message } = await makeConversation(db, p.id, { queue: 'general' });
    await db.update(contactPoints).set({ smsConsent: 'revoked' }).where(eq(contactPoints.id, message.contactPointId!));
    const before = await db.select().from(messages).where(eq(messages.conversationId, conversation.id));
    const res = await post(`/api/v1/conversations/${conversation.id}/messages`, { body: 'hello?' });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('opted out');
    expect(await db.select().from(messages).where(eq(messages.conversationId, conversation.id))).toHaveLength(before.length);
  });
});

describe('assign, snooze, resolve, and a new message reopens', () => {
  it('moves a conversation through its life', async () => {
    const db = h.runtime.deps.db;
    const { conversation } = await makeConversation(db, p.id, { queue: 'general', phone: '+14155557001' });
    const assistant = await userWithPassword(db, 'assistant', [p.id], ['general', 'refills']);
    let res = await post(`/api/v1/conversations/${conversation.id}/assign`, { assigneeId: assistant.id, queue: 'refills' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ assigneeId: assistant.id });
    const until = new Date(h.clock.now().getTime() + 86_400_000).toISOString();
    res = await post(`/api/v1/conversations/${conversation.id}/snooze`, { until });
    expect(await res.json()).toMatchObject({ status: 'snoozed', snoozedUntil: until });
    expect((await post(`/api/v1/conversations/${conversation.id}/snooze`, { until: '2001-01-01T00:00:00Z' })).status).toBe(400);
    // the patient writes again: it is open again
    await ingestInbound(db, { channel: 'sms', providerId: 'SM-reopen-1', to: p.phoneNumbers[0]!, from: { kind: 'phone', value: '+14155557001' }, body: 'any news?', attachments: [], receivedAt: h.clock.now() }, { practiceId: p.id, receivedAt: h.clock.now() });
    const [c] = await db.select().from(conversations).where(eq(conversations.id, conversation.id));
    expect(c).toMatchObject({ status: 'open', snoozedUntil: null });
    res = await post(`/api/v1/conversations/${conversation.id}/resolve`, {});
    expect(await res.json()).toMatchObject({ status: 'resolved' });
    expect((await post(`/api/v1/conversations/${conversation.id}/assign`, { queue: 'nope' })).status).toBe(400);
  });

  it('lets an assistant hand a conversation to a colleague granted its queue, and to no one else', async () => {
    const db = h.runtime.deps.db;
    const { conversation } = await makeConversation(db, p.id, { queue: 'refills' });
    const alex = await userWithPassword(db, 'assistant', [p.id], ['refills', 'general']);
    const sam = await userWithPassword(db, 'assistant', [p.id], ['refills']);
    const jo = await userWithPassword(db, 'assistant', [p.id], ['general']);
    const morgan = await userWithPassword(db, 'manager', [p.id]);
    const { write } = await signIn(h, alex);
    const assign = (body: unknown) => h.app.request(`/api/v1/conversations/${conversation.id}/assign`, { method: 'POST', headers: { ...write, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await assign({ assigneeId: alex.id })).status).toBe(200);
    // Jo is not granted refills: handing it to her would show her a patient she may not see
    const refused = await assign({ assigneeId: jo.id });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain('granted its queue');
    expect((await assign({ assigneeId: sam.id })).status).toBe(200);
    const [c] = await db.select().from(conversations).where(eq(conversations.id, conversation.id));
    expect(c!.assigneeId).toBe(sam.id);
    // moved to a queue she is granted, in the same step, it may go to Jo; a manager may always take it
    const { conversation: other } = await makeConversation(db, p.id, { queue: 'refills' });
    await db.update(conversations).set({ assigneeId: alex.id }).where(eq(conversations.id, other.id));
    const move = await h.app.request(`/api/v1/conversations/${other.id}/assign`, { method: 'POST', headers: { ...write, 'content-type': 'application/json' }, body: JSON.stringify({ assigneeId: jo.id, queue: 'general' }) });
    expect(move.status).toBe(200);
    expect((await assign({ assigneeId: morgan.id })).status).toBe(200);
  });

  it('filters the inbox by status, queue, assignee, intent, urgency, channel and text', async () => {
    const db = h.runtime.deps.db;
    const { conversation } = await makeConversation(db, p.id, { queue: 'billing', body: 'Question about invoice 4471' });
    await db.update(conversations).set({ intent: 'billing', urgency: 'routine' }).where(eq(conversations.id, conversation.id));
    const get = async (q: string) =>
      ((await (await h.request('GET', `/api/v1/conversations?practiceId=${p.id}&${q}`, { token })).json()) as { data: { id: string }[] }).data.map((c) => c.id);
    expect(await get('q=invoice%204471')).toEqual([conversation.id]);
    expect(await get('queue=billing&intent=billing&urgency=routine&channel=sms&status=open')).toContain(conversation.id);
    expect(await get('queue=refills')).not.toContain(conversation.id);
    expect(await get('assignee=none')).toContain(conversation.id);
    expect(await get('q=100%25_off')).toEqual([]);
  });
});

describe('assignment', () => {
  it('picks an available assistant with the queue and skills and the fewest open, within capacity', async () => {
    const db = h.runtime.deps.db;
    const practice = await makePractice(db);
    const [refills] = await db.select().from(queues).where(and(eq(queues.practiceId, practice.id), eq(queues.key, 'refills')));
    const a = await userWithPassword(db, 'assistant', [practice.id], ['refills']);
    const b = await userWithPassword(db, 'assistant', [practice.id], ['refills']);
    const c = await userWithPassword(db, 'assistant', [practice.id], ['billing']);
    expect(await pickAssistant(db, { practiceId: practice.id, queueId: refills!.id })).toBeNull(); // everyone offline
    await db.update(users).set({ presence: 'available', capacity: 2 }).where(eq(users.id, a.id));
    await db.update(users).set({ presence: 'available', capacity: 2, skills: { languages: ['en', 'es'], tasks: [] } }).where(eq(users.id, b.id));
    await db.update(users).set({ presence: 'available' }).where(eq(users.id, c.id));
    const one = await makeConversation(db, practice.id, { queue: 'refills' });
    await db.update(conversations).set({ assigneeId: a.id }).where(eq(conversations.id, one.conversation.id));
    expect(await pickAssistant(db, { practiceId: practice.id, queueId: refills!.id })).toBe(b.id); // fewest open
    expect(await pickAssistant(db, { practiceId: practice.id, queueId: refills!.id, language: 'es' })).toBe(b.id); // skill
    for (let i = 0; i < 2; i++) {
      const x = await makeConversation(db, practice.id, { queue: 'refills' });
      await db.update(conversations).set({ assigneeId: b.id }).where(eq(conversations.id, x.conversation.id));
    }
    expect(await pickAssistant(db, { practiceId: practice.id, queueId: refills!.id, language: 'es' })).toBeNull(); // b is full
    expect(await pickAssistant(db, { practiceId: practice.id, queueId: refills!.id })).toBe(a.id);
    await db.update(users).set({ presence: 'away' }).where(eq(users.id, a.id));
    expect(await pickAssistant(db, { practiceId: practice.id, queueId: refills!.id })).toBeNull(); // away takes no new work
  });
});
