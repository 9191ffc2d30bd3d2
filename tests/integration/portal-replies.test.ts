import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { eq } from 'drizzle-orm';
import { auditEvents, messages, practices } from '../../src/platform/db/schema';
import { queueOutbound } from '../../src/outreach/outbound';
import { PORTAL_DELIVERY_HEADER, PORTAL_SIGNATURE_HEADER, verifyPortalWebhook } from '../../channels/portal/webhook';
import { availableQueues, startHarness, type Harness } from '../helpers/harness';
import { makePractice, tokenFor } from '../helpers/fixtures';
import type { PracticeView } from '../../src/practices/practices';
import type { FakeClock } from '../../src/platform/clock';

const HOOK = 'https://portal.example.test/hooks/switchboard';
const SECRET = 'whsec-portal-a-0123456789abcdef';

interface Delivery {
  body: string;
  signature: string | null;
  deliveryId: string | null;
}
const deliveries: Delivery[] = [];
let failuresLeft = 0;
const server = setupServer(
  http.post(HOOK, async ({ request }) => {
    deliveries.push({ body: await request.text(), signature: request.headers.get(PORTAL_SIGNATURE_HEADER), deliveryId: request.headers.get(PORTAL_DELIVERY_HEADER) });
    if (failuresLeft > 0) {
      failuresLeft--;
      return new HttpResponse('try later', { status: 503 });
    }
    return HttpResponse.json({ ok: true });
  }),
);

let h: Harness;
let a: PracticeView;
let b: PracticeView;
let tokenA: string;
let tokenB: string;

beforeAll(async () => {
  server.listen({ onUnhandledRequest: 'bypass' });
  // live: simulate mode posts nothing; the portal here is msw's (reached through the global fetch)
  h = await startHarness({ env: { SEND_MODE: 'live', PORTAL_WEBHOOK_ALLOW_PRIVATE: 'true' } });
  a = await makePractice(h.runtime.deps.db, 'replies-a');
  b = await makePractice(h.runtime.deps.db, 'replies-b');
  await h.request('PATCH', `/api/v1/practices/${a.id}`, { body: { portalWebhook: { url: HOOK, secret: SECRET } } });
  tokenA = await tokenFor(h.runtime.deps.db, 'portal', a.id);
  tokenB = await tokenFor(h.runtime.deps.db, 'portal', b.id);
});
afterAll(async () => {
  server.close();
  await h.close();
});

const db = () => h.runtime.deps.db;

async function patientWrites(token: string, messageId: string, threadId = 'th-9') {
  const res = await h.request('POST', '/api/v1/portal/messages', {
    token,
    body: { messageId, patient: { portalId: 'pt-77', firstName: 'Ana', lastName: 'Ruiz', dateOfBirth: '1990-01-02' }, body: 'When are my results ready?', threadId },
  });
  return (await res.json()) as { id: string; conversationId: string };
}

describe('portal replies', () => {
  it('go out by a signed webhook, retried with backoff when the portal fails twice', async () => {
    const { conversationId } = await patientWrites(tokenA, 'pm-r1');
    failuresLeft = 2;
    deliveries.length = 0;
    const r = await queueOutbound(db(), { practiceId: a.id, conversationId, channel: 'portal', body: 'Your results are ready.', purpose: 'reply', authorType: 'user', now: h.clock.now() });
    h.runtime.deps.relay.nudge();
    await h.drain();

    expect(deliveries).toHaveLength(3);
    for (const d of deliveries) {
      expect(verifyPortalWebhook({ secret: SECRET, body: d.body, header: d.signature, now: new Date() })).toBe(true);
      expect(verifyPortalWebhook({ secret: 'another-secret-0000', body: d.body, header: d.signature, now: new Date() })).toBe(false);
      expect(d.deliveryId).toBe(r.messageId);
    }
    expect(JSON.parse(deliveries[2]!.body)).toEqual({
      type: 'portal.reply',
      data: {
        id: r.messageId,
        practiceId: a.id,
        conversationId,
        threadId: 'th-9',
        patient: { portalId: 'pt-77' },
        subject: null,
        body: 'Your results are ready.',
        status: 'pending',
        createdAt: h.clock.now().toISOString(),
        attachments: [],
      },
    });
    const [msg] = await db().select().from(messages).where(eq(messages.id, r.messageId));
    expect(msg).toMatchObject({ status: 'delivered', providerId: `portal:${r.messageId}` });
  });

  it('are recorded as failed after the last retry, and still fetchable', async () => {
    (h.clock as FakeClock).advance(1000);
    const { conversationId } = await patientWrites(tokenA, 'pm-r2');
    failuresLeft = 100;
    deliveries.length = 0;
    const r = await queueOutbound(db(), { practiceId: a.id, conversationId, channel: 'portal', body: 'We could not reach you.', purpose: 'reply', authorType: 'user', now: h.clock.now() });
    await h.drain();
    failuresLeft = 0;
    expect(deliveries.length).toBe(6);
    const [msg] = await db().select().from(messages).where(eq(messages.id, r.messageId));
    expect(msg).toMatchObject({ status: 'failed', errorCode: 'portal_503' });
  });

  it('can be fetched with GET /api/v1/portal/messages?since=, only by the practice’s own portal token, and the read is audited', async () => {
    const all = await h.request('GET', '/api/v1/portal/messages', { token: tokenA });
    expect(all.status).toBe(200);
    const page = (await all.json()) as { data: { id: string; body: string; patient: { portalId: string }; createdAt: string }[]; nextCursor: string | null };
    expect(page.data.map((m) => m.body)).toEqual(['Your results are ready.', 'We could not reach you.']);
    expect(page.data[0]!.patient.portalId).toBe('pt-77');
    expect(page.nextCursor).toBeNull();

    const secondAt = page.data[1]!.createdAt;
    (h.clock as FakeClock).advance(60_000);
    const { conversationId } = await patientWrites(tokenA, 'pm-r3');
    await queueOutbound(db(), { practiceId: a.id, conversationId, channel: 'portal', body: 'Later reply', purpose: 'reply', authorType: 'user', now: h.clock.now() });
    await h.drain();
    const since = await h.request('GET', `/api/v1/portal/messages?since=${encodeURIComponent(secondAt)}`, { token: tokenA });
    expect(((await since.json()) as { data: { body: string }[] }).data.map((m) => m.body)).toEqual(['Later reply']);

    const paged = (await (await h.request('GET', '/api/v1/portal/messages?limit=2', { token: tokenA })).json()) as { data: unknown[]; nextCursor: string };
    expect(paged.data).toHaveLength(2);
    const rest = (await (await h.request('GET', `/api/v1/portal/messages?limit=2&cursor=${paged.nextCursor}`, { token: tokenA })).json()) as { data: { body: string }[] };
    expect(rest.data.map((m) => m.body)).toEqual(['Later reply']);

    const other = (await (await h.request('GET', '/api/v1/portal/messages', { token: tokenB })).json()) as { data: unknown[] };
    expect(other.data).toEqual([]);
    expect((await h.request('GET', '/api/v1/portal/messages')).status).toBe(403);
    expect((await h.request('GET', '/api/v1/portal/messages', { token: 'nope-nope-nope-nope-nope-nope-nope-nope' })).status).toBe(401);
    expect((await h.request('GET', '/api/v1/portal/messages?since=yesterday', { token: tokenA })).status).toBe(400);

    const reads = await db().select().from(auditEvents).where(eq(auditEvents.action, 'portal.reply.list'));
    expect(reads.length).toBeGreaterThanOrEqual(4);
  });

  it('include a staff reply typed in the console (POST /api/v1/conversations/{id}/messages)', async () => {
    const { conversationId } = await patientWrites(tokenA, 'pm-r4');
    failuresLeft = 0;
    deliveries.length = 0;
    const res = await h.request('POST', `/api/v1/conversations/${conversationId}/messages`, { body: { body: 'Typed by the front desk' } });
    expect(res.status).toBe(201);
    await h.drain();
    expect(deliveries).toHaveLength(1);
    expect(JSON.parse(deliveries[0]!.body)).toMatchObject({ type: 'portal.reply', data: { conversationId, threadId: 'th-9', body: 'Typed by the front desk' } });
  });

  it('wait to be fetched when the practice has no webhook URL', async () => {
    const { conversationId } = await patientWrites(tokenB, 'pm-b1');
    deliveries.length = 0;
    const r = await queueOutbound(db(), { practiceId: b.id, conversationId, channel: 'portal', body: 'For B', purpose: 'reply', authorType: 'user', now: h.clock.now() });
    await h.drain();
    expect(deliveries).toHaveLength(0);
    const [msg] = await db().select().from(messages).where(eq(messages.id, r.messageId));
    expect(msg!.status).toBe('queued');
    const [row] = await db().select().from(practices).where(eq(practices.id, b.id));
    expect(row!.portalWebhookUrl).toBeNull();
    const page = (await (await h.request('GET', '/api/v1/portal/messages', { token: tokenB })).json()) as { data: { body: string }[] };
    expect(page.data.map((m) => m.body)).toEqual(['For B']);
  });
});

describe.each(availableQueues().filter((q) => q === 'bullmq'))('portal replies on %s', (queue) => {
  it('retry a portal that fails twice through the BullMQ send queue, then deliver once', async () => {
    const hb = await startHarness({ queue, env: { SEND_MODE: 'live', PORTAL_WEBHOOK_ALLOW_PRIVATE: 'true' } });
    try {
      const practice = await makePractice(hb.runtime.deps.db, 'replies-bullmq');
      await hb.request('PATCH', `/api/v1/practices/${practice.id}`, { body: { portalWebhook: { url: HOOK, secret: SECRET } } });
      const token = await tokenFor(hb.runtime.deps.db, 'portal', practice.id);
      const res = await hb.request('POST', '/api/v1/portal/messages', {
        token,
        body: { messageId: 'pm-q1', patient: { portalId: 'pt-q', firstName: 'Q', lastName: 'Ueue', dateOfBirth: '1980-03-03' }, body: 'hello' },
      });
      const { conversationId } = (await res.json()) as { conversationId: string };
      failuresLeft = 2;
      deliveries.length = 0;
      const r = await queueOutbound(hb.runtime.deps.db, { practiceId: practice.id, conversationId, channel: 'portal', body: 'Reply via BullMQ', purpose: 'reply', authorType: 'user', now: hb.clock.now() });
      await hb.drain();
      for (let i = 0; i < 100; i++) {
        const [m] = await hb.runtime.deps.db.select().from(messages).where(eq(messages.id, r.messageId));
        if (m!.status === 'delivered') break;
        await new Promise((done) => setTimeout(done, 50));
      }
      const [msg] = await hb.runtime.deps.db.select().from(messages).where(eq(messages.id, r.messageId));
      expect(msg!.status).toBe('delivered');
      expect(deliveries).toHaveLength(3);
      expect(deliveries.every((d) => verifyPortalWebhook({ secret: SECRET, body: d.body, header: d.signature, now: new Date() }))).toBe(true);
    } finally {
      await hb.close();
    }
  });
});
