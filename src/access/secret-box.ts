import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { decodeSecretKey } from '../platform/env';

/*
 * Secrets we must give back to someone else (an EHR's bearer token or client secret) cannot
 * be hashed like our own tokens: they are sealed with AES-256-GCM under EHR_SECRET_KEY. The
 * context (e.g. the practice's id) is the additional authenticated data, so a sealed value
 * copied onto another practice's row does not open there.
 *
 * Sealed form: `v1.<iv>.<tag>.<ciphertext>`, each part base64url.
 */

export class SecretKeyMissingError extends Error {
  override name = 'SecretKeyMissingError';
}

function keyOf(key: string | undefined): Buffer {
  const bytes = key ? decodeSecretKey(key) : null;
  if (!bytes) throw new SecretKeyMissingError('EHR_SECRET_KEY is not set (or is not 32 bytes)');
  return bytes;
}

export function seal(plaintext: string, key: string | undefined, context: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyOf(key), iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
}

/** The plaintext, or null when the key is not the one it was sealed with (or the value was tampered with). */
export function open(sealed: string, key: string | undefined, context: string): string | null {
  const k = keyOf(key);
  const [version, iv, tag, body] = sealed.split('.');
  if (version !== 'v1' || !iv || !tag || body === undefined) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', k, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}
