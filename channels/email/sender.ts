import { MailService } from '@sendgrid/mail';
import type { ThreadHeaders } from './compose';

export interface OutboundEmail {
  from: { email: string; name?: string | null };
  /** `reply+<token>@<inbound domain>` from compose.ts, so the patient's answer threads back */
  replyTo?: string | null;
  to: string;
  subject: string;
  text: string;
  html?: string | null;
  headers?: ThreadHeaders & { 'Message-ID'?: string };
  /**
   * The send job's key for this message. SendGrid has no idempotency key, so it travels in
   * custom_args (visible in events, never to the patient) and the job must not resend a
   * message it has a providerId for; a timeout after SendGrid accepted can still send twice.
   */
  idempotencyKey: string;
  customArgs: { outboundId: string };
  /** files, base64 */
  attachments?: { filename: string; type: string; content: string }[];
}

export interface EmailSendResult {
  /** SendGrid's X-Message-Id: the prefix of sg_message_id in its events */
  providerId: string | null;
  status: 'sent' | 'simulated';
}

export type SendFailureKind = 'retryable' | 'permanent';

/** A failed send, classified for the send job: retry with backoff, or give up and record it. */
export class EmailSendError extends Error {
  override readonly name = 'EmailSendError';

  constructor(
    readonly kind: SendFailureKind,
    /** HTTP status from SendGrid, null when no answer came (network, timeout) */
    readonly status: number | null,
    message: string,
  ) {
    super(message);
  }
}

/** The port the send job uses; one live and one simulated adapter. */
export interface EmailSender {
  readonly mode: 'live' | 'simulate';
  send(email: OutboundEmail): Promise<EmailSendResult>;
}

export interface SendGridSenderOptions {
  apiKey: string;
  /** per-request timeout; SendGrid answers in well under a second when healthy */
  timeoutMs?: number;
}

/** SendGrid's v3 mail send through @sendgrid/mail, on its own MailService (not the shared singleton). */
export function createSendGridSender(options: SendGridSenderOptions): EmailSender {
  const mail = new MailService();
  mail.setApiKey(options.apiKey);
  mail.setTimeout(options.timeoutMs ?? 10_000);

  return {
    mode: 'live',
    async send(email) {
      let response;
      try {
        [response] = await mail.send({
          from: { email: email.from.email, ...(email.from.name ? { name: email.from.name } : {}) },
          ...(email.replyTo ? { replyTo: email.replyTo } : {}),
          to: email.to,
          subject: email.subject,
          text: email.text,
          ...(email.html ? { html: email.html } : {}),
          ...(email.headers && Object.keys(email.headers).length ? { headers: { ...email.headers } } : {}),
          customArgs: { outboundId: email.customArgs.outboundId, idempotencyKey: email.idempotencyKey },
          ...(email.attachments?.length ? { attachments: email.attachments.map((a) => ({ ...a, disposition: 'attachment' })) } : {}),
        });
      } catch (error) {
        throw classifySendGridError(error);
      }
      return { providerId: headerValue(response.headers, 'x-message-id'), status: 'sent' };
    },
  };
}

/** Stores nothing and sends nothing: the send job records the message as `simulated`. */
export function createSimulatedEmailSender(): EmailSender & { readonly sent: OutboundEmail[] } {
  const sent: OutboundEmail[] = [];
  return {
    mode: 'simulate',
    sent,
    async send(email) {
      sent.push(email);
      return { providerId: null, status: 'simulated' };
    },
  };
}

/**
 * 408, 429 and 5xx are SendGrid saying "later"; no answer at all (refused, reset, timeout)
 * is retryable too. Any other 4xx is our request (bad address, unverified sender, bad key)
 * and repeating it cannot help.
 */
export function classifySendGridError(error: unknown): EmailSendError {
  if (error instanceof EmailSendError) return error;
  const e = error as { code?: unknown; message?: unknown; response?: { body?: unknown } } | null;
  const status = typeof e?.code === 'number' ? e.code : null;
  if (status !== null) {
    const kind: SendFailureKind = status === 408 || status === 429 || status >= 500 ? 'retryable' : 'permanent';
    return new EmailSendError(kind, status, `SendGrid answered ${status}: ${sendGridErrorText(e?.response?.body) ?? String(e?.message ?? '')}`.trim());
  }
  const code = typeof e?.code === 'string' ? e.code : null;
  const message = error instanceof Error ? error.message : String(error);
  // axios marks every failure of a request it made (refused, reset, timeout, aborted)
  const requestWasMade = (error as { isAxiosError?: unknown } | null)?.isAxiosError === true;
  if (requestWasMade || (code !== null && /^(ECONN|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|EPIPE|ERR_NETWORK)/.test(code))) {
    return new EmailSendError('retryable', null, `SendGrid unreachable${code ? ` (${code})` : ''}: ${message}`);
  }
  // Thrown before any request: @sendgrid/helpers refusing the message itself
  return new EmailSendError('permanent', null, `SendGrid request not sent: ${message}`);
}

function sendGridErrorText(body: unknown): string | null {
  const errors = (body as { errors?: { message?: unknown; field?: unknown }[] } | null)?.errors;
  if (!Array.isArray(errors) || errors.length === 0) return null;
  return errors
    .map((err) => [err.message, err.field ? `(${String(err.field)})` : ''].filter(Boolean).join(' '))
    .join('; ');
}

function headerValue(headers: unknown, name: string): string | null {
  if (!headers || typeof headers !== 'object') return null;
  const h = headers as Record<string, unknown> & { get?: (n: string) => unknown };
  const value = typeof h.get === 'function' ? h.get(name) : (h[name] ?? h[name.toLowerCase()]);
  return typeof value === 'string' && value ? value : null;
}
