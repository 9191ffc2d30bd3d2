import { HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { outboundMessageId, replyAddress, threadHeaders } from '../../../channels/email/compose';
import {
  classifySendGridError,
  createSendGridSender,
  createSimulatedEmailSender,
  EmailSendError,
  type OutboundEmail,
} from '../../../channels/email/sender';
import { createSendGridMock, sendGridError } from '../../msw/sendgrid';

const sendgrid = createSendGridMock();
const server = setupServer(...sendgrid.handlers);

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  sendgrid.requests.length = 0;
  server.resetHandlers(...sendgrid.handlers);
});
afterAll(() => server.close());

const reply: OutboundEmail = {
  from: { email: 'front@lakeside.example', name: 'Lakeside Family Medicine' },
  replyTo: replyAddress('3f9c2a', 'in.lakeside.example'),
  to: 'maria.lopez@example.com',
  subject: 'Re: Your appointment',
  text: 'Hi Maria, see you Tuesday at 3pm.',
  html: '<p>Hi Maria, see you Tuesday at 3pm.</p>',
  headers: {
    'Message-ID': outboundMessageId('out_01HX', 'lakeside.example'),
    ...threadHeaders('<CAF=reply-2@mail.gmail.com>', ['<out-12@lakeside.example>']),
  },
  idempotencyKey: 'send:out_01HX',
  customArgs: { outboundId: 'out_01HX' },
};

describe('SendGrid sender', () => {
  it('posts the exact v3 mail send body and returns X-Message-Id as the provider id', async () => {
    const sender = createSendGridSender({ apiKey: 'SG.test-key' });

    const result = await sender.send(reply);

    expect(result).toEqual({ providerId: 'sg-msg-1', status: 'sent' });
    expect(sendgrid.requests).toHaveLength(1);
    const [request] = sendgrid.requests;
    expect(request?.headers.authorization).toBe('Bearer SG.test-key');
    expect(request?.body).toEqual({
      from: { email: 'front@lakeside.example', name: 'Lakeside Family Medicine' },
      reply_to: { email: 'reply+3f9c2a@in.lakeside.example' },
      subject: 'Re: Your appointment',
      personalizations: [{ to: [{ email: 'maria.lopez@example.com' }] }],
      content: [
        { type: 'text/plain', value: 'Hi Maria, see you Tuesday at 3pm.' },
        { type: 'text/html', value: '<p>Hi Maria, see you Tuesday at 3pm.</p>' },
      ],
      headers: {
        'Message-ID': '<out_01HX@lakeside.example>',
        'In-Reply-To': '<CAF=reply-2@mail.gmail.com>',
        References: '<out-12@lakeside.example> <CAF=reply-2@mail.gmail.com>',
      },
      custom_args: { outboundId: 'out_01HX', idempotencyKey: 'send:out_01HX' },
    });
  });

  it('leaves out reply-to, html and headers when there are none', async () => {
    const sender = createSendGridSender({ apiKey: 'SG.test-key' });

    await sender.send({ ...reply, replyTo: null, html: null, headers: {}, from: { email: 'front@lakeside.example' } });

    expect(sendgrid.requests[0]?.body).toEqual({
      from: { email: 'front@lakeside.example' },
      subject: 'Re: Your appointment',
      personalizations: [{ to: [{ email: 'maria.lopez@example.com' }] }],
      content: [{ type: 'text/plain', value: 'Hi Maria, see you Tuesday at 3pm.' }],
      custom_args: { outboundId: 'out_01HX', idempotencyKey: 'send:out_01HX' },
    });
  });

  it.each([
    [429, 'retryable'],
    [500, 'retryable'],
    [503, 'retryable'],
    [400, 'permanent'],
    [401, 'permanent'],
    [403, 'permanent'],
    [413, 'permanent'],
  ] as const)('classifies a %i answer as %s', async (status, kind) => {
    sendgrid.respondOnce(() => sendGridError(status, 'The from address does not match a verified Sender Identity', 'from'));
    const sender = createSendGridSender({ apiKey: 'SG.test-key' });

    const failure = await sender.send(reply).catch((e: unknown) => e);

    expect(failure).toBeInstanceOf(EmailSendError);
    expect(failure).toMatchObject({ kind, status });
    expect((failure as Error).message).toContain(`SendGrid answered ${status}`);
    expect((failure as Error).message).toContain('verified Sender Identity (from)');
  });

  it('classifies a network failure as retryable with no status', async () => {
    sendgrid.respondOnce(() => HttpResponse.error());
    const sender = createSendGridSender({ apiKey: 'SG.test-key' });

    const failure = await sender.send(reply).catch((e: unknown) => e);

    expect(failure).toMatchObject({ kind: 'retryable', status: null });
  });

  it('classifies a message the client refuses before sending as permanent', () => {
    expect(classifySendGridError(new Error('Provide at least one of to, cc or bcc'))).toMatchObject({
      kind: 'permanent',
      status: null,
    });
  });
});

describe('simulated sender', () => {
  it('keeps the message, sends nothing and reports simulated', async () => {
    const sender = createSimulatedEmailSender();

    const result = await sender.send(reply);

    expect(result).toEqual({ providerId: null, status: 'simulated' });
    expect(sender.sent).toEqual([reply]);
    expect(sendgrid.requests).toHaveLength(0);
  });
});

describe('compose', () => {
  it('builds reply-to addresses and Message-IDs and refuses unsafe parts', () => {
    expect(replyAddress('ab12_-', 'In.Lakeside.Example')).toBe('reply+ab12_-@in.lakeside.example');
    expect(() => replyAddress('Upper', 'in.lakeside.example')).toThrow(TypeError);
    expect(() => replyAddress('ok', 'in.lakeside.example>\r\nBcc: x@y.z')).toThrow(TypeError);
    expect(outboundMessageId('out_1', 'lakeside.example')).toBe('<out_1@lakeside.example>');
    expect(() => outboundMessageId('a b', 'lakeside.example')).toThrow(TypeError);
  });

  it('chains References from the parent and keeps the newest twenty', () => {
    expect(threadHeaders(null)).toEqual({});
    expect(threadHeaders('parent@x', ['<a@x>', 'parent@x'])).toEqual({
      'In-Reply-To': '<parent@x>',
      References: '<a@x> <parent@x>',
    });
    const long = Array.from({ length: 30 }, (_, i) => `<m${i}@x>`);
    const refs = threadHeaders('<last@x>', long).References?.split(' ');
    expect(refs).toHaveLength(20);
    expect(refs?.at(-1)).toBe('<last@x>');
    expect(refs?.[0]).toBe('<m11@x>');
  });
});
