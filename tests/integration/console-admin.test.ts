import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { auditEvents, practiceAddresses, practices, sessions } from '../../src/platform/db/schema';
import { RedisEventBus, type ConversationChange } from '../../src/platform/events';
import { startHarness, type Harness } from '../helpers/harness';
import { makePractice, tokenFor, userWithPassword } from '../helpers/fixtures';
import type { PracticeView } from '../../src/practices/practices';

let h: Harness;
let p: PracticeView;
let other: PracticeView;
beforeAll(async () => {
  h = await startHarness();
  p = await makePractice(h.runtime.deps.db, 'admin-clinic');
  other = await makePractice(h.runtime.deps.db, 'admin-other');
});
afterAll(() => h.close());

const signIn = async (email: string, password: string) => {
  const res = await h.request('POST', '/login', { token: null, body: { email, password } });
  return res.status === 200 ? res.headers.get('set-cookie')!.split(';')[0]! : null;
};

describe('the users admin API', () => {
  it('changes role and grants, resets a password (ending sessions), deactivates and reactivates; only admins', async () => {
    const db = h.runtime.deps.db;
    const u = await userWithPassword(db, 'assistant', [p.id], ['refills']);
    const cookie = await signIn(u.email, u.password);
    expect(cookie).toBeTruthy();
    const billing = (await (await h.request('GET', `/api/v1/queues?practiceId=${other.id}`)).json()) as { data: { id: string; key: string }[] };
    const billingId = billing.data.find((q) => q.key === 'billing')!.id;

    // grants: both practices, and a queue of the second
    let res = await h.request('PATCH', `/api/v1/users/${u.id}`, { body: { name: 'Nia Brooks', practices: [p.slug, other.id], queueIds: [billingId] } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ name: 'Nia Brooks', role: 'assistant', practiceIds: expect.arrayContaining([p.id, other.id]), queueIds: [billingId] });
    // the new grants apply to their next request
    const visible = (await (await h.request('GET', '/api/v1/queues', { token: null, headers: { cookie: cookie! } })).json()) as { data: { id: string }[] };
    expect(visible.data.map((q) => q.id)).toEqual([billingId]);
    // a queue outside their practices is refused and nothing changes
    res = await h.request('PATCH', `/api/v1/users/${u.id}`, { body: { practices: [p.id], queueIds: [billingId] } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('not in the user');
    // dropping a practice drops its queues
    res = await h.request('PATCH', `/api/v1/users/${u.id}`, { body: { practices: [p.id] } });
    expect(((await res.json()) as { queueIds: string[] }).queueIds).toEqual([]);
    // a manager without practices is refused
    expect((await h.request('PATCH', `/api/v1/users/${u.id}`, { body: { role: 'manager', practices: [] } })).status).toBe(400);

    // a new password: shown once, old sessions end, the old password stops working
    res = await h.request('POST', `/api/v1/users/${u.id}/password`, { body: {} });
    expect(res.status).toBe(200);
    const { password } = (await res.json()) as { password: string };
    expect(password.length).toBeGreaterThanOrEqual(12);
    expect(await db.select().from(sessions).where(eq(sessions.userId, u.id))).toHaveLength(0);
    expect(await signIn(u.email, u.password)).toBeNull();
    expect(await signIn(u.email, password)).toBeTruthy();

    expect((await h.request('POST', `/api/v1/users/${u.id}/deactivate`)).status).toBe(200);
    expect(await signIn(u.email, password)).toBeNull();
    res = await h.request('POST', `/api/v1/users/${u.id}/reactivate`);
    expect(await res.json()).toMatchObject({ active: true });
    expect(await signIn(u.email, password)).toBeTruthy();

    const actions = (await db.select().from(auditEvents).where(eq(auditEvents.subjectId, u.id))).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(['user.update', 'user.password_reset', 'user.deactivate', 'user.reactivate']));

    const manager = await tokenFor(db, 'manager', p.id);
    for (const [method, path, body] of [
      ['PATCH', `/api/v1/users/${u.id}`, { name: 'x' }],
      ['POST', `/api/v1/users/${u.id}/password`, {}],
      ['POST', `/api/v1/users/${u.id}/reactivate`, {}],
    ] as const) {
      expect((await h.request(method, path, { token: manager, body })).status, `${method} ${path}`).toBe(403);
    }
    expect((await h.request('PATCH', '/api/v1/users/00000000-0000-4000-8000-000000000000', { body: { name: 'x' } })).status).toBe(404);
  });

  it('does not let an admin change their own role', async () => {
    const admin = await userWithPassword(h.runtime.deps.db, 'admin');
    const cookie = (await signIn(admin.email, admin.password))!;
    const session = (await (await h.request('GET', '/api/v1/session', { token: null, headers: { cookie } })).json()) as { csrfToken: string };
    const res = await h.request('PATCH', `/api/v1/users/${admin.id}`, { token: null, headers: { cookie, 'x-csrf-token': session.csrfToken }, body: { role: 'assistant', practices: [p.id] } });
    expect(res.status).toBe(409);
  });
});

describe('office settings for managers', () => {
  it('lets the practice’s manager change hours, on-call and both after-hours messages, and nothing else', async () => {
    const db = h.runtime.deps.db;
    const manager = await tokenFor(db, 'manager', p.id);
    const before = await db.select().from(practiceAddresses).where(eq(practiceAddresses.practiceId, p.id));
    const res = await h.request('PATCH', `/api/v1/practices/${p.id}/office`, {
      token: manager,
      body: {
        hours: { weekly: { tue: [{ open: '09:00', close: '12:00' }] }, closedDates: ['2026-07-04'] },
        afterHoursMessage: 'We are closed. In an emergency call 911.',
        afterHoursMessageEs: 'Estamos cerrados. En una emergencia llame al 911.',
        onCall: { phone: '(415) 555-0142' },
      },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      hours: { weekly: { tue: [{ open: '09:00', close: '12:00' }] }, closedDates: ['2026-07-04'] },
      afterHoursMessageEs: 'Estamos cerrados. En una emergencia llame al 911.',
      onCall: { phone: '+14155550142' },
      quietHours: { start: '08:00', end: '21:00' },
    });
    const [row] = await db.select().from(practices).where(eq(practices.id, p.id));
    expect(row!.settings.afterHoursMessageEs).toBe('Estamos cerrados. En una emergencia llame al 911.');
    expect(await db.select().from(practiceAddresses).where(eq(practiceAddresses.practiceId, p.id))).toEqual(before);

    // a field it does not know is not a way round: numbers stay with admins
    const sneaky = await h.request('PATCH', `/api/v1/practices/${p.id}/office`, { token: manager, body: { phoneNumbers: [] } });
    expect(sneaky.status).toBe(200);
    expect(await db.select().from(practiceAddresses).where(eq(practiceAddresses.practiceId, p.id))).toEqual(before);
    expect((await h.request('PATCH', `/api/v1/practices/${p.id}/office`, { token: manager, body: { onCall: { phone: 'not a number' } } })).status).toBe(400);
    expect((await h.request('PATCH', `/api/v1/practices/${p.id}/office`, { token: await tokenFor(db, 'assistant', p.id), body: { afterHoursMessage: 'x' } })).status).toBe(403);
    expect((await h.request('PATCH', `/api/v1/practices/${other.id}/office`, { token: manager, body: { afterHoursMessage: 'x' } })).status).toBe(404);
  });
});

describe('live updates across processes', () => {
  it('carries a change published by one process (a worker) to another (an HTTP process) through Redis', async (ctx) => {
    const url = inject('redisUrl');
    if (!url) ctx.skip();
    const prefix = `sbt-${inject('runId')}-events`;
    const worker = new RedisEventBus(url!, prefix);
    const http = new RedisEventBus(url!, prefix);
    const elsewhere = new RedisEventBus(url!, `${prefix}-other-deployment`);
    try {
      const got = new Promise<ConversationChange>((resolve) => http.subscribe(resolve));
      const heard: ConversationChange[] = [];
      let heardOwn!: () => void;
      let heardAfter!: () => void;
      const after = new Promise<void>((r) => (heardAfter = r));
      const own = new Promise<void>((r) => (heardOwn = r));
      elsewhere.subscribe((c) => {
        heard.push(c);
        if (c.conversationId === 'own') heardOwn();
        if (c.conversationId === 'own-after') heardAfter();
      });
      const change = { conversationId: '11111111-1111-4111-8111-111111111111', practiceId: p.id };
      // the subscription is made on first use: publish until it is listening
      const timer = setInterval(() => worker.publish(change), 50);
      expect(await got).toEqual(change);
      clearInterval(timer);
      // another deployment (another prefix) hears its own changes, and none of ours
      const mine = setInterval(() => elsewhere.publish({ conversationId: 'own', practiceId: 'x' }), 50);
      await own;
      clearInterval(mine);
      worker.publish(change);
      // ours went out first; once the other deployment hears a later change of its own, ours would have arrived
      const later = setInterval(() => elsewhere.publish({ conversationId: 'own-after', practiceId: 'x' }), 50);
      await after;
      clearInterval(later);
      expect(heard.every((c) => c.conversationId.startsWith('own'))).toBe(true);
    } finally {
      await Promise.all([worker.close(), http.close(), elsewhere.close()]);
    }
  });
});
