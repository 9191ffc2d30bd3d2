import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { calls, messages, practices } from '../../src/platform/db/schema';
import { encodeCursor } from '../../src/platform/cursor';
import { startHarness, type Harness } from '../helpers/harness';
import { makeConversation, makePractice, tokenFor } from '../helpers/fixtures';
import { fakeSid, inboundSms, postTwilio } from '../helpers/twilio';
import { inboundEnv, parsedEmail, postInbound } from '../helpers/email';
import type { PracticeView } from '../../src/practices/practices';

// issue 12, points 3 (NUL), 4 (email duplicates per practice), 7 (every input a 4xx) and 10 (invalid UTF-8)
let h: Harness;
let a: PracticeView;
let b: PracticeView;
let conversationId: string;

beforeAll(async () => {
  h = await startHarness({ env: inboundEnv });
  a = await makePractice(h.runtime.deps.db, 'in-alpha');
  b = await makePractice(h.runtime.deps.db, 'in-beta');
  conversationId = (await makeConversation(h.runtime.deps.db, a.id, { queue: 'refills' })).conversation.id;
});
afterAll(() => h.close());

const db = () => h.runtime.deps.db;

async function expectError(res: Response, status: number) {
  expect(res.status, await res.clone().text()).toBe(status);
  const body = (await res.json()) as { error: { code: string; message: string; requestId: string } };
  expect(body.error).toMatchObject({ code: expect.any(String), message: expect.any(String), requestId: expect.any(String) });
  return body.error;
}

describe('a NUL character (point 3)', () => {
  it('in an API body is a 400 naming the field, and nothing changes', async () => {
    await expectError(await h.request('PATCH', `/api/v1/practices/${a.id}`, { body: { name: 'Lake\u0000side' } }), 400);
    await expectError(await h.request('POST', `/api/v1/conversations/${conversationId}/messages`, { body: { body: 'hi\u0000there' } }), 400);
    await expectError(await h.request('POST', '/api/v1/users', { body: { email: 'x@example.com', role: 'admin', name: 'A\u0000B' } }), 400);
    await expectError(await h.request('POST', '/api/v1/appointments', { body: { practiceId: a.id, externalId: 'x\u0000', startsAt: '2026-03-01T10:00:00Z', durationMinutes: 15, patient: { firstName: 'A', lastName: 'B' } } }), 400);
    const [row] = await db().select({ name: practices.name }).from(practices).where(eq(practices.id, a.id));
    expect(row!.name).toBe('Practice in-alpha');
  });

  it('in a Twilio SMS is stored without it, never refused', async () => {
    const params = inboundSms('+14155557001', a.phoneNumbers[0]!, 'refill\u0000 please');
    const res = await postTwilio(h, '/webhooks/twilio/sms', params);
    expect(res.status).toBe(200);
    const [m] = await db().select().from(messages).where(eq(messages.providerId, params.MessageSid!));
    expect(m!.body).toBe('refill please');
  });

  it('in a Twilio voice webhook is answered with TwiML', async () => {
    const callSid = fakeSid('CA');
    const res = await postTwilio(h, '/webhooks/twilio/voice', {
      AccountSid: 'AC00000000000000000000000000000000',
      CallSid: callSid,
      CallStatus: 'ringing',
      Direction: 'inbound',
      From: '+1415555\u00007002',
      To: a.phoneNumbers[0]!,
      CallerName: 'Dana\u0000',
    });
    expect(res.status).toBe(200);
    expect(await db().select().from(calls).where(eq(calls.callSid, callSid))).toHaveLength(1);
  });

  it('in a SendGrid email (body, subject, sender name) is stored without it, with 200 so nothing is retried or lost', async () => {
    const res = await postInbound(
      h,
      parsedEmail({ to: a.emailAddresses[0]!, from: 'Dana\u0000 Smith <dana@example.com>', subject: 'Re\u0000fill', text: 'my words\u0000 matter' }),
    );
    expect(res.status).toBe(200);
    const { id } = (await res.json()) as { id: string };
    const [m] = await db().select().from(messages).where(eq(messages.id, id));
    expect(m!.body).toBe('my words matter');
    expect(m!.subject).toBe('Refill');
  });

  it('in a portal message is stored without it', async () => {
    const token = await tokenFor(db(), 'portal', 'in-alpha');
    const res = await h.request('POST', '/api/v1/portal/messages', {
      token,
      body: { messageId: 'pm-nul', patient: { portalId: 'pt-1', firstName: 'Ana\u0000', lastName: 'Diaz', dateOfBirth: '1980-01-02' }, body: 'need\u0000 help' },
    });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    const [m] = await db().select().from(messages).where(eq(messages.id, id));
    expect(m!.body).toBe('need help');
  });
});

describe('invalid UTF-8 in a JSON body (point 10)', () => {
  it('is refused with 400, not stored as U+FFFD', async () => {
    const bytes = Buffer.concat([Buffer.from('{"name":"Lake'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}')]);
    const res = await h.request('PATCH', `/api/v1/practices/${a.id}`, { body: new Uint8Array(bytes), headers: { 'content-type': 'application/json' } });
    const err = await expectError(res, 400);
    expect(err.code).toBe('invalid_json');
    const [row] = await db().select({ name: practices.name }).from(practices).where(eq(practices.id, a.id));
    expect(row!.name).toBe('Practice in-alpha');
  });

  it('and deep nesting is refused before any schema walks it', async () => {
    const deep = '['.repeat(5000) + ']'.repeat(5000);
    await expectError(await h.request('PUT', '/api/v1/rules', { body: `{"practiceId":"${a.id}","rules":${deep}}`, headers: { 'content-type': 'application/json' } }), 400);
  });
});

describe('the same email Message-ID sent to two practices (point 4)', () => {
  it('is stored once for each, and neither answer names the other\'s ids', async () => {
    const messageId = '<same-message-id-1@mail.example.com>';
    const first = await postInbound(h, parsedEmail({ messageId, to: a.emailAddresses[0]!, text: 'hello A' }));
    const second = await postInbound(h, parsedEmail({ messageId, to: b.emailAddresses[0]!, text: 'hello B' }));
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    const one = (await first.json()) as { id: string; conversationId: string; duplicate: boolean };
    const two = (await second.json()) as { id: string; conversationId: string; duplicate: boolean };
    expect(two.duplicate).toBe(false);
    expect(two.id).not.toBe(one.id);
    expect(two.conversationId).not.toBe(one.conversationId);
    const rows = await db().select().from(messages).where(and(eq(messages.channel, 'email'), eq(messages.providerId, messageId)));
    expect(rows.map((r) => r.practiceId).sort()).toEqual([a.id, b.id].sort());
    // a retry to one practice is still a duplicate there
    const again = (await (await postInbound(h, parsedEmail({ messageId, to: b.emailAddresses[0]!, text: 'hello B' }))).json()) as { id: string; duplicate: boolean };
    expect(again).toMatchObject({ id: two.id, duplicate: true });
  });
});

describe('every input is validated to a 4xx (point 7)', () => {
  const uuid = '00000000-0000-4000-8000-000000000000';
  const crafted = [
    encodeCursor(new Date('0000-01-01T00:00:00Z'), uuid),
    Buffer.from(JSON.stringify(['+275760-09-13T00:00:00.000Z', uuid])).toString('base64url'),
    Buffer.from(JSON.stringify(['2026-01-01T00:00:00.000Z', "x' or 1=1 --"])).toString('base64url'),
    Buffer.from(JSON.stringify({ at: 1 })).toString('base64url'),
    Buffer.from('null').toString('base64url'),
    '%00',
  ];

  it('crafted cursors', async () => {
    for (const cursor of crafted) {
      for (const path of ['/api/v1/conversations', '/api/v1/appointments']) {
        const res = await h.request('GET', `${path}?cursor=${encodeURIComponent(cursor)}`);
        await expectError(res, 400);
      }
    }
  });

  it('year-0 and year-275760 dates', async () => {
    await expectError(await h.request('GET', '/api/v1/appointments?from=0000-01-01'), 400);
    await expectError(await h.request('GET', '/api/v1/metrics/appointments?from=%2B275760-09-13'), 400);
    await expectError(await h.request('GET', '/api/v1/metrics/appointments?to=0'), 400);
    await expectError(await h.request('POST', `/api/v1/conversations/${conversationId}/snooze`, { body: { until: '0000-01-01T00:00:00Z' } }), 400);
    await expectError(
      await h.request('POST', '/api/v1/appointments', {
        body: { practiceId: a.id, externalId: 'y0', startsAt: '0000-03-01T10:00:00Z', durationMinutes: 15, patient: { firstName: 'A', lastName: 'B', dateOfBirth: '0000-01-01' } },
      }),
      400,
    );
  });

  it('a NUL in the query, and malformed percent-encoding', async () => {
    await expectError(await h.request('GET', '/api/v1/conversations?queue=%00'), 400);
    await expectError(await h.request('GET', '/api/v1/conversations?queue=%E0%A4%A'), 400);
    await expectError(await h.request('GET', '/api/v1/conversations?queue=%FF'), 400);
  });

  it('a portal attachment of 1e12 bytes', async () => {
    const token = await tokenFor(db(), 'portal', 'in-alpha');
    const res = await h.request('POST', '/api/v1/portal/messages', {
      token,
      body: { messageId: 'pm-big', patient: { portalId: 'pt-2', firstName: 'A', lastName: 'B', dateOfBirth: '1980-01-02' }, body: 'see attached', attachments: [{ name: 'x.pdf', contentType: 'application/pdf', size: 1e12 }] },
    });
    await expectError(res, 400);
  });

  it('names of built-in object properties as file names', async () => {
    for (const path of ['/console/constructor', '/console/__proto__', '/console/toString', '/api/docs/toString', '/api/docs/constructor', '/api/docs/hasOwnProperty']) {
      await expectError(await h.request('GET', path, { token: null }), 404);
    }
  });
});
