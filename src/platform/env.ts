import { createHash } from 'node:crypto';
import { z } from 'zod';

/** An empty variable counts as unset (a blank line in .env must not mean ""). */
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), schema.optional());

/** Secrets are checked for presence only: their format is the provider's business. */
const secret = () => optional(z.string());

/** `sb-` and a short hash of the database's host, port and name (never its credentials). */
function defaultQueuePrefix(databaseUrl: string | undefined): string {
  if (!databaseUrl) return 'sb-embedded';
  const u = new URL(databaseUrl);
  return `sb-${createHash('sha256').update(`${u.hostname}:${u.port || '5432'}${u.pathname}`).digest('hex').slice(0, 10)}`;
}

const envSchema = z
  .object({
    NODE_ENV: optional(z.enum(['development', 'production', 'test'], { error: 'must be development, production or test' })),
    PORT: optional(z.coerce.number({ error: 'must be a port number from 1 to 65535' }).int('must be a whole port number').min(1, 'must be a port number from 1 to 65535').max(65535, 'must be a port number from 1 to 65535')).transform((v) => v ?? 3000),
    HOST: optional(z.string()).transform((v) => v ?? '0.0.0.0'),
    DATA_DIR: optional(z.string()).transform((v) => v ?? './data'),
    DATABASE_URL: optional(
      z
        .string()
        .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
        .pipe(z.url('must be a valid URL')),
    ),
    REDIS_URL: optional(z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL').pipe(z.url('must be a valid URL'))),
    PUBLIC_BASE_URL: optional(
      z
        .url({ protocol: /^https?$/, error: 'must be an http(s) URL such as https://switchboard.example.com' })
        .transform((v) => v.replace(/\/+$/, '')),
    ),
    TWILIO_ACCOUNT_SID: secret(),
    TWILIO_AUTH_TOKEN: secret(),
    SENDGRID_API_KEY: secret(),
    SENDGRID_INBOUND_USER: secret(),
    SENDGRID_INBOUND_PASSWORD: secret(),
    SENDGRID_EVENT_PUBLIC_KEY: secret(),
    SEND_MODE: optional(z.enum(['live', 'simulate'], { error: 'must be live or simulate' })),
    LOG_LEVEL: optional(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { error: 'must be one of fatal, error, warn, info, debug, trace, silent' })).transform(
      (v) => v ?? 'info',
    ),
    /**
     * BullMQ's key prefix in Redis. Two deployments sharing one Redis must not take each
     * other's jobs: by default it is derived from the database the deployment uses.
     */
    QUEUE_PREFIX: optional(z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1 to 64 letters, digits, dots, dashes or underscores')),
    /** let portal webhooks post to loopback and private addresses (a portal on the same network); off by default */
    PORTAL_WEBHOOK_ALLOW_PRIVATE: optional(z.enum(['true', 'false', '1', '0'], { error: 'must be true or false' })).transform((v) => v === 'true' || v === '1'),
    /** proxies in front that append to X-Forwarded-For: the client's address for per-address limits is that many from the right */
    TRUSTED_PROXY_HOPS: optional(z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(0, 'must be 0 or more').max(10, 'must be at most 10')).transform((v) => v ?? 0),
    /** per sending number, messages per second (a US long code takes about 1/s) */
    SMS_RATE_PER_SECOND: optional(z.coerce.number({ error: 'must be a number' }).positive('must be above 0').max(1000, 'must be at most 1000')).transform((v) => v ?? 1),
  })
  .transform((e) => ({
    ...e,
    QUEUE_PREFIX: e.QUEUE_PREFIX ?? defaultQueuePrefix(e.DATABASE_URL),
    PUBLIC_BASE_URL: e.PUBLIC_BASE_URL ?? `http://localhost:${e.PORT}`,
    // live where a provider's credentials are set; a channel without its own credentials
    // (Twilio for SMS/voice, SENDGRID_API_KEY for email) is simulated even in live mode
    SEND_MODE:
      e.SEND_MODE ?? ((e.TWILIO_ACCOUNT_SID && e.TWILIO_AUTH_TOKEN) || e.SENDGRID_API_KEY ? ('live' as const) : ('simulate' as const)),
  }));

export type Env = z.output<typeof envSchema>;

export class EnvError extends Error {
  constructor(
    readonly variable: string,
    readonly problem: string,
  ) {
    super(`Invalid environment: ${variable} ${problem}`);
    this.name = 'EnvError';
  }
}

/** Parse the environment once; the first problem is reported with the variable's name and never its value. */
export function parseEnv(source: Record<string, string | undefined> = process.env): Env {
  const result = envSchema.safeParse(source);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const variable = String(issue.path[0] ?? 'environment');
  throw new EnvError(variable, issue.message);
}

/** For entry points: parse or print one line and exit. */
export function loadEnvOrExit(): Env {
  try {
    return parseEnv();
  } catch (err) {
    if (err instanceof EnvError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}
