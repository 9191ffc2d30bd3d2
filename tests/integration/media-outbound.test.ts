import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { setupServer } from 'msw/node';
import { http, HttpResponse } from 'msw';
import { and, eq } from 'drizzle-orm';
import { auditEvents, contactPoints } from '../../src/platform/db/schema';
import type { FakeClock } from '../../src/platform/clock';
import { startHarness, type Harness } from '../helpers/harness';
import { makeConversation, makePractice, tokenFor } from '../helpers/fixtures';
import { createTwilioApiMock } from '../msw/twilio';
import { createSendGridMock } from '../msw/sendgrid';
import type { PracticeView } from '../../src/practices/practices';
import { conversations, practices } from '../../src/platform/db/schema';

const ACCOUNT = 'AC0123456789abcdef0123456789abcdef';
const HOOK = 'https://portal.example.org/hooks/switchboard';
const twilioApi = createTwilioApiMock();
const sendgrid = createSendGridMock();
const portalDeliveries: { body: string }[] = [];
const server = setupServer(
  ...twilioApi.handlers,
  ...sendgrid.handlers,
  http.post(HOOK, async ({ request }) => {
    portalDeliveries.push({ body: await request.text() });
    return HttpResponse.json({ ok: true });
  }),
);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  twilioApi.requests.length = 0;
});
afterAll(() => server.close());

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
const PDF = new TextEncoder().encode('%PDF-1.4 visit summary');

let h: Harness;
let p: PracticeView;
beforeAll(async () => {
  h = await startHarness({
    env: { TWILIO_ACCOUNT_SID: ACCOUNT, TWILIO_AUTH_TOKEN: 'outbound-media-token', SENDGRID_API_KEY: 'SG.test-key', SEND_MODE: 'live', SMS_RATE_PER_SECOND: '1000', PORTAL_WEBHOOK_ALLOW_PRIVATE: 'true' },
  });
  p = await makePractice(h.runtime.deps.db);
  await h.runtime.deps.db.update(practices).set({ portalWebhookUrl: HOOK, portalWebhookSecret: 'portal-secret-0123456789' }).where(eq(practices.id, p.id));
});
afterAll(() => h.close());
const db = () => h.runtime.deps.db;

async function upload(conversationId: string, bytes: Uint8Array, type: string, name: string, token?: string) {
  const form = new FormData();
  form.set('conversationId', conversationId);
  form.set('file', new File([bytes], name, { type }));
  return h.request('POST', '/api/v1/attachments', { body: form, ...(token ? { token } : {}) });
}
const idOf = async (res: Response) => ((await res.json()) as { id: string }).id;

describe('staff attach files to replies', () => {
  it('an image goes out as an MMS whose MediaUrl is a signed, expiring link on our origin that Twilio fetches without a session', async () => {
    const { conversation } = await makeConversation(db(), p.id);
    const up = await upload(conversation.id, PNG, 'image/png', 'care-instructions.png');
    expect(up.status).toBe(201);
    const attachmentId = await idOf(up);
    const sent = await h.request('POST', `/api/v1/conversations/${conversation.id}/messages`, { body: { body: 'Here are your care instructions', attachmentIds: [attachmentId] } });
    expect(sent.status).toBe(201);
    await h.drain();
    const form = twilioApi.messages[0]!.form;
    expect(form.Body).toBe('Here are your care instructions');
    const link = new URL(form.MediaUrl as string);
    expect(link.origin).toBe('https://switchboard.example.test');
    expect(link.pathname).toBe(`/media/${attachmentId}`);

    const fetched = await h.request('GET', `${link.pathname}${link.search}`, { token: null });
    expect(fetched.status).toBe(200);
    expect(fetched.headers.get('content-type')).toBe('image/png');
    expect(new Uint8Array(await fetched.arrayBuffer())).toEqual(PNG);
    const audited = await db().select().from(auditEvents).where(and(eq(auditEvents.action, 'attachment.provider_fetch'), eq(auditEvents.subjectId, attachmentId)));
    expect(audited).toHaveLength(1);
    expect(audited[0]!.actorType).toBe('system');

    const tampered = `${link.pathname}?expires=${link.searchParams.get('expires')}&sig=${'0'.repeat(64)}`;
    expect((await h.request('GET', tampered, { token: null })).status).toBe(403);
    const otherFile = `/media/${conversation.id}${link.search}`;
    expect((await h.request('GET', otherFile, { token: null })).status).toBe(403);
    (h.clock as FakeClock).advance(6 * 3600_000);
    expect((await h.request('GET', `${link.pathname}${link.search}`, { token: null })).status).toBe(403);
  });

  it('refuses what a channel cannot carry or a file that is not what it claims, and a file already sent or uploaded by someone else', async () => {
    const { conversation } = await makeConversation(db(), p.id);
    expect((await upload(conversation.id, new TextEncoder().encode('<html>'), 'text/html', 'x.html')).status).toBe(415);
    expect((await upload(conversation.id, new TextEncoder().encode('not a png'), 'image/png', 'fake.png')).status).toBe(415);
    const pdf = await idOf(await upload(conversation.id, PDF, 'application/pdf', 'summary.pdf'));
    const bySms = await h.request('POST', `/api/v1/conversations/${conversation.id}/messages`, { body: { body: 'summary', attachmentIds: [pdf] } });
    expect(bySms.status).toBe(422);
    expect(((await bySms.json()) as { error: { message: string } }).error.message).toMatch(/JPEG, PNG or GIF/);
    // another staff member's upload cannot be sent by me
    const manager = await tokenFor(db(), 'manager', p.id);
    const theirs = await idOf(await upload(conversation.id, PNG, 'image/png', 'a.png', manager));
    const steal = await h.request('POST', `/api/v1/conversations/${conversation.id}/messages`, { body: { body: 'x', attachmentIds: [theirs] } });
    expect(steal.status).toBe(400);
    const png = await idOf(await upload(conversation.id, PNG, 'image/png', 'b.png'));
    expect((await h.request('POST', `/api/v1/conversations/${conversation.id}/messages`, { body: { body: 'one', attachmentIds: [png] } })).status).toBe(201);
    expect((await h.request('POST', `/api/v1/conversations/${conversation.id}/messages`, { body: { body: 'again', attachmentIds: [png] } })).status).toBe(400);
    // an upload to a conversation another practice's staff cannot see
    const other = await makePractice(db());
    const outsider = await tokenFor(db(), 'manager', other.id);
    expect((await upload(conversation.id, PNG, 'image/png', 'c.png', outsider)).status).toBe(404);
    const nothing = await h.request('POST', '/api/v1/attachments', { body: new FormData() });
    expect(nothing.status).toBe(400);
  });

  it('a file goes with an email reply as a SendGrid attachment', async () => {
    const { conversation, patient } = await makeConversation(db(), p.id);
    await db().update(conversations).set({ channel: 'email' }).where(eq(conversations.id, conversation.id));
    await db().insert(contactPoints).values({ practiceId: p.id, patientId: patient.id, kind: 'email', value: `pat-${patient.id.slice(0, 8)}@example.com` });
    const pdf = await idOf(await upload(conversation.id, PDF, 'application/pdf', 'Visit summary.pdf'));
    const sent = await h.request('POST', `/api/v1/conversations/${conversation.id}/messages`, { body: { body: 'Your visit summary is attached.', attachmentIds: [pdf] } });
    expect(sent.status).toBe(201);
    await h.drain();
    const body = sendgrid.requests.at(-1)!.body as { attachments: { content: string; filename: string; type: string; disposition: string }[] };
    expect(body.attachments).toEqual([{ content: Buffer.from(PDF).toString('base64'), filename: 'Visit summary.pdf', type: 'application/pdf', disposition: 'attachment' }]);
  });

  it('a file goes with a portal reply as a link the portal fetches with its token', async () => {
    const portalToken = await tokenFor(db(), 'portal', p.id);
    const posted = await h.request('POST', '/api/v1/portal/messages', {
      token: portalToken,
      body: { messageId: 'pm-file-1', patient: { portalId: 'pt-file', firstName: 'Ana', lastName: 'Ruiz', dateOfBirth: '1990-01-02' }, body: 'Can you send the form?' },
    });
    const { conversationId } = (await posted.json()) as { conversationId: string };
    const pdf = await idOf(await upload(conversationId, PDF, 'application/pdf', 'form.pdf'));
    await h.request('POST', `/api/v1/conversations/${conversationId}/messages`, { body: { body: 'Here is the form.', attachmentIds: [pdf] } });
    await h.drain();
    const delivery = JSON.parse(portalDeliveries.at(-1)!.body) as { data: { attachments: { id: string; url: string; name: string }[] } };
    expect(delivery.data.attachments).toEqual([{ id: pdf, name: 'form.pdf', contentType: 'application/pdf', size: PDF.byteLength, url: `https://switchboard.example.test/api/v1/attachments/${pdf}` }]);
    const got = await h.request('GET', `/api/v1/attachments/${pdf}`, { token: portalToken });
    expect(got.status).toBe(200);
    expect(got.headers.get('content-disposition')).toContain('form.pdf');
    // another practice's portal token cannot
    const other = await makePractice(db());
    expect((await h.request('GET', `/api/v1/attachments/${pdf}`, { token: await tokenFor(db(), 'portal', other.id) })).status).toBe(404);
  });
});
