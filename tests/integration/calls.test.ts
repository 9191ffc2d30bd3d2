import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { setupServer } from 'msw/node';
import { and, eq } from 'drizzle-orm';
import { auditEvents, calls, conversations, messageAttachments, messages } from '../../src/platform/db/schema';
import { startHarness, type Harness } from '../helpers/harness';
import { makePractice, tokenFor, userWithPassword } from '../helpers/fixtures';
import { fakeSid, inboundSms, postTwilio } from '../helpers/twilio';
import { signIn } from '../helpers/session';
import { createTwilioApiMock, SAMPLE_MP3, TWILIO_API } from '../msw/twilio';
import type { PracticeView } from '../../src/practices/practices';

const ACCOUNT = 'AC0123456789abcdef0123456789abcdef';
const twilioApi = createTwilioApiMock();
const server = setupServer(...twilioApi.handlers);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  twilioApi.requests.length = 0;
});
afterAll(() => server.close());

let seq = 8100;
const nextPhone = () => `+1415555${++seq}`;

async function patientTexts(h: Harness, p: PracticeView, from = nextPhone()) {
  const sid = fakeSid('SM');
  await postTwilio(h, '/webhooks/twilio/sms', inboundSms(from, p.phoneNumbers[0]!, 'please call me about my results', { MessageSid: sid }));
  await h.drain();
  const [m] = await h.runtime.deps.db.select().from(messages).where(eq(messages.providerId, sid));
  return { conversationId: m!.conversationId, patientPhone: from };
}

describe('calling a patient back from the inbox (live)', () => {
  let h: Harness;
  let p: PracticeView;
  let session: Awaited<ReturnType<typeof signIn>>;
  beforeAll(async () => {
    h = await startHarness({ env: { TWILIO_ACCOUNT_SID: ACCOUNT, TWILIO_AUTH_TOKEN: 'calls-test-token', SEND_MODE: 'live', SMS_RATE_PER_SECOND: '1000' } });
    p = await makePractice(h.runtime.deps.db);
    const manager = await userWithPassword(h.runtime.deps.db, 'manager', [p.id]);
    session = await signIn(h, manager);
  });
  afterAll(() => h.close());
  const db = () => h.runtime.deps.db;
  const place = (conversationId: string, body?: unknown) =>
    h.request('POST', `/api/v1/conversations/${conversationId}/call`, { token: null, headers: session.write, ...(body === undefined ? {} : { body }) });
  const event = async (callId: string) => (await db().select().from(messages).where(and(eq(messages.kind, 'event')))).find((m) => m.meta.callId === callId)!;
  const callRow = async (id: string) => (await db().select().from(calls).where(eq(calls.id, id)))[0]!;

  it('needs a phone to ring first: the profile\'s, or one given', async () => {
    const { conversationId } = await patientTexts(h, p);
    const none = await place(conversationId);
    expect(none.status).toBe(422);
    expect(((await none.json()) as { error: { message: string } }).error.message).toMatch(/profile/);
    expect((await place(conversationId, { staffPhone: 'call me maybe' })).status).toBe(400);
    const profile = await h.request('PATCH', '/api/v1/profile', { token: null, headers: session.write, body: { phone: '(415) 555-0100' } });
    expect(await profile.json()).toMatchObject({ phone: '+14155550100' });
    expect((await h.request('PATCH', '/api/v1/profile', { body: { phone: '+14155550100' } })).status).toBe(403); // a token without a person
  });

  it('rings the staff phone from the practice number, bridges to the patient on 1, and the outcome and duration join the conversation', async () => {
    const { conversationId, patientPhone } = await patientTexts(h, p);
    const res = await place(conversationId);
    expect(res.status).toBe(201);
    const placed = (await res.json()) as { callId: string; status: string; staffPhone: string; callerId: string; recording: boolean };
    expect(placed).toMatchObject({ status: 'queued', staffPhone: '+14155550100', callerId: p.phoneNumbers[0], recording: false });
    const create = twilioApi.calls[0]!;
    expect(create.form).toMatchObject({ To: '+14155550100', From: p.phoneNumbers[0], StatusCallback: `https://switchboard.example.test/webhooks/twilio/voice/bridge/status?callId=${placed.callId}` });
    expect(create.form.Twiml).toContain(`action="https://switchboard.example.test/webhooks/twilio/voice/bridge/connect?callId=${placed.callId}"`);
    expect(create.form.Twiml).not.toContain(patientPhone); // the patient's number only once the staff member pressed 1
    expect((await callRow(placed.callId)).callSid).toMatch(/^CA/);
    expect((await event(placed.callId)).body).toMatch(/ringing the staff phone/);

    const connect = await postTwilio(h, `/webhooks/twilio/voice/bridge/connect?callId=${placed.callId}`, { CallSid: 'CA1', Digits: '1', AccountSid: ACCOUNT });
    const xml = await connect.text();
    expect(xml).toContain(`callerId="${p.phoneNumbers[0]}"`);
    expect(xml).toContain(`<Number>${patientPhone}</Number>`);
    expect(xml).not.toContain('record=');

    const done = () => postTwilio(h, `/webhooks/twilio/voice/bridge/done?callId=${placed.callId}`, { CallSid: 'CA1', DialCallStatus: 'completed', DialCallDuration: '192', AccountSid: ACCOUNT });
    expect((await done()).status).toBe(200);
    await done(); // Twilio retries: nothing twice
    expect(await callRow(placed.callId)).toMatchObject({ outcome: 'answered', durationSeconds: 192, direction: 'outbound' });
    const ev = await event(placed.callId);
    expect(ev).toMatchObject({ status: 'delivered', body: expect.stringMatching(/the patient answered, 3:12$/) });
    expect(ev.meta).toMatchObject({ kind: 'call', callOutcome: 'answered', durationSeconds: 192 });
    const [conv] = await db().select().from(conversations).where(eq(conversations.id, conversationId));
    expect(conv!.firstResponseAt).not.toBeNull();
    const ended = await db().select().from(auditEvents).where(and(eq(auditEvents.action, 'call.ended'), eq(auditEvents.subjectId, placed.callId)));
    expect(ended).toHaveLength(1);
    const detail = (await (await h.request('GET', `/api/v1/conversations/${conversationId}`)).json()) as { messages: { kind: string; body: string }[] };
    expect(detail.messages.some((m) => m.kind === 'event' && /answered, 3:12/.test(m.body))).toBe(true);
  });

  it('records when the practice turned it on: the patient hears a notice, the recording joins the call and plays from our origin', async () => {
    await h.request('PUT', `/api/v1/practices/${p.id}/media-settings`, { body: { recordCalls: true } });
    const { conversationId } = await patientTexts(h, p);
    const placed = (await (await place(conversationId)).json()) as { callId: string; recording: boolean };
    expect(placed.recording).toBe(true);
    const xml = await (await postTwilio(h, `/webhooks/twilio/voice/bridge/connect?callId=${placed.callId}`, { CallSid: 'CA2', Digits: '1' })).text();
    expect(xml).toContain('record="record-from-answer-dual"');
    expect(xml).toContain(`recordingStatusCallback="https://switchboard.example.test/webhooks/twilio/voice/bridge/recording?callId=${placed.callId}"`);
    expect(xml).toContain(`url="https://switchboard.example.test/webhooks/twilio/voice/bridge/notice?callId=${placed.callId}"`);
    const notice = await (await postTwilio(h, `/webhooks/twilio/voice/bridge/notice?callId=${placed.callId}`, { CallSid: 'CA3' })).text();
    expect(notice).toContain('may be recorded');
    const recSid = fakeSid('RE');
    const recording = () =>
      postTwilio(h, `/webhooks/twilio/voice/bridge/recording?callId=${placed.callId}`, {
        CallSid: 'CA2',
        RecordingSid: recSid,
        RecordingUrl: `${TWILIO_API}/Accounts/${ACCOUNT}/Recordings/${recSid}`,
        RecordingStatus: 'completed',
        RecordingDuration: '61',
      });
    expect((await recording()).status).toBe(204);
    await recording();
    await h.drain();
    const ev = await event(placed.callId);
    const files = await db().select().from(messageAttachments).where(eq(messageAttachments.messageId, ev.id));
    expect(files).toHaveLength(1);
    expect(files[0]).toMatchObject({ kind: 'recording', status: 'stored', contentType: 'audio/mpeg', size: SAMPLE_MP3.byteLength });
    const part = await h.request('GET', `/api/v1/attachments/${files[0]!.id}`, { token: null, headers: { ...session.read, range: 'bytes=0-9' } });
    expect(part.status).toBe(206);
    await h.request('PUT', `/api/v1/practices/${p.id}/media-settings`, { body: { recordCalls: false } });
  });

  it('a staff phone that never answers, or a key other than 1, ends it without ringing the patient', async () => {
    const a = (await (await place((await patientTexts(h, p)).conversationId)).json()) as { callId: string };
    await postTwilio(h, `/webhooks/twilio/voice/bridge/status?callId=${a.callId}`, { CallSid: 'CA4', CallStatus: 'no-answer' });
    expect((await callRow(a.callId)).outcome).toBe('staff_no_answer');
    expect((await event(a.callId)).body).toMatch(/staff phone did not take the call/);
    const b = (await (await place((await patientTexts(h, p)).conversationId)).json()) as { callId: string };
    const xml = await (await postTwilio(h, `/webhooks/twilio/voice/bridge/connect?callId=${b.callId}`, { CallSid: 'CA5', Digits: '9' })).text();
    expect(xml).not.toContain('<Dial');
    expect((await callRow(b.callId)).outcome).toBe('canceled');
    // the staff leg's own end afterwards changes nothing
    await postTwilio(h, `/webhooks/twilio/voice/bridge/status?callId=${b.callId}`, { CallSid: 'CA5', CallStatus: 'completed' });
    expect((await callRow(b.callId)).outcome).toBe('canceled');
  });

  it('a number Twilio refuses is a 422 and the call shows as failed; forged callbacks are refused; others cannot call this patient', async () => {
    const { conversationId } = await patientTexts(h, p);
    twilioApi.failNextCall({ status: 400, code: 21211, message: "The 'To' number is not a valid phone number." });
    const refused = await place(conversationId);
    expect(refused.status).toBe(422);
    const [row] = await db().select().from(calls).where(and(eq(calls.conversationId, conversationId), eq(calls.direction, 'outbound')));
    expect(row).toMatchObject({ status: 'failed', outcome: 'failed' });
    const forged = await postTwilio(h, `/webhooks/twilio/voice/bridge/done?callId=${row!.id}`, { DialCallStatus: 'completed' }, { signature: 'forged' });
    expect(forged.status).toBe(403);
    const other = await makePractice(db());
    const outsider = await tokenFor(db(), 'manager', other.id);
    expect((await h.request('POST', `/api/v1/conversations/${conversationId}/call`, { token: outsider, body: { staffPhone: '+14155550100' } })).status).toBe(404);
  });
});

describe('calling in simulate mode', () => {
  it('rings nothing and says so in the conversation', async () => {
    const h = await startHarness();
    try {
      const p = await makePractice(h.runtime.deps.db);
      const { conversationId } = await patientTexts(h, p);
      const res = await h.request('POST', `/api/v1/conversations/${conversationId}/call`, { body: { staffPhone: '415-555-0100' } });
      expect(res.status).toBe(201);
      expect(await res.json()).toMatchObject({ status: 'simulated', staffPhone: '+14155550100' });
      expect(twilioApi.calls).toHaveLength(0);
      const [ev] = await h.runtime.deps.db.select().from(messages).where(and(eq(messages.conversationId, conversationId), eq(messages.kind, 'event')));
      expect(ev).toMatchObject({ status: 'simulated', body: expect.stringMatching(/simulated/) });
    } finally {
      await h.close();
    }
  });
});
