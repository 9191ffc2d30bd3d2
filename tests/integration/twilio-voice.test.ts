import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { setupServer } from 'msw/node';
import { and, asc, eq } from 'drizzle-orm';
import { calls, contactPoints, messageAttachments, messages, outbox, patients, practices, recordings } from '../../src/platform/db/schema';
import type { FakeClock } from '../../src/platform/clock';
import { recordConsent } from '../../src/outreach/consent';
import { startHarness, type Harness } from '../helpers/harness';
import { makeConversation, makePractice } from '../helpers/fixtures';
import { PUBLIC, fakeSid, postTwilio } from '../helpers/twilio';
import { createTwilioApiMock } from '../msw/twilio';
import type { PracticeView } from '../../src/practices/practices';

const ACCOUNT = 'AC0123456789abcdef0123456789abcdef';
const SPANISH_SERVICE = 'GA0123456789abcdef0123456789abcdef';
const twilioApi = createTwilioApiMock();
const server = setupServer(...twilioApi.handlers);

let h: Harness;
let p: PracticeView;
let practiceNumber: string;
beforeAll(async () => {
  server.listen({ onUnhandledRequest: 'bypass' });
  h = await startHarness({ env: { TWILIO_ACCOUNT_SID: ACCOUNT, TWILIO_AUTH_TOKEN: 'voice-test-auth-token', SEND_MODE: 'live', SMS_RATE_PER_SECOND: '1000' } });
  p = await makePractice(h.runtime.deps.db);
  practiceNumber = p.phoneNumbers[0]!;
  await h.runtime.deps.db
    .update(practices)
    .set({ onCallPhone: '+14155550999', settings: { voiceIntelligenceServiceSids: { es: SPANISH_SERVICE } } })
    .where(eq(practices.id, p.id));
});
afterEach(() => {
  twilioApi.requests.length = 0;
});
afterAll(async () => {
  await h.close();
  server.close();
});

const db = () => h.runtime.deps.db;
const clock = () => h.clock as FakeClock;
// Monday 2026-01-05: the practice is open 08:00-17:00 New York time
const IN_HOURS = '2026-01-05T14:00:00Z'; // 09:00
const AFTER_HOURS = '2026-01-05T23:00:00Z'; // 18:00

let phoneSeq = 6000;
const nextPhone = () => `+1415555${++phoneSeq}`;

function callParams(callSid: string, from: string, extra: Record<string, string> = {}) {
  return { AccountSid: ACCOUNT, ApiVersion: '2010-04-01', CallSid: callSid, CallStatus: 'ringing', Direction: 'inbound', From: from, To: practiceNumber, Caller: from, Called: practiceNumber, ...extra };
}
const recordingUrl = (sid: string) => `https://api.twilio.com/2010-04-01/Accounts/${ACCOUNT}/Recordings/${sid}`;

async function incomingCall(from = nextPhone()) {
  const callSid = fakeSid('CA');
  const res = await postTwilio(h, '/webhooks/twilio/voice', callParams(callSid, from));
  expect(res.status).toBe(200);
  return { callSid, from, xml: await res.text() };
}
const menu = (callSid: string, from: string, lang: string, input: Record<string, string>) =>
  postTwilio(h, `/webhooks/twilio/voice/menu?lang=${lang}`, callParams(callSid, from, { CallStatus: 'in-progress', ...input }));
const recordingStatus = (callSid: string, recordingSid: string, duration: number, q = 'lang=en&choice=refills', status = 'completed') =>
  postTwilio(h, `/webhooks/twilio/voice/recording?${q}&event=status`, {
    AccountSid: ACCOUNT,
    CallSid: callSid,
    RecordingSid: recordingSid,
    RecordingUrl: recordingUrl(recordingSid),
    RecordingStatus: status,
    RecordingDuration: String(duration),
    RecordingChannels: '1',
    RecordingStartTime: 'Mon, 05 Jan 2026 14:01:00 +0000',
    RecordingSource: 'RecordVerb',
  });
const transcription = (callSid: string, from: string, recordingSid: string, text: string | null, q = 'lang=en&choice=refills') =>
  postTwilio(h, `/webhooks/twilio/voice/transcription?${q}`, {
    AccountSid: ACCOUNT,
    CallSid: callSid,
    From: from,
    To: practiceNumber,
    RecordingSid: recordingSid,
    RecordingUrl: recordingUrl(recordingSid),
    TranscriptionSid: fakeSid('TR'),
    TranscriptionStatus: text ? 'completed' : 'failed',
    ...(text ? { TranscriptionText: text } : {}),
    TranscriptionType: 'fast',
    url: `${PUBLIC}/webhooks/twilio/voice/transcription`,
  });
const callStatus = (callSid: string, from: string, status: string, duration: number) =>
  postTwilio(h, '/webhooks/twilio/voice/status', callParams(callSid, from, { CallStatus: status, CallDuration: String(duration), Duration: '1' }));
const callRow = async (callSid: string) => (await db().select().from(calls).where(eq(calls.callSid, callSid)))[0]!;
const voiceMessage = async (providerId: string) => (await db().select().from(messages).where(and(eq(messages.channel, 'voice'), eq(messages.providerId, providerId))))[0];

describe('POST /webhooks/twilio/voice', () => {
  it('in hours: emergency line first, greeting with the practice name, the menu, and a voicemail; keeps a calls row', async () => {
    clock().set(IN_HOURS);
    const { callSid, xml } = await incomingCall();
    expect(xml.indexOf('If this is a medical emergency, hang up and dial 9 1 1.')).toBeGreaterThan(0);
    expect(xml.indexOf('dial 9 1 1')).toBeLessThan(xml.indexOf('<Gather'));
    expect(xml).toContain(`Thank you for calling Practice ${p.slug}.`);
    expect(xml).toContain('For prescription refills, press 2 or say refill.');
    expect(xml).toContain(`action="${PUBLIC}/webhooks/twilio/voice/menu?lang=en"`);
    expect(xml).toContain('Para español, oprima 9.');
    expect(xml).toContain('<Record');
    expect(await callRow(callSid)).toMatchObject({ practiceId: p.id, direction: 'inbound', inHours: true, language: 'en', status: 'in-progress', outcome: null });
  });

  it('after hours: the closed message, the on-call offer, and voicemail', async () => {
    clock().set(AFTER_HOURS);
    const { callSid, xml } = await incomingCall();
    expect(xml).toContain('Our office is closed right now.');
    expect(xml).toContain('press 1 or say urgent to reach the provider on call');
    expect(xml).toContain('please leave a message after the tone');
    expect((await callRow(callSid)).inHours).toBe(false);
    // pressing 1 after hours forwards to the on-call number
    const res = await menu(callSid, (await callRow(callSid)).fromNumber, 'en', { Digits: '1' });
    const forward = await res.text();
    expect(forward).toContain('<Number>+14155550999</Number>');
    // the on-call provider picked up
    const dial = await postTwilio(h, '/webhooks/twilio/voice/menu?lang=en&choice=urgent&event=dial', callParams(callSid, (await callRow(callSid)).fromNumber, { DialCallStatus: 'completed' }));
    expect(await dial.text()).toContain('<Hangup/>');
    await callStatus(callSid, (await callRow(callSid)).fromNumber, 'completed', 240);
    expect(await callRow(callSid)).toMatchObject({ outcome: 'answered', durationSeconds: 240, menuChoice: 'urgent' });
  });

  it('a known Spanish-speaking patient hears Spanish; 9 switches language', async () => {
    clock().set(IN_HOURS);
    const phone = nextPhone();
    const { patient } = await makeConversation(db(), p.id, { phone });
    await db().update(patients).set({ language: 'es' }).where(eq(patients.id, patient.id));
    const { callSid, xml } = await incomingCall(phone);
    expect(xml).toContain('Si se trata de una emergencia médica');
    expect((await callRow(callSid)).language).toBe('es');
    const res = await menu(callSid, phone, 'es', { Digits: '9' });
    expect(await res.text()).toContain(`Thank you for calling Practice ${p.slug}.`);
    expect((await callRow(callSid)).language).toBe('en');
  });

  it('refuses a forged call webhook with 403 and keeps no row; a number no practice owns hears "not in service"', async () => {
    const callSid = fakeSid('CA');
    const res = await postTwilio(h, '/webhooks/twilio/voice', callParams(callSid, nextPhone()), { token: 'forged' });
    expect(res.status).toBe(403);
    expect(await db().select().from(calls).where(eq(calls.callSid, callSid))).toHaveLength(0);
    const other = await postTwilio(h, '/webhooks/twilio/voice', { ...callParams(fakeSid('CA'), nextPhone()), To: '+14155559999' });
    expect(other.status).toBe(200);
    expect(await other.text()).toContain('not in service');
  });
});

describe('voicemail', () => {
  it('recording then transcription become ONE inbound voice message with transcript, link, duration and choice, and go to triage', async () => {
    clock().set(IN_HOURS);
    const { callSid, from } = await incomingCall();
    const menuXml = await (await menu(callSid, from, 'en', { Digits: '2' })).text();
    expect(menuXml).toContain(`action="${PUBLIC}/webhooks/twilio/voice/recording?lang=en&amp;choice=refills&amp;event=action"`);
    expect(menuXml).toContain(`transcribeCallback="${PUBLIC}/webhooks/twilio/voice/transcription?lang=en&amp;choice=refills"`);
    const recordingSid = fakeSid('RE');
    const done = await postTwilio(h, '/webhooks/twilio/voice/recording?lang=en&choice=refills&event=action', callParams(callSid, from, { RecordingSid: recordingSid, RecordingUrl: recordingUrl(recordingSid), RecordingDuration: '14', Digits: '#' }));
    expect(await done.text()).toContain('We have your message');
    expect((await recordingStatus(callSid, recordingSid, 14)).status).toBeLessThan(300);
    expect(await voiceMessage(recordingSid)).toBeUndefined(); // waits for the transcript
    expect((await transcription(callSid, from, recordingSid, 'Hi, this is Maria, I need a refill of my lisinopril at CVS.')).status).toBeLessThan(300);

    const msg = (await voiceMessage(recordingSid))!;
    expect(msg).toMatchObject({ direction: 'inbound', channel: 'voice', body: 'Hi, this is Maria, I need a refill of my lisinopril at CVS.', fromAddress: from });
    expect(msg.meta).toMatchObject({ kind: 'voicemail', callSid, durationSeconds: 14, choice: 'refills', language: 'en' });
    expect(msg.meta.noTranscript).toBeUndefined();
    const [att] = await db().select().from(messageAttachments).where(eq(messageAttachments.messageId, msg.id));
    expect(att).toMatchObject({ contentType: 'audio/mpeg', url: `${recordingUrl(recordingSid)}.mp3` });
    await callStatus(callSid, from, 'completed', 40);
    expect(await callRow(callSid)).toMatchObject({ outcome: 'voicemail', durationSeconds: 40, menuChoice: 'refills', conversationId: msg.conversationId });
    await h.drain();
    expect((await voiceMessage(recordingSid))!.triage).toMatchObject({ intent: 'refill_request' });
    // a voicemail is not a missed call: no missed-call message, no text-back
    expect(await voiceMessage(callSid)).toBeUndefined();
    expect(twilioApi.messages).toHaveLength(0);
    expect(await db().select().from(messages).where(eq(messages.providerId, recordingSid))).toHaveLength(1);
  });

  it('transcription before the recording callback still makes one message; retried callbacks change nothing', async () => {
    clock().set(IN_HOURS);
    const { callSid, from } = await incomingCall();
    const recordingSid = fakeSid('RE');
    await transcription(callSid, from, recordingSid, 'I have a question about my bill.', 'lang=en&choice=billing');
    expect(await voiceMessage(recordingSid)).toBeUndefined();
    await recordingStatus(callSid, recordingSid, 9, 'lang=en&choice=billing');
    await recordingStatus(callSid, recordingSid, 9, 'lang=en&choice=billing');
    await transcription(callSid, from, recordingSid, 'I have a question about my bill.', 'lang=en&choice=billing');
    const all = await db().select().from(messages).where(eq(messages.providerId, recordingSid));
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ body: 'I have a question about my bill.' });
    expect(all[0]!.meta).toMatchObject({ choice: 'billing', durationSeconds: 9 });
  });

  it('too short and too long recordings land at once, marked "no transcript"', async () => {
    clock().set(IN_HOURS);
    const short = await incomingCall();
    const shortSid = fakeSid('RE');
    await recordingStatus(short.callSid, shortSid, 1);
    // a marker for staff, never mistaken for the caller's words
    expect((await voiceMessage(shortSid))!.body).toMatch(/^\[Voicemail: transcript unavailable \(the recording is under 2 seconds\)/);
    expect((await voiceMessage(shortSid))!.meta).toMatchObject({ noTranscript: true, noTranscriptReason: 'too_short', durationSeconds: 1 });

    const long = await incomingCall();
    const longSid = fakeSid('RE');
    await recordingStatus(long.callSid, longSid, 121);
    expect((await voiceMessage(longSid))!.meta).toMatchObject({ noTranscript: true, noTranscriptReason: 'too_long', durationSeconds: 121 });
    expect((await db().select().from(recordings).where(eq(recordings.recordingSid, longSid)))[0]).toMatchObject({ durationSeconds: 121, transcriptionStatus: 'none:too_long' });
    // still triaged: a person must listen
    const [row] = await db().select().from(outbox).where(eq(outbox.dedupeKey, `triage:${(await voiceMessage(longSid))!.id}`));
    expect(row).toBeDefined();
  });

  it('lands without a transcript when Twilio\'s transcription never comes (after 10 minutes), and a late one fills it in', async () => {
    clock().set(IN_HOURS);
    const { callSid, from } = await incomingCall();
    const recordingSid = fakeSid('RE');
    await recordingStatus(callSid, recordingSid, 30);
    await h.drain();
    expect(await voiceMessage(recordingSid)).toBeUndefined();
    clock().advance(10 * 60_000);
    await h.drain();
    expect((await voiceMessage(recordingSid))!.meta).toMatchObject({ noTranscript: true, noTranscriptReason: 'failed' });
    await transcription(callSid, from, recordingSid, 'Please call me back about my appointment.');
    const msg = (await voiceMessage(recordingSid))!;
    expect(msg.body).toBe('Please call me back about my appointment.');
    expect(msg.meta.noTranscript).toBeUndefined();
  });

  it('a Spanish voicemail goes through the transcription provider (Voice Intelligence, msw-mocked)', async () => {
    clock().set(IN_HOURS);
    const { callSid, from } = await incomingCall();
    await menu(callSid, from, 'en', { Digits: '9' });
    const esMenu = await (await menu(callSid, from, 'es', { SpeechResult: 'Necesito una cita' })).text();
    expect(esMenu).toContain('recording?lang=es&amp;choice=appointments&amp;event=action');
    expect(esMenu).not.toContain('transcribe=');
    const recordingSid = fakeSid('RE');
    await recordingStatus(callSid, recordingSid, 25, 'lang=es&choice=appointments');
    await h.drain();
    const create = twilioApi.requests.find((r) => r.pathname === '/v2/Transcripts' && r.method === 'POST')!;
    expect(create.form).toMatchObject({ ServiceSid: SPANISH_SERVICE, CustomerKey: recordingSid });
    expect(JSON.parse(String(create.form.Channel))).toEqual({ media_properties: { source_sid: recordingSid } });
    expect(await voiceMessage(recordingSid)).toBeUndefined();

    const [poll] = await db().select().from(outbox).where(eq(outbox.dedupeKey, `voicemail:${(await db().select().from(recordings).where(eq(recordings.recordingSid, recordingSid)))[0]!.id}:poll:1`));
    const transcriptSid = String(poll!.payload.transcriptId);
    // still running at the first poll
    clock().advance(15_000);
    await h.drain();
    expect(await voiceMessage(recordingSid)).toBeUndefined();
    twilioApi.setTranscript(transcriptSid, { status: 'completed', sentences: ['Hola, necesito una cita', 'para el martes por la mañana.'] });
    clock().advance(15_000);
    await h.drain();
    const msg = (await voiceMessage(recordingSid))!;
    expect(msg.body).toBe('Hola, necesito una cita para el martes por la mañana.');
    expect(msg.meta).toMatchObject({ kind: 'voicemail', language: 'es', choice: 'appointments', durationSeconds: 25 });
    expect(msg.triage).toMatchObject({ intent: 'appointment_new', language: 'es' });
  });
});

describe('missed calls', () => {
  const textBacks = () => twilioApi.messages.map((m) => m.form);

  it('shows in the inbox and gets one text-back from the number called; a second call that day gets none', async () => {
    clock().set(IN_HOURS);
    const { callSid, from } = await incomingCall();
    await callStatus(callSid, from, 'completed', 12);
    expect(await callRow(callSid)).toMatchObject({ outcome: 'missed', durationSeconds: 12, status: 'completed' });
    const missed = (await voiceMessage(callSid))!;
    expect(missed).toMatchObject({ direction: 'inbound', channel: 'voice', body: 'Missed call', fromAddress: from });
    expect(missed.meta).toMatchObject({ kind: 'missed_call', durationSeconds: 12, textBack: { at: IN_HOURS.replace('Z', '.000Z') } });
    await h.drain();
    expect(textBacks()).toEqual([
      { To: from, From: practiceNumber, Body: `Practice ${p.slug}: Sorry we missed your call. Reply here and we'll help. If this is an emergency, call 911.`, StatusCallback: `${PUBLIC}/webhooks/twilio/sms/status` },
    ]);
    const thread = await db().select().from(messages).where(eq(messages.conversationId, missed.conversationId)).orderBy(asc(messages.createdAt));
    expect(thread.map((m) => [m.direction, m.channel, m.status])).toEqual([
      ['inbound', 'voice', 'received'],
      ['outbound', 'sms', 'queued'],
    ]);

    clock().advance(3 * 3_600_000);
    const again = await incomingCall(from);
    await callStatus(again.callSid, from, 'no-answer', 0);
    expect((await voiceMessage(again.callSid))!.meta).toMatchObject({ textBack: { skipped: 'already_sent_today' } });
    await h.drain();
    expect(textBacks()).toHaveLength(1);
    // a retried status callback changes nothing
    await callStatus(again.callSid, from, 'no-answer', 0);
    expect(await db().select().from(messages).where(eq(messages.providerId, again.callSid))).toHaveLength(1);
  });

  it('after 21:00 the text-back waits for 8:00; two calls that night share it', async () => {
    clock().set('2026-01-06T03:30:00Z'); // 22:30 New York
    const { callSid, from } = await incomingCall();
    await callStatus(callSid, from, 'completed', 5);
    clock().set('2026-01-06T05:00:00Z'); // 00:00
    const second = await incomingCall(from);
    await callStatus(second.callSid, from, 'completed', 5);
    expect((await voiceMessage(second.callSid))!.meta).toMatchObject({ textBack: { skipped: 'already_sent_today' } });
    await h.drain();
    expect(textBacks()).toHaveLength(0);
    clock().set('2026-01-06T13:00:00Z'); // 08:00
    await h.drain();
    expect(textBacks()).toHaveLength(1);
    expect(textBacks()[0]!.To).toBe(from);
  });

  it('no text-back to a revoked contact or a number that cannot take texts; both still show in the inbox', async () => {
    clock().set('2026-01-07T15:00:00Z');
    const revokedPhone = nextPhone();
    const { patient } = await makeConversation(db(), p.id, { phone: revokedPhone });
    const [cp] = await db().select().from(contactPoints).where(eq(contactPoints.patientId, patient.id));
    await recordConsent(db(), { practiceId: p.id, contactPointId: cp!.id, purpose: 'sms', state: 'revoked', source: 'sms_keyword', detail: 'STOP' });
    const a = await incomingCall(revokedPhone);
    await callStatus(a.callSid, revokedPhone, 'completed', 3);
    expect((await voiceMessage(a.callSid))!.meta).toMatchObject({ kind: 'missed_call', textBack: { skipped: 'revoked' } });

    const landline = nextPhone();
    const { patient: lp } = await makeConversation(db(), p.id, { phone: landline });
    await db().update(contactPoints).set({ canReceiveSms: false }).where(eq(contactPoints.patientId, lp.id));
    const b = await incomingCall(landline);
    await callStatus(b.callSid, landline, 'busy', 0);
    expect((await voiceMessage(b.callSid))!.meta).toMatchObject({ textBack: { skipped: 'not_textable' } });
    await h.drain();
    expect(textBacks()).toHaveLength(0);
  });

  it('a caller with a withheld number still shows in the inbox, as an unknown caller, with no text-back', async () => {
    clock().set('2026-01-08T15:00:00Z');
    const { callSid } = await incomingCall('anonymous');
    await callStatus(callSid, 'anonymous', 'no-answer', 0);
    const missed = (await voiceMessage(callSid))!;
    expect(missed).toMatchObject({ direction: 'inbound', channel: 'voice', body: 'Missed call (number withheld)' });
    expect(missed.meta).toMatchObject({ kind: 'missed_call', numberWithheld: true, textBack: { skipped: 'number_withheld' } });
    expect(await callRow(callSid)).toMatchObject({ outcome: 'missed', conversationId: missed.conversationId });
    await h.drain();
    expect(textBacks()).toHaveLength(0);
  });

  it('a recording callback after the call ended turns the missed call into a voicemail and withdraws the pending text-back', async () => {
    clock().set('2026-01-13T03:00:00Z'); // 22:00: the text-back would wait for 8:00
    const { callSid, from } = await incomingCall();
    await callStatus(callSid, from, 'completed', 30);
    expect((await callRow(callSid)).outcome).toBe('missed');
    const recordingSid = fakeSid('RE');
    await recordingStatus(callSid, recordingSid, 1, 'lang=en&choice=other');
    expect((await callRow(callSid)).outcome).toBe('voicemail');
    expect(await voiceMessage(recordingSid)).toBeDefined();
    clock().set('2026-01-13T13:00:00Z');
    await h.drain();
    expect(textBacks()).toHaveLength(0);
    const [withdrawn] = await db().select().from(messages).where(eq(messages.idempotencyKey, `textback:${callSid}`));
    expect(withdrawn).toMatchObject({ status: 'refused', errorCode: 'voicemail_left' });
  });

  it('a caller who hung up in the menu after choosing is missed, with the choice kept', async () => {
    clock().set('2026-01-12T15:00:00Z'); // Monday 10:00, open
    const { callSid, from } = await incomingCall();
    await menu(callSid, from, 'en', { Digits: '3' });
    await callStatus(callSid, from, 'completed', 20);
    expect(await callRow(callSid)).toMatchObject({ outcome: 'missed', menuChoice: 'billing' });
    expect((await voiceMessage(callSid))!.meta).toMatchObject({ choice: 'billing' });
  });
});
