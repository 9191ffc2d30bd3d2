// The parts of issue 11 beyond its failure list: the unrouted holding area's admin actions, email
// opt-outs, the consent API, practice settings round trips, and the triage race the gate covers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { auditEvents, contactPoints, conversations, messages, unroutedMessages } from '../../src/platform/db/schema';
import { FakeClock } from '../../src/platform/clock';
import { ingestInbound } from '../../src/intake/ingest';
import { startHarness, type Harness } from '../helpers/harness';
import { makePractice, tokenFor } from '../helpers/fixtures';
import { fakeSid, inboundSms, postTwilio } from '../helpers/twilio';
import { inboundEnv, parsedEmail, postInbound } from '../helpers/email';
import type { PracticeView } from '../../src/practices/practices';

let h: Harness;
let p: PracticeView;
const clock = new FakeClock('2026-01-05T15:00:00Z');
const db = () => h.runtime.deps.db;
beforeAll(async () => {
  h = await startHarness({ clock, env: { SMS_RATE_PER_SECOND: '1000', ...inboundEnv } });
  p = await makePractice(db(), 'details');
});
afterAll(() => h.close());

describe('the unrouted holding area', () => {
  it('an admin routes a held text to the practice it was meant for (it lands and is triaged), or dismisses one with a note; others get 403', async () => {
    const sid = fakeSid('SM');
    expect((await postTwilio(h, '/webhooks/twilio/sms', inboundSms('+14155550777', '+14155550000', 'I need a refill of lisinopril', { MessageSid: sid }))).status).toBe(200);
    const [held] = await db().select().from(unroutedMessages).where(eq(unroutedMessages.providerId, sid));
    const manager = await tokenFor(db(), 'manager', p.id);
    expect((await h.request('GET', `/api/v1/unrouted/${held!.id}`, { token: manager })).status).toBe(403);
    const one = await h.request('GET', `/api/v1/unrouted/${held!.id}`);
    expect(await one.json()).toMatchObject({ id: held!.id, status: 'held', body: 'I need a refill of lisinopril' });
    expect(await db().select().from(auditEvents).where(and(eq(auditEvents.action, 'unrouted.read'), eq(auditEvents.subjectId, held!.id)))).toHaveLength(1);

    const routed = await h.request('POST', `/api/v1/unrouted/${held!.id}/route`, { body: { practiceId: p.slug } });
    expect(routed.status).toBe(200);
    const view = (await routed.json()) as { status: string; messageId: string; practiceId: string };
    expect(view).toMatchObject({ status: 'routed', practiceId: p.id });
    await h.drain();
    const [m] = await db().select().from(messages).where(eq(messages.id, view.messageId));
    expect(m).toMatchObject({ practiceId: p.id, body: 'I need a refill of lisinopril', providerId: sid });
    expect(m!.triage).toMatchObject({ intent: 'refill_request' });
    // once only
    expect((await h.request('POST', `/api/v1/unrouted/${held!.id}/route`, { body: { practiceId: p.id } })).status).toBe(409);

    const spam = fakeSid('SM');
    await postTwilio(h, '/webhooks/twilio/sms', inboundSms('+14155550778', '+14155550000', 'WIN A PRIZE', { MessageSid: spam }));
    const [s] = await db().select().from(unroutedMessages).where(eq(unroutedMessages.providerId, spam));
    expect((await h.request('POST', `/api/v1/unrouted/${s!.id}/dismiss`, { body: {} })).status).toBe(400);
    const dismissed = await h.request('POST', `/api/v1/unrouted/${s!.id}/dismiss`, { body: { note: 'spam' } });
    expect(await dismissed.json()).toMatchObject({ status: 'dismissed', note: 'spam' });
    const list = (await (await h.request('GET', '/api/v1/unrouted?status=all')).json()) as { data: { id: string }[] };
    expect(list.data.map((x) => x.id)).toEqual(expect.arrayContaining([held!.id, s!.id]));
  });
});

describe('consent', () => {
  it('"unsubscribe" by email revokes email consent with the message; a staff opt-in by phone is recorded, audited and listed', async () => {
    const res = await postInbound(h, parsedEmail({ from: 'Ana Diaz <ana@example.com>', to: p.emailAddresses[0]!, subject: 'Re: your visit', text: 'Please unsubscribe me.' }));
    expect(res.status).toBe(200);
    const [cp] = await db().select().from(contactPoints).where(eq(contactPoints.value, 'ana@example.com'));
    expect(cp!.emailConsent).toBe('revoked');
    const consent = await h.request('GET', `/api/v1/patients/${cp!.patientId}/consent`);
    const body = (await consent.json()) as { email: string; sms: string; ledger: { channel: string; state: string; source: string; messageId: string | null }[] };
    expect(body).toMatchObject({ email: 'revoked', sms: 'no_contact' });
    expect(body.ledger[0]).toMatchObject({ channel: 'email', state: 'revoked', source: 'email_free_text' });
    expect(body.ledger[0]!.messageId).not.toBeNull();

    // the patient calls and says emails are fine again
    const back = await h.request('POST', `/api/v1/patients/${cp!.patientId}/consent`, { body: { channel: 'email', state: 'granted', source: 'phone', note: 'called the front desk' } });
    expect(back.status).toBe(200);
    expect(await back.json()).toMatchObject({ email: 'granted', warning: null });
    // no phone on file: a clear 422
    const none = await h.request('POST', `/api/v1/patients/${cp!.patientId}/consent`, { body: { channel: 'sms', state: 'revoked', source: 'phone' } });
    expect(none.status).toBe(422);
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe('channel_unavailable');
    // a number that texted STOP: the opt-in is recorded, with the carrier's caveat
    const phone = '+14155550779';
    await postTwilio(h, '/webhooks/twilio/sms', inboundSms(phone, p.phoneNumbers[0]!, 'STOP'));
    const [ph] = await db().select().from(contactPoints).where(eq(contactPoints.value, phone));
    const optIn = await h.request('POST', `/api/v1/patients/${ph!.patientId}/consent`, { body: { channel: 'sms', state: 'granted', source: 'in_person' } });
    expect(await optIn.json()).toMatchObject({ sms: 'granted', warning: expect.stringMatching(/START/) });
  });
});

describe('practice settings', () => {
  it('PATCH sets and clears the Spanish after-hours text and the ring group, leaving the rest alone', async () => {
    const q = await makePractice(db(), 'settings-rt');
    const set = await h.request('PATCH', `/api/v1/practices/${q.id}`, { body: { afterHoursMessageEs: 'Cerrado.', ringGroup: { numbers: ['(415) 555-0301'] } } });
    expect(await set.json()).toMatchObject({ afterHoursMessageEs: 'Cerrado.', ringGroup: { numbers: ['+14155550301'], timeoutSeconds: 20 }, phoneNumbers: q.phoneNumbers });
    const cleared = await h.request('PATCH', `/api/v1/practices/${q.id}`, { body: { ringGroup: null } });
    expect(await cleared.json()).toMatchObject({ afterHoursMessageEs: 'Cerrado.', ringGroup: null, emailAddresses: q.emailAddresses });
    // the last number of a practice with no open conversation goes without a confirm
    expect((await h.request('PATCH', `/api/v1/practices/${q.id}`, { body: { phoneNumbers: [] } })).status).toBe(200);
  });
});

describe('the gate and a triage race', () => {
  it('a "thank you" triaged before the emergency that came just before it cannot close the conversation', async () => {
    const phone = '+14155550780';
    const base = { channel: 'sms' as const, to: p.phoneNumbers[0]!, from: { kind: 'phone' as const, value: phone }, attachments: [] };
    // the emergency is stored but its triage has not run yet
    const first = await ingestInbound(db(), { ...base, providerId: fakeSid('SM'), body: 'crushing chest pain', receivedAt: clock.now() }, { practiceId: p.id, receivedAt: clock.now(), triage: false });
    clock.advance(1000);
    await ingestInbound(db(), { ...base, providerId: fakeSid('SM'), body: 'thank you', receivedAt: clock.now() }, { practiceId: p.id, receivedAt: clock.now() });
    await h.drain();
    const [c] = await db().select().from(conversations).where(eq(conversations.id, first.conversationId));
    expect(c!.status).toBe('open');
    const [held] = await db().select().from(auditEvents).where(and(eq(auditEvents.action, 'conversation.automation_held'), eq(auditEvents.subjectId, first.conversationId)));
    expect(held!.detail).toMatchObject({ by: 'rules', held: ['people_only_not_closed'] });
  });
});
