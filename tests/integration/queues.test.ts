import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness';
import { makeConversation, makePractice, tokenFor, userWithPassword } from '../helpers/fixtures';
import type { PracticeView } from '../../src/practices/practices';

let h: Harness;
let p: PracticeView;
beforeAll(async () => {
  h = await startHarness();
  p = await makePractice(h.runtime.deps.db);
});
afterAll(() => h.close());

async function loginCookie(email: string, password: string) {
  const res = await h.app.request('/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  const { csrfToken } = (await res.json()) as { csrfToken: string };
  return { cookie: res.headers.get('set-cookie')!.split(';')[0]!, csrfToken };
}

describe('queues and assistants', () => {
  it('lists queues with counts, and a manager sets SLAs and a playbook with field-named errors', async () => {
    const db = h.runtime.deps.db;
    await makeConversation(db, p.id, { queue: 'refills' });
    const manager = await tokenFor(db, 'manager', p.id);
    const list = (await (await h.request('GET', `/api/v1/queues?practiceId=${p.id}`, { token: manager })).json()) as { data: { id: string; key: string; open: number; unassigned: number }[] };
    const refills = list.data.find((q) => q.key === 'refills')!;
    expect(refills).toMatchObject({ open: 1, unassigned: 1 });
    const ok = await h.request('PATCH', `/api/v1/queues/${refills.id}`, {
      token: manager,
      body: {
        sla: { routine: { firstResponseMinutes: 240, businessHours: true, warnMinutesBefore: 30 }, urgent: { firstResponseMinutes: 30 } },
        playbook: { items: [{ key: 'dob', label: 'Confirm name and date of birth', entity: 'dateOfBirth' }, { key: 'med', label: 'Medication and strength', entity: 'medications' }] },
      },
    });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ sla: { routine: { firstResponseMinutes: 240, businessHours: true } }, playbook: { items: [{ key: 'dob' }, { key: 'med' }] } });
    const bad = await h.request('PATCH', `/api/v1/queues/${refills.id}`, { token: manager, body: { sla: { routine: { firstResponseMinutes: -5 } } } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toContain('sla.routine.firstResponseMinutes');
    const assistantToken = await tokenFor(db, 'assistant', p.id);
    expect((await h.request('PATCH', `/api/v1/queues/${refills.id}`, { token: assistantToken, body: { name: 'x' } })).status).toBe(403);
  });

  it('lets an assistant set only their own presence, and a manager set capacity, skills and queues', async () => {
    const db = h.runtime.deps.db;
    const a = await userWithPassword(db, 'assistant', [p.id], ['refills']);
    const { cookie, csrfToken } = await loginCookie(a.email, a.password);
    const headers = { cookie, 'x-csrf-token': csrfToken, 'content-type': 'application/json' };
    let res = await h.app.request(`/api/v1/assistants/${a.id}`, { method: 'PATCH', headers, body: JSON.stringify({ presence: 'available' }) });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ presence: 'available' });
    res = await h.app.request(`/api/v1/assistants/${a.id}`, { method: 'PATCH', headers, body: JSON.stringify({ capacity: 99 }) });
    expect(res.status).toBe(403);
    const manager = await tokenFor(db, 'manager', p.id);
    const queues = (await (await h.request('GET', `/api/v1/queues?practiceId=${p.id}`, { token: manager })).json()) as { data: { id: string; key: string }[] };
    const billing = queues.data.find((q) => q.key === 'billing')!.id;
    res = await h.request('PATCH', `/api/v1/assistants/${a.id}`, { token: manager, body: { capacity: 5, skills: { languages: ['en', 'es'], tasks: ['billing'] }, queueIds: [billing] } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ capacity: 5, skills: { languages: ['en', 'es'] }, queueIds: [billing] });
    const other = await makePractice(db);
    const otherManager = await tokenFor(db, 'manager', other.id);
    expect((await h.request('PATCH', `/api/v1/assistants/${a.id}`, { token: otherManager, body: { capacity: 1 } })).status).toBe(404);
  });
});
