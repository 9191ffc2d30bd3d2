import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { setupServer } from 'msw/node';
import { http, HttpResponse } from 'msw';
import { and, eq } from 'drizzle-orm';
import { auditEvents, messageAttachments, messages, outbox, practices } from '../../src/platform/db/schema';
import { readBlob } from '../../src/platform/blobs/blob-store';
import { MMS_FETCH_MAX_BYTES, moveInlineAttachments } from '../../src/intake/media/media-job';
import { startHarness, type Harness } from '../helpers/harness';
import { makeConversation, makePractice, tokenFor, userWithPassword } from '../helpers/fixtures';
import { fakeSid, inboundSms, postTwilio } from '../helpers/twilio';
import { signIn } from '../helpers/session';
import { inboundEnv, parsedEmail, postInbound } from '../helpers/email';
import { createTwilioApiMock, SAMPLE_JPEG, SAMPLE_MP3, TWILIO_API, TWILIO_CDN } from '../msw/twilio';
import type { PracticeView } from '../../src/practices/practices';
import { createLogger } from '../../src/platform/logger';

const ACCOUNT = 'AC0123456789abcdef0123456789abcdef';
const liveEnv = { TWILIO_ACCOUNT_SID: ACCOUNT, TWILIO_AUTH_TOKEN: 'media-test-auth-token', SEND_MODE: 'live', SMS_RATE_PER_SECOND: '1000' };
const twilioApi = createTwilioApiMock();
// nothing may leave for a host the stand-ins do not know
const server = setupServer(...twilioApi.handlers);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  twilioApi.requests.length = 0;
});
afterAll(() => server.close());

let seq = 7000;
const nextPhone = () => `+1415555${++seq}`;
const mediaUrl = (n = 1) => {
  const mm = fakeSid('MM').slice(0, 34);
  return `${TWILIO_API}/Accounts/${ACCOUNT}/Messages/${mm}/Media/ME${String(n).padStart(32, '0')}`;
};

async function mms(h: Harness, p: PracticeView, urls: { url: string; type: string }[], from = nextPhone(), sid = fakeSid('MM')) {
  const extra: Record<string, string> = { MessageSid: sid, NumMedia: String(urls.length) };
  urls.forEach((u, i) => {
    extra[`MediaUrl${i}`] = u.url;
    extra[`MediaContentType${i}`] = u.type;
  });
  const res = await postTwilio(h, '/webhooks/twilio/sms', inboundSms(from, p.phoneNumbers[0]!, 'photo of my rash', extra));
  expect(res.status).toBe(200);
  const [m] = await h.runtime.deps.db.select().from(messages).where(and(eq(messages.channel, 'sms'), eq(messages.providerId, sid)));
  return { message: m!, sid, from };
}

const attachmentsOf = async (h: Harness, messageId: string) =>
  h.runtime.deps.db.select().from(messageAttachments).where(eq(messageAttachments.messageId, messageId));

describe('inbound MMS media (live)', () => {
  let h: Harness;
  let p: PracticeView;
  beforeAll(async () => {
    h = await startHarness({ env: liveEnv });
    p = await makePractice(h.runtime.deps.db);
  });
  afterAll(() => h.close());

  it('are fetched by a job (not in the webhook) from api.twilio.com with the account, through Twilio\'s CDN redirect, and served from our origin', async () => {
    const url = mediaUrl();
    const { message } = await mms(h, p, [{ url, type: 'image/jpeg' }]);
    // the webhook answered without fetching anything
    expect(twilioApi.mediaFetches).toHaveLength(0);
    const [pending] = await attachmentsOf(h, message.id);
    expect(pending).toMatchObject({ status: 'pending', url, blobKey: null });
    const jobs = await h.runtime.deps.db.select().from(outbox).where(eq(outbox.dedupeKey, `media:${pending!.id}`));
    expect(jobs).toHaveLength(1);
    expect(Object.keys(jobs[0]!.payload).sort()).toEqual(['attachmentId', 'requestId']);

    await h.drain();
    const [first, second] = twilioApi.mediaFetches;
    expect(first!.url).toBe(url);
    expect(first!.headers.authorization).toBe(`Basic ${Buffer.from(`${ACCOUNT}:media-test-auth-token`).toString('base64')}`);
    // the credentials never go to the CDN
    expect(second!.url.startsWith(TWILIO_CDN)).toBe(true);
    expect(second!.headers.authorization).toBeUndefined();

    const [stored] = await attachmentsOf(h, message.id);
    expect(stored).toMatchObject({ status: 'stored', contentType: 'image/jpeg', size: SAMPLE_JPEG.byteLength, content: null });
    expect([...(await readBlob(h.runtime.deps.blobs, stored!.blobKey!))!]).toEqual([...SAMPLE_JPEG]);

    const detail = await h.request('GET', `/api/v1/conversations/${message.conversationId}`);
    const text = await detail.text();
    expect(text).not.toContain('twilio.com');
    const view = JSON.parse(text) as { messages: { id: string; attachments: { id: string; url: string | null; status: string }[] }[] };
    const att = view.messages.find((m) => m.id === message.id)!.attachments[0]!;
    expect(att).toMatchObject({ id: stored!.id, status: 'stored', url: `/api/v1/attachments/${stored!.id}` });

    const file = await h.request('GET', att.url!);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('image/jpeg');
    expect(file.headers.get('content-security-policy')).toContain('sandbox');
    expect(file.headers.get('cache-control')).toBe('private, no-store');
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(SAMPLE_JPEG);
  });

  it('a retried webhook makes no second attachment, job or fetch', async () => {
    const sid = fakeSid('MM');
    const from = nextPhone();
    const url = mediaUrl(2);
    const { message } = await mms(h, p, [{ url, type: 'image/jpeg' }], from, sid);
    await mms(h, p, [{ url, type: 'image/jpeg' }], from, sid);
    await h.drain();
    expect(await attachmentsOf(h, message.id)).toHaveLength(1);
    expect(twilioApi.mediaFetches.filter((r) => r.url === url)).toHaveLength(1);
  });

  it('refuses links off Twilio\'s API host or another account, redirects to other hosts, wrong types and oversized media, and says why', async () => {
    const offHost = 'https://evil.example.com/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/x.jpg';
    const otherAccount = `${TWILIO_API}/Accounts/AC99999999999999999999999999999999/Messages/MM1/Media/ME1`;
    const badRedirect = mediaUrl(3);
    twilioApi.setMedia(new URL(badRedirect).pathname, { redirect: 'https://attacker.example.net/steal' });
    const html = mediaUrl(4);
    twilioApi.setMedia(new URL(html).pathname, { bytes: new TextEncoder().encode('<script>'), contentType: 'text/html' });
    const huge = mediaUrl(5);
    twilioApi.setMedia(new URL(huge).pathname, { bytes: new Uint8Array(MMS_FETCH_MAX_BYTES + 1), contentType: 'image/jpeg' });
    const gone = mediaUrl(6);
    twilioApi.setMedia(new URL(gone).pathname, { status: 404, code: 20404 });
    const { message } = await mms(h, p, [offHost, otherAccount, badRedirect, html, huge, gone].map((url) => ({ url, type: 'image/jpeg' })));
    await h.drain();
    const rows = await attachmentsOf(h, message.id);
    const by = (url: string) => rows.find((r) => r.url === url)!;
    expect(by(offHost)).toMatchObject({ status: 'failed', error: 'not_allowed', blobKey: null });
    expect(by(otherAccount)).toMatchObject({ status: 'failed', error: 'not_allowed' });
    expect(by(badRedirect)).toMatchObject({ status: 'failed', error: 'redirect_refused' });
    expect(by(html)).toMatchObject({ status: 'failed', error: 'bad_type' });
    expect(by(huge)).toMatchObject({ status: 'failed', error: 'too_large' });
    expect(by(gone)).toMatchObject({ status: 'failed', error: 'not_found' });
    // nothing was asked of hosts that are not Twilio's
    expect(twilioApi.requests.every((r) => r.url.startsWith(TWILIO_API) || r.url.startsWith(TWILIO_CDN))).toBe(true);
    const res = await h.request('GET', `/api/v1/attachments/${by(html).id}`);
    expect(res.status).toBe(404);
  });

  it('a recording plays from our origin in ranges (206 with Content-Range), audited once per listener', async () => {
    const { conversation } = await makeConversation(h.runtime.deps.db, p.id);
    const recSid = fakeSid('RE');
    const url = `${TWILIO_API}/Accounts/${ACCOUNT}/Recordings/${recSid}.mp3`;
    const [msg] = await h.runtime.deps.db
      .insert(messages)
      .values({ practiceId: p.id, conversationId: conversation.id, direction: 'inbound', channel: 'voice', providerId: recSid, body: '', status: 'received', authorType: 'patient' })
      .returning();
    const [a] = await h.runtime.deps.db
      .insert(messageAttachments)
      .values({ practiceId: p.id, conversationId: conversation.id, messageId: msg!.id, kind: 'recording', status: 'pending', contentType: 'audio/mpeg', url })
      .returning();
    await moveInlineAttachments(h.runtime.deps.db, h.runtime.deps.blobs, createLogger({ level: 'silent' }), h.clock.now());
    await h.drain();
    const path = `/api/v1/attachments/${a!.id}`;
    const first = await h.request('GET', path, { headers: { range: 'bytes=0-99' } });
    expect(first.status).toBe(206);
    expect(first.headers.get('content-range')).toBe(`bytes 0-99/${SAMPLE_MP3.byteLength}`);
    expect(first.headers.get('accept-ranges')).toBe('bytes');
    expect(first.headers.get('content-length')).toBe('100');
    expect(new Uint8Array(await first.arrayBuffer())).toEqual(SAMPLE_MP3.slice(0, 100));
    const tail = await h.request('GET', path, { headers: { range: 'bytes=-10' } });
    expect(tail.status).toBe(206);
    expect(new Uint8Array(await tail.arrayBuffer())).toEqual(SAMPLE_MP3.slice(-10));
    const open = await h.request('GET', path, { headers: { range: 'bytes=990-' } });
    expect(open.headers.get('content-range')).toBe(`bytes 990-999/${SAMPLE_MP3.byteLength}`);
    const beyond = await h.request('GET', path, { headers: { range: 'bytes=5000-' } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe(`bytes */${SAMPLE_MP3.byteLength}`);
    const whole = await h.request('GET', path, { headers: { range: 'bytes=0-1,5-6' } }); // several ranges: the whole file
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-type')).toBe('audio/mpeg');
    const reads = await h.runtime.deps.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'attachment.read'), eq(auditEvents.subjectId, a!.id)));
    expect(reads).toHaveLength(1);
    expect(reads[0]).toMatchObject({ patientId: conversation.patientId, practiceId: p.id });
  });

  it('a voicemail\'s recording is fetched as MP3 into our storage and plays from our origin', async () => {
    const callSid = fakeSid('CA');
    const from = nextPhone();
    const call = { AccountSid: ACCOUNT, CallSid: callSid, From: from, To: p.phoneNumbers[0]!, Caller: from, Called: p.phoneNumbers[0]!, Direction: 'inbound' };
    expect((await postTwilio(h, '/webhooks/twilio/voice', { ...call, CallStatus: 'ringing' })).status).toBe(200);
    const recSid = fakeSid('RE');
    const status = await postTwilio(h, '/webhooks/twilio/voice/recording?lang=en&choice=refills&event=status', {
      AccountSid: ACCOUNT,
      CallSid: callSid,
      RecordingSid: recSid,
      RecordingUrl: `${TWILIO_API}/Accounts/${ACCOUNT}/Recordings/${recSid}`,
      RecordingStatus: 'completed',
      RecordingDuration: '1', // too short to transcribe: lands at once
      RecordingChannels: '1',
      RecordingSource: 'RecordVerb',
    });
    expect(status.status).toBeLessThan(300);
    await h.drain();
    const [voicemail] = await h.runtime.deps.db.select().from(messages).where(and(eq(messages.channel, 'voice'), eq(messages.providerId, recSid)));
    const [rec] = await attachmentsOf(h, voicemail!.id);
    expect(rec).toMatchObject({ kind: 'recording', status: 'stored', contentType: 'audio/mpeg', url: `${TWILIO_API}/Accounts/${ACCOUNT}/Recordings/${recSid}.mp3` });
    expect(twilioApi.mediaFetches.map((r) => r.url)).toContain(`${TWILIO_API}/Accounts/${ACCOUNT}/Recordings/${recSid}.mp3`);
    const played = await h.request('GET', `/api/v1/attachments/${rec!.id}`, { headers: { range: 'bytes=0-2' } });
    expect(played.status).toBe(206);
    expect([...new Uint8Array(await played.arrayBuffer())]).toEqual([0x49, 0x44, 0x33]);
  });

  it('only those who may see the conversation may fetch its files (404 otherwise, nothing told)', async () => {
    const other = await makePractice(h.runtime.deps.db);
    const { message } = await mms(h, p, [{ url: mediaUrl(7), type: 'image/jpeg' }]);
    await h.drain();
    const [a] = await attachmentsOf(h, message.id);
    const outsider = await tokenFor(h.runtime.deps.db, 'manager', other.id);
    expect((await h.request('GET', `/api/v1/attachments/${a!.id}`, { token: outsider })).status).toBe(404);
    // an assistant granted only another queue sees nothing of an unassigned conversation
    const assistant = await userWithPassword(h.runtime.deps.db, 'assistant', [p.id], ['scheduling']);
    const session = await signIn(h, assistant);
    expect((await h.request('GET', `/api/v1/attachments/${a!.id}`, { token: null, headers: session.read })).status).toBe(404);
    expect((await h.request('GET', `/api/v1/attachments/${a!.id}`, { token: null })).status).toBe(401);
    const portal = await tokenFor(h.runtime.deps.db, 'portal', p.id);
    expect((await h.request('GET', `/api/v1/attachments/${a!.id}`, { token: portal })).status).toBe(404);
  });
});

describe('portal attachments (live)', () => {
  it('come inline (stored at once) or as links fetched only from the practice\'s own portal host', async () => {
    const h = await startHarness({ env: liveEnv });
    try {
      const p = await makePractice(h.runtime.deps.db);
      await h.runtime.deps.db.update(practices).set({ portalUrl: 'https://portal.example.org/login' }).where(eq(practices.id, p.id));
      server.use(
        http.get('https://portal.example.org/files/:name', () => new HttpResponse(new TextEncoder().encode('%PDF-1.4 referral'), { headers: { 'content-type': 'application/pdf' } })),
      );
      const portal = await tokenFor(h.runtime.deps.db, 'portal', p.id);
      const res = await h.request('POST', '/api/v1/portal/messages', {
        token: portal,
        body: {
          messageId: 'pm-att-1',
          patient: { portalId: 'pt-att', firstName: 'Ana', lastName: 'Ruiz', dateOfBirth: '1990-01-02' },
          body: 'My referral and insurance card',
          attachments: [
            { name: 'card.png', contentType: 'image/png', size: 10, content: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2]).toString('base64') },
            { name: 'referral.pdf', contentType: 'application/pdf', size: 17, url: 'https://portal.example.org/files/referral.pdf' },
            { name: 'elsewhere.pdf', contentType: 'application/pdf', size: 17, url: 'https://files.elsewhere.example.net/x.pdf' },
          ],
        },
      });
      expect(res.status).toBe(201);
      const { id } = (await res.json()) as { id: string };
      await h.drain();
      const rows = await attachmentsOf(h, id);
      const by = (name: string) => rows.find((r) => r.name === name)!;
      expect(by('card.png')).toMatchObject({ status: 'stored', size: 10, content: null });
      expect(by('referral.pdf')).toMatchObject({ status: 'stored', contentType: 'application/pdf' });
      expect(Buffer.from((await readBlob(h.runtime.deps.blobs, by('referral.pdf').blobKey!))!).toString()).toBe('%PDF-1.4 referral');
      expect(by('elsewhere.pdf')).toMatchObject({ status: 'failed', error: 'not_allowed' });
    } finally {
      await h.close();
    }
  });
});

describe('inbound MMS media in simulate mode', () => {
  let h: Harness;
  let p: PracticeView;
  beforeAll(async () => {
    h = await startHarness();
    p = await makePractice(h.runtime.deps.db);
  });
  afterAll(() => h.close());

  it('are not fetched: the attachment says so and the message still shows it', async () => {
    const { message } = await mms(h, p, [{ url: mediaUrl(8), type: 'image/png' }]);
    await h.drain();
    expect(twilioApi.requests).toHaveLength(0);
    const [a] = await attachmentsOf(h, message.id);
    expect(a).toMatchObject({ status: 'skipped', error: 'simulate_mode', blobKey: null });
    const view = (await (await h.request('GET', `/api/v1/conversations/${message.conversationId}`)).json()) as { messages: { attachments: unknown[] }[] };
    expect(view.messages.flatMap((m) => m.attachments)).toEqual([
      { id: a!.id, name: null, contentType: 'image/png', size: null, kind: 'attachment', status: 'skipped', url: null, note: 'simulate_mode' },
    ]);
  });
});

describe('email attachments', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: inboundEnv });
  });
  afterAll(() => h.close());

  it('go to the blob store before the message is stored; a retried post writes no second file; a failed write stores nothing and asks for a retry', async () => {
    const p = await makePractice(h.runtime.deps.db);
    const post = (messageId: string) =>
      postInbound(
        h,
        parsedEmail({
          to: p.emailAddresses[0]!,
          from: 'Pat Doe <pat@example.com>',
          subject: 'my card',
          text: 'attached',
          messageId,
          extra: [
            { name: 'attachments', value: '1' },
            { name: 'attachment-info', value: JSON.stringify({ attachment1: { filename: 'card.png', name: 'card.png', type: 'image/png' } }) },
            { name: 'attachment1', value: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2]), filename: 'card.png', contentType: 'image/png' },
          ],
        }),
      );
    const files = () => {
      try {
        return readdirSync(join(h.dataDir, 'blobs', p.id, 'in')).length;
      } catch {
        return 0;
      }
    };
    const first = await post('<card-1@example.com>');
    expect(first.status).toBe(200);
    const again = await post('<card-1@example.com>');
    expect(((await again.json()) as { duplicate: boolean }).duplicate).toBe(true);
    expect(files()).toBe(1);

    const blobs = h.runtime.deps.blobs;
    const put = blobs.put;
    blobs.put = async () => {
      throw new Error('disk full');
    };
    try {
      const failed = await post('<card-2@example.com>');
      expect(failed.status).toBeGreaterThanOrEqual(500);
    } finally {
      blobs.put = put;
    }
    expect(await h.runtime.deps.db.select().from(messages).where(eq(messages.providerId, '<card-2@example.com>'))).toHaveLength(0);
    const retried = await post('<card-2@example.com>');
    expect(retried.status).toBe(200);
    expect(files()).toBe(2);
  });

  it('kept inline by older versions move to the blob store at start, once', async () => {
    const p = await makePractice(h.runtime.deps.db);
    const { conversation, message } = await makeConversation(h.runtime.deps.db, p.id);
    const [legacy] = await h.runtime.deps.db
      .insert(messageAttachments)
      .values({ practiceId: p.id, conversationId: conversation.id, messageId: message.id, status: 'inline', name: 'old.pdf', contentType: 'application/pdf', content: Buffer.from('%PDF-1.4 old').toString('base64') })
      .returning();
    const log = createLogger({ level: 'silent' });
    expect((await moveInlineAttachments(h.runtime.deps.db, h.runtime.deps.blobs, log, h.clock.now())).moved).toBe(1);
    expect((await moveInlineAttachments(h.runtime.deps.db, h.runtime.deps.blobs, log, h.clock.now())).moved).toBe(0);
    const [moved] = await h.runtime.deps.db.select().from(messageAttachments).where(eq(messageAttachments.id, legacy!.id));
    expect(moved).toMatchObject({ status: 'stored', content: null, size: 12 });
    expect(Buffer.from((await readBlob(h.runtime.deps.blobs, moved!.blobKey!))!).toString()).toBe('%PDF-1.4 old');
  });
});
