import { headerBlock, multipartBody, CONTENT_TYPE, type FieldSpec } from '../fixtures/email/multipart';
import type { Harness } from './harness';

export const INBOUND_USER = 'sendgrid-parse';
export const INBOUND_PASSWORD = 'parse-secret-8c1f2e';
export const inboundEnv = { SENDGRID_INBOUND_USER: INBOUND_USER, SENDGRID_INBOUND_PASSWORD: INBOUND_PASSWORD };

export const basicAuth = (user = INBOUND_USER, password = INBOUND_PASSWORD) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** A parsed-mode Inbound Parse post, field by field as SendGrid sends it. */
export function parsedEmail(o: {
  messageId?: string | null;
  from?: string;
  to: string;
  subject?: string | Uint8Array;
  text?: string | Uint8Array;
  html?: string;
  inReplyTo?: string;
  references?: string;
  charsets?: Record<string, string>;
  extra?: FieldSpec[];
  envelopeFrom?: string;
}): Buffer {
  const from = o.from ?? 'Maria Lopez <maria.lopez@example.com>';
  const headers: Record<string, string> = {};
  if (o.messageId !== null) headers['Message-ID'] = o.messageId ?? `<${Math.random().toString(36).slice(2)}@mail.gmail.com>`;
  headers.From = from;
  headers.To = o.to;
  headers.Subject = typeof o.subject === 'string' ? o.subject : 'Question';
  if (o.inReplyTo) headers['In-Reply-To'] = o.inReplyTo;
  if (o.references) headers.References = o.references;
  headers.Date = 'Mon, 2 Mar 2026 10:00:00 -0500';
  const fields: FieldSpec[] = [
    { name: 'headers', value: headerBlock(headers) },
    { name: 'dkim', value: '{@example.com : pass}' },
    { name: 'to', value: o.to },
    { name: 'from', value: from },
    { name: 'subject', value: o.subject ?? 'Question' },
    { name: 'sender_ip', value: '209.85.220.41' },
    { name: 'spam_score', value: '0.1' },
  ];
  if (o.text !== undefined) fields.push({ name: 'text', value: o.text });
  if (o.html !== undefined) fields.push({ name: 'html', value: o.html });
  const address = /<([^>]+)>/.exec(from)?.[1] ?? from;
  fields.push(
    { name: 'envelope', value: JSON.stringify({ to: [/<([^>]+)>/.exec(o.to)?.[1] ?? o.to], from: o.envelopeFrom ?? address.toLowerCase() }) },
    { name: 'charsets', value: JSON.stringify(o.charsets ?? { to: 'UTF-8', from: 'UTF-8', subject: 'UTF-8', text: 'UTF-8', html: 'UTF-8' }) },
    { name: 'SPF', value: 'pass' },
    ...(o.extra ?? []),
  );
  return multipartBody(fields);
}

export function postInbound(h: Harness, body: Buffer | Uint8Array, auth: string | null = basicAuth()) {
  const headers: Record<string, string> = { 'content-type': CONTENT_TYPE };
  if (auth) headers.authorization = auth;
  return h.app.request('/webhooks/sendgrid/inbound', { method: 'POST', headers, body: new Uint8Array(body) });
}
