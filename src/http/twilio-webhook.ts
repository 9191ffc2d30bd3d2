import type { IncomingMessage } from 'node:http';
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
  const raw = await formText(c);
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

/**
 * The form body as text. On Node it is read straight from the request stream: `c.req.text()`
 * first builds a Fetch Request around a web stream around that stream (an abort controller,
 * a reader, a copy per chunk), which cost more than the rest of the webhook's own work. That
 * holds only while nothing has touched the body and its length is declared (bodyLimit leaves
 * such a request alone, having checked the length); otherwise, and at the edge, the Fetch body.
 */
async function formText(c: Context<AppEnv>): Promise<string> {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (!incoming || incoming.headers['content-length'] === undefined || incoming.readableDidRead || c.req.bodyCache.text !== undefined) {
    return c.req.text();
  }
  const text = await new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.once('end', () => resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8')));
    incoming.once('error', reject);
    incoming.once('aborted', () => reject(new Error('the client closed the request before its body arrived')));
  });
  // whoever reads the body after this gets the same text
  c.req.bodyCache.text = text;
  return text;
}

/** A signed but unusable payload: 400 (Twilio does not retry 4xx), naming the field, never its value. */
export function channelInputToAppError(err: unknown): never {
  if (err instanceof ChannelInputError) throw new AppError('bad_request', err.message);
  throw err;
}

export const twiml = (c: Context<AppEnv>, xml: string) => c.body(xml, 200, { 'content-type': 'text/xml; charset=utf-8' });
