import { readBlob } from '../../src/platform/blobs/blob-store';
import iconv from 'iconv-lite';
import { Writable } from 'node:stream';
import { createApp } from '../../src/app/create-app';
import { createLogger } from '../../src/platform/logger';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { count, eq } from 'drizzle-orm';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { contactPoints, conversations, messageAttachments, messages, outbox, practiceAddresses } from '../../src/platform/db/schema';
import { queueOutbound } from '../../src/outreach/outbound';
import { ingestStatement } from '../../src/intake/ingest';
import { startHarness, type Harness } from '../helpers/harness';
import { makePractice, tokenFor } from '../helpers/fixtures';
import { basicAuth, inboundEnv, parsedEmail, postInbound } from '../helpers/email';
import { CONTENT_TYPE, multipartBody, sendGridSample } from '../fixtures/email/multipart';
import type { PracticeView } from '../../src/practices/practices';

let h: Harness;
let p: PracticeView;
let inbox: string;

beforeAll(async () => {
  h = await startHarness({ env: inboundEnv });
  p = await makePractice(h.runtime.deps.db, 'lakeside');
  inbox = p.emailAddresses[0]!;
  // the addresses SendGrid's published sample posts are sent to
  await h.runtime.deps.db.insert(practiceAddresses).values([
    { practiceId: p.id, kind: 'email', value: 'inbound@inbound.example.com' },
    { practiceId: p.id, kind: 'email', value: 'inbound@inbound.inbound.com' },
  ]);
});
afterAll(() => h.close());

const db = () => h.runtime.deps.db;
const messageCount = async () => Number((await db().select({ n: count() }).from(messages))[0]!.n);
/** The next ingest statement fails as a dropped connection would; the relay's queries run on. */
function failIngestOnce(error: Error) {
  const statement = ingestStatement(db());
  const original = statement.execute.bind(statement);
  let failed = false;
  return vi.spyOn(statement, 'execute').mockImplementation(((values: never) => {
    if (!failed) {
      failed = true;
      return Promise.reject(error);
    }
    return original(values);
  }) as never);
}
const stored = async (id: string) => (await db().select().from(messages).where(eq(messages.id, id)))[0]!;

describe('POST /webhooks/sendgrid/inbound', () => {
  it('stores a plain-text email for the practice it was sent to, with patient, conversation and triage job', async () => {
    const res = await postInbound(h, parsedEmail({ to: `Lakeside <${inbox}>`, subject: 'Refill', text: 'Can I get a refill of my lisinopril?' }));
    expect(res.status).toBe(200);
    const out = (await res.json()) as { id: string; conversationId: string; duplicate: boolean };
    expect(out.duplicate).toBe(false);
    const msg = await stored(out.id);
    expect(msg).toMatchObject({ practiceId: p.id, channel: 'email', direction: 'inbound', body: 'Can I get a refill of my lisinopril?', subject: 'Refill', toAddress: inbox, fromAddress: 'maria.lopez@example.com', status: 'received' });
    const [point] = await db().select().from(contactPoints).where(eq(contactPoints.id, msg.contactPointId!));
    expect(point).toMatchObject({ kind: 'email', value: 'maria.lopez@example.com' });
    expect(await db().select().from(outbox).where(eq(outbox.dedupeKey, `triage:${out.id}`))).toHaveLength(1);
  });

  it('refuses a wrong or missing basic auth with 401 and stores nothing', async () => {
    const before = await messageCount();
    const body = parsedEmail({ to: inbox, text: 'forged' });
    for (const auth of [basicAuth('sendgrid-parse', 'wrong'), basicAuth('someone', 'parse-secret-8c1f2e'), null, 'Bearer abc']) {
      const res = await postInbound(h, body, auth);
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    }
    expect(await messageCount()).toBe(before);
  });

  it('turns an HTML-only email into text', async () => {
    const res = await postInbound(
      h,
      parsedEmail({ from: 'Ann Lee <ann@example.org>', to: inbox, html: '<div dir="ltr">I need to <b>reschedule</b> my appointment.<br>Thanks, Ann</div>' }),
    );
    expect(res.status).toBe(200);
    const msg = await stored(((await res.json()) as { id: string }).id);
    expect(msg.body).toBe('I need to reschedule my appointment.\nThanks, Ann');
  });

  it('honours a non-UTF-8 charset (ISO-8859-1 text and subject)', async () => {
    const text = 'Necesito cambiar mi cita del miércoles. ¿Puedo ir el jueves? Gracias, Begoña';
    const res = await postInbound(
      h,
      parsedEmail({
        from: 'Begoña Muñoz <begona@example.es>',
        to: inbox,
        subject: iconv.encode('Cita del miércoles', 'iso-8859-1'),
        text: iconv.encode(text, 'iso-8859-1'),
        charsets: { to: 'UTF-8', from: 'UTF-8', subject: 'iso-8859-1', text: 'iso-8859-1' },
      }),
    );
    expect(res.status).toBe(200);
    const msg = await stored(((await res.json()) as { id: string }).id);
    expect(msg.body).toBe(text);
    expect(msg.subject).toBe('Cita del miércoles');
  });

  it('keeps attachments with name, type and size (parsed mode)', async () => {
    const pdf = Buffer.from('%PDF-1.4 lab result');
    const res = await postInbound(
      h,
      parsedEmail({
        from: 'Tom Ray <tom@example.net>',
        to: inbox,
        text: 'My insurance card and results attached',
        extra: [
          { name: 'attachments', value: '2' },
          {
            name: 'attachment-info',
            value: JSON.stringify({
              attachment1: { filename: 'results.pdf', name: 'results.pdf', type: 'application/pdf' },
              attachment2: { filename: 'card.png', name: 'card.png', type: 'image/png' },
            }),
          },
          { name: 'attachment1', value: pdf, filename: 'results.pdf', contentType: 'application/pdf' },
          { name: 'attachment2', value: Buffer.from([0x89, 0x50, 0x4e, 0x47]), filename: 'card.png', contentType: 'image/png' },
        ],
      }),
    );
    expect(res.status).toBe(200);
    const id = ((await res.json()) as { id: string }).id;
    const rows = await db().select().from(messageAttachments).where(eq(messageAttachments.messageId, id));
    expect(rows.map((r) => ({ name: r.name, contentType: r.contentType, size: r.size })).sort((a, b) => a.name!.localeCompare(b.name!))).toEqual([
      { name: 'card.png', contentType: 'image/png', size: 4 },
      { name: 'results.pdf', contentType: 'application/pdf', size: pdf.length },
    ]);
    // the bytes are in the blob store, never in Postgres
    const pdfRow = rows.find((r) => r.name === 'results.pdf')!;
    expect(pdfRow).toMatchObject({ content: null, status: 'stored' });
    expect(Buffer.from((await readBlob(h.runtime.deps.blobs, pdfRow.blobKey!))!).toString()).toBe('%PDF-1.4 lab result');
  });

  it("stores SendGrid's published samples: parsed, raw MIME, and raw MIME with a JPEG", async () => {
    const parsed = await postInbound(h, sendGridSample('default_data.txt'));
    expect(parsed.status).toBe(200);
    expect((await stored(((await parsed.json()) as { id: string }).id)).body).toBe('Hello Twilio SendGrid!');

    const raw = await postInbound(h, sendGridSample('raw_data.txt'));
    expect(raw.status).toBe(200);
    const rawMsg = await stored(((await raw.json()) as { id: string }).id);
    expect(rawMsg).toMatchObject({ body: 'Hello Twilio SendGrid!', subject: 'Inbound Parse Test Raw Data', toAddress: 'inbound@inbound.inbound.com' });
    expect(rawMsg.meta).toMatchObject({ mode: 'raw' });

    const withJpeg = await postInbound(h, sendGridSample('raw_data_with_attachments.txt'));
    expect(withJpeg.status).toBe(200);
    const id = ((await withJpeg.json()) as { id: string }).id;
    const [jpeg] = await db().select().from(messageAttachments).where(eq(messageAttachments.messageId, id));
    expect(jpeg).toMatchObject({ name: 'SendGrid.jpg', contentType: 'image/jpeg', size: 10295 });
  });

  it('shows what the patient wrote now for a Gmail reply with quoted history, keeping the original', async () => {
    const text = [
      'Yes, Tuesday at 3pm works for me.',
      '',
      'Maria',
      '',
      `On Mon, Mar 2, 2026 at 9:14 AM Lakeside <${inbox}> wrote:`,
      '> Hi Maria, could you come in on Tuesday at 3pm?',
      '>',
      '> Lakeside Family Medicine',
    ].join('\n');
    const res = await postInbound(h, parsedEmail({ from: 'Maria Lopez <maria.lopez@example.com>', to: inbox, subject: 'Re: Your appointment', text }));
    const msg = await stored(((await res.json()) as { id: string }).id);
    expect(msg.body).toBe('Yes, Tuesday at 3pm works for me.\n\nMaria');
    expect(msg.originalBody).toBe(text);
  });

  it('shows what the patient wrote now for an Outlook reply with quoted history, keeping the original', async () => {
    const text =
      'Please cancel my appointment.\r\n\r\nJohn\r\n\r\n________________________________\r\nFrom: Lakeside Family Medicine <front@lakeside.example.com>\r\nSent: Monday, March 2, 2026 9:14 AM\r\nTo: John Smith <john@example.com>\r\nSubject: Reminder\r\n\r\nYour appointment is tomorrow at 9.';
    const res = await postInbound(h, parsedEmail({ from: 'John Smith <john@example.com>', to: inbox, subject: 'RE: Reminder', text }));
    const msg = await stored(((await res.json()) as { id: string }).id);
    expect(msg.body).toBe('Please cancel my appointment.\n\nJohn');
    expect(msg.originalBody).toContain('Your appointment is tomorrow at 9.');
  });

  it('refuses an attachment over the limit with 413 and the reason, storing nothing', async () => {
    const before = await messageCount();
    const big = Buffer.alloc(25 * 1024 * 1024 + 1, 0x41);
    const res = await postInbound(
      h,
      parsedEmail({
        from: 'Big Scan <scan@example.com>',
        to: inbox,
        text: 'scan attached',
        extra: [
          { name: 'attachments', value: '1' },
          { name: 'attachment-info', value: JSON.stringify({ attachment1: { filename: 'mri.dcm', name: 'mri.dcm', type: 'application/dicom' } }) },
          { name: 'attachment1', value: big, filename: 'mri.dcm', contentType: 'application/dicom' },
        ],
      }),
    );
    expect(res.status).toBe(413);
    const err = ((await res.json()) as { error: { code: string; message: string } }).error;
    expect(err.code).toBe('attachment_too_large');
    expect(err.message).toMatch(/mri\.dcm.*over the limit of 26214400 bytes/);
    expect(await messageCount()).toBe(before);
  });

  it('answers bad input with a 4xx (SendGrid drops it) and a failure to store with a 5xx (SendGrid retries)', async () => {
    const noSender = multipartBody([
      { name: 'to', value: inbox },
      { name: 'text', value: 'hi' },
    ]);
    const bad = await postInbound(h, noSender);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('missing_sender');

    const notMultipart = await h.app.request('/webhooks/sendgrid/inbound', {
      method: 'POST',
      headers: { authorization: basicAuth(), 'content-type': 'application/json' },
      body: '{}',
    });
    expect(notMultipart.status).toBe(415);

    // SendGrid drops a 4xx: an email to no practice is held for admins instead
    const unknown = await postInbound(h, parsedEmail({ to: 'someone@elsewhere.example', text: 'hello?' }));
    expect(unknown.status).toBe(200);
    expect(await unknown.json()).toMatchObject({ unrouted: true, conversationId: null });

    const before = await messageCount();
    const body = parsedEmail({ messageId: '<transient-1@mail.example.com>', from: 'Lia Park <lia@example.com>', to: inbox, text: 'Is my referral done?' });
    const spy = failIngestOnce(Object.assign(new Error('Connection terminated unexpectedly'), { code: 'ECONNRESET' }));
    const failed = await postInbound(h, body);
    spy.mockRestore();
    expect(failed.status).toBe(503);
    expect(((await failed.json()) as { error: { code: string } }).error.code).toBe('unavailable');
    expect(await messageCount()).toBe(before);

    const retried = await postInbound(h, body);
    expect(retried.status).toBe(200);
    expect(await messageCount()).toBe(before + 1);
  });
});

describe('threading', () => {
  const patient = 'Rosa Diaz <rosa@example.com>';

  it('stores the same Message-ID once', async () => {
    const body = parsedEmail({ messageId: '<same-twice@mail.gmail.com>', from: patient, to: inbox, text: 'Hello there' });
    const first = (await (await postInbound(h, body)).json()) as { id: string; duplicate: boolean };
    const again = await postInbound(h, body);
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ id: first.id, duplicate: true });
    expect(await db().select().from(messages).where(eq(messages.providerId, '<same-twice@mail.gmail.com>'))).toHaveLength(1);
  });

  it('joins by In-Reply-To/References, then by our reply-to token, then by patient; never by subject alone', async () => {
    // conversation A, resolved long ago; then conversation B is the patient's latest
    const a = (await (await postInbound(h, parsedEmail({ messageId: '<a-1@mail.gmail.com>', from: patient, to: inbox, subject: 'Billing', text: 'A question about my bill' }))).json()) as { conversationId: string };
    await db().update(conversations).set({ status: 'resolved', resolvedAt: new Date('2020-01-01T00:00:00Z') }).where(eq(conversations.id, a.conversationId));
    const b = (await (await postInbound(h, parsedEmail({ messageId: '<b-1@mail.gmail.com>', from: patient, to: inbox, subject: 'Appointment', text: 'I need an appointment' }))).json()) as { conversationId: string };
    expect(b.conversationId).not.toBe(a.conversationId);

    // by patient: no headers, no token
    const plain = (await (await postInbound(h, parsedEmail({ from: patient, to: inbox, subject: 'Another thing', text: 'Also a refill' }))).json()) as { conversationId: string };
    expect(plain.conversationId).toBe(b.conversationId);

    // by In-Reply-To naming a message of A
    const byHeader = (await (await postInbound(h, parsedEmail({ from: patient, to: inbox, subject: 'Re: Billing', inReplyTo: '<a-1@mail.gmail.com>', text: 'Following up on the bill' }))).json()) as { conversationId: string };
    expect(byHeader.conversationId).toBe(a.conversationId);

    // by References when In-Reply-To names something we never saw
    const byRefs = (await (await postInbound(h, parsedEmail({ from: patient, to: inbox, subject: 'Re: Billing', inReplyTo: '<unknown@elsewhere>', references: '<a-1@mail.gmail.com> <unknown@elsewhere>', text: 'And again' }))).json()) as { conversationId: string };
    expect(byRefs.conversationId).toBe(a.conversationId);

    // by our outbound Message-ID <outboundId@domain>
    const now = h.clock.now();
    const sent = await queueOutbound(db(), { practiceId: p.id, conversationId: a.conversationId, channel: 'email', body: 'Your balance is $0.', purpose: 'reply', authorType: 'user', now });
    await h.drain();
    const domain = inbox.split('@')[1]!;
    const byOurId = (await (await postInbound(h, parsedEmail({ from: patient, to: inbox, subject: 'Re: Billing', inReplyTo: `<${sent.messageId}@${domain}>`, text: 'Thanks!' }))).json()) as { conversationId: string };
    expect(byOurId.conversationId).toBe(a.conversationId);

    // by the reply+token address when the mail client dropped the headers
    const [convA] = await db().select().from(conversations).where(eq(conversations.id, a.conversationId));
    const byToken = (await (await postInbound(h, parsedEmail({ from: patient, to: `reply+${convA!.replyToken}@${domain}`, subject: 'no headers', text: 'One more on the bill' }))).json()) as { id: string; conversationId: string };
    expect(byToken.conversationId).toBe(a.conversationId);
    expect((await stored(byToken.id)).toAddress).toBe(inbox);

    // the same subject from someone else is a different patient and conversation
    const stranger = (await (await postInbound(h, parsedEmail({ from: 'Other Person <other@example.com>', to: inbox, subject: 'Billing', text: 'My own bill question' }))).json()) as { conversationId: string };
    expect([a.conversationId, b.conversationId]).not.toContain(stranger.conversationId);
  });

  it("never lets another address join a patient's thread by its headers or reply token: it starts on its own, naming the thread", async () => {
    const first = (await (await postInbound(h, parsedEmail({ messageId: '<k-1@mail.gmail.com>', from: 'Kim Cho <kim@example.com>', to: inbox, text: 'Hello from Kim' }))).json()) as { conversationId: string };
    const [conv] = await db().select().from(conversations).where(eq(conversations.id, first.conversationId));
    const domain = inbox.split('@')[1]!;
    const senders = [
      parsedEmail({ from: 'Kim Cho <kim.cho@work.example>', to: inbox, inReplyTo: '<k-1@mail.gmail.com>', text: 'Writing from work' }),
      parsedEmail({ from: 'Other Person <other@example.com>', to: inbox, inReplyTo: '<k-1@mail.gmail.com>', text: 'Not Kim' }),
      parsedEmail({ from: 'Fwd Person <fwd@example.com>', to: `reply+${conv!.replyToken}@${domain}`, text: 'Forwarded to me' }),
    ];
    for (const body of senders) {
      const out = (await (await postInbound(h, body)).json()) as { id: string; conversationId: string };
      expect(out.conversationId).not.toBe(first.conversationId);
      expect((await stored(out.id)).meta).toMatchObject({ threadOf: first.conversationId });
      const [other] = await db().select().from(conversations).where(eq(conversations.id, out.conversationId));
      expect(other!.patientId).not.toBe(conv!.patientId);
    }
    const kimPoints = await db().select().from(contactPoints).where(eq(contactPoints.patientId, conv!.patientId));
    expect(kimPoints.map((c) => c.value)).toEqual(['kim@example.com']);
  });
});

describe('inbound credentials', () => {
  it('without SENDGRID_INBOUND_USER/PASSWORD uses a local pair made in DATA_DIR, and still refuses a forged post', async () => {
    const local = await startHarness();
    try {
      const practice = await makePractice(local.runtime.deps.db, 'local-creds');
      const body = parsedEmail({ to: practice.emailAddresses[0]!, text: 'hi' });
      expect((await postInbound(local, body, basicAuth())).status).toBe(401);
      const first = await postInbound(local, body, basicAuth('x', 'y'));
      expect(first.status).toBe(401);
      const [user, password] = readFileSync(join(local.dataDir, 'sendgrid-inbound-credentials'), 'utf8').trim().split(':');
      expect(password!.length).toBeGreaterThanOrEqual(32);
      expect((await postInbound(local, body, basicAuth(user, password))).status).toBe(200);
    } finally {
      await local.close();
    }
  });

  it('with only one of the two variables set refuses every post', async () => {
    const half = await startHarness({ env: { SENDGRID_INBOUND_USER: 'only-user' } });
    try {
      const practice = await makePractice(half.runtime.deps.db, 'half-creds');
      const res = await postInbound(half, parsedEmail({ to: practice.emailAddresses[0]!, text: 'hi' }), basicAuth('only-user', ''));
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/SENDGRID_INBOUND_PASSWORD/);
    } finally {
      await half.close();
    }
  });
});

describe('in the inbox', () => {
  it('shows what the patient wrote now, with the full original and the attachments beside it', async () => {
    const text = `Please move me to Thursday.\n\nOn Mon, Mar 2, 2026 at 9:14 AM Lakeside <${inbox}> wrote:\n> Your appointment is Tuesday.`;
    const res = await postInbound(
      h,
      parsedEmail({
        from: 'Vera Quinn <vera@example.com>',
        to: inbox,
        subject: 'Re: Appointment',
        text,
        extra: [
          { name: 'attachments', value: '1' },
          { name: 'attachment-info', value: JSON.stringify({ attachment1: { filename: 'note.txt', name: 'note.txt', type: 'text/plain' } }) },
          { name: 'attachment1', value: Buffer.from('doctor note'), filename: 'note.txt', contentType: 'text/plain' },
        ],
      }),
    );
    const { id, conversationId } = (await res.json()) as { id: string; conversationId: string };
    const detail = (await (await h.request('GET', `/api/v1/conversations/${conversationId}`)).json()) as {
      messages: { id: string; body: string; originalBody: string | null; attachments: unknown[] }[];
    };
    const msg = detail.messages.find((m) => m.id === id)!;
    expect(msg).toMatchObject({ body: 'Please move me to Thursday.', originalBody: text, attachments: [{ name: 'note.txt', contentType: 'text/plain', size: 11 }] });
  });
});

describe('logs', () => {
  it('carry ids only: no address, name, subject or text of an email or a portal message, even when storing fails', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const app = createApp({ ...h.runtime.deps, log: createLogger({ level: 'debug', destination: stream }) });
    const post = (body: Buffer) =>
      app.request('/webhooks/sendgrid/inbound', { method: 'POST', headers: { 'content-type': CONTENT_TYPE, authorization: basicAuth() }, body: new Uint8Array(body) });
    const email = parsedEmail({ from: 'Zelda Quartz <zelda.quartz@example.com>', to: inbox, subject: 'Zoster vaccine', text: 'My shingles rash is spreading' });
    expect((await post(email)).status).toBe(200);
    const spy = failIngestOnce(Object.assign(new Error('duplicate key (value)=(zelda.quartz@example.com)'), { code: '23505' }));
    expect((await post(parsedEmail({ from: 'Zelda Quartz <zelda.quartz@example.com>', to: inbox, text: 'Zoster again' }))).status).toBe(503);
    spy.mockRestore();
    const portal = await tokenFor(db(), 'portal', p.id);
    const res = await app.request('/api/v1/portal/messages', {
      method: 'POST',
      headers: { authorization: `Bearer ${portal}`, 'content-type': 'application/json' },
      body: JSON.stringify({ messageId: 'log-1', patient: { portalId: 'pt-zq', firstName: 'Zelda', lastName: 'Quartz', dateOfBirth: '1970-01-01', email: 'zelda.quartz@example.com' }, body: 'Zoster question' }),
    });
    expect(res.status).toBe(201);
    const all = lines.join('');
    expect(lines.length).toBeGreaterThan(2);
    for (const secret of ['zelda', 'Zelda', 'Quartz', 'Zoster', 'shingles', '1970-01-01', 'pt-zq']) expect(all).not.toContain(secret);
  });
});
