import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { eq } from 'drizzle-orm';
import type { App, AppEnv } from '../http/context';
import { requireStaff } from '../http/auth';
import { errors, json } from '../http/openapi';
import { sessionCookie, sessionTtlMs } from '../access/authenticate';
import { users } from '../platform/db/schema';
import { AppError } from '../platform/errors';
import { login, logout } from './sessions';
import { clientAddress } from '../http/client-address';

const LoginSchema = z.object({ email: z.string().trim().min(1).max(320), password: z.string().min(1).max(200) }).openapi('Login');

/**
 * Sign-in posts must come from our own pages (login CSRF). `Origin: null` is what a sandboxed
 * frame or a redirect chain sends: refused. A post without Origin is not from a browser
 * (browsers send it on every POST), so it carries no one's cookies to abuse.
 */
function assertSameOrigin(c: Context<AppEnv>) {
  if (c.req.header('sec-fetch-site') === 'cross-site') throw new AppError('forbidden', 'sign-in from another site is refused');
  const origin = c.req.header('origin');
  if (origin === undefined) return;
  if (origin === 'null') throw new AppError('forbidden', 'sign-in from an opaque origin (Origin: null) is refused');
  const own = new URL(c.req.url).origin;
  const publicOrigin = new URL(c.get('deps').env.PUBLIC_BASE_URL).origin;
  if (origin !== own && origin !== publicOrigin) throw new AppError('forbidden', 'sign-in from another site is refused');
}

export function sessionRoutes(app: App) {
  app.post('/login', async (c) => {
    assertSameOrigin(c);
    const deps = c.get('deps');
    const isForm = (c.req.header('content-type') ?? '').includes('application/x-www-form-urlencoded');
    let raw: unknown;
    try {
      raw = isForm ? await c.req.parseBody() : await c.req.json();
    } catch {
      throw new AppError('invalid_json', 'the request body is not valid JSON');
    }
    const parsed = LoginSchema.safeParse(raw);
    if (!parsed.success) {
      if (isForm) return c.redirect('/login?error=missing', 303);
      throw new AppError('validation_failed', 'email and password are required');
    }
    const email = parsed.data.email.toLowerCase();
    const address = clientAddress(c);
    const waitMs = await deps.loginThrottle.check(address, email);
    if (waitMs !== null) {
      const seconds = Math.ceil(waitMs / 1000);
      c.header('Retry-After', String(seconds));
      if (isForm) return c.redirect('/login?error=locked', 303);
      throw new AppError('rate_limited', `too many failed sign-ins from this address; try again in ${seconds} s`);
    }
    const result = await login(deps.db, email, parsed.data.password, deps.clock.now());
    if (!result) {
      await deps.loginThrottle.failed(address, email);
      if (isForm) return c.redirect('/login?error=invalid', 303);
      throw new AppError('unauthorized', 'wrong email or password, or the account is deactivated');
    }
    await deps.loginThrottle.succeeded(address, email);
    setCookie(c, sessionCookie, result.cookie, {
      httpOnly: true,
      sameSite: 'Strict',
      secure: deps.env.PUBLIC_BASE_URL.startsWith('https://'),
      path: '/',
      maxAge: Math.floor(sessionTtlMs / 1000),
    });
    if (isForm) return c.redirect('/', 303);
    return c.json({ user: result.user, csrfToken: result.csrfToken }, 200);
  });

  app.post('/logout', async (c) => {
    assertSameOrigin(c);
    const cookie = getCookie(c, sessionCookie);
    if (cookie) await logout(c.get('deps').db, cookie);
    deleteCookie(c, sessionCookie, { path: '/' });
    const isForm = (c.req.header('content-type') ?? '').includes('application/x-www-form-urlencoded');
    return isForm ? c.redirect('/login', 303) : c.body(null, 204);
  });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/session',
      tags: ['session'],
      summary: 'Who is signed in, and the CSRF token the console sends back on changes',
      responses: {
        200: json(
          z.object({
            user: z.object({ id: z.uuid().nullable(), email: z.string().nullable(), name: z.string().nullable(), role: z.string() }),
            practiceIds: z.union([z.literal('all'), z.array(z.uuid())]),
            csrfToken: z.string().nullable(),
          }),
          'The caller',
        ),
        401: errors[401],
      },
    }),
    async (c) => {
      const who = requireStaff(c);
      const [u] = who.userId
        ? await c.get('deps').db.select({ email: users.email, name: users.name }).from(users).where(eq(users.id, who.userId))
        : [];
      return c.json(
        {
          user: { id: who.userId, email: u?.email ?? null, name: u?.name ?? null, role: who.role },
          practiceIds: who.practiceIds,
          csrfToken: who.csrfToken ?? null,
        },
        200,
      );
    },
  );
}
