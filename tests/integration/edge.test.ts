import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { signTwilioRequest } from '../../channels/sms/verify';
import { createRuntime, type Runtime } from '../../src/app/runtime';
import { openDatabase, type DatabaseHandle } from '../../src/platform/db/client';
import { messages, outbox } from '../../src/platform/db/schema';
import { parseEnv } from '../../src/platform/env';
import { createLogger } from '../../src/platform/logger';
import { createToken } from '../../src/staff/people';
import { freshDatabaseUrl } from '../helpers/harness';
import { makePractice } from '../helpers/fixtures';
import { parsedEmail } from '../helpers/email';
import { CONTENT_TYPE } from '../fixtures/email/multipart';
import { inboundSms } from '../helpers/twilio';
import { buildEdge, edgeBudgetGzipBytes } from '../../bin/build-edge.mjs';
import { ciDemandsServices } from '../helpers/services';

/*
 * The edge for real: `wrangler dev --local` runs src/edge.ts in workerd, offline, with its
 * Hyperdrive binding pointed at a fresh test database. Signed Twilio and SendGrid webhooks
 * land in Postgres with their outbox rows while no worker runs; then a Node worker runtime
 * (BullMQ on the test Redis, its own prefix) relays and triages them.
 */

const root = join(import.meta.dirname, '..', '..');
const PUBLIC = 'https://edge.switchboard.test';
const TWILIO_TOKEN = randomBytes(20).toString('hex');
const INBOUND = { user: 'sendgrid-parse', password: randomBytes(12).toString('hex') };

/** Why the edge cannot run here, or null. Under CI=true a reason fails the run instead of skipping. */
function whyNot(): string | null {
  const workerd = spawnSync(join(root, 'node_modules', '.bin', 'workerd'), ['--version'], { encoding: 'utf8' });
  if (workerd.error || workerd.status !== 0) {
    return `workerd (wrangler's local runtime) does not run on this machine: ${workerd.error?.message ?? workerd.stderr.trim()}`;
  }
  if (!inject('templateDatabase')) return 'Postgres is unreachable';
  if (!inject('redisUrl')) return 'Redis is unreachable';
  return null;
}
const reason = whyNot();
if (reason && ciDemandsServices) throw new Error(`edge test: ${reason}; CI needs it`);
if (reason) process.stdout.write(`edge test skipped: ${reason}\n`);

/** Hyperdrive wants a password in its connection string; the test Postgres trusts local connections and ignores it. */
function withPassword(url: string): string {
  const u = new URL(url);
  if (!u.password) u.password = 'local';
  return u.toString();
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe.skipIf(reason !== null)('the same app on Cloudflare Workers (wrangler dev --local)', () => {
  let wrangler: ChildProcess;
  let output = '';
  let base: string;
  let dir: string;
  let database: DatabaseHandle;
  let databaseUrl: string;
  let worker: Runtime | undefined;
  let phone: string;
  let email: string;
  let token: string;
  const sent: { sms?: string; smsConversation?: string; email?: string } = {};

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sb-edge-'));
    databaseUrl = (await freshDatabaseUrl())!;
    database = await openDatabase({ databaseUrl, dataDir: dir, max: 2 });
    const practice = await makePractice(database.db, 'edge-clinic');
    phone = practice.phoneNumbers[0]!;
    email = practice.emailAddresses[0]!;
    token = (await createToken(database.db, 'system', { name: 'edge test', role: 'admin' })).token;

    // the Worker's secrets, as `wrangler secret put` would hold them (an env file, not argv)
    const envFile = join(dir, 'edge.env');
    writeFileSync(
      envFile,
      [
        `PUBLIC_BASE_URL=${PUBLIC}`,
        `TWILIO_AUTH_TOKEN=${TWILIO_TOKEN}`,
        `SENDGRID_INBOUND_USER=${INBOUND.user}`,
        `SENDGRID_INBOUND_PASSWORD=${INBOUND.password}`,
        'LOG_LEVEL=warn',
      ].join('\n') + '\n',
      { mode: 0o600 },
    );
    const [port, inspectorPort] = [await freePort(), await freePort()];
    base = `http://127.0.0.1:${port}`;
    wrangler = spawn(
      process.execPath,
      [
        join(root, 'node_modules', 'wrangler', 'bin', 'wrangler.js'),
        'dev',
        '--local',
        '--ip', '127.0.0.1',
        '--port', String(port),
        '--inspector-port', String(inspectorPort),
        '--persist-to', join(dir, 'state'),
        '--env-file', envFile,
        '--show-interactive-dev-session=false',
      ],
      {
        cwd: root,
        // its own process group: wrangler starts workerd, and both are stopped together
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          CI: 'true',
          WRANGLER_SEND_METRICS: 'false',
          WRANGLER_HIDE_BANNER: 'true',
          CLOUDFLARE_CF_FETCH_ENABLED: 'false',
          NO_COLOR: '1',
          CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE: withPassword(databaseUrl),
        },
      },
    );
    wrangler.stdout!.on('data', (d) => (output += d));
    wrangler.stderr!.on('data', (d) => (output += d));
    const exited = new Promise<never>((_, reject) =>
      wrangler.once('exit', (code) => reject(new Error(`wrangler dev exited (${code}) before it served:\n${output}`))),
    );
    exited.catch(() => {});
    const ready = (async () => {
      for (const deadline = Date.now() + 90_000; Date.now() < deadline; ) {
        try {
          if ((await fetch(`${base}/healthz`)).ok) return;
        } catch {
          // not listening yet
        }
        await new Promise((r) => setTimeout(r, 250));
      }
      throw new Error(`wrangler dev did not answer /healthz within 90 s:\n${output}`);
    })();
    await Promise.race([ready, exited]);
  }, 120_000);

  afterAll(async () => {
    if (wrangler?.pid && wrangler.exitCode === null) {
      const gone = new Promise((r) => wrangler.once('exit', r));
      process.kill(-wrangler.pid, 'SIGTERM');
      await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
      if (wrangler.exitCode === null) process.kill(-wrangler.pid, 'SIGKILL');
    }
    await worker?.shutdown();
    await database?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function postSms(body: string, opts: { signature?: string | null } = {}) {
    return postTwilio('/webhooks/twilio/sms', inboundSms('+14155550123', phone, body), opts);
  }

  function postTwilio(path: string, params: Record<string, string>, opts: { signature?: string | null } = {}) {
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    const signature = opts.signature === undefined ? signTwilioRequest(TWILIO_TOKEN, `${PUBLIC}${path}`, params) : opts.signature;
    if (signature !== null) headers['x-twilio-signature'] = signature;
    return fetch(`${base}${path}`, { method: 'POST', headers, body: new URLSearchParams(params).toString() });
  }

  const auth = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

  it('answers /readyz from the database through Hyperdrive, with no queue of its own', async () => {
    const res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ready', checks: { database: 'ok' } });
  });

  it('stores a signed Twilio SMS with its triage outbox row, and leaves the row to the workers', async () => {
    const res = await postSms('Hi, I need a refill of my lisinopril please');
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<Response/>');
    const [row] = await database.db.select().from(messages).where(and(eq(messages.channel, 'sms'), eq(messages.direction, 'inbound')));
    expect(row?.body).toBe('Hi, I need a refill of my lisinopril please');
    expect(row?.triage).toBeNull();
    sent.sms = row!.id;
    sent.smsConversation = row!.conversationId;
    const jobs = await database.db.select().from(outbox).where(eq(outbox.queue, 'triage'));
    expect(jobs.map((j) => [j.payload.messageId, j.status])).toEqual([[row!.id, 'pending']]);
  });

  it('stores a SendGrid Inbound Parse email sent with the basic-auth pair', async () => {
    const body = parsedEmail({ to: email, from: 'Ana Ruiz <ana.ruiz@example.com>', subject: 'Bill', text: 'I have a question about my bill from March.' });
    const res = await fetch(`${base}/webhooks/sendgrid/inbound`, {
      method: 'POST',
      headers: { 'content-type': CONTENT_TYPE, authorization: auth(INBOUND.user, INBOUND.password) },
      body: new Uint8Array(body),
    });
    expect(res.status).toBe(200);
    const stored = (await res.json()) as { id: string; duplicate: boolean };
    expect(stored.duplicate).toBe(false);
    const [row] = await database.db.select().from(messages).where(eq(messages.id, stored.id));
    expect(row).toMatchObject({ channel: 'email', direction: 'inbound' });
    expect(row!.body).toContain('question about my bill');
    sent.email = row!.id;
  });

  it('refuses forged webhooks and stores nothing', async () => {
    const before = (await database.db.select({ id: messages.id }).from(messages)).length;
    const unsigned = await postSms('forged', { signature: null });
    expect(unsigned.status).toBe(403);
    expect(((await unsigned.json()) as { error: { code: string } }).error.code).toBe('invalid_signature');
    expect((await postSms('forged', { signature: signTwilioRequest('not-the-token', `${PUBLIC}/webhooks/twilio/sms`, {}) })).status).toBe(403);
    const wrongPair = await fetch(`${base}/webhooks/sendgrid/inbound`, {
      method: 'POST',
      headers: { 'content-type': CONTENT_TYPE, authorization: auth(INBOUND.user, 'guess') },
      body: new Uint8Array(parsedEmail({ to: email, text: 'forged' })),
    });
    expect(wrongPair.status).toBe(401);
    expect((await database.db.select({ id: messages.id }).from(messages)).length).toBe(before);
  });

  it('answers a signed incoming call with the practice greeting in TwiML', async () => {
    const res = await postTwilio('/webhooks/twilio/voice', {
      AccountSid: 'AC00000000000000000000000000000000',
      CallSid: `CA${randomBytes(16).toString('hex')}`,
      CallStatus: 'ringing',
      Direction: 'inbound',
      From: '+14155550177',
      To: phone,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/xml');
    const twiml = await res.text();
    expect(twiml).toContain('<Say');
    expect(twiml).toContain('Practice edge-clinic');
  });

  it('answers HELP from its template at once, though Workers forbid compiling templates', async () => {
    const res = await postSms('HELP');
    expect(res.status).toBe(200);
    const twiml = await res.text();
    expect(twiml).toContain('<Message>');
    expect(twiml).toContain('Practice edge-clinic');
    expect(twiml).toContain('Reply STOP to opt out');
  });

  it('serves the API with a bearer token, and answers 501 for what needs Node', async () => {
    const bearer = { authorization: `Bearer ${token}` };
    const detail = await fetch(`${base}/api/v1/conversations/${sent.smsConversation}`, { headers: bearer });
    expect(detail.status).toBe(200);
    const conversation = (await detail.json()) as { id: string; messages: { id: string; body: string }[] };
    expect(conversation.id).toBe(sent.smsConversation);
    expect(conversation.messages.map((m) => m.id)).toContain(sent.sms);
    expect((await fetch(`${base}/api/v1/conversations/${sent.smsConversation}`)).status).toBe(401);
    expect((await fetch(`${base}/api/v1/openapi.json`)).status).toBe(200);
    for (const path of ['/login', '/', '/api/docs']) {
      const res = await fetch(`${base}${path}`, { redirect: 'manual' });
      expect(res.status, path).toBe(501);
      expect(((await res.json()) as { error: { code: string; message: string } }).error).toMatchObject({
        code: 'not_implemented',
        message: expect.stringContaining('Node deployment'),
      });
    }
  });

  it('then a Node worker relays the outbox to BullMQ and triages what the edge stored', async () => {
    expect(sent.sms && sent.email).toBeTruthy();
    const env = parseEnv({ DATABASE_URL: databaseUrl, REDIS_URL: inject('redisUrl')!, DATA_DIR: dir, LOG_LEVEL: 'silent', PUBLIC_BASE_URL: PUBLIC });
    worker = await createRuntime(env, {
      runWorkers: true,
      log: createLogger({ level: 'silent' }),
      redisPrefix: `sbt-${inject('runId')}-edge-${randomBytes(3).toString('hex')}`,
      relayIntervalMs: 50,
    });
    const ours = (id: unknown) => id === sent.sms || id === sent.email;
    const read = async () => ({
      rows: (await database.db.select().from(messages).where(eq(messages.direction, 'inbound'))).filter((r) => ours(r.id)),
      jobs: (await database.db.select().from(outbox).where(eq(outbox.queue, 'triage'))).filter((j) => ours(j.payload.messageId)),
    });
    let seen = await read();
    // a job is done once its outbox row says so, just after the triage result is written
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; seen = await read()) {
      if (seen.jobs.length === 2 && seen.jobs.every((j) => j.status === 'done')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(seen.jobs.map((j) => j.status)).toEqual(['done', 'done']);
    expect(seen.rows.find((r) => r.id === sent.sms)?.triage?.intent).toBe('refill_request');
    expect(seen.rows.find((r) => r.id === sent.email)?.triage?.intent).toBe('billing');
  }, 90_000);
});

describe('the edge bundle', () => {
  it('builds with wrangler, small, without the Node-only parts', async () => {
    const outdir = mkdtempSync(join(tmpdir(), 'sb-edge-build-'));
    try {
      const result = await buildEdge({ outdir, quiet: true });
      expect(result.problems).toEqual([]);
      expect(result.inputs).toContain('src/edge.ts');
      expect(result.inputs).toContain('src/intake/sms/twilio-sms-routes.ts');
      expect(result.gzipBytes).toBeLessThanOrEqual(edgeBudgetGzipBytes);
      expect(result.gzipBytes).toBeGreaterThan(0);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }, 120_000);
});
