import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, count, eq, inArray, isNotNull, lte, or } from 'drizzle-orm';
import { Redis } from 'ioredis';
import { parseEnv } from '../../src/platform/env';
import { createRuntime, type Runtime, type RuntimeOptions } from '../../src/app/runtime';
import { createApp } from '../../src/app/create-app';
import { createLogger } from '../../src/platform/logger';
import { messages, outbox, practices } from '../../src/platform/db/schema';
import type { Clock } from '../../src/platform/clock';
import { makePractice, tokenFor } from '../helpers/fixtures';
import { freePort, ownServices, startOwnPostgres, startOwnRedis, type OwnPostgres, type OwnRedis } from '../helpers/own-services';
import { emergencyTriage } from '../helpers/fault-triage';
import { repoRoot } from '../helpers/cli';
import { isDatabaseUnavailable } from '../../src/platform/db/unavailable';

/**
 * Suite 15 of issue 12: faults, against a Redis and a Postgres this file starts for itself
 * (they are stopped, flushed and killed, which must never happen to the machine's shared
 * ones). Inbound messages are portal messages that all say "chest pain", so each must be
 * stored once, triaged, and answered once with the emergency reply, which goes back to the
 * portal by its webhook: the "portal" here is an HTTP server counting what it acknowledged.
 * After each fault, every message is stored once, triaged once (one done triage row) and
 * answered exactly once (one automatic reply, delivered, acknowledged once by the portal).
 */
const services = ownServices();
if (services.reason) process.stdout.write(`${services.reason}\n`);

/** The patient's portal: acknowledges each delivery, or holds every request while `holding` (a send in flight). */
class Portal {
  server!: Server;
  url = '';
  acknowledged: string[] = [];
  held: ServerResponse[] = [];
  holding = false;
  async start() {
    const port = await freePort();
    this.server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (this.holding) {
          this.held.push(res);
          return;
        }
        this.acknowledged.push(String(req.headers['x-switchboard-delivery']));
        res.end('ok');
      });
    });
    await new Promise<void>((r) => this.server.listen(port, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${port}`;
  }
  /** answers what it held: the patient's portal took every one of them */
  releaseHeld() {
    this.holding = false;
    const held = this.held;
    this.held = [];
    for (const res of held) {
      this.acknowledged.push(String(res.req.headers['x-switchboard-delivery']));
      res.end('ok');
    }
  }
  /** what a killed sender leaves: connections that never got an answer */
  dropHeld() {
    for (const res of this.held) res.destroy();
    this.held = [];
  }
  async stop() {
    this.dropHeld();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

let pg: OwnPostgres;
let redis: OwnRedis;
const portal = new Portal();
const dataDir = mkdtempSync(join(tmpdir(), 'sb-faults-'));
const open: Runtime[] = [];
const children: ChildProcess[] = [];
let seq = 0;

async function until(what: string, ok: () => Promise<boolean>, timeoutMs = Number(process.env.FAULT_WAIT_MS ?? 60_000)) {
  const deadline = Date.now() + timeoutMs;
  // a pooled connection from before a restart fails once: that is "not yet", not a failure
  while (!(await ok().catch((err) => (isDatabaseUnavailable(err) ? false : Promise.reject(err))))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface Scenario {
  env: Record<string, string>;
  databaseUrl: string;
  practiceId: string;
  portalToken: string;
}

/** A database of its own, a queue prefix of its own, and a practice whose portal is ours. */
async function scenario(name: string): Promise<Scenario> {
  const databaseUrl = await pg.createDatabase(`fault_${name}`);
  const env = {
    DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    REDIS_URL: redis.url,
    QUEUE_PREFIX: `fault-${name}`,
    SEND_MODE: 'live',
    PORTAL_WEBHOOK_ALLOW_PRIVATE: 'true',
    LOG_LEVEL: 'silent',
  };
  const rt = await runtime(env, { runWorkers: false });
  const practice = await makePractice(rt.deps.db, `fault-${name.replaceAll('_', '-')}`);
  await rt.deps.db.update(practices).set({ portalWebhookUrl: `${portal.url}/hook`, portalWebhookSecret: 'whsec-fault-0123456789' }).where(eq(practices.id, practice.id));
  const portalToken = await tokenFor(rt.deps.db, 'portal', practice.id);
  await close(rt);
  return { env, databaseUrl, practiceId: practice.id, portalToken };
}

async function runtime(env: Record<string, string>, opts: Partial<RuntimeOptions> & { runWorkers: boolean; clock?: Clock }): Promise<Runtime> {
  const rt = await createRuntime(parseEnv(env), {
    relayIntervalMs: 50,
    reconcile: { everyMs: 300, staleAfterMs: 1000 },
    queueLockMs: 1000,
    backoffMs: 200,
    triage: () => emergencyTriage,
    log: createLogger({ level: 'silent' }),
    ...opts,
  });
  open.push(rt);
  return rt;
}
async function close(rt: Runtime) {
  open.splice(open.indexOf(rt), 1);
  await rt.shutdown();
}

/** The portal posting one patient's message (a new patient each time, so a conversation each). */
async function post(app: ReturnType<typeof createApp>, s: Scenario, messageId: string) {
  const started = performance.now();
  const res = await app.request('/api/v1/portal/messages', {
    method: 'POST',
    headers: { authorization: `Bearer ${s.portalToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      messageId,
      patient: { portalId: `pt-${messageId}`, firstName: 'Pat', lastName: `P${messageId}`, dateOfBirth: '1970-01-01' },
      body: 'I have chest pain',
    }),
  });
  return { status: res.status, ms: performance.now() - started, body: await res.text() };
}

/** Every message stored once, triaged once, answered once and acknowledged once by the portal. */
async function expectExactlyOnce(rt: Runtime, s: Scenario, messageIds: string[]) {
  const db = rt.deps.db;
  const inboundOf = async () => db.select().from(messages).where(and(eq(messages.practiceId, s.practiceId), eq(messages.direction, 'inbound')));
  await until('every message answered and acknowledged', async () => {
    if (process.env.FAULT_DEBUG) {
      const ob = await db.select({ queue: outbox.queue, status: outbox.status, n: count() }).from(outbox).groupBy(outbox.queue, outbox.status);
      const ms = await db.select({ d: messages.direction, status: messages.status, n: count() }).from(messages).where(eq(messages.practiceId, s.practiceId)).groupBy(messages.direction, messages.status);
      process.stdout.write(`DBG ${JSON.stringify(ob)} ${JSON.stringify(ms)} acked=${portal.acknowledged.length}\n`);
    }
    // SLA timers and the sweep wait for later: only work that is due counts
    const [busy] = await db
      .select({ n: count() })
      .from(outbox)
      .where(or(eq(outbox.status, 'enqueued'), and(eq(outbox.status, 'pending'), lte(outbox.runAt, rt.deps.clock.now()))));
    const replies = await db.select().from(messages).where(and(eq(messages.practiceId, s.practiceId), eq(messages.direction, 'outbound')));
    return Number(busy!.n) === 0 && replies.length >= messageIds.length && replies.every((r) => r.status === 'delivered');
  });
  const inbound = await inboundOf();
  expect(inbound.map((m) => m.providerId).sort()).toEqual(messageIds.map((id) => `${s.practiceId}/${id}`).sort());
  expect(inbound.every((m) => m.triage?.urgency === 'emergency')).toBe(true);
  const triageRows = await db.select().from(outbox).where(and(eq(outbox.queue, 'triage'), inArray(outbox.dedupeKey, inbound.map((m) => `triage:${m.id}`))));
  expect(triageRows.map((r) => r.status)).toEqual(inbound.map(() => 'done'));
  const replies = await db.select().from(messages).where(and(eq(messages.practiceId, s.practiceId), eq(messages.direction, 'outbound'), isNotNull(messages.id)));
  expect(replies).toHaveLength(inbound.length);
  expect(new Set(replies.map((r) => r.conversationId))).toEqual(new Set(inbound.map((m) => m.conversationId)));
  expect(replies.every((r) => r.status === 'delivered' && r.authorType === 'automation')).toBe(true);
  const acked = portal.acknowledged.filter((id) => replies.some((r) => r.id === id));
  expect(acked.sort()).toEqual(replies.map((r) => r.id).sort());
}

describe.skipIf(!services.redis || !services.postgres)('faults, on a Redis and a Postgres of this test', () => {
  beforeAll(async () => {
    [pg, redis] = await Promise.all([startOwnPostgres(), startOwnRedis()]);
    await portal.start();
  }, 90_000);
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    for (const rt of [...open]) await rt.shutdown().catch(() => {});
    await portal.stop();
    await redis?.close();
    await pg?.close();
    rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('Redis stopped and restarted during a burst: nothing lost, nothing twice', async () => {
    const s = await scenario('redis_restart');
    const rt = await runtime(s.env, { runWorkers: true });
    const app = createApp(rt.deps);
    const ids = Array.from({ length: 30 }, () => `a${++seq}`);
    for (const [i, id] of ids.entries()) {
      if (i === 10) await redis.stop(true);
      if (i === 20) await redis.start();
      // the message is stored in Postgres whatever Redis is doing
      expect((await post(app, s, id)).status).toBe(201);
    }
    await expectExactlyOnce(rt, s, ids);
    await close(rt);
  }, 120_000);

  it('Redis flushed with jobs pending: the outbox puts them back', async () => {
    const s = await scenario('redis_flush');
    const web = await runtime(s.env, { runWorkers: false });
    const app = createApp(web.deps);
    const ids = Array.from({ length: 20 }, () => `b${++seq}`);
    for (const id of ids) expect((await post(app, s, id)).status).toBe(201);
    expect(await web.deps.relay.tick()).toBe(ids.length);
    const r = new Redis(redis.url);
    expect((await r.keys('fault-redis_flush:*')).length).toBeGreaterThan(0);
    await redis.flushAll();
    expect(await r.keys('fault-redis_flush:*')).toEqual([]);
    r.disconnect();
    const worker = await runtime(s.env, { runWorkers: true });
    await expectExactlyOnce(worker, s, ids);
    await close(worker);
    await close(web);
  }, 120_000);

  it('a worker killed mid-send: the send is handed out again and goes once', async () => {
    const s = await scenario('worker_kill');
    const web = await runtime(s.env, { runWorkers: false });
    const app = createApp(web.deps);
    portal.holding = true;
    const child = spawn(process.execPath, ['--import', 'tsx', 'tests/helpers/fault-worker.ts'], {
      cwd: repoRoot,
      env: { ...process.env, ...s.env, FAULT_LOCK_MS: '1000' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    const ids = Array.from({ length: 8 }, () => `c${++seq}`);
    for (const id of ids) expect((await post(app, s, id)).status).toBe(201);
    // the worker process takes the messages, triages them and starts sending: the portal holds the first reply...
    await until('a send in flight', async () => portal.held.length > 0);
    // ...and the worker dies with it in flight
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    portal.holding = false;
    portal.dropHeld();
    const [held] = await web.deps.db.select({ n: count() }).from(messages).where(and(eq(messages.practiceId, s.practiceId), eq(messages.status, 'sending')));
    expect(Number(held!.n)).toBeGreaterThan(0);
    // a replacement worker, after the send lease of the dead one has run out (its clock is 3 minutes on)
    const later: Clock = { now: () => new Date(Date.now() + 3 * 60_000) };
    const worker = await runtime(s.env, { runWorkers: true, clock: later });
    await expectExactlyOnce(worker, s, ids);
    await close(worker);
    await close(web);
  }, 120_000);

  it('Postgres restarted during traffic: 503 within 5 s while it is away (the portal retries), then everything once', async () => {
    const s = await scenario('pg_restart');
    const rt = await runtime(s.env, { runWorkers: true });
    const app = createApp(rt.deps);
    const ids = Array.from({ length: 30 }, () => `d${++seq}`);
    const retry: string[] = [];
    for (const [i, id] of ids.entries()) {
      if (i === 10) {
        await pg.stop('fast');
        const started = performance.now();
        const ready = await app.request('/readyz');
        expect(performance.now() - started).toBeLessThan(2000);
        expect(ready.status).toBe(503);
        expect(((await ready.json()) as { checks: Record<string, string> }).checks.database).not.toBe('ok');
      }
      if (i === 20) await pg.start();
      const r = await post(app, s, id);
      if (i >= 10 && i < 20) {
        expect(r.status, r.body).toBe(503);
        expect(JSON.parse(r.body).error.code).toBe('unavailable');
        expect(r.ms).toBeLessThan(5000);
        retry.push(id);
      } else if (r.status === 503) {
        // just after the restart the pool is still reconnecting: refused fast, and the portal sends it again
        expect(r.ms).toBeLessThan(5000);
        retry.push(id);
      } else {
        expect(r.status, r.body).toBe(201);
      }
    }
    // the portal sends again what was refused, as a provider retries a 503
    for (const id of retry) {
      await until(`message ${id} taken after the restart`, async () => [200, 201].includes((await post(app, s, id)).status), 15_000);
    }
    await expectExactlyOnce(rt, s, ids);
    await close(rt);
  }, 120_000);

  it('Postgres goes away while the portal is taking a reply: the delivery is recorded when it is back, and nothing goes twice', async () => {
    const s = await scenario('pg_mid_send');
    const rt = await runtime(s.env, { runWorkers: true });
    const app = createApp(rt.deps);
    portal.holding = true;
    const ids = Array.from({ length: 3 }, () => `e${++seq}`);
    for (const id of ids) expect((await post(app, s, id)).status).toBe(201);
    // the replies are out with the portal, which has not answered yet...
    await until('the replies in flight', async () => portal.held.length === ids.length);
    // ...Postgres goes away, and only then does the portal take them: the sender cannot record it
    await pg.stop('fast');
    portal.releaseHeld();
    await pg.start();
    await expectExactlyOnce(rt, s, ids);
    // the portal took each reply once: none was sent again
    const replies = await rt.deps.db.select({ id: messages.id }).from(messages).where(and(eq(messages.practiceId, s.practiceId), eq(messages.direction, 'outbound')));
    for (const r of replies) expect(portal.acknowledged.filter((id) => id === r.id)).toHaveLength(1);
    await close(rt);
  }, 120_000);
});
