import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { principalFromSession, principalFromToken, sessionCookie } from '../access/authenticate';
import type { Principal } from '../access/principal';
import { AppError } from '../platform/errors';
import type { AppEnv } from './context';

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Resolves the caller from a bearer token or the console's session cookie. A wrong token is
 * refused at once; no credentials leaves the principal null for the route to refuse.
 */
export function authenticate(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const { db, clock } = c.get('deps');
    const header = c.req.header('authorization');
    let principal: Principal | null = null;
    if (header !== undefined) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (!match) throw new AppError('unauthorized', 'Authorization must be "Bearer <token>"');
      principal = await principalFromToken(db, match[1]!, clock.now());
      if (!principal) throw new AppError('unauthorized', 'the token is not valid (unknown, revoked, or its user was deactivated)');
    } else {
      const cookie = getCookie(c, sessionCookie);
      if (cookie) {
        principal = await principalFromSession(db, cookie, clock.now());
        // a cookie session must echo its CSRF token on anything that changes state
        if (principal && !safeMethods.has(c.req.method) && c.req.header('x-csrf-token') !== principal.csrfToken) {
          throw new AppError('forbidden', 'missing or wrong X-CSRF-Token header for a cookie session');
        }
      }
    }
    c.set('principal', principal);
    await next();
  };
}

export function requirePrincipal(c: Context<AppEnv>): Principal {
  const p = c.get('principal');
  if (!p) throw new AppError('unauthorized', 'sign in, or send Authorization: Bearer <token>');
  return p;
}

/** Staff routes: portal tokens may use only the portal routes. */
export function requireStaff(c: Context<AppEnv>): Principal {
  const p = requirePrincipal(c);
  if (p.role === 'portal') throw new AppError('forbidden', 'portal tokens can only use the portal routes');
  return p;
}
