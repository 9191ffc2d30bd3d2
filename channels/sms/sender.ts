import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient';

export interface SmsSendRequest {
  /** the practice's number (E.164) or a Messaging Service SID (`MG...`) */
  from: string;
  /** the patient's number, E.164 */
  to: string;
  body: string;
  /** public URL of `/webhooks/twilio/sms/status` */
  statusCallback?: string;
  /** public media links for an MMS */
  mediaUrls?: string[];
  /** stable per outbound message (its id): the same key is never delivered twice */
  idempotencyKey: string;
}

export interface SmsSendResult {
  /** Twilio's MessageSid, or `SIM...` for a simulated send */
  providerId: string;
  /** Twilio's status at creation (`queued`, `accepted`, ...) or `simulated` */
  status: string;
}

/** The send port: one live adapter (Twilio) and one simulated (SEND_MODE=simulate). */
export interface SmsSender {
  readonly mode: 'live' | 'simulated';
  send(request: SmsSendRequest): Promise<SmsSendResult>;
}

export { SendError, type SendErrorKind } from './send-error';
import { SendError } from './send-error';

/** Twilio error codes that mean "this recipient will never take this message". */
const PERMANENT_CODES = new Set([
  21211, // invalid 'To' number
  21212, // invalid 'From' number
  21408, // permission to send to this region not enabled
  21606, // 'From' number cannot send SMS
  21612, // 'To' number cannot be reached from this 'From' number
  21614, // 'To' is not a mobile number
  21617, // body too long
]);
const OPTED_OUT_CODE = 21610;

/** Sorts anything the Twilio client throws into a SendError. */
export function toSendError(error: unknown): SendError {
  if (error instanceof SendError) return error;
  const e = (error ?? {}) as { status?: unknown; code?: unknown; message?: unknown };
  const message = typeof e.message === 'string' && e.message !== '' ? e.message : 'send failed';
  // twilio's RestException: an HTTP answer from Twilio, with its numeric error code
  if (error instanceof twilio.RestException || (typeof e.status === 'number' && e.status >= 400)) {
    const status = e.status as number;
    const code = typeof e.code === 'number' ? e.code : undefined;
    const base = { message, status, cause: error, ...(code === undefined ? {} : { code }) };
    if (code === OPTED_OUT_CODE) return new SendError({ ...base, kind: 'opted_out' });
    if (code !== undefined && PERMANENT_CODES.has(code)) return new SendError({ ...base, kind: 'permanent' });
    if (status === 429 || status >= 500) return new SendError({ ...base, kind: 'retryable' });
    return new SendError({ ...base, kind: 'permanent' });
  }
  // no HTTP answer: connection refused or reset, DNS, timeout. Twilio may or may not have
  // taken the message; the retry carries the same idempotency token.
  return new SendError({ kind: 'retryable', message, cause: error });
}

export const IDEMPOTENCY_HEADER = 'I-Twilio-Idempotency-Token';

/*
 * The generated resources (messages.create) take no per-request headers, so the key rides
 * in AsyncLocalStorage to an http client that adds it to that request only. Twilio documents
 * I-Twilio-Idempotency-Token on the webhooks it sends; its effect on REST creates is not in
 * the public docs, so it is a second guard only: never sending twice rests on the send job
 * storing the MessageSid and not retrying a message that already has one.
 */
const currentIdempotencyKey = new AsyncLocalStorage<string>();

class IdempotentRequestClient extends twilio.RequestClient {
  override request<TData>(opts: RequestClient.RequestOptions<TData>) {
    const key = currentIdempotencyKey.getStore();
    if (key !== undefined && opts.method === 'post') {
      opts.headers = { ...opts.headers, [IDEMPOTENCY_HEADER]: key };
    }
    return super.request<TData>(opts);
  }
}

export interface TwilioSmsSenderOptions {
  accountSid: string;
  authToken: string;
  /** per-request timeout; the send job retries, so fail fast rather than hold a worker */
  timeoutMs?: number;
  /** advanced: other agent settings (keep-alive, CA bundle) for Twilio's http client */
  requestClientOptions?: RequestClient.RequestClientOptions;
}

/**
 * Sends through the real twilio client. Note: the twilio package itself still reads
 * TWILIO_EDGE, TWILIO_REGION and TWILIO_LOG_LEVEL from the environment when they are set.
 */
export function createTwilioSmsSender(options: TwilioSmsSenderOptions): SmsSender {
  const httpClient = new IdempotentRequestClient({
    timeout: options.timeoutMs ?? 10_000,
    keepAlive: true,
    ...options.requestClientOptions,
  });
  // autoRetry stays off: retries belong to the send job, which backs off and keeps count
  const client = twilio(options.accountSid, options.authToken, { httpClient, autoRetry: false });

  return {
    mode: 'live',
    async send(request) {
      const sender = request.from.startsWith('MG') ? { messagingServiceSid: request.from } : { from: request.from };
      try {
        const message = await currentIdempotencyKey.run(request.idempotencyKey, () =>
          client.messages.create({
            to: request.to,
            ...sender,
            body: request.body,
            ...(request.statusCallback ? { statusCallback: request.statusCallback } : {}),
            ...(request.mediaUrls?.length ? { mediaUrl: request.mediaUrls } : {}),
          }),
        );
        return { providerId: message.sid, status: message.status };
      } catch (error) {
        throw toSendError(error);
      }
    },
  };
}

/**
 * SEND_MODE=simulate: nothing leaves the process. The id derives from the idempotency key,
 * so a retried simulated send gets the same id, as a deduplicated live one would.
 */
export function createSimulatedSmsSender(): SmsSender {
  return {
    mode: 'simulated',
    async send(request) {
      const digest = createHash('sha256').update(request.idempotencyKey).digest('hex').slice(0, 32);
      return { providerId: `SIM${digest}`, status: 'simulated' };
    },
  };
}
