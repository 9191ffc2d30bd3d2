import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createSimulatedSmsSender,
  createTwilioSmsSender,
  IDEMPOTENCY_HEADER,
  SendError,
  toSendError,
} from '../../../channels/sms/sender';
import { createTwilioApiMock } from '../../msw/twilio';

const accountSid = 'AC0123456789abcdef0123456789abcdef';
const authToken = 'token0123456789abcdef0123456789a';
const twilioApi = createTwilioApiMock();
const server = setupServer(...twilioApi.handlers);

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => twilioApi.reset());
afterAll(() => server.close());

const sender = createTwilioSmsSender({ accountSid, authToken });
const request = {
  from: '+12125550100',
  to: '+14155552671',
  body: 'Hi Ana, reminder: Tue Mar 3 at 9:00 AM with Maple Family Practice. Reply 1 to confirm, 2 to cancel.',
  statusCallback: 'https://clinic.example.com/webhooks/twilio/sms/status',
  idempotencyKey: 'msg_01HZX',
};

async function sendError(promise: Promise<unknown>): Promise<SendError> {
  const error = await promise.then(
    () => {
      throw new Error('expected the send to fail');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SendError);
  return error as SendError;
}

describe('live Twilio sender', () => {
  it('posts exactly To, From, Body and StatusCallback to the Messages resource', async () => {
    const result = await sender.send(request);

    expect(result).toEqual({ providerId: twilioApi.sid('SM', 1), status: 'queued' });
    expect(twilioApi.messages).toHaveLength(1);
    const sent = twilioApi.messages[0]!;
    expect(sent.method).toBe('POST');
    expect(sent.url).toBe(`https://api.twilio.com/2010-04-01/Accounts/${accountSid}/Messages.json`);
    expect(sent.form).toEqual({
      To: '+14155552671',
      From: '+12125550100',
      Body: request.body,
      StatusCallback: 'https://clinic.example.com/webhooks/twilio/sms/status',
    });
    expect(sent.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(sent.headers.authorization).toBe(`Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`);
    expect(sent.headers[IDEMPOTENCY_HEADER.toLowerCase()]).toBe('msg_01HZX');
  });

  it('sends MMS media and a Messaging Service sender', async () => {
    await sender.send({
      from: 'MG0123456789abcdef0123456789abcdef',
      to: '+14155552671',
      body: 'Your form',
      mediaUrls: ['https://clinic.example.com/m/1.pdf', 'https://clinic.example.com/m/2.pdf'],
      idempotencyKey: 'msg_2',
    });
    expect(twilioApi.messages[0]!.form).toEqual({
      To: '+14155552671',
      MessagingServiceSid: 'MG0123456789abcdef0123456789abcdef',
      Body: 'Your form',
      MediaUrl: ['https://clinic.example.com/m/1.pdf', 'https://clinic.example.com/m/2.pdf'],
    });
  });

  it('carries each send its own idempotency token, even concurrently', async () => {
    await Promise.all([
      sender.send({ ...request, idempotencyKey: 'a' }),
      sender.send({ ...request, idempotencyKey: 'b' }),
    ]);
    const tokens = twilioApi.messages.map((m) => m.headers[IDEMPOTENCY_HEADER.toLowerCase()]).sort();
    expect(tokens).toEqual(['a', 'b']);
  });

  it('maps 429 and 5xx to retryable', async () => {
    twilioApi.failNextMessage({ status: 429, code: 20429, message: 'Too Many Requests' });
    const tooMany = await sendError(sender.send(request));
    expect(tooMany).toMatchObject({ kind: 'retryable', status: 429, code: 20429 });

    twilioApi.failNextMessage({ status: 500, code: 20500, message: 'Internal Server Error' });
    expect(await sendError(sender.send(request))).toMatchObject({ kind: 'retryable', status: 500 });

    twilioApi.failNextMessage({ status: 503 });
    expect(await sendError(sender.send(request))).toMatchObject({ kind: 'retryable', status: 503 });
  });

  it('maps a network error to retryable', async () => {
    twilioApi.failNextMessage('network-error');
    const error = await sendError(sender.send(request));
    expect(error.kind).toBe('retryable');
    expect(error.status).toBeUndefined();
  });

  it('maps 21610 (recipient replied STOP) to opted_out', async () => {
    twilioApi.failNextMessage({ status: 400, code: 21610, message: 'Attempt to send to unsubscribed recipient' });
    expect(await sendError(sender.send(request))).toMatchObject({
      kind: 'opted_out',
      code: 21610,
      status: 400,
      message: 'Attempt to send to unsubscribed recipient',
    });
  });

  it('maps invalid or non-mobile numbers and other 4xx to permanent', async () => {
    twilioApi.failNextMessage({ status: 400, code: 21211, message: "The 'To' number is not a valid phone number." });
    expect(await sendError(sender.send(request))).toMatchObject({ kind: 'permanent', code: 21211 });
    twilioApi.failNextMessage({ status: 400, code: 21614, message: "'To' number is not a valid mobile number" });
    expect(await sendError(sender.send(request))).toMatchObject({ kind: 'permanent', code: 21614 });
    twilioApi.failNextMessage({ status: 401, code: 20003, message: 'Authenticate' });
    expect(await sendError(sender.send(request))).toMatchObject({ kind: 'permanent', status: 401 });
  });
});

describe('toSendError', () => {
  it('treats anything without an HTTP answer as retryable', () => {
    const error = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(toSendError(error)).toMatchObject({ kind: 'retryable', message: 'connect ECONNREFUSED' });
    expect(toSendError(error).code).toBeUndefined();
  });
});

describe('simulated sender', () => {
  it('sends nothing and answers a stable SIM id with status simulated', async () => {
    const simulated = createSimulatedSmsSender();
    const first = await simulated.send(request);
    const again = await simulated.send(request);
    const other = await simulated.send({ ...request, idempotencyKey: 'msg_other' });
    expect(first.status).toBe('simulated');
    expect(first.providerId).toMatch(/^SIM[0-9a-f]{32}$/);
    expect(again).toEqual(first);
    expect(other.providerId).not.toBe(first.providerId);
    expect(simulated.mode).toBe('simulated');
    expect(twilioApi.requests).toHaveLength(0);
  });
});
