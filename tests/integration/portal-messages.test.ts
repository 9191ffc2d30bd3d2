import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, count, eq } from 'drizzle-orm';
import { auditEvents, conversations, messages, patients } from '../../src/platform/db/schema';
import { startHarness, type Harness } from '../helpers/harness';
import { makePractice, tokenFor } from '../helpers/fixtures';
import type { PracticeView } from '../../src/practices/practices';

let h: Harness;
let a: PracticeView;
let b: PracticeView;
let tokenA: string;
let tokenB: string;

beforeAll(async () => {
  h = await startHarness();
  a = await makePractice(h.runtime.deps.db, 'portal-a');
  b = await makePractice(h.runtime.deps.db, 'portal-b');
  tokenA = await tokenFor(h.runtime.deps.db, 'portal', a.id);
  tokenB = await tokenFor(h.runtime.deps.db, 'portal', b.id);
});
afterAll(() => h.close());

const db = () => h.runtime.deps.db;
const messageCount = async () => Number((await db().select({ n: count() }).from(messages))[0]!.n);

const portalMessage = (over: Record<string, unknown> = {}) => ({
  messageId: 'pm-1',
  patient: { portalId: 'pt-10442', firstName: 'Maria', lastName: 'Lopez', dateOfBirth: '1984-07-19' },
  subject: 'Refill',
  body: 'Can I get a refill of my lisinopril?',
  threadId: 'th-1',
  ...over,
});

describe('POST /api/v1/portal/messages', () => {
  it('stores a message (201 with the stored id), and a repeat of messageId answers 200 with the same id', async () => {
    const res = await h.request('POST', '/api/v1/portal/messages', { token: tokenA, body: portalMessage() });
    expect(res.status).toBe(201);
    const first = (await res.json()) as { id: string; conversationId: string; duplicate: boolean };
    expect(first.duplicate).toBe(false);
    const [msg] = await db().select().from(messages).where(eq(messages.id, first.id));
    expect(msg).toMatchObject({ practiceId: a.id, channel: 'portal', direction: 'inbound', body: 'Can I get a refill of my lisinopril?', subject: 'Refill' });
    const [conv] = await db().select().from(conversations).where(eq(conversations.id, first.conversationId));
    expect(conv).toMatchObject({ portalThreadId: 'th-1', channel: 'portal' });
    const [patient] = await db().select().from(patients).where(eq(patients.id, conv!.patientId));
    expect(patient).toMatchObject({ portalId: 'pt-10442', firstName: 'Maria', lastName: 'Lopez', dateOfBirth: '1984-07-19' });
    // the token's write is audited
    const audits = await db().select().from(auditEvents).where(and(eq(auditEvents.action, 'portal.message.receive'), eq(auditEvents.subjectId, first.id)));
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({ actorType: 'token', patientId: conv!.patientId, practiceId: a.id });

    const before = await messageCount();
    const again = await h.request('POST', '/api/v1/portal/messages', { token: tokenA, body: portalMessage() });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ id: first.id, duplicate: true });
    expect(await messageCount()).toBe(before);
  });

  it('keeps a thread together and opens a new conversation for a new thread', async () => {
    const one = (await (await h.request('POST', '/api/v1/portal/messages', { token: tokenA, body: portalMessage({ messageId: 'pm-2', body: 'same thread' }) })).json()) as { conversationId: string };
    const first = (await (await h.request('POST', '/api/v1/portal/messages', { token: tokenA, body: portalMessage({ messageId: 'pm-1' }) })).json()) as { conversationId: string };
    expect(one.conversationId).toBe(first.conversationId);
    const other = (await (await h.request('POST', '/api/v1/portal/messages', { token: tokenA, body: portalMessage({ messageId: 'pm-3', threadId: 'th-2', body: 'new topic' }) })).json()) as { conversationId: string };
    expect(other.conversationId).not.toBe(first.conversationId);
  });

  it('ignores unknown extra fields instead of refusing them', async () => {
    const res = await h.request('POST', '/api/v1/portal/messages', {
      token: tokenA,
      body: { ...portalMessage({ messageId: 'pm-extra' }), priority: 'high', portalVersion: 7, patient: { ...portalMessage().patient, mrn: 'X1' } },
    });
    expect(res.status).toBe(201);
  });

  it('refuses a wrong token (401), a staff token (403) and a request for another practice (404), storing nothing', async () => {
    const before = await messageCount();
    const wrong = await h.request('POST', '/api/v1/portal/messages', { token: 'not-a-real-token-000000000000000000000', body: portalMessage({ messageId: 'pm-x' }) });
    expect(wrong.status).toBe(401);
    const none = await h.request('POST', '/api/v1/portal/messages', { token: null, body: portalMessage({ messageId: 'pm-x' }) });
    expect(none.status).toBe(401);
    const staff = await h.request('POST', '/api/v1/portal/messages', { body: portalMessage({ messageId: 'pm-x' }) });
    expect(staff.status).toBe(403);
    const otherPractice = await h.request('POST', `/api/v1/portal/messages?practice=${a.slug}`, { token: tokenB, body: portalMessage({ messageId: 'pm-x' }) });
    expect(otherPractice.status).toBe(404);
    expect(await messageCount()).toBe(before);
    // a portal token cannot use staff routes either
    expect((await h.request('GET', '/api/v1/conversations', { token: tokenA })).status).toBe(403);
  });

  it("keeps each practice's messageIds apart: practice B's pm-1 is its own message", async () => {
    const aFirst = (await (await h.request('POST', '/api/v1/portal/messages', { token: tokenA, body: portalMessage() })).json()) as { id: string };
    const res = await h.request('POST', '/api/v1/portal/messages', { token: tokenB, body: portalMessage() });
    expect(res.status).toBe(201);
    const bFirst = (await res.json()) as { id: string };
    expect(bFirst.id).not.toBe(aFirst.id);
    const [msg] = await db().select().from(messages).where(eq(messages.id, bFirst.id));
    expect(msg!.practiceId).toBe(b.id);
  });

  it('refuses bad input with 400 naming the field, and an oversized body with 413', async () => {
    const missing = await h.request('POST', '/api/v1/portal/messages', { token: tokenA, body: { ...portalMessage({ messageId: 'pm-bad' }), body: '' } });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { error: { message: string } }).error.message).toMatch(/^body:/);
    const badDob = await h.request('POST', '/api/v1/portal/messages', { token: tokenA, body: portalMessage({ messageId: 'pm-bad', patient: { ...portalMessage().patient, dateOfBirth: '19/07/1984' } }) });
    expect(badDob.status).toBe(400);
    const notJson = await h.request('POST', '/api/v1/portal/messages', { token: tokenA, body: '{"messageId":', headers: { 'content-type': 'application/json' } });
    expect(notJson.status).toBe(400);

    const before = await messageCount();
    const huge = JSON.stringify(portalMessage({ messageId: 'pm-huge', body: 'x'.repeat(17 * 1024 * 1024) }));
    const res = await h.request('POST', '/api/v1/portal/messages', { token: tokenA, body: huge, headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('payload_too_large');
    expect(await messageCount()).toBe(before);
  });

  it('takes portal tokens made by an admin in the console (POST /api/v1/tokens)', async () => {
    const made = await h.request('POST', '/api/v1/tokens', { body: { name: 'Portal of B', role: 'portal', practice: b.slug } });
    expect(made.status).toBe(201);
    const { token } = (await made.json()) as { token: string };
    const res = await h.request('POST', '/api/v1/portal/messages', { token, body: portalMessage({ messageId: 'pm-console' }) });
    expect(res.status).toBe(201);
  });

  it('is in the OpenAPI document', async () => {
    const doc = (await (await h.request('GET', '/api/v1/openapi.json', { token: null })).json()) as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.paths['/api/v1/portal/messages']!)).toEqual(expect.arrayContaining(['post', 'get']));
    expect(doc.paths['/api/v1/patients/{id}/merge']).toBeDefined();
    expect(doc.paths['/api/v1/patients/{id}/unmerge']).toBeDefined();
  });
});
