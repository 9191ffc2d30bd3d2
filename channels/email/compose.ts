import { randomBytes } from 'node:crypto';

const TOKEN = /^[a-z0-9_-]{1,64}$/;
const DOMAIN = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;
/** Long threads would grow References without end; mail clients keep the newest ids. */
const MAX_REFERENCES = 20;

/**
 * A token for one conversation's reply-to address. Lowercase only: some mail servers
 * lowercase the local part on the way back, and inbound.ts matches lowercase.
 */
export function newReplyToken(): string {
  return randomBytes(16).toString('hex');
}

/** `reply+<token>@<practice inbound domain>`: a reply to it threads back to its conversation. */
export function replyAddress(token: string, inboundDomain: string): string {
  const domain = inboundDomain.trim().toLowerCase();
  if (!TOKEN.test(token)) throw new TypeError('reply token must be 1-64 of a-z, 0-9, "_" and "-"');
  if (!DOMAIN.test(domain)) throw new TypeError(`not a mail domain: ${inboundDomain}`);
  return `reply+${token}@${domain}`;
}

/** The Message-ID of an outbound email, `<outboundId@domain>`, so a reply's In-Reply-To names it. */
export function outboundMessageId(outboundId: string, domain: string): string {
  const id = outboundId.trim();
  if (!id || /[\s<>@]/.test(id)) throw new TypeError('outbound id must be non-empty without spaces, "<", ">" or "@"');
  const host = domain.trim().toLowerCase();
  if (!DOMAIN.test(host)) throw new TypeError(`not a mail domain: ${domain}`);
  return `<${id}@${host}>`;
}

export interface ThreadHeaders {
  'In-Reply-To'?: string;
  References?: string;
}

/**
 * Headers that put our reply in the patient's thread (RFC 5322 3.6.4): In-Reply-To names the
 * message answered; References is the parent's References followed by the parent itself.
 */
export function threadHeaders(inReplyTo: string | null | undefined, references: readonly string[] = []): ThreadHeaders {
  const parent = bracketed(inReplyTo);
  const chain = references.map(bracketed).filter((r): r is string => r !== null);
  if (parent) chain.push(parent);
  const unique = [...new Set(chain.reverse())].reverse().slice(-MAX_REFERENCES);
  const headers: ThreadHeaders = {};
  if (parent) headers['In-Reply-To'] = parent;
  if (unique.length) headers.References = unique.join(' ');
  return headers;
}

function bracketed(id: string | null | undefined): string | null {
  const inner = id?.trim().replace(/^<+/, '').replace(/>+$/, '').trim();
  return inner && !/[\s<>]/.test(inner) ? `<${inner}>` : null;
}
