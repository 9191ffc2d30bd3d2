import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { auditEvents } from '../../src/platform/db/schema';
import { startHarness, type Harness } from '../helpers/harness';
import { makeConversation, makePractice, tokenFor, userWithPassword } from '../helpers/fixtures';
import type { PracticeView } from '../../src/practices/practices';

let h: Harness;
let a: PracticeView;
let b: PracticeView;
const convs: Record<string, string> = {};

beforeAll(async () => {
  h = await startHarness();
  const db = h.runtime.deps.db;
  a = await makePractice(db, 'alpha');
  b = await makePractice(db, 'beta');
  const t0 = Date.parse('2026-03-01T12:00:00Z');
  for (let i = 0; i < 7; i++) {
    const c = await makeConversation(db, a.id, { queue: i % 2 === 0 ? 'refills' : 'billing', at: new Date(t0 + i * 60_000), firstName: `A${i}` });
    convs[`a${i}`] = c.conversation.id;
  }
  convs.b0 = (await makeConversation(db, b.id, { queue: 'refills', at: new Date(t0 + 3_600_000), firstName: 'B0' })).conversation.id;
});
afterAll(() => h.close());

async function ids(token: string, query = '') {
  const res = await h.request('GET', `/api/v1/conversations${query}`, { token });
  expect(res.status).toBe(200);
  return (await res.json()) as { data: { id: string; practiceId: string; patient: { firstName: string } }[]; nextCursor: string | null };
}

describe('access', () => {
  it('an admin token without a practice sees every practice', async () => {
    const list = await ids(h.adminToken);
    expect(list.data.map((c) => c.id)).toContain(convs.b0);
    expect(list.data.map((c) => c.id)).toContain(convs.a0);
  });

  it('a practice token sees only its practice, and another practice\'s conversation is not found', async () => {
    const token = await tokenFor(h.runtime.deps.db, 'manager', 'alpha');
    const practices = (await (await h.request('GET', '/api/v1/practices', { token })).json()) as { data: PracticeView[] };
    expect(practices.data.map((p) => p.slug)).toEqual(['alpha']);
    const list = await ids(token);
    expect(list.data.every((c) => c.practiceId === a.id)).toBe(true);
    const other = await h.request('GET', `/api/v1/conversations/${convs.b0}`, { token });
    expect(other.status).toBe(404);
    expect((await h.request('GET', `/api/v1/practices/beta`, { token })).status).toBe(404);
  });

  it('an assistant sees only the queues granted, in the practices granted', async () => {
    const assistant = await userWithPassword(h.runtime.deps.db, 'assistant', ['alpha'], ['refills']);
    const login = await h.app.request('/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: assistant.email, password: assistant.password }),
    });
    expect(login.status).toBe(200);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const res = await h.app.request('/api/v1/conversations', { headers: { cookie } });
    const body = (await res.json()) as { data: { id: string }[] };
    expect(body.data.map((c) => c.id).sort()).toEqual([convs.a0, convs.a2, convs.a4, convs.a6].sort());
    const billing = await h.app.request(`/api/v1/conversations/${convs.a1}`, { headers: { cookie } });
    expect(billing.status).toBe(404);
    const own = await h.app.request(`/api/v1/conversations/${convs.a0}`, { headers: { cookie } });
    expect(own.status).toBe(200);
  });

  it('pages newest activity first by cursor, with no query parameters needed', async () => {
    const token = await tokenFor(h.runtime.deps.db, 'manager', 'alpha');
    const first = await ids(token, '?limit=3');
    expect(first.data.map((c) => c.patient.firstName)).toEqual(['A6', 'A5', 'A4']);
    const second = await ids(token, `?limit=3&cursor=${first.nextCursor}`);
    expect(second.data.map((c) => c.patient.firstName)).toEqual(['A3', 'A2', 'A1']);
    const third = await ids(token, `?limit=3&cursor=${second.nextCursor}`);
    expect(third.data.map((c) => c.patient.firstName)).toEqual(['A0']);
    expect(third.nextCursor).toBeNull();
    const bad = await h.request('GET', '/api/v1/conversations?cursor=garbage', { token });
    expect(bad.status).toBe(400);
  });

  it('shows a conversation with its messages, patient contact points, queue and triage, and audits the read', async () => {
    const token = await tokenFor(h.runtime.deps.db, 'manager', 'alpha');
    const res = await h.request('GET', `/api/v1/conversations/${convs.a0}`, { token });
    expect(res.status).toBe(200);
    const c = (await res.json()) as Record<string, any>;
    expect(c).toMatchObject({
      id: convs.a0,
      practiceId: a.id,
      status: 'open',
      queue: { key: 'refills' },
      assigneeId: null,
      needsHuman: false,
      patient: { firstName: 'A0', contactPoints: [{ kind: 'phone' }] },
    });
    expect(c.messages[0]).toMatchObject({ direction: 'inbound', channel: 'sms', body: 'hello', author: { type: 'patient' }, attachments: [] });
    expect(c.messages[0].createdAt).toMatch(/T.*(Z|[+-]\d\d:\d\d)$/);
    const audits = await h.runtime.deps.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'conversation.read'), eq(auditEvents.requestId, res.headers.get('x-request-id')!)));
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({ actorType: 'token', subjectId: convs.a0, practiceId: a.id, patientId: c.patient.id });
  });

  it('revoking a token and deactivating a user take effect on the next request', async () => {
    const db = h.runtime.deps.db;
    const token = await tokenFor(db, 'manager', 'alpha');
    expect((await h.request('GET', '/api/v1/practices', { token })).status).toBe(200);
    const tokens = (await (await h.request('GET', '/api/v1/tokens')).json()) as { data: { id: string; name: string; revokedAt: string | null }[] };
    const mine = tokens.data.filter((t) => t.name === 'manager token' && !t.revokedAt).at(-1)!;
    expect((await h.request('DELETE', `/api/v1/tokens/${mine.id}`)).status).toBe(200);
    expect((await h.request('GET', '/api/v1/practices', { token })).status).toBe(401);

    const user = await userWithPassword(db, 'manager', ['alpha']);
    const login = await h.app.request('/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: user.email, password: user.password }),
    });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    expect((await h.app.request('/api/v1/practices', { headers: { cookie } })).status).toBe(200);
    expect((await h.request('POST', `/api/v1/users/${user.id}/deactivate`)).status).toBe(200);
    expect((await h.app.request('/api/v1/practices', { headers: { cookie } })).status).toBe(401);
    const again = await h.app.request('/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: user.email, password: user.password }),
    });
    expect(again.status).toBe(401);
  });
});

describe('console session', () => {
  it('sets an HttpOnly SameSite cookie, and refuses changes without the CSRF token', async () => {
    const admin = await userWithPassword(h.runtime.deps.db, 'admin');
    const form = new URLSearchParams({ email: admin.email, password: admin.password });
    const login = await h.app.request('/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    });
    expect(login.status).toBe(303);
    expect(login.headers.get('location')).toBe('/');
    const setCookie = login.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    expect(setCookie).toMatch(/Secure/i);
    const cookie = setCookie.split(';')[0]!;

    const session = (await (await h.app.request('/api/v1/session', { headers: { cookie } })).json()) as { csrfToken: string };
    expect(session.csrfToken).toMatch(/.{20,}/);
    const body = JSON.stringify({ name: 'C', slug: 'csrf-clinic', timeZone: 'America/Denver', hours: { weekly: {}, closedDates: [] } });
    const without = await h.app.request('/api/v1/practices', { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body });
    expect(without.status).toBe(403);
    const withToken = await h.app.request('/api/v1/practices', {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json', 'x-csrf-token': session.csrfToken },
      body,
    });
    expect(withToken.status).toBe(201);
  });

  it('refuses a wrong password without saying which part was wrong, and sign-in from another site', async () => {
    const admin = await userWithPassword(h.runtime.deps.db, 'admin');
    const wrong = await h.app.request('/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: admin.email, password: 'nope' }),
    });
    expect(wrong.status).toBe(401);
    const unknown = await h.app.request('/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'nobody@example.com', password: 'nope' }),
    });
    expect(((await unknown.json()) as any).error.message).toBe(((await wrong.json()) as any).error.message);
    const foreign = await h.app.request('/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'https://evil.example.net' },
      body: JSON.stringify({ email: admin.email, password: admin.password }),
    });
    expect(foreign.status).toBe(403);
  });

  it('sends a signed-out visitor of the console to /login', async () => {
    const res = await h.app.request('/');
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/login');
  });
});
