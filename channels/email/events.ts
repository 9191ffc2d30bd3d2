import eventwebhook from '@sendgrid/eventwebhook';
import { ChannelInputError } from './errors';

export const SENDGRID_SIGNATURE_HEADER = 'X-Twilio-Email-Event-Webhook-Signature';
export const SENDGRID_TIMESTAMP_HEADER = 'X-Twilio-Email-Event-Webhook-Timestamp';

const webhook = new eventwebhook.EventWebhook();
type VerificationKey = ReturnType<typeof webhook.convertPublicKeyToECDSA>;
/** Converting the key parses DER in JS; there is one key per deployment, so keep it. */
const keys = new Map<string, VerificationKey>();

export interface SendGridEventsSignature {
  /** the verification key from SendGrid's Mail Settings (base64 DER, or PEM) */
  publicKey: string;
  /** the request body exactly as received: verifying a re-serialised JSON fails */
  payload: string | Buffer;
  signature: string | null | undefined;
  timestamp: string | null | undefined;
  /** with `now`, refuse a signature older than this many seconds (replay) */
  toleranceSeconds?: number;
  now?: Date;
}

/**
 * Checks SendGrid's Event Webhook signature: ECDSA P-256 / SHA-256 over the timestamp header
 * followed by the raw body, base64 DER in the signature header (@sendgrid/eventwebhook).
 * Any malformed key, signature or timestamp is a plain `false`.
 */
export function verifySendGridEvents(input: SendGridEventsSignature): boolean {
  const { signature, timestamp } = input;
  if (!signature || !timestamp || !/^\d{1,12}$/.test(timestamp)) return false;
  if (input.now && input.toleranceSeconds !== undefined) {
    const age = input.now.getTime() / 1000 - Number(timestamp);
    if (Math.abs(age) > input.toleranceSeconds) return false;
  }
  try {
    let key = keys.get(input.publicKey);
    if (!key) {
      key = webhook.convertPublicKeyToECDSA(input.publicKey.trim());
      keys.set(input.publicKey, key);
    }
    return webhook.verifySignature(key, input.payload, signature, timestamp) === true;
  } catch {
    return false;
  }
}

export const sendGridEventTypes = [
  'processed',
  'delivered',
  'deferred',
  'bounce',
  'dropped',
  'spamreport',
  'unsubscribe',
  'group_unsubscribe',
  'open',
  'click',
] as const;
export type SendGridEventType = (typeof sendGridEventTypes)[number];

export interface SendGridEvent {
  /** unique per event: the key that makes a re-posted batch a no-op */
  sgEventId: string;
  /** e.g. `LRzXl_NHStOGhQ4kofSm_A.filterdrecv-...` */
  sgMessageId: string | null;
  /** the part of sg_message_id before the first dot: the X-Message-Id the send returned */
  providerId: string | null;
  /** our custom arg, present on events of mail we sent */
  outboundId: string | null;
  email: string;
  event: SendGridEventType;
  timestamp: Date;
  /** bounce, dropped and deferred explain themselves here */
  reason: string | null;
  /** bounce events: `bounce` (the address is bad) or `blocked` (the receiving server refused for now) */
  bounceType: 'bounce' | 'blocked' | null;
}

/**
 * Reads the JSON array SendGrid posts. Entries of event types we do not act on
 * (group_resubscribe, machine opens...) or without the fields we need are left out rather
 * than failing the batch, since SendGrid would re-post the whole batch.
 */
export function parseSendGridEvents(json: unknown): SendGridEvent[] {
  if (!Array.isArray(json)) throw new ChannelInputError('malformed_payload', 'SendGrid events must be a JSON array');
  const events: SendGridEvent[] = [];
  for (const entry of json) {
    if (!entry || typeof entry !== 'object') continue;
    const e = entry as Record<string, unknown>;
    const event = e.event;
    if (typeof event !== 'string' || !(sendGridEventTypes as readonly string[]).includes(event)) continue;
    if (typeof e.sg_event_id !== 'string' || !e.sg_event_id) continue;
    if (typeof e.email !== 'string' || !e.email) continue;
    if (typeof e.timestamp !== 'number' || !Number.isFinite(e.timestamp)) continue;
    const sgMessageId = typeof e.sg_message_id === 'string' && e.sg_message_id ? e.sg_message_id : null;
    const reason = [e.reason, e.response].find((v): v is string => typeof v === 'string' && v.length > 0) ?? null;
    events.push({
      sgEventId: e.sg_event_id,
      sgMessageId,
      providerId: sgMessageId?.split('.')[0] || null,
      outboundId: typeof e.outboundId === 'string' && e.outboundId ? e.outboundId : null,
      email: e.email.trim().toLowerCase(),
      event: event as SendGridEventType,
      timestamp: new Date(e.timestamp * 1000),
      reason,
      bounceType: event === 'bounce' ? (e.type === 'blocked' ? 'blocked' : 'bounce') : null,
    });
  }
  return events;
}

/** What an event means for the outbound message's stored status; null leaves it as it is. */
export type EmailDeliveryStatus = 'sent' | 'delivered' | 'failed';

/** What an event means for the address's consent ledger and deliverability. */
export type EmailConsentEffect = 'mark_undeliverable' | 'revoke_email_consent';

export interface EmailEventEffect {
  deliveryStatus: EmailDeliveryStatus | null;
  consent: EmailConsentEffect | null;
}

/**
 * Events arrive out of order (an open may come before delivered), so the service should
 * never move a status backwards: compare with `emailDeliveryRank`.
 */
export function emailEventEffect(event: SendGridEvent): EmailEventEffect {
  switch (event.event) {
    case 'processed':
      return { deliveryStatus: 'sent', consent: null };
    case 'deferred':
      // still retrying on SendGrid's side; the reason is worth showing, not a status change
      return { deliveryStatus: null, consent: null };
    case 'delivered':
    case 'open':
    case 'click':
      return { deliveryStatus: 'delivered', consent: null };
    case 'bounce':
      // a block is the receiving server refusing for now (reputation, content), not a bad address
      return { deliveryStatus: 'failed', consent: event.bounceType === 'bounce' ? 'mark_undeliverable' : null };
    case 'dropped':
      return { deliveryStatus: 'failed', consent: droppedConsentEffect(event.reason) };
    case 'spamreport':
      return { deliveryStatus: 'delivered', consent: 'mark_undeliverable' };
    case 'unsubscribe':
    case 'group_unsubscribe':
      return { deliveryStatus: 'delivered', consent: 'revoke_email_consent' };
  }
}

/** SendGrid drops mail to addresses on its suppression lists; the reason names the list. */
function droppedConsentEffect(reason: string | null): EmailConsentEffect | null {
  if (!reason) return null;
  if (/bounced address|invalid/i.test(reason)) return 'mark_undeliverable';
  if (/spam reporting address/i.test(reason)) return 'mark_undeliverable';
  if (/unsubscribed address/i.test(reason)) return 'revoke_email_consent';
  return null;
}

/**
 * Order of delivery statuses: a later event may raise the status, never lower it. `failed`
 * ranks above `delivered` because a receiving server can bounce after accepting (async bounce).
 */
export function emailDeliveryRank(status: EmailDeliveryStatus): number {
  return { sent: 1, delivered: 2, failed: 3 }[status];
}
