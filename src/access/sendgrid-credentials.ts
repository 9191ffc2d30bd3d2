import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Env } from '../platform/env';
import type { InboundCredentials } from './provider-secrets';

export type { InboundCredentials };
export { basicAuthMatches } from './provider-secrets';

export const LOCAL_SENDGRID_INBOUND_FILE = 'sendgrid-inbound-credentials';
const LOCAL_USER = 'sendgrid';

const cache = new Map<string, { user: string; password: string }>();

/**
 * The basic-auth pair SendGrid's Inbound Parse must send. SENDGRID_INBOUND_USER and
 * SENDGRID_INBOUND_PASSWORD when both are set. With neither (the embedded default) a local
 * pair is made once in DATA_DIR (`sendgrid-inbound-credentials`, `user:password`, mode 0600),
 * so the demo can post email with nothing configured while a forged post is still refused.
 * With only one of the two set, every post is refused: half a configuration is a mistake,
 * not a reason to fall back. Verification never depends on SEND_MODE.
 */
export function sendgridInboundCredentials(env: Pick<Env, 'SENDGRID_INBOUND_USER' | 'SENDGRID_INBOUND_PASSWORD' | 'DATA_DIR'>): InboundCredentials {
  const user = env.SENDGRID_INBOUND_USER;
  const password = env.SENDGRID_INBOUND_PASSWORD;
  if (user && password) return { ok: true, user, password, source: 'env' };
  if (user || password) {
    return { ok: false, reason: 'inbound email is misconfigured: set both SENDGRID_INBOUND_USER and SENDGRID_INBOUND_PASSWORD' };
  }
  return { ok: true, ...localInboundCredentials(env.DATA_DIR), source: 'local' };
}

/** The local pair in `dataDir`, created on first use; two processes racing both end up with the file's pair. */
export function localInboundCredentials(dataDir: string): { user: string; password: string } {
  const dir = resolve(dataDir);
  const hit = cache.get(dir);
  if (hit) return hit;
  const file = join(dir, LOCAL_SENDGRID_INBOUND_FILE);
  let pair = readPair(file);
  if (!pair) {
    mkdirSync(dir, { recursive: true });
    try {
      writeFileSync(file, `${LOCAL_USER}:${randomBytes(24).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
      chmodSync(file, 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    pair = readPair(file);
    if (!pair) throw new Error(`could not read the local SendGrid inbound credentials in ${dir}`);
  }
  cache.set(dir, pair);
  return pair;
}

function readPair(file: string): { user: string; password: string } | null {
  try {
    const line = readFileSync(file, 'utf8').trim();
    const at = line.indexOf(':');
    return at > 0 ? { user: line.slice(0, at), password: line.slice(at + 1) } : null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}
