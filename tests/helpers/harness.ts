import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { and, count, inArray, lte } from 'drizzle-orm';
import { parseEnv, type Env } from '../../src/platform/env';
import { createApp } from '../../src/app/create-app';
import { createRuntime, type Runtime, type RuntimeOptions } from '../../src/app/runtime';
import { outbox } from '../../src/platform/db/schema';
import { InProcessQueue } from '../../src/platform/jobs/in-process';
import { createLogger } from '../../src/platform/logger';
import { FakeClock, type Clock } from '../../src/platform/clock';
import { createToken } from '../../src/staff/people';
import { testDatabaseUrl } from './services';
import type { TriageEngine } from '../../src/routing/triage-job';

export type QueueKind = 'in-process' | 'bullmq';

/** The queue adapters these tests can use here: BullMQ only where Redis answers. */
export const availableQueues = (): QueueKind[] => (inject('redisUrl') ? ['in-process', 'bullmq'] : ['in-process']);

let seq = 0;

/** A fresh database for one test file: a copy of the migrated template, or PGlite when Postgres is away. */
export async function freshDatabaseUrl(): Promise<string | undefined> {
  const template = inject('templateDatabase');
  if (!template) return undefined;
  const { default: postgres } = await import('postgres');
  const admin = postgres(testDatabaseUrl, { max: 1, onnotice: () => {} });
  const name = `sb_t_${inject('runId')}_${process.pid}_${++seq}`;
  // a template must have no other connections while it is copied: retry on the rare clash
  for (let i = 0; ; i++) {
    try {
      await admin.unsafe(`create database ${name} template ${template}`);
      break;
    } catch (err) {
      if (i >= 20 || !/being accessed by other users/.test((err as Error).message)) throw err;
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
    }
  }
  await admin.end({ timeout: 5 });
  const url = new URL(testDatabaseUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export interface Harness {
  runtime: Runtime;
  app: ReturnType<typeof createApp>;
  env: Env;
  clock: Clock;
  dataDir: string;
  adminToken: string;
  request(method: string, path: string, init?: { body?: unknown; token?: string | null; headers?: Record<string, string> }): Promise<Response>;
  /** relay and run every due job until nothing is left */
  drain(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export interface HarnessOptions extends Partial<RuntimeOptions> {
  queue?: QueueKind;
  /** force the embedded database even when Postgres is here */
  pglite?: boolean;
  env?: Record<string, string>;
  triage?: () => TriageEngine;
  /** BullMQ keys under the prefix the environment gives (QUEUE_PREFIX, or derived from the database), not a random test one */
  envQueuePrefix?: boolean;
}

/** A stand-in engine for tests that are not about triage: deterministic, labels by keyword. */
export const keywordTriage: TriageEngine = {
  triage: ({ text }) => {
    const t = text.toLowerCase();
    const emergency = /chest pain|can't breathe/.test(t);
    const intent = /refill/.test(t) ? 'refill_request' : /bill/.test(t) ? 'billing' : /appointment|cita/.test(t) ? 'appointment_new' : 'general_question';
    return {
      intent,
      urgency: emergency ? 'emergency' : 'routine',
      confidence: 0.9,
      language: /hola|necesito/.test(t) ? 'es' : 'en',
      entities: {},
      redFlags: emergency ? ['chest_pain'] : [],
      needsHuman: emergency,
    };
  },
};

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-test-'));
  const databaseUrl = opts.pglite ? undefined : await freshDatabaseUrl();
  const redisUrl = opts.queue === 'bullmq' ? inject('redisUrl') : null;
  if (opts.queue === 'bullmq' && !redisUrl) throw new Error('Redis is not available for a bullmq harness');
  const env = parseEnv({
    DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl ?? '',
    REDIS_URL: redisUrl ?? '',
    LOG_LEVEL: 'silent',
    PUBLIC_BASE_URL: 'https://switchboard.example.test',
    ...opts.env,
  });
  const clock = opts.clock ?? new FakeClock();
  const runtime = await createRuntime(env, {
    runWorkers: opts.runWorkers ?? true,
    clock,
    log: opts.log ?? createLogger({ level: 'silent' }),
    redisPrefix: opts.envQueuePrefix ? undefined : `sbt-${inject('runId')}-${randomBytes(4).toString('hex')}`,
    relayIntervalMs: 0,
    backoffMs: opts.backoffMs ?? 10,
    triage: opts.triage ?? (() => keywordTriage),
    extraModules: opts.extraModules,
  });
  const app = createApp(runtime.deps);
  const { token: adminToken } = await createToken(runtime.deps.db, 'system', { name: 'test admin', role: 'admin' });

  const harness: Harness = {
    runtime,
    app,
    env,
    clock,
    dataDir,
    adminToken,
    async request(method, path, init = {}) {
      const headers: Record<string, string> = { ...init.headers };
      const token = init.token === undefined ? adminToken : init.token;
      if (token) headers.authorization = `Bearer ${token}`;
      let body: RequestInit['body'];
      if (init.body !== undefined) {
        if (typeof init.body === 'string' || init.body instanceof Uint8Array || init.body instanceof FormData || init.body instanceof URLSearchParams) {
          body = init.body as RequestInit['body'];
        } else {
          body = JSON.stringify(init.body);
          headers['content-type'] ??= 'application/json';
        }
      }
      return app.request(path, { method, headers, body }, undefined);
    },
    async drain(timeoutMs = 15_000) {
      const { relay, queue, db } = runtime.deps;
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        await relay.tick();
        if (queue instanceof InProcessQueue) await queue.onIdle();
        const [row] = await db
          .select({ n: count() })
          .from(outbox)
          .where(and(inArray(outbox.status, ['pending', 'enqueued']), lte(outbox.runAt, clock.now())));
        if (Number(row?.n ?? 0) === 0) return;
        if (Date.now() > deadline) throw new Error(`outbox did not drain: ${row?.n} rows left`);
        await new Promise((r) => setTimeout(r, 15));
      }
    },
    async close() {
      await runtime.shutdown();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return harness;
}
