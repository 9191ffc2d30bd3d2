import { timingSafeEqual } from 'node:crypto';
import type { Env } from '../platform/env';

export type InboundCredentials =
  | { ok: true; user: string; password: string; source: 'env' | 'local' }
  | { ok: false; reason: string };

/**
 * The secrets inbound webhooks are verified with. Each runtime says where they come from:
 * on Node, the environment with a local fallback made in DATA_DIR for the embedded demo
 * (`localFallbackSecrets` in access/webhook-secrets.ts); at the edge, the Worker's secrets
 * only (`configuredSecrets`).
 */
export interface ProviderSecrets {
  /** the token X-Twilio-Signature is checked with; null: none, so every Twilio webhook is refused (403) */
  twilioAuthToken(): string | null;
  /** the basic-auth pair SendGrid's Inbound Parse must send */
  sendgridInbound(): InboundCredentials;
}

/**
 * Configured secrets only, never a local fallback: where there is no DATA_DIR to keep a
 * generated token in (the edge), a missing TWILIO_AUTH_TOKEN refuses every Twilio webhook and
 * missing SendGrid inbound credentials refuse every inbound email, each with a message naming
 * the secret to set.
 */
export function configuredSecrets(
  env: Pick<Env, 'TWILIO_AUTH_TOKEN' | 'SENDGRID_INBOUND_USER' | 'SENDGRID_INBOUND_PASSWORD'>,
): ProviderSecrets {
  return {
    twilioAuthToken: () => env.TWILIO_AUTH_TOKEN ?? null,
    sendgridInbound: () => {
      const user = env.SENDGRID_INBOUND_USER;
      const password = env.SENDGRID_INBOUND_PASSWORD;
      if (user && password) return { ok: true, user, password, source: 'env' };
      return {
        ok: false,
        reason: user || password
          ? 'inbound email is misconfigured: set both SENDGRID_INBOUND_USER and SENDGRID_INBOUND_PASSWORD'
          : 'SENDGRID_INBOUND_USER and SENDGRID_INBOUND_PASSWORD are not set, so no inbound email can be verified; all are refused',
      };
    },
  };
}

/** Checks an Authorization header against the pair, in constant time. */
export function basicAuthMatches(header: string | undefined, user: string, password: string): boolean {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match) return false;
  const given = Buffer.from(Buffer.from(match[1]!, 'base64').toString('utf8'));
  const expected = Buffer.from(`${user}:${password}`);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
