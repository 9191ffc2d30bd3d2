import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count } from 'drizzle-orm';
import { auditEvents, practices } from '../../src/platform/db/schema';
import { startHarness, type Harness } from '../helpers/harness';
import { makePractice, tokenFor } from '../helpers/fixtures';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

const errorOf = async (res: Response) => (await res.json()) as { error: { code: string; message: string; requestId: string } };

describe('HTTP basics', () => {
  it('answers /healthz and /readyz with database and queue checks', async () => {
    expect((await h.request('GET', '/healthz', { token: null })).status).toBe(200);
    const ready = await h.request('GET', '/readyz', { token: null });
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { database: 'ok', queue: 'ok' } });
  });

  it('gives every response a request id and secure headers', async () => {
    const res = await h.request('GET', '/healthz', { token: null });
    expect(res.headers.get('x-request-id')).toMatch(/.{8,}/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('strict-transport-security')).toContain('max-age');
  });

  it('404s unknown routes with the error body', async () => {
    const res = await h.request('GET', '/api/v1/nothing-here');
    expect(res.status).toBe(404);
    const body = await errorOf(res);
    expect(body.error.code).toBe('not_found');
    expect(body.error.requestId).toBe(res.headers.get('x-request-id'));
  });

  it('400s malformed JSON and writes nothing', async () => {
    const before = await h.runtime.deps.db.select({ n: count() }).from(practices);
    const res = await h.request('POST', '/api/v1/practices', { body: '{"name": "x",', headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).error.code).toBe('invalid_json');
    expect(await h.runtime.deps.db.select({ n: count() }).from(practices)).toEqual(before);
  });

  it('400s an invalid body naming the field', async () => {
    const res = await h.request('POST', '/api/v1/practices', {
      body: { name: 'X', slug: 'Bad Slug', timeZone: 'Mars/Olympus', hours: { weekly: {}, closedDates: [] } },
    });
    expect(res.status).toBe(400);
    const { error } = await errorOf(res);
    expect(error.code).toBe('validation_failed');
    expect(error.message).toContain('slug');
    expect(error.message).toContain('timeZone');
  });

  it('413s a body over the route limit and writes nothing', async () => {
    const before = await h.runtime.deps.db.select({ n: count() }).from(practices);
    const res = await h.request('POST', '/api/v1/practices', {
      body: JSON.stringify({ name: 'x'.repeat(300 * 1024) }),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(413);
    expect((await errorOf(res)).error.code).toBe('payload_too_large');
    expect(await h.runtime.deps.db.select({ n: count() }).from(practices)).toEqual(before);
  });

  it('401s a missing or wrong token, 403s a token without the right', async () => {
    expect((await h.request('GET', '/api/v1/practices', { token: null })).status).toBe(401);
    const wrong = await h.request('GET', '/api/v1/practices', { token: 'not-a-real-token-aaaaaaaaaaaaaaaaaaaaaaaa' });
    expect(wrong.status).toBe(401);
    expect((await errorOf(wrong)).error.code).toBe('unauthorized');
    const p = await makePractice(h.runtime.deps.db);
    const manager = await tokenFor(h.runtime.deps.db, 'manager', p.id);
    const audits = await h.runtime.deps.db.select({ n: count() }).from(auditEvents);
    const res = await h.request('POST', '/api/v1/practices', {
      token: manager,
      body: { name: 'Y', slug: 'y-practice', timeZone: 'America/Chicago', hours: { weekly: {}, closedDates: [] } },
    });
    expect(res.status).toBe(403);
    expect((await errorOf(res)).error.code).toBe('forbidden');
    expect(await h.runtime.deps.db.select({ n: count() }).from(auditEvents)).toEqual(audits);
    const portal = await tokenFor(h.runtime.deps.db, 'portal', p.id);
    expect((await h.request('GET', '/api/v1/conversations', { token: portal })).status).toBe(403);
  });

  it('serves the OpenAPI document with absolute paths, and the reference page without a CDN', async () => {
    const res = await h.request('GET', '/api/v1/openapi.json', { token: null });
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { paths: Record<string, unknown>; components: { schemas: Record<string, unknown> } };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/practices', '/api/v1/conversations', '/api/v1/conversations/{id}']));
    expect(doc.components.schemas).toHaveProperty('Practice');
    const page = await (await h.request('GET', '/api/docs', { token: null })).text();
    const srcs = [...page.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(srcs.length).toBeGreaterThan(0);
    for (const src of srcs) {
      expect(src.startsWith('/')).toBe(true);
      expect((await h.request('GET', src, { token: null })).status).toBe(200);
    }
  });
});

describe('practices', () => {
  it('admins create and change practices; numbers and addresses are unique across practices', async () => {
    const created = await h.request('POST', '/api/v1/practices', {
      body: {
        name: 'Oak Clinic',
        slug: 'oak-clinic',
        timeZone: 'America/Chicago',
        hours: { weekly: { mon: [{ open: '09:00', close: '17:00' }] }, closedDates: ['2026-12-25'] },
        phoneNumbers: ['(312) 555-0100'],
        emailAddresses: ['Inbox@Oak.example.com'],
        onCall: { phone: '+13125550199' },
        portalWebhook: { url: 'https://portal.oak.example.com/hook', secret: 'a-very-long-secret-value' },
      },
    });
    expect(created.status).toBe(201);
    const practice = (await created.json()) as Record<string, unknown>;
    expect(practice).toMatchObject({
      slug: 'oak-clinic',
      timeZone: 'America/Chicago',
      phoneNumbers: ['+13125550100'],
      emailAddresses: ['inbox@oak.example.com'],
      onCall: { phone: '+13125550199', email: null },
      portalWebhook: { url: 'https://portal.oak.example.com/hook', secretSet: true },
    });
    expect(JSON.stringify(practice)).not.toContain('a-very-long-secret-value');

    const patched = await h.request('PATCH', '/api/v1/practices/oak-clinic', {
      body: { hours: { weekly: { tue: [{ open: '08:00', close: '12:00' }] }, closedDates: [] }, phoneNumbers: ['+13125550101'] },
    });
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({ phoneNumbers: ['+13125550101'], hours: { weekly: { tue: [{ open: '08:00', close: '12:00' }] } } });

    const clash = await h.request('POST', '/api/v1/practices', {
      body: { name: 'Dup', slug: 'dup-clinic', timeZone: 'America/Chicago', hours: { weekly: {}, closedDates: [] }, phoneNumbers: ['+13125550101'] },
    });
    expect(clash.status).toBe(409);
  });
});
