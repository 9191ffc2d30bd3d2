import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { auditEvents, conversations, messages } from '../../src/platform/db/schema';
import { addTriageJob } from '../../src/routing/triage-queue';
import { exportCorrections } from '../../src/routing/triage-corrections';
import { loadDefaultTriage } from '../../triage/index';
import { startHarness, type Harness } from '../helpers/harness';
import { makeConversation, makePractice, tokenFor } from '../helpers/fixtures';
import type { PracticeView } from '../../src/practices/practices';

let h: Harness;
let p: PracticeView;
beforeAll(async () => {
  // the real engine with the committed model
  h = await startHarness({ triage: () => loadDefaultTriage() });
  p = await makePractice(h.runtime.deps.db);
});
afterAll(() => h.close());

describe('the triage job with the committed model', () => {
  it('stores intent, urgency, confidence and entities on the message and conversation', async () => {
    const db = h.runtime.deps.db;
    const { message, conversation } = await makeConversation(db, p.id, { body: 'I need a refill on my metformin 500 mg please, CVS on Main St' });
    await addTriageJob(db, message.id, h.clock.now());
    await h.drain();
    const [m] = await db.select().from(messages).where(eq(messages.id, message.id));
    expect(m!.triage).toMatchObject({ intent: 'refill_request', urgency: 'routine', language: 'en' });
    expect(JSON.stringify(m!.triage!.entities).toLowerCase()).toContain('metformin');
    const [c] = await db.select().from(conversations).where(eq(conversations.id, conversation.id));
    expect(c).toMatchObject({ intent: 'refill_request', urgency: 'routine' });
    expect(c!.confidence).toBeGreaterThan(0);
  });

  it('rates a refill request that mentions chest pain an emergency that needs a person', async () => {
    const db = h.runtime.deps.db;
    const { message, conversation } = await makeConversation(db, p.id, { body: 'can you refill my lisinopril, also having chest pain since this morning' });
    await addTriageJob(db, message.id, h.clock.now());
    await h.drain();
    const [c] = await db.select().from(conversations).where(eq(conversations.id, conversation.id));
    expect(c).toMatchObject({ urgency: 'emergency', needsHuman: true });
  });
});

describe('a person corrects a label', () => {
  it('updates message and conversation, audits, and keeps the correction as training data', async () => {
    const db = h.runtime.deps.db;
    const { message, conversation } = await makeConversation(db, p.id, { body: 'is the office open on saturday' });
    await addTriageJob(db, message.id, h.clock.now());
    await h.drain();
    const token = await tokenFor(db, 'manager', p.id);
    const res = await h.request('POST', `/api/v1/messages/${message.id}/triage`, { token, body: { intent: 'appointment_new', urgency: 'urgent' } });
    expect(res.status).toBe(200);
    await h.drain();
    const [m] = await db.select().from(messages).where(eq(messages.id, message.id));
    expect(m!.triage).toMatchObject({ intent: 'appointment_new', urgency: 'urgent', needsHuman: true });
    const [c] = await db.select().from(conversations).where(eq(conversations.id, conversation.id));
    expect(c).toMatchObject({ intent: 'appointment_new', urgency: 'urgent', needsHuman: true });
    const audits = await db.select().from(auditEvents).where(and(eq(auditEvents.action, 'message.triage_correct'), eq(auditEvents.subjectId, message.id)));
    expect(audits).toHaveLength(1);
    const rows = await exportCorrections(db);
    expect(rows).toContainEqual(expect.objectContaining({ text: 'is the office open on saturday', intent: 'appointment_new', urgency: 'urgent', source: 'correction' }));

    const bad = await h.request('POST', `/api/v1/messages/${message.id}/triage`, { token, body: { intent: 'teleport' } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toContain('intent');
    const other = await makePractice(db);
    const stranger = await tokenFor(db, 'manager', other.id);
    expect((await h.request('POST', `/api/v1/messages/${message.id}/triage`, { token: stranger, body: { intent: 'billing' } })).status).toBe(404);
  });
});

describe('refill requests from triage', () => {
  it('records a structured refill request when a message is triaged as one', async () => {
    const db = h.runtime.deps.db;
    const { refillRequests } = await import('../../src/platform/db/schema');
    const { message } = await makeConversation(db, p.id, { body: 'please refill my atorvastatin 20 mg, Walgreens on Oak Ave' });
    await addTriageJob(db, message.id, h.clock.now());
    await h.drain();
    const rows = await db.select().from(refillRequests).where(eq(refillRequests.messageId, message.id));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'pending' });
    expect(rows[0]!.medication?.toLowerCase()).toContain('atorvastatin');
  });
});
