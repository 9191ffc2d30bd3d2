import { ChannelInputError, requireParam } from './errors';

export const smsDeliveryStatuses = [
  'accepted',
  'scheduled',
  'queued',
  'sending',
  'sent',
  'delivered',
  'undelivered',
  'failed',
  'canceled',
  'read',
] as const;
export type SmsDeliveryStatus = (typeof smsDeliveryStatuses)[number];

export interface SmsStatusUpdate {
  providerId: string;
  status: SmsDeliveryStatus;
  /** Twilio's error code on undelivered/failed (30003 unreachable, 30007 filtered...), else null */
  errorCode: number | null;
}

/** Twilio's message status callback (`/webhooks/twilio/sms/status`). */
export function parseTwilioStatusCallback(params: Record<string, string>): SmsStatusUpdate {
  const providerId = requireParam(params, 'MessageSid');
  // SmsStatus is the legacy name Twilio still posts alongside MessageStatus
  const raw = (params.MessageStatus || params.SmsStatus || '').trim().toLowerCase();
  if (raw === '') throw new ChannelInputError('missing_field', 'MessageStatus');
  if (!(smsDeliveryStatuses as readonly string[]).includes(raw)) {
    throw new ChannelInputError('invalid_field', 'MessageStatus');
  }
  const code = params.ErrorCode?.trim();
  const errorCode = code && /^\d+$/.test(code) && code !== '0' ? Number(code) : null;
  return { providerId, status: raw as SmsDeliveryStatus, errorCode };
}

/*
 * Twilio does not promise the order of status callbacks: `delivered` can arrive before
 * `sent`. A status only replaces the stored one when it ranks higher, so the final state
 * never moves back. Terminal outcomes share a rank: the first one to arrive stays.
 */
const RANK: Record<string, number> = {
  pending: 0,
  simulated: 0,
  accepted: 1,
  scheduled: 1,
  queued: 2,
  sending: 3,
  sent: 4,
  delivered: 5,
  undelivered: 5,
  failed: 5,
  canceled: 5,
  read: 6,
};

/** Order of a delivery status; unknown statuses rank lowest so they never overwrite. */
export function statusRank(status: string): number {
  return RANK[status] ?? -1;
}

/** Whether an incoming status callback should replace the stored status. */
export function shouldApplyStatus(stored: string | null, incoming: string): boolean {
  if (stored === null) return true;
  return statusRank(incoming) > statusRank(stored);
}
