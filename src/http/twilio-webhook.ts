import type { Context } from 'hono';
import { ChannelInputError } from '../../channels/sms/errors';
import { verifyTwilioRequest } from '../../channels/sms/verify';
import { AppError } from '../platform/errors';
import { stripNul } from '../platform/text';
import type { AppEnv } from './context';

/**
 * Reads a Twilio webhook's form params after checking X-Twilio-Signature over
 * PUBLIC_BASE_URL + path + query (never the URL this process was reached at: behind a proxy
 * they differ). Forged or unsigned: 403 `invalid_signature`, before anything is stored.
 */
export async function verifiedTwilioParams(c: Context<AppEnv>): Promise<Record<string, string>> {
  const { env, secrets } = c.get('deps');
  const authToken = secrets.twilioAuthToken();
  if (!authToken) {
    throw new AppError('invalid_signature', 'TWILIO_AUTH_TOKEN is not set, so no Twilio webhook can be verified; all are refused');
  }
  const raw = await c.req.text();
  const params: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(raw)) params[key] = value;
  const url = new URL(c.req.url);
  const ok = verifyTwilioRequest({
    authToken,
    publicBaseUrl: env.PUBLIC_BASE_URL,
    path: url.pathname,
    search: url.search,
    params,
    signature: c.req.header('x-twilio-signature'),
  });
  if (!ok) throw new AppError('invalid_signature', 'the X-Twilio-Signature header does not match this request');
  // checked over what Twilio signed; stored without NULs, which Postgres text cannot hold
  return stripNul(params);
}

/** A signed but unusable payload: 400 (Twilio does not retry 4xx), naming the field, never its value. */
export function channelInputToAppError(err: unknown): never {
  if (err instanceof ChannelInputError) throw new AppError('bad_request', err.message);
  throw err;
}

export const twiml = (c: Context<AppEnv>, xml: string) => c.body(xml, 200, { 'content-type': 'text/xml; charset=utf-8' });
