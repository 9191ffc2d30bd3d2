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

/** The 32 bytes of EHR_SECRET_KEY (64 hex digits, or base64 / base64url), or null when it is not that. */
export function decodeSecretKey(value: string): Buffer | null {
  const v = value.trim();
  const bytes = /^[0-9a-f]{64}$/i.test(v) ? Buffer.from(v, 'hex') : /^[A-Za-z0-9+/_-]{43}=?$/.test(v) ? Buffer.from(v, v.includes('-') || v.includes('_') ? 'base64url' : 'base64') : null;
  return bytes && bytes.length === 32 ? bytes : null;
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
    /** Twilio Voice Intelligence service (GA...) in Spanish, for Spanish voicemails of practices that set none of their own */
    TWILIO_INTELLIGENCE_SERVICE_ES: optional(z.string().regex(/^GA[0-9a-fA-F]{32}$/, 'must be a Voice Intelligence service SID (GA followed by 32 hex digits)')),
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
    /**
     * Where media (MMS images, recordings, attachments) live: files under DATA_DIR/blobs
     * (default), or an S3-compatible bucket when S3_BUCKET is set.
     */
    BLOB_STORE: optional(z.enum(['fs', 's3'], { error: 'must be fs or s3' })),
    S3_BUCKET: optional(z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name (3-63 lower-case letters, digits, dots, dashes)')),
    S3_REGION: optional(z.string().regex(/^[a-z0-9-]{2,40}$/, 'must be a region such as us-east-1')),
    /** an S3-compatible service (MinIO, R2, Ceph); unset: AWS */
    S3_ENDPOINT: optional(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' })),
    S3_ACCESS_KEY_ID: secret(),
    S3_SECRET_ACCESS_KEY: secret(),
    S3_FORCE_PATH_STYLE: optional(z.enum(['true', 'false'], { error: 'must be true or false' })),
    /**
     * 32 bytes (base64, or 64 hex digits) that encrypt the practices' EHR credentials at rest
     * (AES-256-GCM). Unset: no EHR connection can be saved (400) and saved ones cannot sync.
     */
    EHR_SECRET_KEY: optional(
      z.string().refine((v) => decodeSecretKey(v) !== null, 'must be 32 bytes as base64 or 64 hex digits (make one with: openssl rand -base64 32)'),
    ),
    /** let portal webhooks post to loopback and private addresses (a portal on the same network); off by default */
    PORTAL_WEBHOOK_ALLOW_PRIVATE: optional(z.enum(['true', 'false', '1', '0'], { error: 'must be true or false' })).transform((v) => v === 'true' || v === '1'),
    /** proxies in front that append to X-Forwarded-For: the client's address for per-address limits is that many from the right */
    TRUSTED_PROXY_HOPS: optional(z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(0, 'must be 0 or more').max(10, 'must be at most 10')).transform((v) => v ?? 0),
    /** per sending number, messages per second (a US long code takes about 1/s) */
    SMS_RATE_PER_SECOND: optional(z.coerce.number({ error: 'must be a number' }).positive('must be above 0').max(1000, 'must be at most 1000')).transform((v) => v ?? 1),
  })
  .superRefine((e, ctx) => {
    if (e.BLOB_STORE === 's3' && !e.S3_BUCKET) ctx.addIssue({ code: 'custom', path: ['S3_BUCKET'], message: 'must be set when BLOB_STORE is s3' });
    if (Boolean(e.S3_ACCESS_KEY_ID) !== Boolean(e.S3_SECRET_ACCESS_KEY)) {
      ctx.addIssue({ code: 'custom', path: [e.S3_ACCESS_KEY_ID ? 'S3_SECRET_ACCESS_KEY' : 'S3_ACCESS_KEY_ID'], message: 'must be set together with the other S3 key' });
    }
  })
  .transform((e) => ({
    ...e,
    BLOB_STORE: e.BLOB_STORE ?? (e.S3_BUCKET ? ('s3' as const) : ('fs' as const)),
    S3_REGION: e.S3_REGION ?? 'us-east-1',
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
