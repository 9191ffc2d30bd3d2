import { describe, expect, it } from 'vitest';
import edge, { type EdgeBindings } from '../../src/edge';
import { createEdgeLogger } from '../../src/platform/edge-logger';

/*
 * The edge entry's own decisions, run on Node: configuration it cannot serve without, and no
 * local fallback for secrets. None of these requests reaches the database (postgres.js
 * connects on a first query), so the Hyperdrive string points nowhere.
 */

const ctx = { waitUntil: () => {} };
const hyperdrive = { connectionString: 'postgres://edge:unused@127.0.0.1:1/none' };
const base: EdgeBindings = { PUBLIC_BASE_URL: 'https://edge.example.test', HYPERDRIVE: hyperdrive, LOG_LEVEL: 'silent' };

async function call(bindings: EdgeBindings, path: string, init?: RequestInit) {
  const res = await edge.fetch(new Request(`https://edge.example.test${path}`, init), bindings, ctx);
  const text = await res.text();
  return { status: res.status, body: text.startsWith('{') ? (JSON.parse(text) as { error?: { code: string; message: string } }) : text };
}

describe('the edge entry', () => {
  it('refuses every Twilio webhook with 403 when TWILIO_AUTH_TOKEN is not set, saying so', async () => {
    for (const path of ['/webhooks/twilio/sms', '/webhooks/twilio/voice', '/webhooks/twilio/sms/status']) {
      const res = await call({ ...base }, path, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'anything' },
        body: 'From=%2B14155550123&To=%2B14155551001&Body=hi',
      });
      expect(res.status, path).toBe(403);
      expect(res.body).toMatchObject({ error: { code: 'invalid_signature', message: expect.stringContaining('TWILIO_AUTH_TOKEN is not set') } });
    }
  });

  it('refuses inbound email without the SendGrid pair, with no local pair made for it', async () => {
    const res = await call({ ...base }, '/webhooks/sendgrid/inbound', {
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data; boundary=x', authorization: `Basic ${btoa('sendgrid:guess')}` },
      body: '--x--',
    });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: { code: 'unauthorized', message: expect.stringContaining('SENDGRID_INBOUND_USER and SENDGRID_INBOUND_PASSWORD are not set') } });
  });

  it('answers 503 naming what to set when it cannot serve, and still answers /healthz', async () => {
    const cases: [EdgeBindings, RegExp][] = [
      [{ HYPERDRIVE: hyperdrive }, /PUBLIC_BASE_URL is not set/],
      [{ PUBLIC_BASE_URL: 'https://edge.example.test' }, /HYPERDRIVE binding is missing/],
      [{ ...base, PUBLIC_BASE_URL: 'not a url' }, /Invalid environment: PUBLIC_BASE_URL/],
    ];
    for (const [bindings, message] of cases) {
      const res = await call(bindings, '/api/v1/conversations');
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ error: { code: 'unavailable', message: expect.stringMatching(message) } });
      expect((await call(bindings, '/healthz')).status).toBe(200);
    }
  });

  it('answers 501 not_implemented for the console and the API reference page', async () => {
    for (const path of ['/', '/login', '/console/app.js', '/api/docs', '/api/docs/swagger-ui.css']) {
      const res = await call(base, path);
      expect(res.status, path).toBe(501);
      expect(res.body).toMatchObject({ error: { code: 'not_implemented' } });
    }
  });
});

describe('the edge logger', () => {
  it('writes pino-shaped JSON lines through the same field whitelist as the Node logger', () => {
    const lines: string[] = [];
    const log = createEdgeLogger({ level: 'info', write: (l) => lines.push(l) });
    log.debug({ requestId: 'r0' }, 'below the level');
    log.info({ requestId: 'r1', phone: '+14155550123', patient: { firstName: 'Ana' } }, 'sms received');
    log.child({ runtime: 'edge' }).warn({ err: new Error('duplicate key for +1 415 555 0123') }, 'failed');
    expect(lines).toHaveLength(2);
    const [first, second] = lines.map((l) => JSON.parse(l));
    // fields outside the whitelist are dropped, named under `dropped` so a missing one is easy to add
    expect(first).toMatchObject({ level: 30, service: 'switchboard', requestId: 'r1', msg: 'sms received' });
    expect(first).not.toHaveProperty('phone');
    expect(first).not.toHaveProperty('patient');
    // an error keeps its class, never its message (a driver's message can quote the query's values)
    expect(second).toMatchObject({ level: 40, msg: 'failed', err: { type: 'Error' } });
    expect(second.err).not.toHaveProperty('message');
    expect(lines.join('\n')).not.toMatch(/4155550123|415 555 0123|Ana/);
  });
});
