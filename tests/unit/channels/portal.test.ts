import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PORTAL_BODY_MAX_CHARS, portalMessageSchema, portalToInbound } from '../../../channels/portal/message';
import {
  deliverPortalWebhook,
  PORTAL_DELIVERY_HEADER,
  PORTAL_SIGNATURE_HEADER,
  signPortalWebhook,
  verifyPortalWebhook,
} from '../../../channels/portal/webhook';

const valid = {
  messageId: 'pm_8c1f2',
  patient: { portalId: 'pt-10442', firstName: 'Maria', lastName: 'Lopez', dateOfBirth: '1984-07-19', email: 'Maria@Example.com' },
  subject: 'Refill',
  body: 'Can I get a refill of my lisinopril?',
  threadId: 'th-77',
  attachments: [{ name: 'list.pdf', contentType: 'application/pdf', size: 2048, url: 'https://portal.example/files/1' }],
};

describe('portal message schema', () => {
  it('accepts a message and drops unknown fields instead of refusing them', () => {
    const parsed = portalMessageSchema.parse({ ...valid, portalVersion: '3.2', patient: { ...valid.patient, mrn: 'X1' } });
    expect(parsed).toEqual(valid);
  });

  it('refuses a missing body, an impossible birth date, an oversized body and a non-http attachment link', () => {
    const issues = (input: unknown) =>
      portalMessageSchema.safeParse(input).error?.issues.map((i) => i.path.join('.')) ?? [];
    expect(issues({ ...valid, body: '  ' })).toEqual(['body']);
    expect(issues({ ...valid, patient: { ...valid.patient, dateOfBirth: '1984-02-30' } })).toEqual(['patient.dateOfBirth']);
    expect(issues({ ...valid, body: 'x'.repeat(PORTAL_BODY_MAX_CHARS + 1) })).toEqual(['body']);
    expect(issues({ ...valid, attachments: [{ ...valid.attachments[0], url: 'javascript:alert(1)' }] })).toEqual([
      'attachments.0.url',
    ]);
  });

  it('becomes an InboundMessage keyed by the portal message id and patient portal id', () => {
    const receivedAt = new Date('2026-03-02T15:00:00Z');
    const message = portalToInbound(portalMessageSchema.parse(valid), 'portal:lakeside', receivedAt);
    expect(message).toEqual({
      channel: 'portal',
      providerId: 'pm_8c1f2',
      to: 'portal:lakeside',
      from: { kind: 'portal', value: 'pt-10442', name: 'Maria Lopez' },
      subject: 'Refill',
      body: 'Can I get a refill of my lisinopril?',
      originalBody: null,
      attachments: [{ name: 'list.pdf', contentType: 'application/pdf', size: 2048, url: 'https://portal.example/files/1' }],
      meta: {
        patient: {
          portalId: 'pt-10442',
          firstName: 'Maria',
          lastName: 'Lopez',
          dateOfBirth: '1984-07-19',
          phone: null,
          email: 'maria@example.com',
        },
        threadId: 'th-77',
      },
      receivedAt,
    });
  });
});

describe('portal webhook signature', () => {
  const body = JSON.stringify({ conversationId: 'c1', body: 'See you Tuesday' });
  const now = new Date('2026-03-02T15:00:00Z');
  const t = now.getTime() / 1000;

  it('signs "<t>.<body>" with HMAC-SHA256 as t=...,v1=<hex>', () => {
    // reference value from: printf '%s' "1772463600.$body" | openssl dgst -sha256 -hmac whsec_test
    const header = signPortalWebhook('whsec_test', body, t);
    expect(header).toBe('t=1772463600,v1=d1bb0af089fb80db22fd3b328bea35b3ee5070070ecf6dccc6d450d83203ede7');
    expect(verifyPortalWebhook({ secret: 'whsec_test', body, header, now })).toBe(true);
  });

  it('refuses another secret, a changed body, a stale timestamp and a malformed header', () => {
    const header = signPortalWebhook('whsec_test', body, t);
    expect(verifyPortalWebhook({ secret: 'whsec_other', body, header, now })).toBe(false);
    expect(verifyPortalWebhook({ secret: 'whsec_test', body: body.replace('Tuesday', 'Monday'), header, now })).toBe(false);
    expect(verifyPortalWebhook({ secret: 'whsec_test', body, header, now: new Date(now.getTime() + 301_000) })).toBe(false);
    expect(verifyPortalWebhook({ secret: 'whsec_test', body, header: 'v1=abc', now })).toBe(false);
    expect(verifyPortalWebhook({ secret: 'whsec_test', body, header: null, now })).toBe(false);
  });

  it('accepts the old or the new secret while a practice rotates', () => {
    const header = signPortalWebhook('whsec_old', body, t);
    expect(verifyPortalWebhook({ secret: ['whsec_new', 'whsec_old'], body, header, now })).toBe(true);
  });
});

describe('deliverPortalWebhook', () => {
  const url = 'https://portal.lakeside.example/hooks/switchboard';
  const secret = 'whsec_lakeside';
  const now = new Date('2026-03-02T15:00:00Z');
  const received: { verified: boolean; deliveryId: string | null; body: unknown }[] = [];
  const answers: (() => Response)[] = [];
  const server = setupServer(
    http.post(url, async ({ request }) => {
      const body = await request.text();
      received.push({
        verified: verifyPortalWebhook({ secret, body, header: request.headers.get(PORTAL_SIGNATURE_HEADER), now }),
        deliveryId: request.headers.get(PORTAL_DELIVERY_HEADER),
        body: JSON.parse(body),
      });
      return (answers.shift() ?? (() => new HttpResponse(null, { status: 204 })))();
    }),
  );
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  afterEach(() => {
    received.length = 0;
    answers.length = 0;
  });
  afterAll(() => server.close());

  const payload = { event: 'message.created', conversationId: 'c1', threadId: 'th-77', body: 'See you Tuesday at 3pm.' };
  const deliver = () => deliverPortalWebhook({ url, secret, payload, deliveryId: 'out_01HX', now });

  it('is retryable while the portal fails twice and done on the third attempt, each one signed', async () => {
    answers.push(
      () => new HttpResponse('busy', { status: 503 }),
      () => new HttpResponse(null, { status: 429 }),
    );

    const attempts = [await deliver(), await deliver(), await deliver()];

    expect(attempts).toEqual([
      { ok: false, kind: 'retryable', status: 503, message: 'portal webhook answered 503' },
      { ok: false, kind: 'retryable', status: 429, message: 'portal webhook answered 429' },
      { ok: true, status: 204 },
    ]);
    expect(received).toHaveLength(3);
    expect(received.every((r) => r.verified && r.deliveryId === 'out_01HX')).toBe(true);
    expect(received[2]?.body).toEqual(payload);
  });

  it('treats a refused request as permanent and a network failure as retryable', async () => {
    answers.push(
      () => new HttpResponse(null, { status: 410 }),
      () => HttpResponse.error(),
    );

    expect(await deliver()).toMatchObject({ ok: false, kind: 'permanent', status: 410 });
    expect(await deliver()).toMatchObject({ ok: false, kind: 'retryable', status: null });
  });

  it('does not follow a redirect, and refuses a URL that is not http(s)', async () => {
    answers.push(() => new HttpResponse(null, { status: 302, headers: { Location: 'https://elsewhere.example/' } }));

    expect(await deliver()).toMatchObject({ ok: false, kind: 'permanent', status: 302 });
    expect(await deliverPortalWebhook({ url: 'file:///etc/passwd', secret, payload })).toMatchObject({
      ok: false,
      kind: 'permanent',
    });
  });

  it('uses an injected fetch', async () => {
    const calls: string[] = [];
    const fakeFetch: typeof fetch = async (input) => {
      calls.push(String(input));
      return new Response(null, { status: 200 });
    };

    expect(await deliverPortalWebhook({ url, secret, payload, fetch: fakeFetch })).toEqual({ ok: true, status: 200 });
    expect(calls).toEqual([url]);
  });
});
