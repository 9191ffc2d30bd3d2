import { AppError } from '../platform/errors';
import type { MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { streamSSE } from 'hono/streaming';
import { eq } from 'drizzle-orm';
import type { App, AppEnv } from '../http/context';
import { requireStaff } from '../http/auth';
import { errors } from '../http/openapi';
import { principalFromSession, principalFromToken, sessionCookie } from '../access/authenticate';
import { canSeePractice, type Principal } from '../access/principal';
import { conversations, messages } from '../platform/db/schema';
import type { ConversationChange } from '../platform/events';

/** A comment line this often keeps proxies from closing an idle stream, and re-checks the caller. */
export const heartbeatMs = 20_000;

/**
 * Live updates for the console (server-sent events): `event: conversation` with
 * `{ conversationId, practiceId }` whenever a conversation of a practice the caller may see
 * changes (a new message routed, an assignment, a status change, a reply's delivery). Ids only:
 * the console refetches through the API, which applies the queue grants. The stream ends with
 * `event: signed-out` when the session expires or the user is deactivated.
 */
export function liveRoutes(app: App) {
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/api/v1/events',
    tags: ['console'],
    summary: 'Server-sent events: which conversations changed (ids only), for live consoles',
    description:
      '`text/event-stream`. Events: `ready` once subscribed; `conversation` with `{"conversationId","practiceId"}` for each change in a practice the caller may see; `signed-out` when the session ends (then the stream closes). A comment line every 20 s keeps it open.',
    security: [{ bearerAuth: [] }, { cookieAuth: [] }],
    responses: { 200: { description: 'The event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } }, 401: errors[401], 403: errors[403] },
  });

  app.get('/api/v1/events', (c) => {
    const who = requireStaff(c);
    const { events, db, clock } = c.get('deps');
    if (!events) throw new AppError('not_implemented', 'live updates are served by the Node deployment, not at the edge');
    const cookie = getCookie(c, sessionCookie);
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '')?.[1];
    const stillValid = async (): Promise<Principal | null> =>
      bearer ? principalFromToken(db, bearer, clock.now()) : cookie ? principalFromSession(db, cookie, clock.now()) : null;
    c.header('cache-control', 'no-cache, no-transform');
    c.header('x-accel-buffering', 'no');
    return streamSSE(c, async (stream) => {
      let principal = who;
      let done!: () => void;
      const finished = new Promise<void>((r) => (done = r));
      let queue: Promise<unknown> = Promise.resolve();
      const send = (event: string, data: unknown) => {
        queue = queue.then(() => stream.writeSSE({ event, data: JSON.stringify(data) })).catch(() => done());
      };
      const unsubscribe = events.subscribe((change: ConversationChange) => {
        if (canSeePractice(principal, change.practiceId)) send('conversation', change);
      });
      const unclose = events.onClose(() => done());
      const beat = setInterval(() => {
        void (async () => {
          const p = await stillValid().catch(() => principal);
          if (!p || p.role === 'portal') {
            send('signed-out', {});
            await queue;
            done();
            return;
          }
          principal = p;
          queue = queue.then(() => stream.write(': keep-alive\n\n')).catch(() => done());
        })();
      }, heartbeatMs);
      stream.onAbort(() => done());
      send('ready', { at: clock.now().toISOString() });
      await finished;
      clearInterval(beat);
      unsubscribe();
      unclose();
    });
  });
}

/**
 * After a person's change through the API (reply, note, assignment, snooze, resolve, triage
 * correction), tell the consoles. Jobs announce their own changes (platform/jobs/registry).
 */
export function announceChanges(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    if (c.req.method === 'GET' || c.res.status >= 400) return;
    const path = c.req.path;
    const conv = /^\/api\/v1\/conversations\/([0-9a-f-]{36})(\/|$)/.exec(path)?.[1];
    const msg = /^\/api\/v1\/messages\/([0-9a-f-]{36})\//.exec(path)?.[1];
    if (!conv && !msg) return;
    const { db, events } = c.get('deps');
    // the edge has no event bus: consoles are served by Node, which hears the jobs' own announcements
    if (!events) return;
    try {
      const [row] = conv
        ? await db.select({ conversationId: conversations.id, practiceId: conversations.practiceId }).from(conversations).where(eq(conversations.id, conv))
        : await db.select({ conversationId: messages.conversationId, practiceId: messages.practiceId }).from(messages).where(eq(messages.id, msg!));
      if (row) events.publish(row);
    } catch (err) {
      c.get('deps').log.warn({ err, requestId: c.get('requestId') }, 'could not announce a change to the consoles');
    }
  };
}
