import { createHash } from 'node:crypto';
import iconv from 'iconv-lite';
import { parseAddressHeader, simpleParser, type AddressObject, type EmailAddress, type ParsedMail } from 'mailparser';
import type { InboundAttachment, InboundMessage } from '../types';
import { ChannelInputError } from './errors';
import { readMultipartFormData, type FormPart } from './multipart';
import { htmlToPlainText, stripQuotedReply } from './reply-text';

/**
 * What the inbound webhook hands over. Prefer the raw body: `Request.formData()` decodes
 * every text field as UTF-8, so a field SendGrid posted in ISO-8859-1 or Windows-1252 (see
 * its `charsets` field) is already damaged in a FormData, while the raw bytes are decoded
 * here with the charset SendGrid names.
 */
export type SendGridInboundInput =
  | { body: Uint8Array | ArrayBuffer; contentType: string }
  | FormData
  | FormPart[];

export interface SendGridInboundOptions {
  /** one attachment larger than this refuses the whole email (SendGrid allows 30 MB in all) */
  maxAttachmentBytes: number;
}

interface UploadedFile {
  filename: string | null;
  contentType: string | null;
  data: Uint8Array;
}

/** The posted fields, text already decoded with the charset SendGrid reported. */
interface InboundFields {
  text(name: string): string | null;
  file(name: string): UploadedFile | null;
  /** fields whose non-UTF-8 bytes were already decoded as UTF-8 before reaching us */
  damagedCharsets(): string[];
}

// Tokens are lowercase (see compose.ts): some mail servers lowercase the local part
const REPLY_TOKEN = /^reply\+([a-z0-9_-]{1,128})@/;

/**
 * Parses a SendGrid Inbound Parse post, in either of its modes: parsed (headers, from, to,
 * cc, subject, text, html, envelope, charsets, attachment1..N) or raw (the whole MIME message
 * in the `email` field). Throws ChannelInputError for input that will never parse, which the
 * webhook answers with a 4xx (SendGrid drops 4xx and retries 5xx).
 */
export async function parseSendGridInbound(
  input: SendGridInboundInput,
  receivedAt: Date,
  opts: SendGridInboundOptions,
): Promise<InboundMessage> {
  const fields = await readFields(input);
  const envelope = parseEnvelope(fields.text('envelope'));
  const raw = fields.text('email') === null ? null : rawEmailBytes(input, fields);

  const mail = raw
    ? await simpleParser(raw, { skipImageLinks: true, skipTextLinks: true, skipTextToHtml: true })
    : await parseHeaderBlock(fields.text('headers'));

  // Parsed mode posts from/to/cc decoded in their charsets; raw mode has them only in the MIME
  const addressField = (name: string) => {
    const value = raw ? null : fields.text(name);
    return value === null ? undefined : parseAddressHeader(value);
  };
  const fromAddress = firstAddress(addressField('from')?.value) ?? firstAddress(mail.from?.value);
  const fromEmail = (fromAddress?.address ?? envelope.from ?? '').trim().toLowerCase();
  if (!fromEmail) throw new ChannelInputError('missing_sender', 'the email has no sender address (From or envelope)');

  const headerRecipients = [
    ...addressesOf(addressField('to') ?? mail.to),
    ...addressesOf(addressField('cc') ?? mail.cc),
  ];
  const recipients = unique([...envelope.to, ...headerRecipients].map((a) => a.trim().toLowerCase()).filter(Boolean));
  const to = recipients[0];
  if (!to) throw new ChannelInputError('missing_recipient', 'the email has no recipient address (envelope or To)');

  const subject = (raw ? mail.subject : (fields.text('subject') ?? mail.subject)) ?? null;

  // mailparser already fills `text` from the HTML of an HTML-only MIME message; parsed mode
  // posts the html field alone
  const html = raw ? (typeof mail.html === 'string' ? mail.html : null) : fields.text('html');
  let text = raw ? (mail.text ?? '') : (fields.text('text') ?? '');
  if (!text.trim() && html) text = await htmlToPlainText(html);
  const originalBody = text.replace(/\r\n?/g, '\n').trim();
  const body = stripQuotedReply(originalBody);

  const attachments = raw ? rawAttachments(mail) : parsedAttachments(fields);
  for (const attachment of attachments) {
    if ((attachment.size ?? 0) > opts.maxAttachmentBytes) {
      throw new ChannelInputError(
        'attachment_too_large',
        `attachment "${attachment.name ?? 'unnamed'}" is ${attachment.size} bytes, over the limit of ${opts.maxAttachmentBytes} bytes`,
      );
    }
  }

  const references = toList(mail.references).map(normalizeMessageId).filter(isString);
  const messageId = normalizeMessageId(mail.messageId);
  const providerId =
    messageId ??
    derivedMessageId([fromEmail, recipients.join(','), subject ?? '', mail.date?.toISOString() ?? '', originalBody, html ?? '']);
  const replyToken = recipients.map((r) => REPLY_TOKEN.exec(r)?.[1]).find(isString) ?? null;

  const meta: Record<string, unknown> = {
    mode: raw ? 'raw' : 'parsed',
    recipients,
    envelopeFrom: envelope.from?.toLowerCase() ?? null,
    messageIdDerived: messageId === null,
  };
  if (mail.date) meta.sentAt = mail.date.toISOString();
  for (const [field, key] of [
    ['SPF', 'spf'],
    ['dkim', 'dkim'],
    ['spam_score', 'spamScore'],
  ] as const) {
    const value = fields.text(field);
    if (value !== null) meta[key] = value.trim();
  }
  // Only a FormData input can be damaged: the webhook should hand over the raw body instead
  const damaged = fields.damagedCharsets();
  if (damaged.length) meta.charsetDamaged = damaged;
  const missing = raw ? [] : missingAttachments(fields);
  if (missing.length) meta.missingAttachments = missing;

  return {
    channel: 'email',
    providerId,
    to,
    from: { kind: 'email', value: fromEmail, name: fromAddress?.name?.trim() || null },
    subject,
    body,
    originalBody: originalBody !== body ? originalBody : null,
    attachments,
    threading: {
      inReplyTo: normalizeMessageId(mail.inReplyTo),
      references,
      replyToken,
    },
    meta,
    receivedAt,
  };
}

async function readFields(input: SendGridInboundInput): Promise<InboundFields> {
  if (input instanceof FormData) return formDataFields(input);
  const parts = Array.isArray(input) ? input : readMultipartFormData(input.body, input.contentType);
  return partFields(parts);
}

function partFields(parts: FormPart[]): InboundFields {
  const byName = new Map<string, FormPart>();
  for (const part of parts) if (!byName.has(part.name)) byName.set(part.name, part);
  const charsets = parseCharsets(byName.get('charsets'));
  return {
    text(name) {
      const part = byName.get(name);
      if (!part) return null;
      return decodeText(part.data, charsets[name] ?? charsetOf(part.contentType));
    },
    file(name) {
      const part = byName.get(name);
      return part ? { filename: part.filename, contentType: part.contentType, data: part.data } : null;
    },
    damagedCharsets: () => [],
  };
}

async function formDataFields(form: FormData): Promise<InboundFields> {
  const files = new Map<string, UploadedFile>();
  for (const [name, value] of form.entries()) {
    if (typeof value !== 'string' && !files.has(name)) {
      files.set(name, {
        filename: value.name || null,
        contentType: value.type || null,
        data: new Uint8Array(await value.arrayBuffer()),
      });
    }
  }
  return {
    text(name) {
      const value = form.get(name);
      if (value === null) return null;
      // A text part posted with a filename still arrives as a File
      return typeof value === 'string' ? value : new TextDecoder().decode(files.get(name)?.data);
    },
    file: (name) => files.get(name) ?? null,
    damagedCharsets() {
      const charsets = form.get('charsets');
      if (typeof charsets !== 'string') return [];
      try {
        const map = JSON.parse(charsets) as Record<string, unknown>;
        return Object.entries(map)
          .filter(([field, cs]) => typeof cs === 'string' && !isUtf8Compatible(cs) && form.has(field))
          .map(([field]) => field);
      } catch {
        return [];
      }
    },
  };
}

function rawEmailBytes(input: SendGridInboundInput, fields: InboundFields): Buffer {
  // Raw MIME is bytes: take them undecoded when we have them, mailparser handles every charset
  if (!(input instanceof FormData)) {
    const part = fields.file('email');
    if (part) return Buffer.from(part.data.buffer, part.data.byteOffset, part.data.byteLength);
  }
  return Buffer.from(fields.text('email') ?? '', 'utf8');
}

function parseCharsets(part: FormPart | undefined): Record<string, string> {
  if (!part) return {};
  try {
    const value: unknown = JSON.parse(Buffer.from(part.data).toString('utf8'));
    if (!value || typeof value !== 'object') return {};
    return Object.fromEntries(Object.entries(value).filter((e): e is [string, string] => typeof e[1] === 'string'));
  } catch {
    return {};
  }
}

function charsetOf(contentType: string | null): string | undefined {
  return contentType ? /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType)?.[1] : undefined;
}

function decodeText(data: Uint8Array, charset: string | undefined): string {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const name = charset?.trim();
  if (name && !isUtf8Compatible(name) && iconv.encodingExists(name)) {
    return iconv.decode(buf, name);
  }
  return buf.toString('utf8');
}

function isUtf8Compatible(charset: string): boolean {
  return /^(utf-?8|us-ascii|ascii)$/i.test(charset.trim());
}

function parseEnvelope(value: string | null): { to: string[]; from: string | null } {
  if (!value) return { to: [], from: null };
  try {
    const parsed: unknown = JSON.parse(value);
    if (!parsed || typeof parsed !== 'object') return { to: [], from: null };
    const { to, from } = parsed as { to?: unknown; from?: unknown };
    return {
      to: (Array.isArray(to) ? to : [to]).filter(isString),
      from: typeof from === 'string' && from ? from : null,
    };
  } catch {
    throw new ChannelInputError('malformed_payload', 'the envelope field is not valid JSON');
  }
}

/** The `headers` field of parsed mode is a raw header block: mailparser decodes it. */
async function parseHeaderBlock(headers: string | null): Promise<ParsedMail> {
  const block = (headers ?? '').replace(/\r?\n/g, '\r\n').replace(/(\r\n)+$/, '');
  // The body SendGrid already split off is absent: a multipart Content-Type would wait for it
  const withoutContent = block.replace(/^content-(type|transfer-encoding):.*(\r\n[ \t].*)*(\r\n|$)/gim, '');
  return simpleParser(Buffer.from(`${withoutContent}\r\n\r\n`, 'utf8'), { skipTextToHtml: true });
}

function firstAddress(list: EmailAddress[] | undefined): EmailAddress | undefined {
  return flatten(list ?? []).find((a) => a.address);
}

function addressesOf(value: AddressObject | AddressObject[] | undefined): string[] {
  const objects = value === undefined ? [] : Array.isArray(value) ? value : [value];
  return objects.flatMap((o) => flatten(o.value)).map((a) => a.address).filter(isString);
}

function flatten(list: EmailAddress[]): EmailAddress[] {
  return list.flatMap((a) => (a.group ? flatten(a.group) : [a]));
}

function parsedAttachments(fields: InboundFields): InboundAttachment[] {
  const count = Number.parseInt(fields.text('attachments') ?? '0', 10) || 0;
  const info = parseAttachmentInfo(fields.text('attachment-info'));
  const attachments: InboundAttachment[] = [];
  for (let i = 1; i <= count; i += 1) {
    const key = `attachment${i}`;
    const file = fields.file(key);
    if (!file) continue;
    const described = info[key] ?? {};
    attachments.push({
      name: file.filename ?? described.filename ?? described.name ?? null,
      contentType: described.type ?? file.contentType?.split(';')[0]?.trim() ?? 'application/octet-stream',
      size: file.data.byteLength,
      content: file.data,
    });
  }
  return attachments;
}

function missingAttachments(fields: InboundFields): string[] {
  const count = Number.parseInt(fields.text('attachments') ?? '0', 10) || 0;
  const missing: string[] = [];
  for (let i = 1; i <= count; i += 1) if (!fields.file(`attachment${i}`)) missing.push(`attachment${i}`);
  return missing;
}

interface AttachmentInfo {
  filename?: string;
  name?: string;
  type?: string;
}

function parseAttachmentInfo(value: string | null): Record<string, AttachmentInfo> {
  if (!value) return {};
  try {
    const parsed: unknown = JSON.parse(value);
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, AttachmentInfo>) : {};
  } catch {
    return {};
  }
}

function rawAttachments(mail: ParsedMail): InboundAttachment[] {
  return mail.attachments.map((a) => ({
    name: a.filename ?? null,
    contentType: a.contentType || 'application/octet-stream',
    size: a.size ?? a.content.byteLength,
    content: new Uint8Array(a.content.buffer, a.content.byteOffset, a.content.byteLength),
  }));
}

/** Message-IDs are compared in their `<id@host>` form, the form In-Reply-To quotes them in. */
export function normalizeMessageId(value: string | null | undefined): string | null {
  const trimmed = value?.trim();
  if (!trimmed) return null;
  const inner = trimmed.replace(/^<+/, '').replace(/>+$/, '').trim();
  return inner ? `<${inner}>` : null;
}

/**
 * Some senders omit Message-ID. SendGrid retries post the same content, so a hash of it
 * keeps a retried webhook a no-op under the unique (channel, provider id) key.
 */
function derivedMessageId(parts: string[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\u0000');
  return `<${hash.digest('hex').slice(0, 40)}@derived.switchboard.invalid>`;
}

function toList(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : value.split(/\s+/)).filter(Boolean);
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

function isString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}
