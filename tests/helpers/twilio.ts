import twilio from 'twilio';
import type { Harness } from './harness';
import { twilioWebhookToken } from '../../src/access/webhook-secrets';

export const PUBLIC = 'https://switchboard.example.test';

/**
 * Posts a Twilio webhook signed exactly as Twilio signs it: HMAC-SHA1 over the public URL
 * (PUBLIC_BASE_URL + path + query) followed by the POST params sorted by name.
 * `h.request` reaches the app at http://localhost/..., so every signed request here is also
 * the proxy case: the URL this process sees differs from the one Twilio called.
 */
export async function postTwilio(
  h: Harness,
  pathAndQuery: string,
  params: Record<string, string>,
  opts: { token?: string; signedUrl?: string; signature?: string | null } = {},
): Promise<Response> {
  const token = opts.token ?? twilioWebhookToken(h.env);
  const url = opts.signedUrl ?? `${PUBLIC}${pathAndQuery}`;
  const signature = opts.signature === undefined ? twilio.getExpectedTwilioSignature(token, url, params) : opts.signature;
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (signature !== null) headers['x-twilio-signature'] = signature;
  return h.request('POST', pathAndQuery, { body: new URLSearchParams(params).toString(), headers, token: null });
}

let sidSeq = 0;
export const fakeSid = (prefix: string) => `${prefix}${(++sidSeq).toString(16).padStart(8, '0')}${Date.now().toString(16).padStart(24, '0')}`;

export function inboundSms(from: string, to: string, body: string, extra: Record<string, string> = {}): Record<string, string> {
  const sid = extra.MessageSid ?? fakeSid('SM');
  return {
    ToCountry: 'US',
    SmsMessageSid: sid,
    NumMedia: '0',
    FromCity: 'SAN FRANCISCO',
    Body: body,
    From: from,
    To: to,
    NumSegments: '1',
    MessageSid: sid,
    AccountSid: 'AC00000000000000000000000000000000',
    ApiVersion: '2010-04-01',
    ...extra,
  };
}
