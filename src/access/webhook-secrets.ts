import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Env } from '../platform/env';
import type { ProviderSecrets } from './provider-secrets';
import { sendgridInboundCredentials } from './sendgrid-credentials';

export const LOCAL_TWILIO_TOKEN_FILE = 'twilio-auth-token';

const cache = new Map<string, string>();

/**
 * The token Twilio webhooks are verified with: TWILIO_AUTH_TOKEN when set. Without it (the
 * embedded default) a local token is made once in DATA_DIR (mode 0600) and the `simulate`
 * command signs with it, so the demo works with nothing configured and a forged webhook is
 * still refused. Verification never depends on SEND_MODE.
 */
export function twilioWebhookToken(env: Pick<Env, 'TWILIO_AUTH_TOKEN' | 'DATA_DIR'>): string {
  if (env.TWILIO_AUTH_TOKEN) return env.TWILIO_AUTH_TOKEN;
  return localTwilioToken(env.DATA_DIR);
}

/** The local token in `dataDir`, created on first use. Two processes racing both end up with the file's token. */
export function localTwilioToken(dataDir: string): string {
  const dir = resolve(dataDir);
  const hit = cache.get(dir);
  if (hit) return hit;
  const file = join(dir, LOCAL_TWILIO_TOKEN_FILE);
  let token = readToken(file);
  if (!token) {
    mkdirSync(dir, { recursive: true });
    try {
      // 'wx' fails when another process wrote it first; then we read theirs
      writeFileSync(file, `${randomBytes(24).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
      chmodSync(file, 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    token = readToken(file);
    if (!token) throw new Error(`could not read the local Twilio token in ${dir}`);
  }
  cache.set(dir, token);
  return token;
}

function readToken(file: string): string | null {
  try {
    const t = readFileSync(file, 'utf8').trim();
    return t === '' ? null : t;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Node's secrets: the environment's, with the local fallbacks in DATA_DIR for the embedded demo. */
export function localFallbackSecrets(env: Pick<Env, 'TWILIO_AUTH_TOKEN' | 'SENDGRID_INBOUND_USER' | 'SENDGRID_INBOUND_PASSWORD' | 'DATA_DIR'>): ProviderSecrets {
  return { twilioAuthToken: () => twilioWebhookToken(env), sendgridInbound: () => sendgridInboundCredentials(env) };
}
