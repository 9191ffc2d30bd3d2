// One end-to-end test for each failure listed at the top of issue 11, through the HTTP app
// (signed Twilio webhooks, the REST API) and the job runner (h.drain), as a practice uses it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, asc, desc, eq, inArray } from 'drizzle-orm';
import {
  auditEvents,
  consentEvents,
  contactPoints,
  conversations,
  messages,
  practices,
  queues,
  reminders,
  users,
} from '../../src/platform/db/schema';
import { FakeClock } from '../../src/platform/clock';
import { startHarness, type Harness } from '../helpers/harness';
import { makePractice, tokenFor, userWithPassword } from '../helpers/fixtures';
import { fakeSid, inboundSms, postTwilio } from '../helpers/twilio';
import { makeAppointment, makePatient } from '../helpers/reminder-fixtures';
import type { PracticeView } from '../../src/practices/practices';
import type { TriageEngine } from '../../src/routing/triage-job';

/** Deterministic triage for these tests: chest pain is an emergency, appointments and thanks are routine. */
const engine: TriageEngine = {
  triage: ({ text }) => {
    const t = text.toLowerCase();
    const emergency = /chest pain/.test(t);
    const stop = /stop|baja|no me manden/.test(t);
    const thanks = /^\W*(thanks|thank you)\W*$/.test(t);
    const intent = emergency ? 'clinical_question' : stop ? 'opt_out' : /appointment|reschedule/.test(t) ? 'appointment_reschedule' : thanks ? 'other' : 'general_question';
    return {
      intent,
      urgency: emergency ? 'emergency' : 'routine',
      confidence: 0.95,
      language: /hola|necesito|manden|baja/.test(t) ? 'es' : 'en',
      entities: {},
      redFlags: emergency ? ['chest_pain'] : [],
      needsHuman: emergency,
    };
  },
};

let h: Harness;
let p: PracticeView;
let manager: string;
let assistantToken: string;
const clock = new FakeClock('2026-01-05T14:00:00Z'); // Monday 09:00 in New York: open
const db = () => h.runtime.deps.db;
let phoneSeq = 7100;
const nextPhone = () => `+1415555${++phoneSeq}`;

beforeAll(async () => {
  h = await startHarness({ clock, triage: () => engine, env: { SMS_RATE_PER_SECOND: '1000' } });
  p = await makePractice(db(), 'safety-e2e');
  await db().update(practices).set({ onCallPhone: '+14155559911', mainPhone: p.phoneNumbers[0]! }).where(eq(practices.id, p.id));
  manager = await tokenFor(db(), 'manager', p.id);
  const assistant = await userWithPassword(db(), 'assistant', [p.id], ['general', 'urgent', 'scheduling']);
  assistantToken = await tokenFor(db(), 'assistant', p.id);
  await db().update(users).set({ presence: 'available' }).where(eq(users.id, assistant.id));
});
afterAll(() => h.close());

async function text(from: string, body: string, extra: Record<string, string> = {}, to = p.phoneNumbers[0]!) {
  clock.advance(1000);
  const res = await postTwilio(h, '/webhooks/twilio/sms', inboundSms(from, to, body, extra));
  expect(res.status).toBe(200);
  await h.drain();
  await h.drain();
  return res;
}

async function conversationOf(phone: string) {
  const [row] = await db()
    .select({ c: conversations, queue: queues.key })
    .from(conversations)
    .innerJoin(contactPoints, eq(contactPoints.patientId, conversations.patientId))
    .leftJoin(queues, eq(queues.id, conversations.queueId))
    .where(and(eq(contactPoints.value, phone), eq(conversations.channel, 'sms')))
    .orderBy(desc(conversations.lastMessageAt))
    .limit(1);
  return { ...row!.c, queue: row!.queue };
}

describe('issue 11, end to end', () => {
  it('1. an emergency followed by "thank you" is not closed by the close-thanks rule', async () => {
    const phone = nextPhone();
    await text(phone, 'I have chest pain and my left arm is numb');
    const before = await conversationOf(phone);
    expect(before).toMatchObject({ queue: 'urgent', urgency: 'emergency', status: 'open' });
    const out = await db().select().from(messages).where(and(eq(messages.conversationId, before.id), eq(messages.direction, 'outbound')));
    expect(out.map((m) => m.body).join(' ')).toContain('911');
    await text(phone, 'thank you');
    const after = await conversationOf(phone);
    expect(after).toMatchObject({ id: before.id, status: 'open', queue: 'urgent', urgency: 'emergency', needsHuman: true });
  });

  it('2. a routine follow-up does not move an emergency to scheduling; snooze and resolve without a reply need confirm and a reason, audited', async () => {
    const phone = nextPhone();
    await text(phone, 'crushing chest pain since this morning');
    await text(phone, 'also I need to reschedule my appointment next week');
    const c = await conversationOf(phone);
    expect(c).toMatchObject({ queue: 'urgent', urgency: 'emergency', status: 'open', needsHuman: true });

    const until = new Date(clock.now().getTime() + 24 * 3600_000).toISOString();
    const snooze = await h.request('POST', `/api/v1/conversations/${c.id}/snooze`, { token: assistantToken, body: { until } });
    expect(snooze.status).toBe(409);
    expect(((await snooze.json()) as { error: { code: string } }).error.code).toBe('confirmation_required');
    const resolve = await h.request('POST', `/api/v1/conversations/${c.id}/resolve`, { token: assistantToken });
    expect(resolve.status).toBe(409);
    const body = (await resolve.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('confirmation_required');
    expect(body.error.message).toMatch(/emergency/);
    // confirm alone is not enough: the reason is what the audit keeps
    expect((await h.request('POST', `/api/v1/conversations/${c.id}/resolve`, { token: assistantToken, body: { confirm: true } })).status).toBe(400);
    expect((await conversationOf(phone)).status).toBe('open');
    const done = await h.request('POST', `/api/v1/conversations/${c.id}/resolve`, {
      token: assistantToken,
      body: { confirm: true, reason: 'Called the patient: already at the ER with family' },
    });
    expect(done.status).toBe(200);
    expect((await conversationOf(phone)).status).toBe('resolved');
    const [a] = await db()
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.subjectId, c.id), eq(auditEvents.action, 'conversation.resolved')));
    expect(a!.detail).toMatchObject({ withoutReply: true, reason: 'Called the patient: already at the ER with family' });
  });

  it('3. "please stop texting me", "Stop sending me these messages" and "BAJA" revoke consent in the ledger; no reminder goes to them; staff record an opt-out by phone', async () => {
    clock.set('2026-01-05T14:00:00Z');
    const optOuts = ['please stop texting me', 'Stop sending me these messages', 'BAJA'];
    const people = [];
    for (const words of optOuts) {
      const { patient, phone, phoneContactId } = await makePatient(db(), p.id, { email: null, language: words === 'BAJA' ? 'es' : 'en' });
      const { appointment } = await makeAppointment(db(), { practiceId: p.id, patientId: patient.id, startsAt: '2026-01-09T15:00:00Z', now: clock.now() });
      const res = await text(phone, words);
      people.push({ patient, phone, phoneContactId, appointment, twiml: await res.text() });
    }
    for (const [i, person] of people.entries()) {
      const [cp] = await db().select().from(contactPoints).where(eq(contactPoints.id, person.phoneContactId));
      expect(cp!.smsConsent, optOuts[i]).toBe('revoked');
      const ledger = await db().select().from(consentEvents).where(eq(consentEvents.contactPointId, person.phoneContactId)).orderBy(desc(consentEvents.id));
      expect(ledger[0]).toMatchObject({ purpose: 'sms', state: 'revoked' });
      // the ledger names the message that asked
      const [asked] = await db().select().from(messages).where(eq(messages.id, ledger[0]!.messageId!));
      expect(asked!.body).toBe(optOuts[i]);
    }
    // confirmed once, in the patient's language (Twilio confirms English keywords itself; these are ours)
    expect(people[0]!.twiml).toMatch(/<Message>/);
    expect(people[2]!.twiml).toMatch(/<Message>.*Ya no le enviaremos/s);
    // a second opt-out gets no second confirmation
    const again = await text(people[0]!.phone, 'please stop texting me');
    expect(await again.text()).not.toMatch(/<Message>/);

    // the 2-day reminders come due: none is texted
    clock.set('2026-01-07T16:00:00Z');
    await h.drain();
    await h.drain();
    for (const person of people) {
      const rs = await db().select().from(reminders).where(eq(reminders.appointmentId, person.appointment.id));
      for (const r of rs.filter((x) => x.channel === 'sms')) expect(r.status, `${r.id}`).toMatch(/skipped|cancelled|planned/);
      const sent = await db()
        .select()
        .from(messages)
        .innerJoin(conversations, eq(conversations.id, messages.conversationId))
        .where(and(eq(conversations.patientId, person.patient.id), eq(messages.direction, 'outbound'), eq(messages.purpose, 'outreach'), inArray(messages.status, ['sent', 'simulated', 'delivered', 'queued'])));
      expect(sent).toHaveLength(0);
    }

    // a patient asks on the phone not to be texted: staff record it, audited, and the conversation shows it
    clock.set('2026-01-05T15:00:00Z');
    const phone = nextPhone();
    await text(phone, 'what are your hours on friday');
    const conv = await conversationOf(phone);
    const rec = await h.request('POST', `/api/v1/patients/${conv.patientId}/consent`, {
      token: assistantToken,
      body: { channel: 'sms', state: 'revoked', source: 'phone', note: 'asked on the phone' },
    });
    expect(rec.status).toBe(200);
    expect(await rec.json()).toMatchObject({ sms: 'revoked' });
    const detail = (await (await h.request('GET', `/api/v1/conversations/${conv.id}`, { token: manager })).json()) as { consent: Record<string, string> };
    expect(detail.consent).toMatchObject({ sms: 'revoked', email: 'no_contact' });
    const [audited] = await db().select().from(auditEvents).where(and(eq(auditEvents.action, 'consent.record'), eq(auditEvents.patientId, conv.patientId)));
    expect(audited!.detail).toMatchObject({ channel: 'sms', state: 'revoked', source: 'phone' });
    const reply = await h.request('POST', `/api/v1/conversations/${conv.id}/messages`, { token: manager, body: { body: 'hello?' } });
    expect(reply.status).toBe(422);
  });

  it('4. PATCH with only afterHoursMessage (or only hours) keeps numbers and addresses; a text to a number no practice owns is held, never 404', async () => {
    const q = await makePractice(db(), 'patch-me');
    const patch = await h.request('PATCH', `/api/v1/practices/${q.id}`, { body: { afterHoursMessage: 'We are closed; call 911 in an emergency.' } });
    expect(patch.status).toBe(200);
    expect(await patch.json()).toMatchObject({ phoneNumbers: q.phoneNumbers, emailAddresses: q.emailAddresses, afterHoursMessage: 'We are closed; call 911 in an emergency.' });
    const hours = await h.request('PATCH', `/api/v1/practices/${q.id}`, { body: { hours: { weekly: { tue: [{ open: '09:00', close: '12:00' }] } } } });
    expect(await hours.json()).toMatchObject({ phoneNumbers: q.phoneNumbers, emailAddresses: q.emailAddresses });
    // its texts still land
    const phone = nextPhone();
    await text(phone, 'hello, is the office open', {}, q.phoneNumbers[0]!);
    expect((await conversationOf(phone)).practiceId).toBe(q.id);

    // removing its last number while a conversation is open needs a confirm
    const remove = await h.request('PATCH', `/api/v1/practices/${q.id}`, { body: { phoneNumbers: [] } });
    expect(remove.status).toBe(409);
    expect(((await remove.json()) as { error: { code: string } }).error.code).toBe('confirmation_required');
    expect((await h.request('PATCH', `/api/v1/practices/${q.id}`, { body: { phoneNumbers: [], confirm: true } })).status).toBe(200);

    // a text to the number it gave up is held, visible to admins, audited when read
    const sid = fakeSid('SM');
    const res = await postTwilio(h, '/webhooks/twilio/sms', inboundSms(phone, q.phoneNumbers[0]!, 'are you there?', { MessageSid: sid }));
    expect(res.status).toBe(200);
    const list = (await (await h.request('GET', '/api/v1/unrouted')).json()) as { data: { id: string; channel: string; body: string; to: string }[] };
    const held = list.data.find((m) => m.body === 'are you there?');
    expect(held).toMatchObject({ channel: 'sms', to: q.phoneNumbers[0]! });
    expect(await db().select().from(auditEvents).where(and(eq(auditEvents.action, 'unrouted.list'), eq(auditEvents.subjectId, held!.id)))).toHaveLength(1);
    // managers do not see the holding area (it may hold other practices' patients)
    expect((await h.request('GET', '/api/v1/unrouted', { token: manager })).status).toBe(403);
    // a call to it is held too
    const call = await postTwilio(h, '/webhooks/twilio/voice', { CallSid: fakeSid('CA'), From: phone, To: q.phoneNumbers[0]!, CallStatus: 'ringing', AccountSid: 'AC0' });
    expect(call.status).toBe(200);
    const again = (await (await h.request('GET', '/api/v1/unrouted')).json()) as { data: { channel: string; from: string }[] };
    expect(again.data.some((m) => m.channel === 'voice' && m.from === phone)).toBe(true);
  });

  it('5. a Spanish voicemail is stored with a clear marker, language es and needsHuman; the Spanish greeting uses the Spanish after-hours text', async () => {
    await h.request('PATCH', `/api/v1/practices/${p.id}`, { body: { afterHoursMessage: 'We are closed.', afterHoursMessageEs: 'Estamos cerrados. Llame mañana.' } });
    // after hours (18:00), the caller presses 9
    clock.set('2026-01-05T23:00:00Z');
    const from = nextPhone();
    const callSid = fakeSid('CA');
    const params = { CallSid: callSid, From: from, To: p.phoneNumbers[0]!, CallStatus: 'in-progress', AccountSid: 'AC0' };
    const greeting = await (await postTwilio(h, '/webhooks/twilio/voice', params)).text();
    expect(greeting).toContain('We are closed.');
    const spanish = await (await postTwilio(h, '/webhooks/twilio/voice/menu?lang=en', { ...params, Digits: '9' })).text();
    expect(spanish).toContain('Estamos cerrados. Llame mañana.');
    expect(spanish).not.toContain('We are closed.');
    const recordingSid = fakeSid('RE');
    const status = await postTwilio(h, '/webhooks/twilio/voice/recording?lang=es&choice=other&event=status', {
      AccountSid: 'AC0',
      CallSid: callSid,
      RecordingSid: recordingSid,
      RecordingUrl: `https://api.twilio.com/2010-04-01/Accounts/AC0/Recordings/${recordingSid}`,
      RecordingStatus: 'completed',
      RecordingDuration: '20',
    });
    expect(status.status).toBeLessThan(300);
    await h.drain();
    await h.drain();
    const [vm] = await db().select().from(messages).where(and(eq(messages.channel, 'voice'), eq(messages.providerId, recordingSid)));
    expect(vm).toBeDefined();
    expect(vm!.body).toMatch(/transcript unavailable/i);
    expect(vm!.meta).toMatchObject({ language: 'es', noTranscript: true });
    expect(vm!.triage).toMatchObject({ language: 'es', needsHuman: true });
    const [c] = await db().select().from(conversations).where(eq(conversations.id, vm!.conversationId));
    expect(c!.needsHuman).toBe(true);
    clock.set('2026-01-05T14:00:00Z');
  });

  it('6. in hours a caller can reach a person (a ring group, then voicemail); the voice reminder\'s "3" rings the same group, not the IVR', async () => {
    clock.set('2026-01-05T14:00:00Z');
    const set = await h.request('PATCH', `/api/v1/practices/${p.id}`, { body: { ringGroup: { numbers: ['+14155550201', '+14155550202'], timeoutSeconds: 20 } } });
    expect(set.status).toBe(200);
    const from = nextPhone();
    const callSid = fakeSid('CA');
    const params = { CallSid: callSid, From: from, To: p.phoneNumbers[0]!, CallStatus: 'in-progress', AccountSid: 'AC0' };
    const greeting = await (await postTwilio(h, '/webhooks/twilio/voice', params)).text();
    expect(greeting).toMatch(/press 0/i);
    const dial = await (await postTwilio(h, '/webhooks/twilio/voice/menu?lang=en', { ...params, Digits: '0' })).text();
    expect(dial).toMatch(/<Dial[^>]*timeout="20"/);
    expect(dial).toContain('<Number>+14155550201</Number>');
    expect(dial).toContain('<Number>+14155550202</Number>');
    // nobody picked up: voicemail
    const noAnswer = await (await postTwilio(h, '/webhooks/twilio/voice/menu?lang=en&choice=person&event=dial', { ...params, DialCallStatus: 'no-answer' })).text();
    expect(noAnswer).toContain('<Record');

    // a voice reminder, "3"
    const { patient, phone } = await makePatient(db(), p.id, { preferredChannel: 'voice', email: null });
    const { appointment } = await makeAppointment(db(), { practiceId: p.id, patientId: patient.id, startsAt: '2026-01-09T15:00:00Z', now: clock.now() });
    clock.set('2026-01-07T16:00:00Z');
    await h.drain();
    await h.drain();
    const [reminder] = await db().select().from(reminders).where(and(eq(reminders.appointmentId, appointment.id), eq(reminders.channel, 'voice'), inArray(reminders.status, ['sent', 'delivered'])));
    expect(reminder).toBeDefined();
    const talk = await (
      await postTwilio(h, `/webhooks/twilio/voice/reminder/answer?reminderId=${reminder!.id}`, { CallSid: fakeSid('CA'), AccountSid: 'AC0', From: p.phoneNumbers[0]!, To: phone, CallStatus: 'in-progress', Digits: '3' })
    ).text();
    expect(talk).toContain('<Number>+14155550201</Number>');
    expect(talk).toContain('<Number>+14155550202</Number>');
    expect(talk).not.toContain(p.phoneNumbers[0]!);
    clock.set('2026-01-05T14:00:00Z');
  });

  it('7. a staff reply by voice is refused at once with a clear 4xx, and nothing is stored', async () => {
    const phone = nextPhone();
    await text(phone, 'what are your hours');
    const c = await conversationOf(phone);
    const before = await db().select().from(messages).where(eq(messages.conversationId, c.id));
    const res = await h.request('POST', `/api/v1/conversations/${c.id}/messages`, { token: manager, body: { body: 'Calling you now', channel: 'voice' } });
    expect(res.status).toBe(422);
    const err = (await res.json()) as { error: { code: string; message: string } };
    expect(err.error.code).toBe('channel_unavailable');
    expect(err.error.message).toMatch(/call/i);
    expect(await db().select().from(messages).where(eq(messages.conversationId, c.id))).toHaveLength(before.length);
    // no email address: refused the same way
    const email = await h.request('POST', `/api/v1/conversations/${c.id}/messages`, { token: manager, body: { body: 'See attached', channel: 'email' } });
    expect(email.status).toBe(422);
    expect(((await email.json()) as { error: { code: string } }).error.code).toBe('channel_unavailable');
  });

  it('8. a photo-only MMS needs a person', async () => {
    const phone = nextPhone();
    await text(phone, '', { NumMedia: '1', MediaUrl0: 'https://api.twilio.com/2010-04-01/Accounts/AC0/Messages/MM1/Media/ME1', MediaContentType0: 'image/jpeg' });
    const c = await conversationOf(phone);
    const [m] = await db().select().from(messages).where(and(eq(messages.conversationId, c.id), eq(messages.direction, 'inbound')));
    expect(m!.triage).toMatchObject({ needsHuman: true });
    expect(c.needsHuman).toBe(true);
    expect(c.status).toBe('open');
  });

  it('9. a follow-up after a staff reply and a reminder answer get an SLA; a waiting conversation is assigned when an assistant frees capacity or comes online', async () => {
    clock.set('2026-01-05T14:00:00Z');
    const phone = nextPhone();
    await text(phone, 'what are your hours on saturday');
    const c = await conversationOf(phone);
    expect(c.slaDueAt).not.toBeNull();
    const reply = await h.request('POST', `/api/v1/conversations/${c.id}/messages`, { token: manager, body: { body: 'We are closed on Saturdays.' } });
    expect(reply.status).toBe(201);
    await h.drain();
    expect((await conversationOf(phone)).slaDueAt).toBeNull();
    await text(phone, 'ok and what about sunday');
    expect((await conversationOf(phone)).slaDueAt).not.toBeNull();

    // a reminder answer that needs a person (R, no published availability) gets one too
    clock.set('2026-01-05T14:00:00Z');
    const { patient, phone: remindedPhone } = await makePatient(db(), p.id, { email: null });
    await makeAppointment(db(), { practiceId: p.id, patientId: patient.id, startsAt: '2026-01-09T15:00:00Z', now: clock.now() });
    clock.set('2026-01-07T16:00:00Z');
    await h.drain();
    await h.drain();
    await text(remindedPhone, 'R');
    const answered = await conversationOf(remindedPhone);
    expect(answered.queue).toBe('scheduling');
    expect(answered.slaDueAt).not.toBeNull();

    // capacity: a second practice whose one assistant is full; the next conversation waits
    clock.set('2026-01-05T14:00:00Z');
    const q = await makePractice(db(), 'capacity');
    const solo = await userWithPassword(db(), 'assistant', [q.id], ['general']);
    await db().update(users).set({ presence: 'available', capacity: 1 }).where(eq(users.id, solo.id));
    const first = nextPhone();
    const second = nextPhone();
    await text(first, 'question about parking', {}, q.phoneNumbers[0]!);
    await text(second, 'question about forms', {}, q.phoneNumbers[0]!);
    const a = await conversationOf(first);
    const b = await conversationOf(second);
    expect(a.assigneeId).toBe(solo.id);
    expect(b.assigneeId).toBeNull();
    // answering and resolving the first frees capacity: the waiting one is assigned
    expect((await h.request('POST', `/api/v1/conversations/${a.id}/messages`, { body: { body: 'There is a lot behind the building.', then: 'resolved' } })).status).toBe(201);
    expect((await conversationOf(second)).assigneeId).toBe(solo.id);
    // going offline and coming back: a third waits while offline and is assigned on return
    await db().update(users).set({ presence: 'offline' }).where(eq(users.id, solo.id));
    const third = nextPhone();
    await text(third, 'question about billing hours', {}, q.phoneNumbers[0]!);
    expect((await conversationOf(third)).assigneeId).toBeNull();
    await h.request('POST', `/api/v1/conversations/${b.id}/messages`, { body: { body: 'Forms are on the portal.', then: 'resolved' } });
    const online = await h.request('PATCH', `/api/v1/assistants/${solo.id}`, { body: { presence: 'available' } });
    expect(online.status).toBe(200);
    expect((await conversationOf(third)).assigneeId).toBe(solo.id);
    void asc;
  });
});
