import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Env } from '../platform/env';
import { twilioWebhookToken } from './webhook-secrets';

/**
 * Signed, expiring links on our own origin for media a provider must fetch without a session
 * (Twilio fetches an MMS's MediaUrl when it sends). The key is derived from the Twilio auth
 * token (the local one in embedded mode), which every HTTP instance already shares: no new
 * secret to distribute, and rotating the Twilio token retires every outstanding link.
 */
const label = 'switchboard media url v1';
const keyFor = (env: Pick<Env, 'TWILIO_AUTH_TOKEN' | 'DATA_DIR'>) => createHmac('sha256', twilioWebhookToken(env)).update(label).digest();

/**
 * Twilio holds a queued message up to its validity period (4 hours by default) and fetches
 * the media when it sends: the link outlives that with room to spare.
 */
export const MEDIA_LINK_TTL_MS = 5 * 3600_000;

const mac = (env: Pick<Env, 'TWILIO_AUTH_TOKEN' | 'DATA_DIR'>, id: string, expires: number) =>
  createHmac('sha256', keyFor(env)).update(`${id}.${expires}`).digest('hex');

export function signedMediaUrl(env: Pick<Env, 'TWILIO_AUTH_TOKEN' | 'DATA_DIR' | 'PUBLIC_BASE_URL'>, attachmentId: string, now: Date, ttlMs = MEDIA_LINK_TTL_MS): string {
  const expires = Math.floor((now.getTime() + ttlMs) / 1000);
  return `${env.PUBLIC_BASE_URL}/media/${attachmentId}?expires=${expires}&sig=${mac(env, attachmentId, expires)}`;
}

export function verifyMediaSignature(
  env: Pick<Env, 'TWILIO_AUTH_TOKEN' | 'DATA_DIR'>,
  input: { attachmentId: string; expires: string | undefined; sig: string | undefined; now: Date },
): boolean {
  if (!input.expires || !/^\d{1,12}$/.test(input.expires) || !input.sig || !/^[0-9a-f]{64}$/.test(input.sig)) return false;
  const expires = Number(input.expires);
  if (expires * 1000 < input.now.getTime()) return false;
  const expected = Buffer.from(mac(env, input.attachmentId, expires), 'hex');
  return timingSafeEqual(expected, Buffer.from(input.sig, 'hex'));
}
