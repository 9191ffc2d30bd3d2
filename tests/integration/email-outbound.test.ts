import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { eq } from 'drizzle-orm';
import { conversations, messages } from '../../src/platform/db/schema';
import { queueOutbound } from '../../src/outreach/outbound';
import { renderTemplate } from '../../templates/index';
import { startHarness, type Harness } from '../helpers/harness';
import { makePractice } from '../helpers/fixtures';
import { inboundEnv, parsedEmail, postInbound } from '../helpers/email';
import { createSendGridMock, sendGridError } from '../msw/sendgrid';
import type { PracticeView } from '../../src/practices/practices';

const sendgrid = createSendGridMock();
const server = setupServer(...sendgrid.handlers);

let h: Harness;
let p: PracticeView;
let inbox: string;

// X-Message-Ids stay unique across tests, as SendGrid's are (messages are unique on channel + provider id)
let sent = 0;
const accepted = () => new HttpResponse(null, { status: 202, headers: { 'X-Message-Id': `sg-msg-${++sent}` } });

beforeAll(async () => {
  server.listen({ onUnhandledRequest: 'bypass' });
  sendgrid.respondAlways(accepted);
  h = await startHarness({ env: { ...inboundEnv, SENDGRID_API_KEY: 'SG.test-key', SEND_MODE: 'live' } });
  p = await makePractice(h.runtime.deps.db, 'maple');
  inbox = p.emailAddresses[0]!;
});
afterEach(() => {
  sendgrid.requests.length = 0;
  server.resetHandlers(...sendgrid.handlers);
});
afterAll(async () => {
  server.close();
  await h.close();
});

const db = () => h.runtime.deps.db;

async function patientWrites(from: string, messageId: string, extra: Partial<Parameters<typeof parsedEmail>[0]> = {}) {
  const res = await postInbound(h, parsedEmail({ messageId, from, to: inbox, subject: 'Refill', text: 'Can I get a refill?', ...extra }));
  expect(res.status).toBe(200);
  return (await res.json()) as { id: string; conversationId: string };
}

async function reply(conversationId: string, body: string) {
  const r = await queueOutbound(db(), { practiceId: p.id, conversationId, channel: 'email', body, purpose: 'reply', authorType: 'user', now: h.clock.now() });
  h.runtime.deps.relay.nudge();
  await h.drain();
  return (await db().select().from(messages).where(eq(messages.id, r.messageId)))[0]!;
}

describe('outbound email through the send job', () => {
  it('sends from the practice address with a threading reply-to, text and HTML, and stores the status and provider id', async () => {
    const inbound = await patientWrites('Maria Lopez <maria@example.com>', '<CAF=m1@mail.gmail.com>', { references: '<older@mail.gmail.com>' });
    const [conv] = await db().select().from(conversations).where(eq(conversations.id, inbound.conversationId));
    const sent = await reply(inbound.conversationId, 'Hi Maria,\n\nyour refill is ready at <CVS> & waiting.');

    expect(sent).toMatchObject({ status: 'sent', providerId: 'sg-msg-1', fromAddress: inbox, toAddress: 'maria@example.com' });
    expect(sendgrid.requests).toHaveLength(1);
    expect(sendgrid.requests[0]!.headers.authorization).toBe('Bearer SG.test-key');
    expect(sendgrid.requests[0]!.body).toEqual({
      from: { email: inbox, name: 'Practice maple' },
      reply_to: { email: `reply+${conv!.replyToken}@maple.example.com` },
      subject: 'Re: Refill',
      personalizations: [{ to: [{ email: 'maria@example.com' }] }],
      content: [
        { type: 'text/plain', value: 'Hi Maria,\n\nyour refill is ready at <CVS> & waiting.' },
        { type: 'text/html', value: '<p>Hi Maria,</p>\n<p>your refill is ready at &lt;CVS&gt; &amp; waiting.</p>' },
      ],
      headers: {
        'In-Reply-To': '<CAF=m1@mail.gmail.com>',
        References: '<older@mail.gmail.com> <CAF=m1@mail.gmail.com>',
        'Message-ID': `<${sent.id}@maple.example.com>`,
      },
      custom_args: { outboundId: sent.id, idempotencyKey: sent.id },
    });

    // the patient's answer names our Message-ID and lands in the same conversation
    const answer = await patientWrites('Maria Lopez <maria@example.com>', '<CAF=m2@mail.gmail.com>', { inReplyTo: `<${sent.id}@maple.example.com>`, text: 'Thank you!' });
    expect(answer.conversationId).toBe(inbound.conversationId);
  });

  it('sends a staff reply typed in the console (POST /api/v1/conversations/{id}/messages) by email', async () => {
    const inbound = await patientWrites('Rui Sato <rui@example.com>', '<r1@mail.example.com>', { subject: 'Lab results' });
    const res = await h.request('POST', `/api/v1/conversations/${inbound.conversationId}/messages`, { body: { body: 'Your results are normal.' } });
    expect(res.status).toBe(201);
    const { messageId } = (await res.json()) as { messageId: string };
    await h.drain();
    const body = sendgrid.requests.at(-1)!.body as { subject: string; personalizations: unknown; headers: Record<string, string> };
    expect(body).toMatchObject({ subject: 'Re: Lab results', personalizations: [{ to: [{ email: 'rui@example.com' }] }] });
    expect(body.headers['In-Reply-To']).toBe('<r1@mail.example.com>');
    expect((await db().select().from(messages).where(eq(messages.id, messageId)))[0]!.status).toBe('sent');
  });

  it('sends a template as its text and HTML parts, with its subject', async () => {
    const inbound = await patientWrites('Pia Lund <pia@example.com>', '<p1@mail.example.com>');
    const rendered = renderTemplate({
      purpose: 'refill_received',
      channel: 'email',
      language: 'en',
      vars: { practice: { name: 'Practice maple', phone: '+14155550100' }, patient: { firstName: 'Pia' } },
    });
    const r = await queueOutbound(db(), {
      practiceId: p.id,
      conversationId: inbound.conversationId,
      channel: 'email',
      body: rendered.text,
      subject: rendered.subject,
      html: rendered.html,
      purpose: 'auto_reply',
      authorType: 'automation',
      now: h.clock.now(),
    });
    await h.drain();
    const body = sendgrid.requests.at(-1)!.body as { subject: string; content: { type: string; value: string }[] };
    expect(body.subject).toBe('We got your refill request');
    expect(body.content).toEqual([
      { type: 'text/plain', value: rendered.text },
      { type: 'text/html', value: rendered.html },
    ]);
    expect(rendered.html).toContain('<p>Hello Pia,</p>');
    expect((await db().select().from(messages).where(eq(messages.id, r.messageId)))[0]!.status).toBe('sent');
  });

  it('never sends a message twice: a redelivered send job finds the provider id and stops', async () => {
    const inbound = await patientWrites('Ned Blue <ned@example.com>', '<n1@mail.example.com>');
    const sent = await reply(inbound.conversationId, 'Done.');
    expect(sendgrid.requests).toHaveLength(1);
    const send = h.runtime.modules.find((m) => m.queue === 'send')!;
    await send.exec(h.runtime.jobDeps, { data: { messageId: sent.id }, attempt: 1, finalAttempt: false } as never);
    expect(sendgrid.requests).toHaveLength(1);
  });

  it('retries a 5xx from SendGrid with backoff and records a permanent 4xx as failed', async () => {
    const inbound = await patientWrites('Olga Grey <olga@example.com>', '<o1@mail.example.com>');
    sendgrid.respondOnce(() => sendGridError(503, 'Service unavailable'));
    const retried = await reply(inbound.conversationId, 'First try fails');
    expect(sendgrid.requests).toHaveLength(2);
    expect(retried.status).toBe('sent');

    sendgrid.requests.length = 0;
    sendgrid.respondOnce(() => sendGridError(400, 'The from address does not match a verified Sender Identity', 'from'));
    const failed = await reply(inbound.conversationId, 'Refused');
    expect(sendgrid.requests).toHaveLength(1);
    expect(failed).toMatchObject({ status: 'failed', errorCode: 'sendgrid_400' });
    expect(failed.errorMessage).toMatch(/verified Sender Identity/);
  });

  it('goes live by default when SENDGRID_API_KEY is set (no SEND_MODE), and stays simulated with SEND_MODE=simulate', async () => {
    for (const [env, expected] of [
      [{ SENDGRID_API_KEY: 'SG.default-live' }, 'sent'],
      [{ SENDGRID_API_KEY: 'SG.default-live', SEND_MODE: 'simulate' }, 'simulated'],
    ] as const) {
      const other = await startHarness({ env: { ...inboundEnv, ...env } });
      try {
        const practice = await makePractice(other.runtime.deps.db, `mode-${expected}`);
        const res = await postInbound(other, parsedEmail({ from: 'Mo De <mode@example.com>', to: practice.emailAddresses[0]!, text: 'hi' }));
        const { conversationId } = (await res.json()) as { conversationId: string };
        const r = await queueOutbound(other.runtime.deps.db, { practiceId: practice.id, conversationId, channel: 'email', body: 'Hello', purpose: 'reply', authorType: 'user', now: other.clock.now() });
        await other.drain();
        const [msg] = await other.runtime.deps.db.select().from(messages).where(eq(messages.id, r.messageId));
        expect(msg!.status).toBe(expected);
      } finally {
        await other.close();
      }
    }
    expect(sendgrid.requests).toHaveLength(1);
    expect(sendgrid.requests[0]!.headers.authorization).toBe('Bearer SG.default-live');
  });

  it('is simulated without a SendGrid key: same job, status simulated, nothing posted', async () => {
    const sim = await startHarness({ env: inboundEnv });
    try {
      const practice = await makePractice(sim.runtime.deps.db, 'sim-mail');
      const res = await postInbound(sim, parsedEmail({ from: 'Sam Sim <sam@example.com>', to: practice.emailAddresses[0]!, text: 'hi' }));
      const { conversationId } = (await res.json()) as { conversationId: string };
      const r = await queueOutbound(sim.runtime.deps.db, { practiceId: practice.id, conversationId, channel: 'email', body: 'Hello', purpose: 'reply', authorType: 'user', now: sim.clock.now() });
      await sim.drain();
      const [msg] = await sim.runtime.deps.db.select().from(messages).where(eq(messages.id, r.messageId));
      expect(msg).toMatchObject({ status: 'simulated', fromAddress: practice.emailAddresses[0] });
      expect(sendgrid.requests).toHaveLength(0);
    } finally {
      await sim.close();
    }
  });
});
