import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { apiTokens, users } from '../../src/platform/db/schema';
import { startHarness, type Harness } from '../helpers/harness';
import { makePractice, tokenFor, userWithPassword } from '../helpers/fixtures';
import type { PracticeView } from '../../src/practices/practices';

// issue 12, point 1: an admin scoped to one practice acts inside it only, and grants only what it holds
let h: Harness;
let a: PracticeView;
let b: PracticeView;
let scoped: string;

beforeAll(async () => {
  h = await startHarness();
  a = await makePractice(h.runtime.deps.db, 'sa-alpha');
  b = await makePractice(h.runtime.deps.db, 'sa-beta');
  scoped = await tokenFor(h.runtime.deps.db, 'admin', 'sa-alpha');
});
afterAll(() => h.close());

async function login(email: string, password: string) {
  const res = await h.app.request('/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  expect(res.status).toBe(200);
  return { cookie: res.headers.get('set-cookie')!.split(';')[0]!, csrf: ((await res.json()) as { csrfToken: string }).csrfToken };
}

describe('a scoped admin', () => {
  it('cannot make a global admin token, nor a token for another practice', async () => {
    const global = await h.request('POST', '/api/v1/tokens', { token: scoped, body: { name: 'x', role: 'admin' } });
    expect(global.status).toBe(403);
    const other = await h.request('POST', '/api/v1/tokens', { token: scoped, body: { name: 'x', role: 'manager', practice: 'sa-beta' } });
    expect(other.status).toBe(400);
    const [made] = await h.runtime.deps.db.select().from(apiTokens).where(eq(apiTokens.name, 'x'));
    expect(made).toBeUndefined();
  });

  it('makes an admin token of its own practice, which stays scoped to it', async () => {
    const res = await h.request('POST', '/api/v1/tokens', { token: scoped, body: { name: 'own admin', role: 'admin', practice: 'sa-alpha' } });
    expect(res.status).toBe(201);
    const { token } = (await res.json()) as { token: string };
    const practices = (await (await h.request('GET', '/api/v1/practices', { token })).json()) as { data: PracticeView[] };
    expect(practices.data.map((p) => p.slug)).toEqual(['sa-alpha']);
  });

  it('cannot add a global admin user; an admin user it adds administers its practice only', async () => {
    const global = await h.request('POST', '/api/v1/users', { token: scoped, body: { email: 'g@example.com', role: 'admin', password: 'long enough password' } });
    expect(global.status).toBe(403);
    expect(await h.runtime.deps.db.select().from(users).where(eq(users.email, 'g@example.com'))).toHaveLength(0);
    const elsewhere = await h.request('POST', '/api/v1/users', {
      token: scoped,
      body: { email: 'm@example.com', role: 'manager', practices: ['sa-beta'], password: 'long enough password' },
    });
    expect(elsewhere.status).toBe(400);

    const res = await h.request('POST', '/api/v1/users', {
      token: scoped,
      body: { email: 'pa@example.com', role: 'admin', practices: ['sa-alpha'], password: 'long enough password' },
    });
    expect(res.status).toBe(201);
    const { cookie } = await login('pa@example.com', 'long enough password');
    const seen = (await (await h.app.request('/api/v1/practices', { headers: { cookie } })).json()) as { data: PracticeView[] };
    expect(seen.data.map((p) => p.slug)).toEqual(['sa-alpha']);
    const session = (await (await h.app.request('/api/v1/session', { headers: { cookie } })).json()) as { practiceIds: unknown };
    expect(session.practiceIds).toEqual([a.id]);
  });

  it('cannot deactivate users of other practices, nor those who also work elsewhere, nor global admins', async () => {
    const db = h.runtime.deps.db;
    const other = await userWithPassword(db, 'manager', ['sa-beta']);
    const both = await userWithPassword(db, 'assistant', ['sa-alpha', 'sa-beta']);
    const globalAdmin = await userWithPassword(db, 'admin');
    const own = await userWithPassword(db, 'assistant', ['sa-alpha']);
    expect((await h.request('POST', `/api/v1/users/${other.id}/deactivate`, { token: scoped })).status).toBe(404);
    expect((await h.request('POST', `/api/v1/users/${globalAdmin.id}/deactivate`, { token: scoped })).status).toBe(404);
    expect((await h.request('POST', `/api/v1/users/${both.id}/deactivate`, { token: scoped })).status).toBe(403);
    const still = await db.select({ id: users.id, active: users.active }).from(users);
    expect(still.filter((u) => [other.id, both.id, globalAdmin.id].includes(u.id)).every((u) => u.active)).toBe(true);
    expect((await h.request('POST', `/api/v1/users/${own.id}/deactivate`, { token: scoped })).status).toBe(200);
  });

  it('cannot change, reset the password of or reactivate people outside its practices, nor make anyone a global admin', async () => {
    const db = h.runtime.deps.db;
    const other = await userWithPassword(db, 'manager', ['sa-beta']);
    const both = await userWithPassword(db, 'assistant', ['sa-alpha', 'sa-beta']);
    const globalAdmin = await userWithPassword(db, 'admin');
    const own = await userWithPassword(db, 'assistant', ['sa-alpha']);
    const before = await db.select().from(users);
    for (const [target, status] of [
      [other.id, 404],
      [globalAdmin.id, 404],
      [both.id, 403],
    ] as const) {
      expect((await h.request('PATCH', `/api/v1/users/${target}`, { token: scoped, body: { name: 'taken over' } })).status).toBe(status);
      expect((await h.request('POST', `/api/v1/users/${target}/password`, { token: scoped, body: { password: 'attacker chosen password' } })).status).toBe(status);
      expect((await h.request('POST', `/api/v1/users/${target}/reactivate`, { token: scoped })).status).toBe(status);
    }
    // its own assistant cannot be made an admin of every practice, nor granted another practice
    expect((await h.request('PATCH', `/api/v1/users/${own.id}`, { token: scoped, body: { role: 'admin', practices: [] } })).status).toBe(403);
    expect((await h.request('PATCH', `/api/v1/users/${own.id}`, { token: scoped, body: { practices: ['sa-alpha', 'sa-beta'] } })).status).toBe(400);
    const after = await db.select().from(users);
    const pick = (rows: typeof before) => rows.filter((u) => [other.id, both.id, globalAdmin.id, own.id].includes(u.id)).map((u) => [u.id, u.name, u.role, u.passwordHash, u.active]);
    expect(pick(after)).toEqual(pick(before));
    // the global admin's password still signs in
    await login(globalAdmin.email, globalAdmin.password);
    // inside its practice it does all of it
    expect((await h.request('PATCH', `/api/v1/users/${own.id}`, { token: scoped, body: { name: 'Renamed', role: 'admin', practices: ['sa-alpha'] } })).status).toBe(200);
    expect((await h.request('POST', `/api/v1/users/${own.id}/password`, { token: scoped, body: {} })).status).toBe(200);
  });

  it('cannot revoke or even list global tokens or other practices\' tokens', async () => {
    const db = h.runtime.deps.db;
    await tokenFor(db, 'manager', 'sa-beta');
    await tokenFor(db, 'manager', 'sa-alpha');
    const all = await db.select().from(apiTokens);
    const list = (await (await h.request('GET', '/api/v1/tokens', { token: scoped })).json()) as { data: { id: string; practiceId: string | null }[] };
    expect(list.data.length).toBeGreaterThan(0);
    expect(list.data.every((t) => t.practiceId === a.id)).toBe(true);
    const globalToken = all.find((t) => t.practiceId === null)!;
    const betaToken = all.find((t) => t.practiceId === b.id)!;
    const alphaToken = all.find((t) => t.practiceId === a.id && t.name === 'manager token')!;
    expect((await h.request('DELETE', `/api/v1/tokens/${globalToken.id}`, { token: scoped })).status).toBe(404);
    expect((await h.request('DELETE', `/api/v1/tokens/${betaToken.id}`, { token: scoped })).status).toBe(404);
    const after = await db.select().from(apiTokens);
    expect(after.find((t) => t.id === globalToken.id)!.revokedAt).toBeNull();
    expect(after.find((t) => t.id === betaToken.id)!.revokedAt).toBeNull();
    expect((await h.request('DELETE', `/api/v1/tokens/${alphaToken.id}`, { token: scoped })).status).toBe(200);
  });

  it('cannot add a practice (it would be outside its scope)', async () => {
    const res = await h.request('POST', '/api/v1/practices', {
      token: scoped,
      body: { name: 'New', slug: 'sa-new', timeZone: 'America/New_York', hours: { weekly: {}, closedDates: [] } },
    });
    expect(res.status).toBe(403);
  });

  it('a global admin still does all of it', async () => {
    const res = await h.request('POST', '/api/v1/tokens', { body: { name: 'global two', role: 'admin' } });
    expect(res.status).toBe(201);
    const u = await h.request('POST', '/api/v1/users', { body: { email: 'ga@example.com', role: 'admin', password: 'long enough password' } });
    expect(u.status).toBe(201);
    const { cookie } = await login('ga@example.com', 'long enough password');
    const session = (await (await h.app.request('/api/v1/session', { headers: { cookie } })).json()) as { practiceIds: unknown };
    expect(session.practiceIds).toBe('all');
  });
});
