import { generateKeyPairSync, sign } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { consentEvents, contactPoints, messages, sendgridEvents } from '../../src/platform/db/schema';
import { queueOutbound } from '../../src/outreach/outbound';
import { SENDGRID_SIGNATURE_HEADER, SENDGRID_TIMESTAMP_HEADER } from '../../channels/email/events';
import { startHarness, type Harness } from '../helpers/harness';
import { makePractice } from '../helpers/fixtures';
import { inboundEnv, parsedEmail, postInbound } from '../helpers/email';
import type { PracticeView } from '../../src/practices/practices';

// a real P-256 key pair, as SendGrid's signed Event Webhook uses
const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const publicKeyBase64 = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
// signed now by the app's clock: a post signed more than 10 minutes away is refused as a replay
const signed = (payload: string, timestamp = String(Math.floor(h.clock.now().getTime() / 1000))) => ({
  [SENDGRID_SIGNATURE_HEADER]: sign('sha256', Buffer.from(timestamp + payload, 'utf8'), privateKey).toString('base64'),
  [SENDGRID_TIMESTAMP_HEADER]: timestamp,
});

let h: Harness;
let p: PracticeView;

beforeAll(async () => {
  h = await startHarness({ env: { ...inboundEnv, SENDGRID_EVENT_PUBLIC_KEY: publicKeyBase64 } });
  p = await makePractice(h.runtime.deps.db, 'events');
});
afterAll(() => h.close());

const db = () => h.runtime.deps.db;

/** An outbound email as if SendGrid accepted it with this X-Message-Id. */
async function sentEmail(address: string, providerId: string) {
  const res = await postInbound(h, parsedEmail({ from: `Pat <${address}>`, to: p.emailAddresses[0]!, text: 'hello' }));
  const { conversationId } = (await res.json()) as { conversationId: string };
  const r = await queueOutbound(db(), { practiceId: p.id, conversationId, channel: 'email', body: 'Hi', purpose: 'reply', authorType: 'user', now: h.clock.now() });
  await db().update(messages).set({ status: 'sent', providerId }).where(eq(messages.id, r.messageId));
  const [msg] = await db().select().from(messages).where(eq(messages.id, r.messageId));
  return msg!;
}

const event = (over: Record<string, unknown>) => ({
  email: 'x@example.com',
  timestamp: 1772463600,
  'smtp-id': '<x@events.example.com>',
  sg_event_id: `ev-${Math.random().toString(36).slice(2)}`,
  ...over,
});

async function postEvents(payload: string, headers: Record<string, string>) {
  return h.app.request('/webhooks/sendgrid/events', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: payload });
}

describe('POST /webhooks/sendgrid/events', () => {
  it('applies a validly signed batch: delivered raises the status, a later processed does not lower it', async () => {
    const msg = await sentEmail('ann@example.com', 'AbC123xyz');
    const payload = `${JSON.stringify([
      event({ email: 'ann@example.com', event: 'delivered', sg_event_id: 'ev-del-1', sg_message_id: 'AbC123xyz.filterdrecv-1-0', response: '250 OK' }),
      event({ email: 'ann@example.com', event: 'processed', sg_event_id: 'ev-proc-1', sg_message_id: 'AbC123xyz.filterdrecv-1-0' }),
    ])}\r\n`;
    const res = await postEvents(payload, signed(payload));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ received: 2, applied: 2, duplicates: 0 });
    const [after] = await db().select().from(messages).where(eq(messages.id, msg.id));
    expect(after).toMatchObject({ status: 'delivered' });
    expect(after!.deliveredAt?.toISOString()).toBe('2026-03-02T15:00:00.000Z');
  });

  it('refuses a tampered body or a missing signature with 403 and changes nothing', async () => {
    const msg = await sentEmail('bob@example.com', 'BoB999');
    const payload = JSON.stringify([event({ email: 'bob@example.com', event: 'bounce', type: 'bounce', sg_event_id: 'ev-tamper', sg_message_id: 'BoB999.x' })]);
    const headers = signed(payload);
    const tampered = payload.replace('bounce', 'delivered');
    const res = await postEvents(tampered, headers);
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid_signature');
    expect((await postEvents(payload, {})).status).toBe(403);
    // signed by another key
    const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
    const ts = '1772463600';
    expect((await postEvents(payload, { [SENDGRID_SIGNATURE_HEADER]: sign('sha256', Buffer.from(ts + payload), other).toString('base64'), [SENDGRID_TIMESTAMP_HEADER]: ts })).status).toBe(403);
    const [after] = await db().select().from(messages).where(eq(messages.id, msg.id));
    expect(after!.status).toBe('sent');
    expect(await db().select().from(sendgridEvents).where(eq(sendgridEvents.sgEventId, 'ev-tamper'))).toHaveLength(0);
  });

  it('ignores a duplicate sg_event_id', async () => {
    const msg = await sentEmail('cy@example.com', 'Cy777');
    const payload = JSON.stringify([event({ email: 'cy@example.com', event: 'unsubscribe', sg_event_id: 'ev-dup', sg_message_id: 'Cy777.x' })]);
    expect(await (await postEvents(payload, signed(payload))).json()).toEqual({ received: 1, applied: 1, duplicates: 0 });
    expect(await (await postEvents(payload, signed(payload))).json()).toEqual({ received: 1, applied: 0, duplicates: 1 });
    const ledger = await db().select().from(consentEvents).where(eq(consentEvents.contactPointId, msg.contactPointId!));
    expect(ledger).toHaveLength(1);
  });

  it('marks the address undeliverable on a bounce or a spam report, and revokes email consent on an unsubscribe', async () => {
    const bounced = await sentEmail('dee@example.com', 'Dee1');
    const spam = await sentEmail('eve@example.com', 'Eve1');
    const unsub = await sentEmail('fay@example.com', 'Fay1');
    const payload = JSON.stringify([
      event({ email: 'dee@example.com', event: 'bounce', type: 'bounce', reason: '550 5.1.1 user unknown', sg_message_id: 'Dee1.x' }),
      event({ email: 'eve@example.com', event: 'spamreport', sg_message_id: 'Eve1.x' }),
      // custom args come back on every event: found by our id even before the provider id was stored
      event({ email: 'fay@example.com', event: 'unsubscribe', outboundId: unsub.id }),
    ]);
    expect((await postEvents(payload, signed(payload))).status).toBe(200);

    const point = async (id: string) => (await db().select().from(contactPoints).where(eq(contactPoints.id, id)))[0]!;
    expect(await point(bounced.contactPointId!)).toMatchObject({ undeliverable: true });
    expect(await point(spam.contactPointId!)).toMatchObject({ undeliverable: true });
    expect(await point(unsub.contactPointId!)).toMatchObject({ emailConsent: 'revoked', undeliverable: false });
    const [ledger] = await db().select().from(consentEvents).where(and(eq(consentEvents.contactPointId, unsub.contactPointId!), eq(consentEvents.purpose, 'email')));
    expect(ledger).toMatchObject({ state: 'revoked', source: 'sendgrid_unsubscribe', messageId: unsub.id });
    const [failed] = await db().select().from(messages).where(eq(messages.id, bounced.id));
    expect(failed).toMatchObject({ status: 'failed', errorCode: 'sendgrid_bounce' });

    // the send job now refuses mail to them
    const r = await queueOutbound(db(), { practiceId: p.id, conversationId: unsub.conversationId, channel: 'email', body: 'again', purpose: 'reply', authorType: 'user', now: h.clock.now() });
    await h.drain();
    const [refused] = await db().select().from(messages).where(eq(messages.id, r.messageId));
    expect(refused).toMatchObject({ status: 'refused', errorCode: 'consent_revoked' });
  });

  it('answers 400 for a verified body that is not an event array', async () => {
    const payload = '{"not":"an array"}';
    const res = await postEvents(payload, signed(payload));
    expect(res.status).toBe(400);
  });
});

describe('without SENDGRID_EVENT_PUBLIC_KEY', () => {
  it('refuses every event post, since none can be verified', async () => {
    const bare = await startHarness();
    try {
      const payload = '[]';
      const res = await bare.app.request('/webhooks/sendgrid/events', { method: 'POST', headers: { 'content-type': 'application/json', ...signed(payload) }, body: payload });
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/SENDGRID_EVENT_PUBLIC_KEY/);
    } finally {
      await bare.close();
    }
  });
});
