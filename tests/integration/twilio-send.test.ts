import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { setupServer } from 'msw/node';
import { and, asc, eq } from 'drizzle-orm';
import { consentEvents, contactPoints, messages, outbox } from '../../src/platform/db/schema';
import type { FakeClock } from '../../src/platform/clock';
import { queueOutbound } from '../../src/outreach/outbound';
import { recordConsent } from '../../src/outreach/consent';
import { availableQueues, startHarness, type Harness } from '../helpers/harness';
import { makeConversation, makePractice } from '../helpers/fixtures';
import { createTwilioApiMock } from '../msw/twilio';
import type { PracticeView } from '../../src/practices/practices';

const ACCOUNT = 'AC0123456789abcdef0123456789abcdef';
const liveEnv = { TWILIO_ACCOUNT_SID: ACCOUNT, TWILIO_AUTH_TOKEN: 'test-auth-token-0123456789', SEND_MODE: 'live', SMS_RATE_PER_SECOND: '1000' };

const twilioApi = createTwilioApiMock();
const server = setupServer(...twilioApi.handlers);
beforeAll(() => server.listen({ onUnhandledRequest: 'bypass' }));
// SIDs keep counting across tests (a stored SID is unique); only the recorded requests are cleared
afterEach(() => {
  twilioApi.requests.length = 0;
});
afterAll(() => server.close());

let phoneSeq = 3000;
const nextPhone = () => `+1415555${++phoneSeq}`;

describe.each(availableQueues())('outbound SMS through the send job (%s)', (kind) => {
  let h: Harness;
  let p: PracticeView;
  beforeAll(async () => {
    h = await startHarness({ queue: kind, env: liveEnv });
    p = await makePractice(h.runtime.deps.db);
  });
  afterAll(() => h.close());
  const db = () => h.runtime.deps.db;
  const reply = async (body: string, phone = nextPhone(), purpose: 'reply' | 'outreach' = 'reply') => {
    const { conversation, patient } = await makeConversation(db(), p.id, { phone });
    const { messageId } = await queueOutbound(db(), { practiceId: p.id, conversationId: conversation.id, channel: 'sms', body, purpose, authorType: 'user', now: h.clock.now() });
    return { messageId, phone, conversation, patient };
  };
  const stored = async (id: string) => (await db().select().from(messages).where(eq(messages.id, id)))[0]!;

  it('sends an assistant\'s reply to Twilio with exactly To, From, Body and StatusCallback, and stores the SID', async () => {
    const { messageId, phone } = await reply('Your refill was sent to CVS on Main St.');
    await h.drain();
    expect(twilioApi.messages).toHaveLength(1);
    const req = twilioApi.messages[0]!;
    expect(req.accountSid).toBe(ACCOUNT);
    expect(req.form).toEqual({
      To: phone,
      From: p.phoneNumbers[0],
      Body: 'Your refill was sent to CVS on Main St.',
      StatusCallback: 'https://switchboard.example.test/webhooks/twilio/sms/status',
    });
    expect(req.headers['i-twilio-idempotency-token']).toBe(messageId);
    expect(await stored(messageId)).toMatchObject({ providerId: expect.stringMatching(/^SM[0-9a-f]{32}$/), status: 'queued', fromAddress: p.phoneNumbers[0], errorCode: null });
  });

  it('retries 429 and 500 with backoff, then stores the one SID', async () => {
    twilioApi.failNextMessage({ status: 429, code: 20429, message: 'Too Many Requests' });
    twilioApi.failNextMessage({ status: 500 });
    const { messageId } = await reply('We have Tuesday at 10 open.');
    await h.drain();
    expect(twilioApi.messages).toHaveLength(3);
    expect(new Set(twilioApi.messages.map((m) => m.rawBody)).size).toBe(1);
    expect(await stored(messageId)).toMatchObject({ providerId: expect.stringMatching(/^SM[0-9a-f]{32}$/), status: 'queued' });
  });

  it('never sends one message twice, even when its job runs again', async () => {
    const { messageId } = await reply('See you tomorrow.');
    await h.drain();
    const send = h.runtime.modules.find((m) => m.queue === 'send')!;
    await send.exec(h.runtime.jobDeps, { queue: 'send', id: 'again', data: { messageId }, attempt: 1, finalAttempt: false });
    expect(twilioApi.messages).toHaveLength(1);
  });

  it('two runs of one send at the same moment reach Twilio once', async () => {
    const { conversation } = await makeConversation(db(), p.id, { phone: nextPhone() });
    const { messageId } = await queueOutbound(db(), { practiceId: p.id, conversationId: conversation.id, channel: 'sms', body: 'Once only', purpose: 'reply', authorType: 'user', now: h.clock.now() });
    const send = h.runtime.modules.find((m) => m.queue === 'send')!;
    const run = (id: string) => send.exec(h.runtime.jobDeps, { queue: 'send', id, data: { messageId }, attempt: 1, finalAttempt: false });
    const results = await Promise.allSettled([run('a'), run('b')]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(twilioApi.messages).toHaveLength(1);
    expect((await stored(messageId)).providerId).toMatch(/^SM/);
    await h.drain();
    expect(twilioApi.messages).toHaveLength(1);
  });

  it('refuses a send to a revoked contact with the reason, without calling Twilio', async () => {
    const { messageId, conversation } = await reply('Reminder about your visit', nextPhone());
    const [cp] = await db().select().from(contactPoints).where(eq(contactPoints.patientId, conversation.patientId));
    await recordConsent(db(), { practiceId: p.id, contactPointId: cp!.id, purpose: 'sms', state: 'revoked', source: 'sms_keyword', detail: 'STOP' });
    await h.drain();
    expect(twilioApi.messages).toHaveLength(0);
    const m = await stored(messageId);
    expect(m).toMatchObject({ status: 'refused', errorCode: 'consent_revoked', providerId: null });
    expect(m.errorMessage).toMatch(/opted out of texts/);
  });

  it('Twilio 21610 on a send records a revocation and refuses the message', async () => {
    twilioApi.failNextMessage({ status: 400, code: 21610, message: 'Attempt to send to unsubscribed recipient' });
    const { messageId, conversation } = await reply('Hello');
    await h.drain();
    expect(await stored(messageId)).toMatchObject({ status: 'refused', errorCode: '21610' });
    const [cp] = await db().select().from(contactPoints).where(eq(contactPoints.patientId, conversation.patientId));
    expect(cp!.smsConsent).toBe('revoked');
    const [ev] = await db().select().from(consentEvents).where(eq(consentEvents.contactPointId, cp!.id));
    expect(ev).toMatchObject({ state: 'revoked', source: 'twilio_error_21610' });
  });

  it('fails a permanent error (invalid To) at once with the reason', async () => {
    twilioApi.failNextMessage({ status: 400, code: 21211, message: "The 'To' number is not a valid phone number." });
    const { messageId } = await reply('Hello');
    await h.drain();
    expect(twilioApi.messages).toHaveLength(1);
    expect(await stored(messageId)).toMatchObject({ status: 'failed', errorCode: '21211' });
  });
});

describe('outreach timing and the automated-text cap', () => {
  let h: Harness;
  let p: PracticeView;
  beforeAll(async () => {
    h = await startHarness({ env: liveEnv });
    p = await makePractice(h.runtime.deps.db);
  });
  afterAll(() => h.close());
  const db = () => h.runtime.deps.db;
  const clock = () => h.clock as FakeClock;
  const stored = async (id: string) => (await db().select().from(messages).where(eq(messages.id, id)))[0]!;
  const queue = (conversationId: string, purpose: 'reply' | 'outreach' | 'auto_reply', body = 'hi', extra: { template?: string; authorType?: 'automation' | 'user' } = {}) =>
    queueOutbound(db(), {
      practiceId: p.id,
      conversationId,
      channel: 'sms',
      body,
      purpose,
      authorType: extra.authorType ?? (purpose === 'reply' ? 'user' : 'automation'),
      meta: extra.template ? { template: extra.template } : {},
      now: h.clock.now(),
    });

  it('a person\'s reply and a safety answer go out at 23:00; outreach and routine automatic replies wait for 8:00 in the patient\'s zone', async () => {
    clock().set('2026-01-06T04:00:00Z'); // 23:00 in New York
    const { conversation } = await makeConversation(db(), p.id, { phone: nextPhone() });
    const r = await queue(conversation.id, 'auto_reply', 'A nurse will call you today.', { template: 'urgent_ack' });
    const o = await queue(conversation.id, 'outreach', 'Reminder: visit tomorrow at 10.');
    const person = await queue(conversation.id, 'reply', 'We got your message.', { authorType: 'user' });
    const hours = await queue(conversation.id, 'auto_reply', 'We open at 8.', { template: 'hours' });
    await h.drain();
    expect((await stored(r.messageId)).status).toBe('queued');
    expect((await stored(person.messageId)).status).toBe('queued');
    expect((await stored(o.messageId)).status).toBe('pending');
    expect((await stored(hours.messageId)).status).toBe('pending');
    const [row] = await db().select().from(outbox).where(eq(outbox.dedupeKey, `send:${o.messageId}`));
    expect(row!.runAt.toISOString()).toBe('2026-01-06T13:00:00.000Z');
    clock().set('2026-01-06T13:00:00Z');
    await h.drain();
    expect((await stored(o.messageId)).status).toBe('queued');
    expect((await stored(hours.messageId)).status).toBe('queued');
    expect(twilioApi.messages.map((m) => m.form.Body).sort()).toEqual(['A nurse will call you today.', 'Reminder: visit tomorrow at 10.', 'We got your message.', 'We open at 8.']);
  });

  it('holds automated texts to 1 a day and 3 a week per patient, recording the reason; replies are not counted', async () => {
    clock().set('2026-02-02T15:00:00Z'); // Monday 10:00 New York
    const { conversation } = await makeConversation(db(), p.id, { phone: nextPhone() });
    const sent: string[] = [];
    for (let day = 0; day < 4; day++) {
      const a = await queue(conversation.id, 'outreach', `outreach day ${day}`);
      const b = await queue(conversation.id, 'outreach', `outreach day ${day}`);
      const reply = await queue(conversation.id, 'reply', `reply day ${day}`);
      await h.drain();
      expect((await stored(reply.messageId)).status).toBe('queued');
      // the two jobs race; whichever goes first takes the day's one slot
      const pair = [await stored(a.messageId), await stored(b.messageId)];
      const outcome = pair.map((m) => `${m.status}:${m.errorCode ?? ''}`).sort();
      if (day < 3) {
        expect(outcome).toEqual(['queued:', 'refused:daily_cap']);
        sent.push(pair.find((m) => m.status === 'queued')!.body);
      } else {
        expect(outcome).toEqual(['refused:weekly_cap', 'refused:weekly_cap']);
        expect(pair[0]!.errorMessage).toMatch(/3 automated calls or texts/);
      }
      clock().advance(86_400_000);
    }
    expect(sent).toEqual(['outreach day 0', 'outreach day 1', 'outreach day 2']);
    // a week after the first, there is room again
    clock().set('2026-02-09T15:30:00Z');
    const again = await queue(conversation.id, 'outreach', 'next week');
    await h.drain();
    expect((await stored(again.messageId)).status).toBe('queued');
    const all = await db().select().from(messages).where(eq(messages.conversationId, conversation.id)).orderBy(asc(messages.createdAt));
    expect(all.filter((m) => m.status === 'queued' && m.purpose === 'outreach')).toHaveLength(4);
  });
});

describe.each(availableQueues())('pacing per sending number (%s)', (kind) => {
  let h: Harness;
  afterAll(() => h?.close());

  it('holds a number to SMS_RATE_PER_SECOND while another number sends at once, without a worker asleep on its turn', async () => {
    h = await startHarness({ queue: kind, env: { ...liveEnv, SMS_RATE_PER_SECOND: '2' } });
    const db = h.runtime.deps.db;
    const clock = h.clock as FakeClock;
    const a = await makePractice(db);
    const b = await makePractice(db);
    const sentAt = new Map<string, number[]>();
    const onRequest = ({ request }: { request: Request }) => {
      if (!request.url.endsWith('/Messages.json')) return;
      const at = clock.now().getTime();
      void request.clone().text().then((raw) => {
        const from = new URLSearchParams(raw).get('From')!;
        sentAt.set(from, [...(sentAt.get(from) ?? []), at]);
      });
    };
    server.events.on('request:start', onRequest);
    try {
      const ids: string[] = [];
      for (const practice of [a, a, a, b]) {
        const { conversation } = await makeConversation(db, practice.id, { phone: nextPhone() });
        const queued = await queueOutbound(db, { practiceId: practice.id, conversationId: conversation.id, channel: 'sms', body: 'hi', purpose: 'reply', authorType: 'user', now: h.clock.now() });
        ids.push(queued.messageId);
      }
      // the clock stands still: what may go now goes, the rest waits in the outbox (drain returns, no job is running)
      await h.drain();
      expect(sentAt.get(a.phoneNumbers[0]!)).toHaveLength(2);
      expect(sentAt.get(b.phoneNumbers[0]!)).toHaveLength(1);
      const waiting = await db.select().from(outbox).where(and(eq(outbox.queue, 'send'), eq(outbox.status, 'pending')));
      expect(waiting).toHaveLength(1);
      expect(waiting[0]!.runAt.getTime()).toBeGreaterThan(clock.now().getTime());
      expect(waiting[0]!.lastError).toMatch(/pace/);
      const deferredId = (waiting[0]!.payload as { messageId: string }).messageId;
      expect(ids.slice(0, 3)).toContain(deferredId);
      // neither claimed nor counted: only waiting for its turn
      expect((await db.select().from(messages).where(eq(messages.id, deferredId)))[0]).toMatchObject({ status: 'pending', providerId: null });

      clock.advance(1000);
      await h.drain();
      const fromA = sentAt.get(a.phoneNumbers[0]!)!;
      expect(fromA).toHaveLength(3);
      // two a second from one number: the third went in the next window
      expect(fromA[2]! - fromA[0]!).toBeGreaterThanOrEqual(1000);
      expect((await db.select().from(messages).where(eq(messages.id, deferredId)))[0]!.providerId).not.toBeNull();
    } finally {
      server.events.removeListener('request:start', onRequest);
    }
  });
});
