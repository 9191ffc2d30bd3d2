import { generateKeyPairSync, sign } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import twilio from 'twilio';
import { sql } from 'drizzle-orm';
import { rowsOf } from '../../src/platform/jobs/outbox';
import { recordRefillRequest } from '../../src/inbox/refills/refills';
import { listTemplates } from '../../templates/index';
import { SENDGRID_SIGNATURE_HEADER, SENDGRID_TIMESTAMP_HEADER } from '../../channels/email/events';
import { twilioWebhookToken } from '../../src/access/webhook-secrets';
import { startHarness, type Harness } from '../helpers/harness';
import { makeConversation, makePractice, tokenFor, userWithPassword } from '../helpers/fixtures';
import { basicAuth, inboundEnv } from '../helpers/email';
import { CONTENT_TYPE, multipartBody, type FieldSpec } from '../fixtures/email/multipart';
import { arbitraryFor, hostileStrings, hostileValue, type JsonSchema } from '../helpers/openapi-arbitrary';
import type { PracticeView } from '../../src/practices/practices';

/**
 * Suite 14 of issue 12: property-based fuzzing (fast-check, fixed seeds) of every JSON body,
 * query and path parameter of the OpenAPI document, and of every webhook form, plus raw
 * bodies (invalid UTF-8, NULs, deep nesting, oversize) on every route that takes a body.
 * For every request: never a 5xx, an answer within 5 s, every error `{error:{code,message,
 * requestId}}`, and a rejected (4xx) request stores nothing (no row counted or changed, no
 * audit row). Jobs do not run here (no worker), so nothing else writes meanwhile.
 */
const SEED = 1214;
/** runs per API route and per webhook: sized so the suite takes about a minute on 2 cores */
const API_RUNS = 16;
const WEBHOOK_RUNS = 30;
const DEADLINE_MS = 5000;

const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const PUBLIC = 'https://switchboard.example.test';

let h: Harness;
let a: PracticeView;
let adminToken: string;
let portalToken: string;
let doc: { paths: Record<string, Record<string, OpenApiOperation>> };
const pools: Record<string, string[]> = {};
const failures: string[] = [];
let requests = 0;
/** answers by kind of request and status class: the fuzz must reach past validation, not only bounce off it */
const statuses: Record<string, number> = {};

interface OpenApiOperation {
  parameters?: { name: string; in: 'path' | 'query'; required?: boolean; schema?: JsonSchema }[];
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
  security?: Record<string, string[]>[];
}

beforeAll(async () => {
  h = await startHarness({ runWorkers: false, env: { ...inboundEnv, SENDGRID_EVENT_PUBLIC_KEY: publicKey.export({ type: 'spki', format: 'der' }).toString('base64') } });
  const db = h.runtime.deps.db;
  a = await makePractice(db, 'fuzz-a');
  const b = await makePractice(db, 'fuzz-b');
  adminToken = h.adminToken;
  portalToken = await tokenFor(db, 'portal', a.id);
  const convs = [await makeConversation(db, a.id, { queue: 'refills', body: 'refill please' }), await makeConversation(db, a.id, { queue: 'billing' }), await makeConversation(db, b.id)];
  const refill = await recordRefillRequest(db, { messageId: convs[0]!.message.id, now: h.clock.now() });
  const user = await userWithPassword(db, 'assistant', ['fuzz-a']);
  const appt = await h.request('POST', '/api/v1/appointments', {
    body: { practiceId: a.id, externalId: 'fz-1', startsAt: '2026-02-03T15:00:00Z', durationMinutes: 20, patient: { firstName: 'Fu', lastName: 'Zz', phone: '+14155550177' } },
  });
  const apptId = ((await appt.json()) as { id: string }).id;
  const queueIds = a.queues.map((q) => q.id);
  Object.assign(pools, {
    practiceId: [a.id, b.id],
    patientId: convs.map((c) => c.patient.id),
    intoId: convs.map((c) => c.patient.id),
    conversationId: convs.map((c) => c.conversation.id),
    assigneeId: [user.id],
    queueIds,
    id: [a.id, ...convs.flatMap((c) => [c.conversation.id, c.message.id, c.patient.id]), refill!.id, user.id, apptId, ...queueIds],
    purpose: [...new Set(listTemplates().map((t) => t.purpose))],
    language: ['en', 'es'],
    channel: ['sms', 'email', 'voice', 'portal'],
    queue: ['refills', 'billing'],
  });
  doc = (await (await h.app.request('/api/v1/openapi.json')).json()) as typeof doc;
});
afterAll(async () => {
  await h.close();
});

/** What a rejected request must leave as it was: row counts and the latest change of each table that has one. */
async function fingerprint(): Promise<string> {
  const counted = ['practices', 'practice_addresses', 'users', 'practice_grants', 'queues', 'queue_grants', 'api_tokens', 'patients', 'contact_points', 'consent_events', 'conversations', 'messages', 'message_attachments', 'calls', 'recordings', 'routing_rule_sets', 'templates', 'refill_requests', 'appointments', 'reminders', 'waitlist_entries', 'sendgrid_events', 'patient_merges', 'audit_events', 'outbox'];
  const changed = ['practices', 'users', 'patients', 'conversations', 'appointments', 'refill_requests', 'queues'];
  const parts = [...counted.map((t) => `(select count(*) from ${t})`), ...changed.map((t) => `(select max(updated_at) from ${t})`), '(select max(revoked_at) from api_tokens)', '(select count(*) from messages where status <> \'received\')'];
  const rows = rowsOf<Record<string, unknown>>(await h.runtime.deps.db.execute(sql.raw(`select ${parts.map((p, i) => `${p} as c${i}`).join(', ')}`)));
  return JSON.stringify(rows[0]);
}

interface Sent {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
}

/** Sends one request and checks what every answer must be; failures are collected with the request. */
async function check(label: string, req: Sent): Promise<void> {
  requests++;
  const before = await fingerprint();
  let timer: NodeJS.Timeout | undefined;
  const started = performance.now();
  const res = await Promise.race([
    h.app.request(req.path, { method: req.method, headers: req.headers, body: req.body }),
    new Promise<'hang'>((r) => {
      timer = setTimeout(() => r('hang'), DEADLINE_MS);
    }),
  ]).finally(() => clearTimeout(timer));
  const show = `${label}: ${req.method} ${req.path.slice(0, 200)} ${typeof req.body === 'string' ? req.body.slice(0, 300) : req.body ? `<${req.body.byteLength} bytes>` : ''}`;
  if (res === 'hang') {
    failures.push(`${show} -> no answer in ${DEADLINE_MS} ms`);
    return;
  }
  // a live event stream (GET /api/v1/events) never ends: its headers are the answer
  const stream = res.headers.get('content-type')?.startsWith('text/event-stream') ?? false;
  if (stream) await res.body?.cancel();
  const text = stream ? '' : await res.text();
  const klass = `${label.split(' ')[0]} ${Math.floor(res.status / 100)}xx`;
  if (process.env.FUZZ_DEBUG && res.status >= 400) process.stdout.write(`DBG ${label} ${req.path.slice(0, 40)} ${res.status} ${text.slice(0, 100)}\n`);
  statuses[klass] = (statuses[klass] ?? 0) + 1;
  const requestId = res.headers.get('x-request-id');
  if (res.status >= 500) failures.push(`${show} -> ${res.status} ${text.slice(0, 200)}`);
  if (res.status >= 400) {
    let body: { error?: { code?: unknown; message?: unknown; requestId?: unknown } } | null = null;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON
    }
    if (!body || typeof body.error?.code !== 'string' || typeof body.error.message !== 'string' || body.error.requestId !== requestId) {
      failures.push(`${show} -> ${res.status} error body is not {error:{code,message,requestId}}: ${text.slice(0, 120)}`);
    }
    const after = await fingerprint();
    if (after !== before) failures.push(`${show} -> ${res.status} but something was stored (${res.status} ${text.slice(0, 120)})`);
  }
  if (performance.now() - started > DEADLINE_MS) failures.push(`${show} -> took ${Math.round(performance.now() - started)} ms`);
}

function operations() {
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops)
      .filter(([m]) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
      .map(([m, op]) => ({ method: m.toUpperCase(), path, op })),
  );
}

const tokenFor_ = (path: string) => (path.startsWith('/api/v1/portal/') ? portalToken : adminToken);

/** encodeURIComponent, but a lone surrogate (which it refuses) goes out as its WTF-8 bytes: invalid UTF-8 in the URL, a fair hostile case */
function encodeAny(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return [...value]
      .map((ch) => {
        const unit = ch.charCodeAt(0);
        if (ch.length === 1 && unit >= 0xd800 && unit <= 0xdfff) return [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
        return encodeURIComponent(ch);
      })
      .join('');
  }
}

function fillPath(path: string, params: Record<string, unknown>): string {
  return path.replace(/\{(\w+)\}/g, (_, n: string) => encodeAny(String(params[n] ?? '')));
}

/** A path parameter: a real id (or value) mostly, else anything at all, percent-encoded. */
const pathValue = (name: string) =>
  fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...(pools[name] ?? pools.id!)) }, { weight: 1, arbitrary: fc.constantFrom(...hostileStrings) }, { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) });
/** A query value: of the declared shape mostly, else hostile; raw strings put in the URL as they are or encoded. */
const queryValue = (schema: JsonSchema | undefined, name: string) =>
  arbitraryFor(doc, schema, pools, 0, name).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));

describe('fuzzing', () => {
  beforeEach(() => {
    failures.length = 0;
  });

  it('every webhook form: Twilio (signed), SendGrid inbound (basic auth) and events (signed)', async () => {
    const token = twilioWebhookToken(h.env);
    const number = a.phoneNumbers[0]!;
    const twilioValue = fc.oneof(
      { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
      { weight: 2, arbitrary: fc.constantFrom(...hostileStrings) },
      { weight: 1, arbitrary: fc.constantFrom('completed', 'busy', 'no-answer', 'failed', 'delivered', 'undelivered', '1', '2', '9', '#', '0', '-1', '99999999999') },
    );
    const sid = (prefix: string) =>
      fc.oneof({ weight: 5, arbitrary: fc.stringMatching(/^[0-9a-f]{32}$/).map((s) => `${prefix}${s}`) }, { weight: 1, arbitrary: fc.constantFrom(...hostileStrings) });
    const phone = fc.oneof({ weight: 4, arbitrary: fc.constantFrom('+14155550100', '+15005550006', 'client:anonymous', '+266696687', '+442071838750') }, { weight: 1, arbitrary: fc.constantFrom(...hostileStrings) });
    const paths = [
      '/webhooks/twilio/sms',
      '/webhooks/twilio/sms/status',
      '/webhooks/twilio/voice',
      '/webhooks/twilio/voice/menu',
      '/webhooks/twilio/voice/recording',
      '/webhooks/twilio/voice/transcription',
      '/webhooks/twilio/voice/status',
      '/webhooks/twilio/voice/reminder',
      '/webhooks/twilio/voice/reminder/answer',
      '/webhooks/twilio/voice/reminder/status',
    ];
    const twilioParams = fc.record(
      {
        From: phone,
        To: fc.oneof({ weight: 6, arbitrary: fc.constant(number) }, { weight: 1, arbitrary: phone }),
        Body: twilioValue,
        MessageSid: sid('SM'),
        SmsSid: sid('SM'),
        CallSid: sid('CA'),
        AccountSid: fc.constant('AC00000000000000000000000000000000'),
        NumMedia: fc.constantFrom('0', '1', '2', '10', '-1', 'x', '1e9'),
        MediaUrl0: fc.constantFrom('https://api.twilio.com/2010-04-01/Accounts/AC0/Messages/MM0/Media/ME0', 'http://127.0.0.1/x', 'javascript:alert(1)', ''),
        MediaContentType0: fc.constantFrom('image/jpeg', 'text/html', '', '\u0000'),
        MessageStatus: fc.oneof({ weight: 4, arbitrary: fc.constantFrom('queued', 'sent', 'delivered', 'undelivered', 'failed', 'received') }, { weight: 1, arbitrary: twilioValue }),
        CallStatus: fc.oneof({ weight: 4, arbitrary: fc.constantFrom('ringing', 'in-progress', 'completed', 'busy', 'no-answer', 'failed', 'canceled') }, { weight: 1, arbitrary: twilioValue }),
        Digits: twilioValue,
        SpeechResult: twilioValue,
        RecordingSid: sid('RE'),
        RecordingUrl: fc.constantFrom('https://api.twilio.com/2010-04-01/Accounts/AC0/Recordings/RE0', 'http://169.254.169.254/', ''),
        RecordingDuration: fc.constantFrom('0', '12', '-5', '1e10', 'abc'),
        TranscriptionText: twilioValue,
        TranscriptionStatus: fc.oneof({ weight: 4, arbitrary: fc.constantFrom('completed', 'failed') }, { weight: 1, arbitrary: twilioValue }),
        ErrorCode: fc.constantFrom('30003', '', 'x'),
        CallDuration: fc.constantFrom('0', '61', '-1', 'x'),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...paths), twilioParams, fc.dictionary(fc.string({ maxLength: 8 }), twilioValue, { maxKeys: 2 }), fc.option(fc.constantFrom('reminderId=00000000-0000-4000-8000-000000000000', 'reminderId=%00', 'lang=es', 'x=1'), { nil: undefined, freq: 4 }), async (path, params, extra, query) => {
        const all = { ...extra, ...params } as Record<string, string>;
        const pathAndQuery = query ? `${path}?${query}` : path;
        const signature = twilio.getExpectedTwilioSignature(token, `${PUBLIC}${pathAndQuery}`, all);
        await check('twilio', {
          method: 'POST',
          path: pathAndQuery,
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
          body: new URLSearchParams(all).toString(),
        });
      }),
      { seed: SEED, numRuns: WEBHOOK_RUNS * 3 },
    );

    const emailField = fc.oneof({ weight: 3, arbitrary: fc.string({ maxLength: 80 }) }, { weight: 2, arbitrary: fc.constantFrom(...hostileStrings) });
    const inbox = a.emailAddresses[0]!;
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          to: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(inbox, `Front Desk <${inbox}>`, `${inbox}, other@example.com`) }, { weight: 1, arbitrary: emailField }),
          from: fc.oneof(fc.constantFrom('Dana <dana@example.com>', 'x@y', '<>', '"\u0000" <a@b.c>'), emailField),
          subject: emailField,
          text: emailField,
          html: fc.oneof(fc.constant(undefined), emailField.map((t) => `<p>${t}</p>`)),
          headers: fc.oneof(fc.constant('Message-ID: <m1@example.com>\r\nIn-Reply-To: <x@y>\r\n'), emailField),
          envelope: fc.oneof(fc.constant(JSON.stringify({ to: [inbox], from: 'dana@example.com' })), emailField, hostileValue.map((v) => JSON.stringify(v))),
          charsets: fc.oneof(fc.constant('{"text":"UTF-8","subject":"iso-8859-1"}'), fc.constant('{"text":"x-unknown"}'), emailField),
          attachments: fc.constantFrom('0', '1', '2', '-1', 'many'),
          bytes: fc.uint8Array({ maxLength: 64 }),
        }),
        async (e) => {
          const fields: FieldSpec[] = [
            { name: 'headers', value: e.headers },
            { name: 'to', value: e.to },
            { name: 'from', value: e.from },
            { name: 'subject', value: e.subject },
            { name: 'text', value: e.text },
            { name: 'envelope', value: e.envelope },
            { name: 'charsets', value: e.charsets },
            { name: 'attachments', value: e.attachments },
            { name: 'attachment1', value: e.bytes, filename: 'a\u0000b.pdf', contentType: 'application/pdf' },
          ];
          if (e.html !== undefined) fields.push({ name: 'html', value: e.html });
          await check('sendgrid inbound', { method: 'POST', path: '/webhooks/sendgrid/inbound', headers: { 'content-type': CONTENT_TYPE, authorization: basicAuth() }, body: new Uint8Array(multipartBody(fields)) });
        },
      ),
      { seed: SEED, numRuns: WEBHOOK_RUNS },
    );

    const event = fc.record(
      {
        email: fc.oneof(fc.emailAddress(), fc.constantFrom(...hostileStrings)),
        event: fc.oneof(fc.constantFrom('delivered', 'bounce', 'dropped', 'open', 'unsubscribe', 'spamreport', 'processed'), fc.constantFrom(...hostileStrings)),
        sg_event_id: fc.oneof(fc.string({ minLength: 1, maxLength: 30 }), fc.constantFrom(...hostileStrings)),
        sg_message_id: fc.oneof(fc.constant('abc.filter'), fc.constantFrom(...hostileStrings)),
        timestamp: fc.oneof(fc.integer({ min: 0, max: 2 ** 33 }), fc.constantFrom(...hostileStrings)),
        reason: fc.constantFrom(...hostileStrings),
        type: fc.constantFrom('bounce', 'blocked', ''),
        outboundId: fc.oneof(fc.uuid(), fc.constantFrom(...hostileStrings)),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.array(event, { maxLength: 4 }), hostileValue), async (events) => {
        const payload = JSON.stringify(events) ?? 'null';
        const ts = String(Math.floor(h.clock.now().getTime() / 1000));
        await check('sendgrid events', {
          method: 'POST',
          path: '/webhooks/sendgrid/events',
          headers: { 'content-type': 'application/json', [SENDGRID_SIGNATURE_HEADER]: sign('sha256', Buffer.from(ts + payload), privateKey).toString('base64'), [SENDGRID_TIMESTAMP_HEADER]: ts },
          body: payload,
        });
      }),
      { seed: SEED, numRuns: WEBHOOK_RUNS },
    );

    await fc.assert(
      fc.asyncProperty(fc.record({ email: fc.oneof(fc.emailAddress(), fc.constantFrom(...hostileStrings)), password: fc.oneof(fc.string(), fc.constantFrom(...hostileStrings)) }), fc.boolean(), async (form, json) => {
        await check('login', {
          method: 'POST',
          path: '/login',
          headers: { 'content-type': json ? 'application/json' : 'application/x-www-form-urlencoded' },
          body: json ? JSON.stringify(form) : new URLSearchParams(form).toString(),
        });
      }),
      { seed: SEED, numRuns: WEBHOOK_RUNS },
    );
    expect(failures).toEqual([]);
  }, 240_000);

  it('every JSON body, query and path parameter of the OpenAPI document', async () => {
    for (const { method, path, op } of operations()) {
      const params = (op.parameters ?? []).filter((p) => p.in === 'path');
      const query = (op.parameters ?? []).filter((p) => p.in === 'query');
      const bodySchema = op.requestBody?.content['application/json']?.schema;
      const arb = fc.record({
        path: fc.record(Object.fromEntries(params.map((p) => [p.name, pathValue(p.name)]))),
        query: fc.record(Object.fromEntries(query.map((q) => [q.name, queryValue(q.schema, q.name)])), { requiredKeys: [] }),
        encode: fc.boolean(),
        body: bodySchema ? arbitraryFor(doc, bodySchema, pools) : fc.constant(undefined),
      });
      await fc.assert(
        fc.asyncProperty(arb, async (r) => {
          const qs = Object.entries(r.query)
            .map(([k, v]) => `${k}=${r.encode ? encodeAny(String(v)) : String(v).replace(/[#&\s]/g, encodeURIComponent)}`)
            .join('&');
          const headers: Record<string, string> = { authorization: `Bearer ${tokenFor_(path)}` };
          if (r.body !== undefined) headers['content-type'] = 'application/json';
          await check('api', { method, path: `${fillPath(path, r.path)}${qs ? `?${qs}` : ''}`, headers, body: r.body === undefined ? undefined : JSON.stringify(r.body) });
        }),
        { seed: SEED, numRuns: API_RUNS },
      );
    }
    expect(failures).toEqual([]);
  }, 240_000);

  it('raw bodies on every route that takes one: invalid UTF-8, NULs, deep nesting, oversize, not JSON', async () => {
    const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
    const bodies: [string, string | Uint8Array, string?][] = [
      ['invalid UTF-8', new Uint8Array([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x28, 0x22, 0x7d])],
      ['overlong UTF-8', new Uint8Array([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xc0, 0xaf, 0x22, 0x7d])],
      ['raw NUL', new Uint8Array([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0x00, 0x22, 0x7d])],
      ['escaped NUL', '{"name":"a\\u0000b","body":"x\\u0000","practiceId":"\\u0000"}'],
      ['lone surrogate', '{"name":"\\ud800","body":"\\udfff"}'],
      ['deep nesting', `{"practiceId":${deep(20_000)}}`],
      ['deep objects', `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`],
      ['oversize', `{"body":"${'x'.repeat(3 * 1024 * 1024)}"}`],
      ['empty', ''],
      ['null', 'null'],
      ['number', '1e999'],
      ['truncated', '{"name":"ab'],
      ['BOM', '\ufeff{"name":"x"}'],
      ['duplicate keys', '{"practiceId":"a","practiceId":{"__proto__":{"admin":true}}}'],
      ['not JSON', 'name=x&body=y', 'application/x-www-form-urlencoded'],
      ['text', 'hello', 'text/plain'],
    ];
    for (const { method, path, op } of operations()) {
      if (!op.requestBody) continue;
      const params = Object.fromEntries((op.parameters ?? []).filter((p) => p.in === 'path').map((p) => [p.name, (pools[p.name] ?? pools.id!)[0]]));
      for (const [label, body, type] of bodies) {
        await check(`raw ${label}`, {
          method,
          path: fillPath(path, params),
          headers: { authorization: `Bearer ${tokenFor_(path)}`, 'content-type': type ?? 'application/json' },
          body,
        });
      }
    }
    // and the webhooks' own raw cases
    for (const [label, body] of bodies) {
      await check(`raw ${label}`, { method: 'POST', path: '/webhooks/sendgrid/inbound', headers: { authorization: basicAuth(), 'content-type': CONTENT_TYPE }, body });
      await check(`raw ${label}`, { method: 'POST', path: '/login', headers: { 'content-type': 'application/json' }, body });
    }
    expect(failures).toEqual([]);
  }, 240_000);

  it('sent as many requests as it says, and many were accepted (the fuzz reached past validation)', () => {
    process.stdout.write(`fuzz: ${requests} requests ${JSON.stringify(statuses)}\n`);
    expect(requests).toBeGreaterThan(1000);
    expect(statuses['api 2xx']).toBeGreaterThan(150);
    expect(statuses['twilio 2xx']).toBeGreaterThan(20);
    expect(statuses['sendgrid 2xx']).toBeGreaterThan(10);
  });
});
