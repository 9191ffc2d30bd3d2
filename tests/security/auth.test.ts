import { generateKeyPairSync, sign } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { messages, practices, sendgridEvents } from '../../src/platform/db/schema';
import { SENDGRID_SIGNATURE_HEADER, SENDGRID_TIMESTAMP_HEADER } from '../../channels/email/events';
import { isPrivateAddress } from '../../channels/portal/address-guard';
import { createLoginThrottle, loginLimits } from '../../src/access/login-throttle';
import { queueOutbound } from '../../src/outreach/outbound';
import { startHarness, type Harness } from '../helpers/harness';
import { makePractice, tokenFor, userWithPassword } from '../helpers/fixtures';
import { freePort } from '../helpers/own-services';

// issue 12, points 8 (sign-in throttling) and 9 (Origin: null, SendGrid replay window, portal webhook targets)
const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const eventKey = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ env: { TRUSTED_PROXY_HOPS: '1', SENDGRID_EVENT_PUBLIC_KEY: eventKey } });
  await makePractice(h.runtime.deps.db, 'auth-alpha');
});
afterAll(() => h.close());

function signIn(email: string, password: string, headers: Record<string, string> = {}) {
  return h.app.request('/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.7', ...headers },
    body: JSON.stringify({ email, password }),
  });
}

describe('sign-in throttling (point 8)', () => {
  it('slows guessing from one address for one email, for a minute at most, without locking the right password out elsewhere', async () => {
    const user = await userWithPassword(h.runtime.deps.db, 'manager', ['auth-alpha']);
    const from = { 'x-forwarded-for': '198.51.100.20' };
    for (let i = 0; i < loginLimits.perAddressAndEmail.points; i++) expect((await signIn(user.email, 'wrong password', from)).status).toBe(401);
    const throttled = await signIn(user.email, user.password, from);
    expect(throttled.status).toBe(429);
    const wait = Number(throttled.headers.get('retry-after'));
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(60);
    expect(((await throttled.json()) as { error: { code: string } }).error.code).toBe('rate_limited');
    // the person themself, at their own address, signs in at once
    expect((await signIn(user.email, user.password, { 'x-forwarded-for': '198.51.100.21' })).status).toBe(200);
    // the form answers with the page's message, not a 15-minute lock
    const form = await h.app.request('/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...from },
      body: new URLSearchParams({ email: user.email, password: user.password }).toString(),
    });
    expect(form.headers.get('location')).toBe('/login?error=locked');
  });

  it('a success clears the count for that address and email', async () => {
    const user = await userWithPassword(h.runtime.deps.db, 'manager', ['auth-alpha']);
    const from = { 'x-forwarded-for': '198.51.100.30' };
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < loginLimits.perAddressAndEmail.points - 1; i++) expect((await signIn(user.email, 'nope nope', from)).status).toBe(401);
      expect((await signIn(user.email, user.password, from)).status).toBe(200);
    }
  });

  it('limits one address trying many accounts', async () => {
    const from = { 'x-forwarded-for': '198.51.100.40' };
    for (let i = 0; i < loginLimits.perAddress.points; i++) {
      const res = await signIn(`nobody-${i % 40}@example.com`, 'guess', from);
      expect(res.status).toBe(401);
    }
    const user = await userWithPassword(h.runtime.deps.db, 'manager', ['auth-alpha']);
    expect((await signIn(user.email, user.password, from)).status).toBe(429);
    expect((await signIn(user.email, user.password, { 'x-forwarded-for': '198.51.100.41' })).status).toBe(200);
  });

  it('uses the address our proxy saw, not one the caller wrote in front of it', async () => {
    const user = await userWithPassword(h.runtime.deps.db, 'manager', ['auth-alpha']);
    for (let i = 0; i < loginLimits.perAddressAndEmail.points; i++) {
      expect((await signIn(user.email, 'wrong', { 'x-forwarded-for': `10.0.0.${i}, 198.51.100.50` })).status).toBe(401);
    }
    expect((await signIn(user.email, user.password, { 'x-forwarded-for': '10.9.9.9, 198.51.100.50' })).status).toBe(429);
  });

  it.skipIf(!inject('redisUrl'))('counts in Redis, so every HTTP process sees the same failures; memory answers while Redis is away', async () => {
    const prefix = `sbt-${inject('runId')}-${randomBytes(4).toString('hex')}`;
    const r1 = new Redis(inject('redisUrl')!, { enableOfflineQueue: false });
    const r2 = new Redis(inject('redisUrl')!, { enableOfflineQueue: false });
    await Promise.all([r1, r2].map((r) => new Promise((ok) => r.once('ready', ok))));
    const one = createLoginThrottle({ redis: r1, prefix });
    const two = createLoginThrottle({ redis: r2, prefix });
    for (let i = 0; i < loginLimits.perAddressAndEmail.points; i++) await (i % 2 ? one : two).failed('192.0.2.1', 'a@example.com');
    expect(await one.check('192.0.2.1', 'a@example.com')).toBeGreaterThan(0);
    expect(await two.check('192.0.2.1', 'a@example.com')).toBeGreaterThan(0);
    expect(await two.check('192.0.2.2', 'a@example.com')).toBeNull();
    r1.disconnect();
    r2.disconnect();

    const away = new Redis({ port: await freePort(), enableOfflineQueue: false, lazyConnect: true, retryStrategy: () => null });
    away.on('error', () => {});
    const insured = createLoginThrottle({ redis: away, prefix });
    const started = Date.now();
    for (let i = 0; i < loginLimits.perAddressAndEmail.points; i++) await insured.failed('192.0.2.3', 'b@example.com');
    expect(await insured.check('192.0.2.3', 'b@example.com')).toBeGreaterThan(0);
    expect(Date.now() - started).toBeLessThan(2000);
    away.disconnect();
  });
});

describe('origins, replays and webhook targets (point 9)', () => {
  it('/login refuses Origin: null and cross-site posts, and takes its own origin', async () => {
    const user = await userWithPassword(h.runtime.deps.db, 'manager', ['auth-alpha']);
    expect((await signIn(user.email, user.password, { origin: 'null', 'x-forwarded-for': '198.51.100.60' })).status).toBe(403);
    expect((await signIn(user.email, user.password, { 'sec-fetch-site': 'cross-site', 'x-forwarded-for': '198.51.100.60' })).status).toBe(403);
    expect((await signIn(user.email, user.password, { origin: 'https://switchboard.example.test', 'x-forwarded-for': '198.51.100.60' })).status).toBe(200);
  });

  it('a SendGrid event post signed a year ago is refused and applies nothing; one signed now is applied', async () => {
    const payload = JSON.stringify([{ email: 'x@example.com', timestamp: 1772463600, event: 'delivered', sg_event_id: 'ev-replay-1', sg_message_id: 'nope.filter' }]);
    const post = (ts: number) =>
      h.app.request('/webhooks/sendgrid/events', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [SENDGRID_SIGNATURE_HEADER]: sign('sha256', Buffer.from(String(ts) + payload), privateKey).toString('base64'),
          [SENDGRID_TIMESTAMP_HEADER]: String(ts),
        },
        body: payload,
      });
    const now = Math.floor(h.clock.now().getTime() / 1000);
    expect((await post(now - 365 * 86_400)).status).toBe(403);
    expect((await post(now + 3600)).status).toBe(403);
    expect(await h.runtime.deps.db.select().from(sendgridEvents).where(eq(sendgridEvents.sgEventId, 'ev-replay-1'))).toHaveLength(0);
    expect((await post(now - 60)).status).toBe(200);
  });

  it('knows private, loopback, link-local and mapped addresses from public ones', () => {
    for (const a of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '::', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '64:ff9b::a00:1', 'not-an-ip']) {
      expect(isPrivateAddress(a), a).toBe(true);
    }
    for (const a of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8']) expect(isPrivateAddress(a), a).toBe(false);
  });
});

describe('the portal reply webhook (point 9)', () => {
  let server: Server;
  let port: number;
  const received: string[] = [];
  beforeAll(async () => {
    port = await freePort();
    server = createServer((req, res) => {
      received.push(req.url ?? '');
      req.resume();
      res.end('ok');
    });
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  async function replyThrough(harness: Harness, url: string) {
    const db = harness.runtime.deps.db;
    const practice = await makePractice(db, `hook-${randomBytes(3).toString('hex')}`);
    await db.update(practices).set({ portalWebhookUrl: url, portalWebhookSecret: 'whsec-0123456789abcdef' }).where(eq(practices.id, practice.id));
    const token = await tokenFor(db, 'portal', practice.id);
    const res = await harness.request('POST', '/api/v1/portal/messages', {
      token,
      body: { messageId: `pm-${randomBytes(4).toString('hex')}`, patient: { portalId: 'pt-9', firstName: 'A', lastName: 'B', dateOfBirth: '1980-01-01' }, body: 'hello' },
    });
    const { conversationId } = (await res.json()) as { conversationId: string };
    const r = await queueOutbound(db, { practiceId: practice.id, conversationId, channel: 'portal', body: 'Reply', purpose: 'reply', authorType: 'user', now: harness.clock.now() });
    harness.runtime.deps.relay.nudge();
    await harness.drain();
    const [m] = await db.select().from(messages).where(eq(messages.id, r.messageId));
    return m!;
  }

  it('posts nothing to loopback or private targets unless allowed, and nothing at all in simulate mode', async () => {
    const live = await startHarness({ env: { SEND_MODE: 'live' } });
    try {
      for (const url of [`http://127.0.0.1:${port}/hook`, `http://localhost:${port}/hook`, `http://[::1]:${port}/hook`, 'http://169.254.169.254/latest/meta-data/', `http://10.255.255.1:${port}/x`]) {
        const m = await replyThrough(live, url);
        expect(m, url).toMatchObject({ status: 'failed', errorCode: 'portal_private_address' });
      }
      expect(received).toEqual([]);
    } finally {
      await live.close();
    }

    const simulated = await startHarness({ env: { SEND_MODE: 'simulate', PORTAL_WEBHOOK_ALLOW_PRIVATE: 'true' } });
    try {
      const m = await replyThrough(simulated, `http://127.0.0.1:${port}/simulated`);
      expect(m.status).toBe('simulated');
      expect(received).toEqual([]);
    } finally {
      await simulated.close();
    }

    const allowed = await startHarness({ env: { SEND_MODE: 'live', PORTAL_WEBHOOK_ALLOW_PRIVATE: 'true' } });
    try {
      const m = await replyThrough(allowed, `http://127.0.0.1:${port}/allowed`);
      expect(m.status).toBe('delivered');
      expect(received).toEqual(['/allowed']);
    } finally {
      await allowed.close();
    }
  });
});
