import { createApp } from './app/create-app';
import { configuredSecrets } from './access/provider-secrets';
import { createLoginThrottle } from './access/login-throttle';
import { systemClock } from './platform/clock';
import { openRequestDatabase } from './platform/db/request-client';
import { createEdgeLogger } from './platform/edge-logger';
import { EnvError, parseEnv } from './platform/env';

/**
 * The edge entry (Cloudflare Workers, wrangler.toml): the same Hono app as `npm start`, HTTP
 * only. Postgres is reached through Hyperdrive, a postgres.js client per request. Nothing here
 * talks to Redis: a webhook or an API write commits its rows and their outbox rows, and the
 * Node workers' relay (`npm run worker`) moves those into BullMQ. What needs Node (the
 * embedded database, the in-process job runner, the console's and API reference's files) is
 * not in this bundle; those routes answer 501 `not_implemented`.
 */

/** What a Worker is handed: [vars], the secrets set with `wrangler secret put`, and the bindings. */
export interface EdgeBindings {
  HYPERDRIVE?: { connectionString: string };
  [name: string]: unknown;
}

interface ExecutionContext {
  waitUntil(promise: Promise<unknown>): void;
  passThroughOnException?(): void;
}

type Handler = (request: Request, bindings: EdgeBindings, ctx: ExecutionContext) => Response | Promise<Response>;

/** The relay runs in the Node workers and polls the outbox: nothing to nudge here. */
const noRelay = { nudge() {} };

/** A deployment that cannot serve says why on every request but /healthz, naming what to set. */
function misconfigured(message: string): Handler {
  console.error(JSON.stringify({ level: 50, service: 'switchboard', msg: message }));
  return (request) =>
    new URL(request.url).pathname === '/healthz'
      ? Response.json({ status: 'ok' })
      : Response.json({ error: { code: 'unavailable', message, requestId: request.headers.get('cf-ray') } }, { status: 503 });
}

function build(bindings: EdgeBindings): Handler {
  const vars: Record<string, string> = {};
  for (const [name, value] of Object.entries(bindings)) if (typeof value === 'string') vars[name] = value;
  let env;
  try {
    env = parseEnv(vars);
  } catch (err) {
    if (err instanceof EnvError) return misconfigured(err.message);
    throw err;
  }
  // Twilio signs the URL it called: the edge has no default to fall back on
  if (!vars.PUBLIC_BASE_URL?.trim()) {
    return misconfigured('PUBLIC_BASE_URL is not set: set it in wrangler.toml [vars] to the address Twilio and SendGrid post to');
  }
  const hyperdrive = bindings.HYPERDRIVE;
  if (!hyperdrive?.connectionString) {
    return misconfigured('the HYPERDRIVE binding is missing: add [[hyperdrive]] with binding = "HYPERDRIVE" to wrangler.toml');
  }
  const log = createEdgeLogger({ level: env.LOG_LEVEL, bindings: { runtime: 'edge' } });
  const secrets = configuredSecrets(env);
  // sign-in attempts are counted per isolate: the edge has no Redis (the console itself is served by Node)
  const loginThrottle = createLoginThrottle();
  const app = createApp({
    env,
    open(c) {
      const database = openRequestDatabase(hyperdrive.connectionString);
      return {
        deps: { env, db: database.db, database, relay: noRelay, clock: systemClock, log, secrets, loginThrottle },
        release() {
          c.executionCtx.waitUntil(database.close().catch((err) => log.warn({ err }, 'closing the request database failed')));
        },
      };
    },
  });
  return (request, bindings, ctx) => app.fetch(request, bindings, ctx as never);
}

/** One app per isolate (and per bindings object, which a Worker keeps for its isolate's life). */
const handlers = new WeakMap<EdgeBindings, Handler>();

export default {
  fetch(request: Request, bindings: EdgeBindings, ctx: ExecutionContext): Response | Promise<Response> {
    let handler = handlers.get(bindings);
    if (!handler) handlers.set(bindings, (handler = build(bindings)));
    return handler(request, bindings, ctx);
  },
};
