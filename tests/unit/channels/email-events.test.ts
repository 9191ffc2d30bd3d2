import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  emailDeliveryRank,
  emailEventEffect,
  parseSendGridEvents,
  SENDGRID_SIGNATURE_HEADER,
  SENDGRID_TIMESTAMP_HEADER,
  verifySendGridEvents,
  type SendGridEvent,
} from '../../../channels/email/events';

/** A P-256 key pair as SendGrid's signed Event Webhook uses; the public key as its dashboard shows it. */
function keyPair() {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    /** what SendGrid does: ECDSA SHA-256 over timestamp + raw body, base64 DER signature */
    sign: (timestamp: string, payload: string) =>
      sign('sha256', Buffer.from(timestamp + payload, 'utf8'), privateKey).toString('base64'),
  };
}

const events = [
  {
    email: 'Maria.Lopez@example.com',
    event: 'delivered',
    sg_event_id: 'ZGVsaXZlcmVkLTAtMTk5NDIxMTI',
    sg_message_id: 'qNwBLgPQQjW6DJvKQwSAbw.filterdrecv-canary-547b64655b-cw6zx-1-6089EA4A-56.0',
    'smtp-id': '<out_01HX@lakeside.example>',
    timestamp: 1772463600,
    outboundId: 'out_01HX',
    response: '250 2.0.0 OK',
  },
];
// SendGrid posts one event per line, CRLF-terminated
const payload = `${JSON.stringify(events)}\r\n`;

describe('verifySendGridEvents', () => {
  const keys = keyPair();
  const timestamp = '1772463605';
  const signature = keys.sign(timestamp, payload);

  it('names the headers SendGrid sends', () => {
    expect(SENDGRID_SIGNATURE_HEADER).toBe('X-Twilio-Email-Event-Webhook-Signature');
    expect(SENDGRID_TIMESTAMP_HEADER).toBe('X-Twilio-Email-Event-Webhook-Timestamp');
  });

  it('accepts a body signed with the matching key, as string or Buffer, with a base64 or PEM key', () => {
    expect(verifySendGridEvents({ publicKey: keys.publicKey, payload, signature, timestamp })).toBe(true);
    expect(verifySendGridEvents({ publicKey: keys.publicKey, payload: Buffer.from(payload), signature, timestamp })).toBe(
      true,
    );
    expect(verifySendGridEvents({ publicKey: keys.publicKeyPem, payload, signature, timestamp })).toBe(true);
  });

  it('refuses a tampered body, a changed timestamp, another key and garbage headers', () => {
    const tampered = payload.replace('delivered', 'bounce');
    expect(verifySendGridEvents({ publicKey: keys.publicKey, payload: tampered, signature, timestamp })).toBe(false);
    expect(verifySendGridEvents({ publicKey: keys.publicKey, payload, signature, timestamp: '1772463606' })).toBe(false);
    expect(verifySendGridEvents({ publicKey: keyPair().publicKey, payload, signature, timestamp })).toBe(false);
    expect(verifySendGridEvents({ publicKey: keys.publicKey, payload, signature: 'not-base64!', timestamp })).toBe(false);
    expect(verifySendGridEvents({ publicKey: keys.publicKey, payload, signature: null, timestamp })).toBe(false);
    expect(verifySendGridEvents({ publicKey: 'not a key', payload, signature, timestamp })).toBe(false);
  });

  it('refuses a stale signature when a tolerance is given', () => {
    const base = { publicKey: keys.publicKey, payload, signature, timestamp, toleranceSeconds: 300 };
    expect(verifySendGridEvents({ ...base, now: new Date(1772463605_000 + 299_000) })).toBe(true);
    expect(verifySendGridEvents({ ...base, now: new Date(1772463605_000 + 301_000) })).toBe(false);
  });

  it("verifies SendGrid's own published test vector", () => {
    const published = JSON.stringify([
      {
        email: 'hello@world.com',
        event: 'dropped',
        reason: 'Bounced Address',
        sg_event_id: 'ZHJvcC0xMDk5NDkxOS1MUnpYbF9OSFN0T0doUTRrb2ZTbV9BLTA',
        sg_message_id: 'LRzXl_NHStOGhQ4kofSm_A.filterdrecv-p3mdw1-756b745b58-kmzbl-18-5F5FC76C-9.0',
        'smtp-id': '<LRzXl_NHStOGhQ4kofSm_A@ismtpd0039p1iad1.sendgrid.net>',
        timestamp: 1600112492,
      },
    ]);
    const input = {
      publicKey:
        'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE83T4O/n84iotIvIW4mdBgQ/7dAfSmpqIM8kF9mN1flpVKS3GRqe62gw+2fNNRaINXvVpiglSI8eNEc6wEA3F+g==',
      payload: `${published}\r\n`,
      signature: 'MEUCIGHQVtGj+Y3LkG9fLcxf3qfI10QysgDWmMOVmxG0u6ZUAiEAyBiXDWzM+uOe5W0JuG+luQAbPIqHh89M15TluLtEZtM=',
      timestamp: '1600112502',
    };
    expect(verifySendGridEvents(input)).toBe(true);
    expect(verifySendGridEvents({ ...input, payload: published })).toBe(false);
  });
});

describe('parseSendGridEvents', () => {
  it('reads the fields we act on, the provider id and our outbound id', () => {
    expect(parseSendGridEvents(JSON.parse(payload))).toEqual([
      {
        sgEventId: 'ZGVsaXZlcmVkLTAtMTk5NDIxMTI',
        sgMessageId: 'qNwBLgPQQjW6DJvKQwSAbw.filterdrecv-canary-547b64655b-cw6zx-1-6089EA4A-56.0',
        providerId: 'qNwBLgPQQjW6DJvKQwSAbw',
        outboundId: 'out_01HX',
        email: 'maria.lopez@example.com',
        event: 'delivered',
        timestamp: new Date('2026-03-02T15:00:00Z'),
        reason: '250 2.0.0 OK',
        bounceType: null,
      },
    ]);
  });

  it('leaves out event types we do not act on and entries missing their id', () => {
    const parsed = parseSendGridEvents([
      { email: 'a@x.com', event: 'group_resubscribe', sg_event_id: '1', timestamp: 1 },
      { email: 'a@x.com', event: 'open', timestamp: 1 },
      'nonsense',
      { email: 'a@x.com', event: 'bounce', type: 'blocked', sg_event_id: '2', timestamp: 1, reason: '554 blocked' },
    ]);
    expect(parsed.map((e) => [e.sgEventId, e.event, e.bounceType, e.reason])).toEqual([['2', 'bounce', 'blocked', '554 blocked']]);
  });

  it('refuses a body that is not an array', () => {
    expect(() => parseSendGridEvents({ event: 'delivered' })).toThrow(/JSON array/);
  });
});

describe('emailEventEffect', () => {
  const base: SendGridEvent = {
    sgEventId: 'e',
    sgMessageId: null,
    providerId: null,
    outboundId: 'out_1',
    email: 'maria@example.com',
    event: 'delivered',
    timestamp: new Date(0),
    reason: null,
    bounceType: null,
  };
  const effect = (over: Partial<SendGridEvent>) => emailEventEffect({ ...base, ...over });

  it('maps delivery events to the outbound status', () => {
    expect(effect({ event: 'processed' })).toEqual({ deliveryStatus: 'sent', consent: null });
    expect(effect({ event: 'deferred' })).toEqual({ deliveryStatus: null, consent: null });
    expect(effect({ event: 'delivered' })).toEqual({ deliveryStatus: 'delivered', consent: null });
    expect(effect({ event: 'open' })).toEqual({ deliveryStatus: 'delivered', consent: null });
  });

  it('marks the address undeliverable on a hard bounce or a spam report, not on a block', () => {
    expect(effect({ event: 'bounce', bounceType: 'bounce' })).toEqual({ deliveryStatus: 'failed', consent: 'mark_undeliverable' });
    expect(effect({ event: 'bounce', bounceType: 'blocked' })).toEqual({ deliveryStatus: 'failed', consent: null });
    expect(effect({ event: 'spamreport' }).consent).toBe('mark_undeliverable');
    expect(effect({ event: 'dropped', reason: 'Bounced Address' }).consent).toBe('mark_undeliverable');
  });

  it('revokes email consent on an unsubscribe, a group unsubscribe, or a drop for an unsubscribed address', () => {
    expect(effect({ event: 'unsubscribe' }).consent).toBe('revoke_email_consent');
    expect(effect({ event: 'group_unsubscribe' }).consent).toBe('revoke_email_consent');
    expect(effect({ event: 'dropped', reason: 'Unsubscribed Address' }).consent).toBe('revoke_email_consent');
  });

  it('ranks statuses so a late event never moves one backwards, but an async bounce can fail a delivered one', () => {
    expect(emailDeliveryRank('delivered')).toBeGreaterThan(emailDeliveryRank('sent'));
    expect(emailDeliveryRank('failed')).toBeGreaterThan(emailDeliveryRank('delivered'));
  });
});
