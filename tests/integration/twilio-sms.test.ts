import { statSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, asc, eq } from 'drizzle-orm';
import twilio from 'twilio';
import { consentEvents, contactPoints, conversations, messageAttachments, messages, outbox, patients, practiceAddresses, practices, unroutedMessages } from '../../src/platform/db/schema';
import { queueOutbound } from '../../src/outreach/outbound';
import { LOCAL_TWILIO_TOKEN_FILE, twilioWebhookToken } from '../../src/access/webhook-secrets';
import { startHarness, type Harness } from '../helpers/harness';
import { makeConversation, makePractice } from '../helpers/fixtures';
import { PUBLIC, fakeSid, inboundSms, postTwilio } from '../helpers/twilio';
import type { PracticeView } from '../../src/practices/practices';

let h: Harness;
let p: PracticeView;
let practiceNumber: string;
beforeAll(async () => {
  // no Twilio credentials: SEND_MODE is simulate and webhooks verify with the local token
  h = await startHarness({ env: { SMS_RATE_PER_SECOND: '1000' } });
  p = await makePractice(h.runtime.deps.db);
  practiceNumber = p.phoneNumbers[0]!;
});
afterAll(() => h.close());

const db = () => h.runtime.deps.db;
const bySid = async (sid: string) => (await db().select().from(messages).where(eq(messages.providerId, sid)))[0];

describe('POST /webhooks/twilio/sms', () => {
  it('stores a new patient\'s text with its triage job, answers empty TwiML, and triage runs', async () => {
    const params = inboundSms('(415) 555-0142', practiceNumber, 'I need a refill of lisinopril');
    const res = await postTwilio(h, '/webhooks/twilio/sms', params);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/xml/);
    expect(await res.text()).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');

    const msg = await bySid(params.MessageSid!);
    expect(msg).toMatchObject({ direction: 'inbound', channel: 'sms', body: 'I need a refill of lisinopril', status: 'received', fromAddress: '+14155550142', toAddress: practiceNumber });
    const [cp] = await db().select().from(contactPoints).where(eq(contactPoints.id, msg!.contactPointId!));
    expect(cp).toMatchObject({ kind: 'phone', value: '+14155550142', practiceId: p.id });
    const [row] = await db().select().from(outbox).where(eq(outbox.dedupeKey, `triage:${msg!.id}`));
    expect(row).toBeDefined();
    await h.drain();
    expect((await bySid(params.MessageSid!))!.triage).toMatchObject({ intent: 'refill_request' });
  });

  it('files an existing patient\'s text in their conversation', async () => {
    const { patient, conversation } = await makeConversation(db(), p.id, { phone: '+14155550143' });
    const params = inboundSms('+14155550143', practiceNumber, 'thanks, see you then');
    expect((await postTwilio(h, '/webhooks/twilio/sms', params)).status).toBe(200);
    const msg = await bySid(params.MessageSid!);
    expect(msg!.conversationId).toBe(conversation.id);
    expect(await db().select().from(patients).where(eq(patients.id, patient.id))).toHaveLength(1);
    const [conv] = await db().select().from(conversations).where(eq(conversations.id, conversation.id));
    expect(conv!.patientId).toBe(patient.id);
  });

  it('keeps MMS media as links with their content type', async () => {
    const params = inboundSms('+14155550144', practiceNumber, 'here is my insurance card', {
      NumMedia: '2',
      MediaUrl0: 'https://api.twilio.com/2010-04-01/Accounts/AC0/Messages/MM1/Media/ME1',
      MediaContentType0: 'image/jpeg',
      MediaUrl1: 'https://api.twilio.com/2010-04-01/Accounts/AC0/Messages/MM1/Media/ME2',
      MediaContentType1: 'application/pdf',
    });
    expect((await postTwilio(h, '/webhooks/twilio/sms', params)).status).toBe(200);
    const msg = await bySid(params.MessageSid!);
    const atts = await db().select().from(messageAttachments).where(eq(messageAttachments.messageId, msg!.id)).orderBy(asc(messageAttachments.url));
    expect(atts.map((a) => [a.url, a.contentType, a.content])).toEqual([
      ['https://api.twilio.com/2010-04-01/Accounts/AC0/Messages/MM1/Media/ME1', 'image/jpeg', null],
      ['https://api.twilio.com/2010-04-01/Accounts/AC0/Messages/MM1/Media/ME2', 'application/pdf', null],
    ]);
    expect(msg!.meta).toMatchObject({ numMedia: 2 });
  });

  it('stores a retried delivery (same MessageSid) once', async () => {
    const params = inboundSms('+14155550145', practiceNumber, 'is the office open saturday?');
    const [a, b] = await Promise.all([postTwilio(h, '/webhooks/twilio/sms', params), postTwilio(h, '/webhooks/twilio/sms', params)]);
    const c = await postTwilio(h, '/webhooks/twilio/sms', params);
    expect([a.status, b.status, c.status]).toEqual([200, 200, 200]);
    expect(await db().select().from(messages).where(eq(messages.providerId, params.MessageSid!))).toHaveLength(1);
    const msg = await bySid(params.MessageSid!);
    expect(await db().select().from(outbox).where(eq(outbox.dedupeKey, `triage:${msg!.id}`))).toHaveLength(1);
  });

  it('refuses a forged or unsigned webhook with 403 and stores nothing', async () => {
    const forged = inboundSms('+14155550146', practiceNumber, 'forged');
    const wrongToken = await postTwilio(h, '/webhooks/twilio/sms', forged, { token: 'not-the-token' });
    expect(wrongToken.status).toBe(403);
    expect(((await wrongToken.json()) as { error: { code: string } }).error.code).toBe('invalid_signature');
    const unsigned = await postTwilio(h, '/webhooks/twilio/sms', forged, { signature: null });
    expect(unsigned.status).toBe(403);
    // a valid signature over other params (a tampered body)
    const sig = twilio.getExpectedTwilioSignature(
      (await import('../../src/access/webhook-secrets')).twilioWebhookToken(h.env),
      `${PUBLIC}/webhooks/twilio/sms`,
      { ...forged, Body: 'original' },
    );
    expect((await postTwilio(h, '/webhooks/twilio/sms', forged, { signature: sig })).status).toBe(403);
    expect(await bySid(forged.MessageSid!)).toBeUndefined();
    expect(await db().select().from(contactPoints).where(eq(contactPoints.value, '+14155550146'))).toHaveLength(0);
  });

  it('behind a proxy: accepts the signature over PUBLIC_BASE_URL, refuses one over the internal URL', async () => {
    const params = inboundSms('+14155550147', practiceNumber, 'hello from behind the proxy');
    const internal = await postTwilio(h, '/webhooks/twilio/sms', params, { signedUrl: 'http://localhost/webhooks/twilio/sms' });
    expect(internal.status).toBe(403);
    expect(await bySid(params.MessageSid!)).toBeUndefined();
    const viaPublic = await postTwilio(h, '/webhooks/twilio/sms', params, { signedUrl: `${PUBLIC}/webhooks/twilio/sms` });
    expect(viaPublic.status).toBe(200);
    expect(await bySid(params.MessageSid!)).toBeDefined();
  });

  it('keeps the local webhook token in DATA_DIR with mode 0600', () => {
    const mode = statSync(join(h.dataDir, LOCAL_TWILIO_TOKEN_FILE)).mode & 0o777;
    expect(mode).toBe(0o600);
  });

  it('answers 400 naming the missing field of a signed but unusable payload; a text to a number no practice owns is held (200), not lost', async () => {
    const { MessageSid: _s, ...noSid } = inboundSms('+14155550148', practiceNumber, 'x');
    const bad = await postTwilio(h, '/webhooks/twilio/sms', noSid);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'bad_request', message: 'missing MessageSid' });
    const params = inboundSms('+14155550148', '+14155559999', 'wrong number');
    const unknown = await postTwilio(h, '/webhooks/twilio/sms', params);
    // Twilio does not retry a 4xx: the text is kept for admins instead
    expect(unknown.status).toBe(200);
    expect(await bySid(params.MessageSid!)).toBeUndefined();
    const [held] = await db().select().from(unroutedMessages).where(eq(unroutedMessages.providerId, params.MessageSid!));
    expect(held).toMatchObject({ channel: 'sms', fromAddress: '+14155550148', toAddress: '+14155559999', body: 'wrong number', status: 'held' });
    // a retried webhook is held once
    expect((await postTwilio(h, '/webhooks/twilio/sms', params)).status).toBe(200);
    expect(await db().select().from(unroutedMessages).where(eq(unroutedMessages.providerId, params.MessageSid!))).toHaveLength(1);
  });
});

describe('a number whose practice is not active', () => {
  it('holds the text (plain, or a keyword) as unrouted and stores nothing in the practice', async () => {
    const closed = await makePractice(db());
    await db().update(practices).set({ active: false }).where(eq(practices.id, closed.id));
    for (const body of ['do you have anything this week?', 'STOP']) {
      const params = inboundSms('+14155550180', closed.phoneNumbers[0]!, body);
      expect((await postTwilio(h, '/webhooks/twilio/sms', params)).status).toBe(200);
      expect(await bySid(params.MessageSid!)).toBeUndefined();
      expect(await db().select().from(unroutedMessages).where(eq(unroutedMessages.providerId, params.MessageSid!))).toHaveLength(1);
    }
    expect(await db().select().from(contactPoints).where(eq(contactPoints.practiceId, closed.id))).toHaveLength(0);
  });
});

describe('opt-out keywords', () => {
  const consentOf = async (phone: string) => (await db().select().from(contactPoints).where(and(eq(contactPoints.practiceId, p.id), eq(contactPoints.value, phone))))[0]!;

  it('STOP revokes SMS consent (ledger with source and word), START restores it; neither goes to triage', async () => {
    const phone = '+14155550150';
    await postTwilio(h, '/webhooks/twilio/sms', inboundSms(phone, practiceNumber, 'hello'));
    const stop = inboundSms(phone, practiceNumber, ' Stop. ');
    const res = await postTwilio(h, '/webhooks/twilio/sms', stop);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');
    const cp = await consentOf(phone);
    expect(cp.smsConsent).toBe('revoked');
    const stopMsg = await bySid(stop.MessageSid!);
    expect(stopMsg).toMatchObject({ direction: 'inbound', body: ' Stop. ' });
    expect(stopMsg!.meta).toMatchObject({ keyword: 'stop' });
    expect(await db().select().from(outbox).where(eq(outbox.dedupeKey, `triage:${stopMsg!.id}`))).toHaveLength(0);

    const start = inboundSms(phone, practiceNumber, 'UNSTOP');
    await postTwilio(h, '/webhooks/twilio/sms', start);
    expect((await consentOf(phone)).smsConsent).toBe('granted');
    const ledger = await db().select().from(consentEvents).where(eq(consentEvents.contactPointId, cp.id)).orderBy(asc(consentEvents.id));
    expect(ledger.map((e) => [e.purpose, e.state, e.source, e.detail, e.messageId])).toEqual([
      ['sms', 'revoked', 'sms_keyword', 'STOP', stopMsg!.id],
      ['sms', 'granted', 'sms_keyword', 'UNSTOP', (await bySid(start.MessageSid!))!.id],
    ]);
  });

  it.each(['STOPALL', 'unsubscribe', 'CANCEL', 'end', 'Quit', 'REVOKE', 'opt out', 'OPT-OUT'])('%s alone revokes', async (word) => {
    const phone = `+1415555${String(1000 + Math.floor(Math.random() * 8999))}`;
    await postTwilio(h, '/webhooks/twilio/sms', inboundSms(phone, practiceNumber, word));
    expect((await consentOf(phone)).smsConsent).toBe('revoked');
  });

  it('"please stop texting me" is not a keyword but asks to stop: consent revoked with it, confirmed, and still triaged', async () => {
    const phone = '+14155550151';
    const params = inboundSms(phone, practiceNumber, 'please stop texting me about the cancel');
    const res = await postTwilio(h, '/webhooks/twilio/sms', params);
    expect(await res.text()).toContain('You will no longer get text messages from us.');
    expect((await consentOf(phone)).smsConsent).toBe('revoked');
    const msg = await bySid(params.MessageSid!);
    expect(await db().select().from(outbox).where(eq(outbox.dedupeKey, `triage:${msg!.id}`))).toHaveLength(1);
  });

  it('HELP answers in TwiML with the practice\'s name and phone, kept in the conversation', async () => {
    const phone = '+14155550152';
    const params = inboundSms(phone, practiceNumber, 'help');
    const res = await postTwilio(h, '/webhooks/twilio/sms', params);
    const xml = await res.text();
    expect(xml).toContain(`<Message>Practice ${p.slug}: For help, call ${practiceNumber}. Reply STOP to opt out.`);
    const inbound = await bySid(params.MessageSid!);
    const thread = await db().select().from(messages).where(eq(messages.conversationId, inbound!.conversationId)).orderBy(asc(messages.createdAt));
    expect(thread.map((m) => [m.direction, m.status, m.authorType])).toEqual([
      ['inbound', 'received', 'patient'],
      ['outbound', 'sent', 'automation'],
    ]);
    expect(thread[1]!.body).toContain(practiceNumber);
    expect(await db().select().from(outbox).where(eq(outbox.dedupeKey, `triage:${inbound!.id}`))).toHaveLength(0);
  });

  it('STOP to one number stops texts from every number of the practice', async () => {
    const second = '+14155550777';
    await db().insert(practiceAddresses).values({ practiceId: p.id, kind: 'phone', value: second, sms: true, voice: true });
    const phone = '+14155550155';
    const viaSecond = inboundSms(phone, second, 'do you take new patients?');
    await postTwilio(h, '/webhooks/twilio/sms', viaSecond);
    await postTwilio(h, '/webhooks/twilio/sms', inboundSms(phone, practiceNumber, 'STOP'));
    const conv = (await bySid(viaSecond.MessageSid!))!.conversationId;
    const { messageId } = await queueOutbound(db(), { practiceId: p.id, conversationId: conv, channel: 'sms', body: 'Yes we do', purpose: 'reply', authorType: 'user', now: h.clock.now() });
    await h.drain();
    expect((await db().select().from(messages).where(eq(messages.id, messageId)))[0]).toMatchObject({ status: 'refused', errorCode: 'consent_revoked' });
  });

  it('Spanish: AYUDA answers in Spanish; PARAR revokes and is confirmed (Twilio does not act on it)', async () => {
    const phone = '+14155550156';
    const help = await (await postTwilio(h, '/webhooks/twilio/sms', inboundSms(phone, practiceNumber, 'Ayuda'))).text();
    expect(help).toContain(`Practice ${p.slug}: Para ayuda, llame al ${practiceNumber}.`);
    const stop = await (await postTwilio(h, '/webhooks/twilio/sms', inboundSms(phone, practiceNumber, 'PARAR'))).text();
    expect(stop).toContain('Ya no le enviaremos mensajes de texto');
    expect((await consentOf(phone)).smsConsent).toBe('revoked');
  });

  it('a reply to a revoked contact is refused with the reason stored', async () => {
    const phone = '+14155550153';
    const first = inboundSms(phone, practiceNumber, 'can I book a visit');
    await postTwilio(h, '/webhooks/twilio/sms', first);
    await postTwilio(h, '/webhooks/twilio/sms', inboundSms(phone, practiceNumber, 'STOP'));
    const conv = (await bySid(first.MessageSid!))!.conversationId;
    const { messageId } = await queueOutbound(db(), { practiceId: p.id, conversationId: conv, channel: 'sms', body: 'We have Tuesday at 10', purpose: 'reply', authorType: 'user', now: h.clock.now() });
    await h.drain();
    const [m] = await db().select().from(messages).where(eq(messages.id, messageId));
    expect(m).toMatchObject({ status: 'refused', errorCode: 'consent_revoked', providerId: null });
    expect(m!.errorMessage).toMatch(/opted out/);
  });

  it('SEND_MODE=simulate stores a reply as simulated with a SIM id, never dropped', async () => {
    const phone = '+14155550154';
    const first = inboundSms(phone, practiceNumber, 'what are your hours');
    await postTwilio(h, '/webhooks/twilio/sms', first);
    const conv = (await bySid(first.MessageSid!))!.conversationId;
    const { messageId } = await queueOutbound(db(), { practiceId: p.id, conversationId: conv, channel: 'sms', body: 'Mon 8-5', purpose: 'reply', authorType: 'user', now: h.clock.now() });
    await h.drain();
    const [m] = await db().select().from(messages).where(eq(messages.id, messageId));
    expect(m).toMatchObject({ status: 'simulated', fromAddress: practiceNumber, toAddress: phone });
    expect(m!.providerId).toMatch(/^SIM/);
  });
});

describe('POST /webhooks/twilio/sms/status', () => {
  async function sentMessage(phone: string) {
    const first = inboundSms(phone, practiceNumber, 'hi');
    await postTwilio(h, '/webhooks/twilio/sms', first);
    const conv = (await bySid(first.MessageSid!))!.conversationId;
    const { messageId } = await queueOutbound(db(), { practiceId: p.id, conversationId: conv, channel: 'sms', body: 'hello', purpose: 'reply', authorType: 'user', now: h.clock.now() });
    const sid = fakeSid('SM');
    await db().update(messages).set({ providerId: sid, status: 'queued' }).where(eq(messages.id, messageId));
    return { messageId, sid };
  }
  const status = (sid: string, s: string, extra: Record<string, string> = {}) =>
    postTwilio(h, '/webhooks/twilio/sms/status', { MessageSid: sid, SmsSid: sid, MessageStatus: s, SmsStatus: s, AccountSid: 'AC0', From: practiceNumber, To: '+14155550160', ...extra });

  it('applies statuses by rank: delivered before sent keeps delivered', async () => {
    const { messageId, sid } = await sentMessage('+14155550160');
    expect((await status(sid, 'delivered')).status).toBeLessThan(300);
    expect((await status(sid, 'sent')).status).toBeLessThan(300);
    const [m] = await db().select().from(messages).where(eq(messages.id, messageId));
    expect(m!.status).toBe('delivered');
    expect(m!.deliveredAt).not.toBeNull();
  });

  it('stores the error code of an undelivered message, and 21610 records a revocation', async () => {
    const a = await sentMessage('+14155550161');
    await status(a.sid, 'undelivered', { ErrorCode: '30003' });
    expect((await db().select().from(messages).where(eq(messages.id, a.messageId)))[0]).toMatchObject({ status: 'undelivered', errorCode: '30003' });

    const b = await sentMessage('+14155550162');
    await status(b.sid, 'failed', { ErrorCode: '21610' });
    const [m] = await db().select().from(messages).where(eq(messages.id, b.messageId));
    expect(m).toMatchObject({ status: 'failed', errorCode: '21610' });
    const [cp] = await db().select().from(contactPoints).where(eq(contactPoints.id, m!.contactPointId!));
    expect(cp!.smsConsent).toBe('revoked');
    const [ev] = await db().select().from(consentEvents).where(eq(consentEvents.contactPointId, cp!.id));
    expect(ev).toMatchObject({ state: 'revoked', source: 'twilio_error_21610', messageId: b.messageId });
  });

  it('is signed too: a forged status callback changes nothing', async () => {
    const { messageId, sid } = await sentMessage('+14155550163');
    const res = await postTwilio(h, '/webhooks/twilio/sms/status', { MessageSid: sid, MessageStatus: 'failed' }, { token: 'forged' });
    expect(res.status).toBe(403);
    expect((await db().select().from(messages).where(eq(messages.id, messageId)))[0]!.status).toBe('queued');
  });

  it('answers 400 for an unknown status and 2xx for an unknown MessageSid', async () => {
    expect((await status('SMnope', 'exploded')).status).toBe(400);
    expect((await status('SMnope', 'delivered')).status).toBeLessThan(300);
  });
});

describe('simulate command', () => {
  it('plays signed traffic the server accepts with the local token, duplicates included', async () => {
    const { runSimulate } = await import('../../src/app/cli/simulate');
    const { twilioWebhookToken } = await import('../../src/access/webhook-secrets');
    const before = (await db().select().from(messages)).length;
    const result = await runSimulate({
      target: 'http://internal:3000',
      publicBaseUrl: h.env.PUBLIC_BASE_URL,
      authToken: twilioWebhookToken(h.env),
      to: practiceNumber,
      count: 25,
      ratePerSecond: 0,
      seed: 7,
      fetch: ((url: string, init: RequestInit) => h.app.request(new URL(url).pathname, init)) as typeof fetch,
    });
    expect(result).toMatchObject({ posted: 25, failed: 0, statuses: { 200: 25 } });
    const after = (await db().select().from(messages)).length;
    expect(after - before).toBeGreaterThan(5);
    // signed with another token, the same traffic is refused
    const forged = await runSimulate({
      target: 'http://internal:3000', publicBaseUrl: h.env.PUBLIC_BASE_URL, authToken: 'wrong', to: practiceNumber, count: 3, ratePerSecond: 0, seed: 8,
      fetch: ((url: string, init: RequestInit) => h.app.request(new URL(url).pathname, init)) as typeof fetch,
    });
    expect(forged).toMatchObject({ failed: 3, statuses: { 403: 3 } });
  });
});

describe('over a real socket (@hono/node-server, as in production)', () => {
  // the route reads the form straight from Node's request stream when its length is declared
  async function serveApp() {
    const { serve } = await import('@hono/node-server');
    const server = serve({ fetch: h.app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise<void>((r) => server.once('listening', () => r()));
    const port = (server.address() as { port: number }).port;
    return { port, close: () => new Promise<void>((r) => server.close(() => r())) };
  }
  function post(port: number, body: string | string[], headers: Record<string, string>) {
    return new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/webhooks/twilio/sms', headers }, (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode!, text }));
      });
      req.on('error', reject);
      for (const part of Array.isArray(body) ? body : [body]) req.write(part);
      req.end();
    });
  }
  const signed = (params: Record<string, string>) => ({
    'content-type': 'application/x-www-form-urlencoded',
    'x-twilio-signature': twilio.getExpectedTwilioSignature(twilioWebhookToken(h.env), `${PUBLIC}/webhooks/twilio/sms`, params),
  });

  it('stores a text posted with a content length, or chunked, and refuses a forged or oversized one', async () => {
    const s = await serveApp();
    try {
      const a = inboundSms('+14155550190', practiceNumber, 'can I get a refill — gracias 🙏');
      const body = new URLSearchParams(a).toString();
      expect(await post(s.port, body, { ...signed(a), 'content-length': String(Buffer.byteLength(body)) })).toEqual({ status: 200, text: '<?xml version="1.0" encoding="UTF-8"?><Response/>' });
      expect((await bySid(a.MessageSid!))!.body).toBe('can I get a refill — gracias 🙏');

      const b = inboundSms('+14155550191', practiceNumber, 'sent in two chunks');
      const bBody = new URLSearchParams(b).toString();
      expect((await post(s.port, [bBody.slice(0, 40), bBody.slice(40)], signed(b))).status).toBe(200);
      expect((await bySid(b.MessageSid!))!.body).toBe('sent in two chunks');

      const c = inboundSms('+14155550192', practiceNumber, 'forged');
      const cBody = new URLSearchParams(c).toString();
      expect((await post(s.port, cBody, { ...signed({ ...c, Body: 'other' }), 'content-length': String(cBody.length) })).status).toBe(403);
      expect(await bySid(c.MessageSid!)).toBeUndefined();

      const d = inboundSms('+14155550193', practiceNumber, 'x'.repeat(70 * 1024));
      const dBody = new URLSearchParams(d).toString();
      expect((await post(s.port, dBody, { ...signed(d), 'content-length': String(dBody.length) })).status).toBe(413);
      expect((await post(s.port, [dBody.slice(0, 1000), dBody.slice(1000)], signed(d))).status).toBe(413);
      expect(await bySid(d.MessageSid!)).toBeUndefined();
    } finally {
      await s.close();
    }
  });
});
