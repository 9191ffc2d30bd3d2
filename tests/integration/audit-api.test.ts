import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { apiTokens, auditEvents } from '../../src/platform/db/schema';
import { hashToken } from '../../src/access/secrets';
import { startHarness, type Harness } from '../helpers/harness';
import { makeConversation, makePractice, tokenFor, userWithPassword } from '../helpers/fixtures';
import { signIn } from '../helpers/session';
import type { PracticeView } from '../../src/practices/practices';

let h: Harness;
let a: PracticeView;
let b: PracticeView;
let managerA: string;
beforeAll(async () => {
  h = await startHarness();
  a = await makePractice(h.runtime.deps.db);
  b = await makePractice(h.runtime.deps.db);
  managerA = await tokenFor(h.runtime.deps.db, 'manager', a.id);
});
afterAll(() => h.close());
const db = () => h.runtime.deps.db;
type Page = { data: { id: number; action: string; practiceId: string | null; patientId: string | null; patientIds: string[]; actor: { type: string; tokenId: string | null; userId: string | null } }[]; nextCursor: string | null };
const audit = async (query: string, token = h.adminToken) => {
  const res = await h.request('GET', `/api/v1/audit${query}`, { token });
  expect(res.status).toBe(200);
  return (await res.json()) as Page;
};
const tokenId = async (token: string) => (await db().select({ id: apiTokens.id }).from(apiTokens).where(eq(apiTokens.tokenHash, hashToken(token))))[0]!.id;

describe('GET /api/v1/audit', () => {
  it('a console polling the inbox leaves one entry per page shown, and a new one only when the page changes', async () => {
    const first = await makeConversation(db(), a.id);
    const list = () => h.request('GET', `/api/v1/conversations?practiceId=${a.id}`, { token: managerA });
    await list();
    await list();
    await list();
    const mine = await tokenId(managerA);
    let entries = await audit(`?actor=${mine}&action=conversation.list`);
    expect(entries.data).toHaveLength(1);
    expect(entries.data[0]!.patientIds).toEqual([first.patient.id]);
    const second = await makeConversation(db(), a.id);
    await list();
    await list();
    entries = await audit(`?actor=${mine}&action=conversation.list`);
    expect(entries.data).toHaveLength(2);
    // the page entry is found by either patient it showed
    const bySecond = await audit(`?patientId=${second.patient.id}&action=conversation.list`);
    expect(bySecond.data.map((e) => e.id)).toEqual([entries.data[0]!.id]);
  });

  it('filters by actor (token, email, system), action family and time; managers see their practices only; assistants none', async () => {
    const user = await userWithPassword(db(), 'manager', [a.id]);
    const session = await signIn(h, user);
    const { conversation, patient } = await makeConversation(db(), a.id);
    await h.request('GET', `/api/v1/conversations/${conversation.id}`, { token: null, headers: session.read });
    const byEmail = await audit(`?actor=${encodeURIComponent(user.email)}&action=conversation.*`);
    expect(byEmail.data.map((e) => e.action)).toEqual(['conversation.read']);
    expect(byEmail.data[0]!.patientId).toBe(patient.id);
    await db().insert(auditEvents).values({ practiceId: a.id, actorType: 'system', action: 'attachment.purge', subjectType: 'attachment', subjectId: 'x', createdAt: new Date('2020-06-01T00:00:00Z') });
    const system = await audit('?actor=system&action=attachment.purge&from=2020-01-01T00:00:00Z&to=2021-01-01T00:00:00Z');
    expect(system.data).toHaveLength(1);
    expect((await audit('?actor=system&action=attachment.purge&from=2021-01-01T00:00:00Z')).data).toHaveLength(0);

    const otherB = await makeConversation(db(), b.id);
    await h.request('GET', `/api/v1/conversations/${otherB.conversation.id}`);
    const asManager = await audit('?limit=200', managerA);
    expect(asManager.data.length).toBeGreaterThan(0);
    expect(asManager.data.every((e) => e.practiceId === a.id)).toBe(true);
    expect((await audit(`?patientId=${otherB.patient.id}`, managerA)).data).toEqual([]);
    expect((await audit(`?patientId=${otherB.patient.id}`)).data.length).toBeGreaterThan(0);

    expect((await h.request('GET', '/api/v1/audit', { token: await tokenFor(db(), 'assistant', a.id) })).status).toBe(403);
    expect((await h.request('GET', '/api/v1/audit?action=nonsense')).status).toBe(400);
    expect((await h.request('GET', '/api/v1/audit?from=yesterday')).status).toBe(400);
  });

  it('pages newest first with no entry repeated or skipped, and reading the log is itself logged once per page', async () => {
    const all = await audit('?limit=200');
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const page: Page = await audit(`?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.data.map((e) => e.id));
      cursor = page.nextCursor;
    } while (cursor);
    // the listing itself writes audit.list entries newer than the first page: compare what both saw
    const older = all.data.map((e) => e.id).filter((id) => id <= all.data[0]!.id);
    expect(seen.filter((id) => id <= all.data[0]!.id)).toEqual(older);
    expect([...seen].sort((x, y) => y - x)).toEqual(seen);
    const { patient } = await makeConversation(db(), a.id);
    await h.request('GET', `/api/v1/patients/${patient.id}`);
    const before = (await db().select().from(auditEvents).where(eq(auditEvents.action, 'audit.list'))).length;
    expect((await audit(`?action=patient.read&patientId=${patient.id}`)).data).toHaveLength(1);
    await audit(`?action=patient.read&patientId=${patient.id}`);
    const after = (await db().select().from(auditEvents).where(eq(auditEvents.action, 'audit.list'))).length;
    expect(after - before).toBe(1);
  });
});
