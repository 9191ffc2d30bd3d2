import type { InboundAttachment, InboundMessage } from '../types';
import { intParam, requireParam } from './errors';
import { normalisePhone } from './phone';

export { ChannelInputError } from './errors';
export { normalisePhone, canReceiveSms } from './phone';

/** Twilio allows at most 10 media per MMS; a larger NumMedia is not trusted past that. */
const MAX_MEDIA = 10;

/** E.164 when the number parses, the raw value otherwise (short codes, alphanumeric senders). */
function phoneOrRaw(raw: string): string {
  return normalisePhone(raw) ?? raw.trim();
}

/**
 * Twilio's inbound SMS/MMS webhook as a channel-neutral message. Throws ChannelInputError
 * (map to 400) when MessageSid, From or To is missing. Location fields Twilio adds
 * (FromCity, FromZip...) are deliberately dropped: they are patient data we have no use for.
 */
export function parseTwilioSms(params: Record<string, string>, receivedAt: Date): InboundMessage {
  const providerId = requireParam(params, 'MessageSid');
  const from = requireParam(params, 'From');
  const to = requireParam(params, 'To');
  const numMedia = Math.min(intParam(params, 'NumMedia') ?? 0, MAX_MEDIA);

  const attachments: InboundAttachment[] = [];
  for (let i = 0; i < numMedia; i++) {
    const url = params[`MediaUrl${i}`];
    if (!url) continue;
    attachments.push({
      name: null,
      contentType: params[`MediaContentType${i}`] || 'application/octet-stream',
      size: null,
      url,
    });
  }

  const meta: Record<string, unknown> = { numMedia };
  if (params.AccountSid) meta.accountSid = params.AccountSid;

  return {
    channel: 'sms',
    providerId,
    to: phoneOrRaw(to),
    from: { kind: 'phone', value: phoneOrRaw(from) },
    body: params.Body ?? '',
    attachments,
    meta,
    receivedAt,
  };
}
