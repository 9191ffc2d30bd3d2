import type { Context } from 'hono';
import type { AppEnv } from './context';

/**
 * The caller's network address, for per-address limits. With TRUSTED_PROXY_HOPS=N (a load
 * balancer in front), the Nth address from the right of X-Forwarded-For, the one our own
 * proxies saw; a caller can put anything in the addresses left of it. Without, the socket's.
 */
export function clientAddress(c: Context<AppEnv>): string {
  const hops = c.get('deps').env.TRUSTED_PROXY_HOPS;
  if (hops > 0) {
    const chain = (c.req.header('x-forwarded-for') ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const hop = chain[chain.length - hops];
    if (hop) return hop;
  }
  const socket = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming?.socket;
  return socket?.remoteAddress ?? 'unknown';
}
