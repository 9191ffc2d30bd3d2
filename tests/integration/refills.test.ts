import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { auditEvents, conversations, messages, refillRequests } from '../../src/platform/db/schema';
import { recordRefillRequest } from '../../src/inbox/refills/refills';
import type { FakeClock } from '../../src/platform/clock';
import type { TriageResult } from '../../triage/types';
import { startHarness, type Harness } from '../helpers/harness';
import { makeConversation, makePractice, tokenFor } from '../helpers/fixtures';
import type { PracticeView } from '../../src/practices/practices';

let h: Harness;
let p: PracticeView;
let manager: string;
beforeAll(async () => {
  h = await startHarness();
  p = await makePractice(h.runtime.deps.db);
  manager = await tokenFor(h.runtime.deps.db, 'manager', p.id);
});
afterAll(() => h.close());

const refillTriage: TriageResult = {
  intent: 'refill_request',
  urgency: 'routine',
  confidence: 0.93,
  language: 'en',
  entities: {
    medications: ['lisinopril'],
    medicationDetails: [{ name: 'lisinopril', strength: '10 mg', mentioned: 'lisinopril' }],
    pharmacy: 'CVS on Main St',
    dateOfBirth: '1961-03-04',
    callbackNumber: '+14155550199',
  },
  redFlags: [],
  needsHuman: false,
};

/** A patient's refill text, triaged, with its refill request recorded the way the triage job does. */
async function triagedRefill(opts: { channel?: 'sms' | 'voice' | 'email'; triage?: TriageResult } = {}) {
  const db = h.runtime.deps.db;
  (h.clock as FakeClock).advance(1000);
  const made = await makeConversation(db, p.id, { queue: 'refills', body: 'I need a refill of my lisinopril 10 mg at CVS on Main St', at: new Date(h.clock.now().getTime() - 60_000) });
  if (opts.channel) {
    await db.update(conversations).set({ channel: opts.channel }).where(eq(conversations.id, made.conversation.id));
  }
  const triage = opts.triage ?? refillTriage;
  await db.update(messages).set({ triage }).where(eq(messages.id, made.message.id));
  const recorded = await db.transaction((tx) => recordRefillRequest(tx, { messageId: made.message.id, now: h.clock.now() }));
  return { ...made, refillId: recorded!.id, recorded: recorded! };
}

type Refill = { id: string; status: string; medication: string | null; strength: string | null; pharmacy: string | null; patientNotice?: { messageId: string | null; channel: string | null; reason: string | null } };

describe('playbooks', () => {
  it("shows the queue's checklist beside a refill conversation, prefilled from the triage", async () => {
    const db = h.runtime.deps.db;
    const queues = (await (await h.request('GET', `/api/v1/queues?practiceId=${p.id}`, { token: manager })).json()) as { data: { id: string; key: string }[] };
    const refills = queues.data.find((q) => q.key === 'refills')!;
    const patch = await h.request('PATCH', `/api/v1/queues/${refills.id}`, {
      token: manager,
      body: {
        playbook: {
          items: [
            { key: 'identity', label: 'Confirm name and date of birth', entity: 'dateOfBirth' },
            { key: 'medication', label: 'Medication and strength', entity: 'medications' },
            { key: 'pharmacy', label: 'Pharmacy', entity: 'pharmacy' },
            { key: 'last_visit', label: 'Last visit within 12 months' },
          ],
        },
      },
    });
    expect(patch.status).toBe(200);
    const { conversation } = await triagedRefill();
    const detail = (await (await h.request('GET', `/api/v1/conversations/${conversation.id}`, { token: manager })).json()) as {
      id: string;
      messages: unknown[];
      playbook: { queue: { key: string }; items: { key: string; label: string; entity: string | null; value: string | null }[] } | null;
    };
    expect(detail.id).toBe(conversation.id);
    expect(detail.messages).toHaveLength(1);
    expect(detail.playbook).toEqual({
      queue: { id: refills.id, key: 'refills', name: expect.any(String) },
      items: [
        { key: 'identity', label: 'Confirm name and date of birth', entity: 'dateOfBirth', value: '1961-03-04' },
        { key: 'medication', label: 'Medication and strength', entity: 'medications', value: 'lisinopril 10 mg' },
        { key: 'pharmacy', label: 'Pharmacy', entity: 'pharmacy', value: 'CVS on Main St' },
        { key: 'last_visit', label: 'Last visit within 12 months', entity: null, value: null },
      ],
    });
    // a conversation without a queue (or a queue without a checklist) has none
    const { conversation: general } = await makeConversation(db, p.id, { queue: 'general' });
    const plain = (await (await h.request('GET', `/api/v1/conversations/${general.id}`, { token: manager })).json()) as { playbook: unknown };
    expect(plain.playbook).toBeNull();
    const doc = (await (await h.request('GET', '/api/v1/openapi.json', { token: null })).json()) as { components: { schemas: Record<string, { properties: Record<string, unknown> }> } };
    expect(doc.components.schemas.Conversation!.properties).toHaveProperty('playbook');
  });
});

describe('refill requests', () => {
  it('records one structured request per triaged message', async () => {
    const db = h.runtime.deps.db;
    const { refillId, recorded, message, patient, conversation } = await triagedRefill();
    expect(recorded.created).toBe(true);
    const again = await recordRefillRequest(db, { messageId: message.id, now: h.clock.now() });
    expect(again).toEqual({ id: refillId, created: false });
    const rows = await db.select().from(refillRequests).where(eq(refillRequests.messageId, message.id));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ practiceId: p.id, patientId: patient.id, conversationId: conversation.id, medication: 'lisinopril', strength: '10 mg', pharmacy: 'CVS on Main St', status: 'pending' });

    const list = await h.request('GET', `/api/v1/refills?practiceId=${p.id}&status=pending`, { token: manager });
    expect(list.status).toBe(200);
    const body = (await list.json()) as { data: (Refill & { patient: { id: string } })[]; nextCursor: string | null };
    expect(body.data.find((r) => r.id === refillId)).toMatchObject({ medication: 'lisinopril', strength: '10 mg', patient: { id: patient.id } });
    // one entry for the page, naming the refills and patients it showed
    const reads = (await db.select().from(auditEvents).where(eq(auditEvents.action, 'refill.list'))).filter((e) => (e.detail as { ids: string[] }).ids.includes(refillId));
    expect(reads).toHaveLength(1);
    expect((reads[0]!.detail as { patientIds: string[] }).patientIds).toContain(patient.id);
    // a list works with no query parameters
    expect((await h.request('GET', '/api/v1/refills', { token: manager })).status).toBe(200);
  });

  it('approves: the patient gets the approved text in the conversation, and the decision is audited', async () => {
    const db = h.runtime.deps.db;
    const { refillId, conversation, patient } = await triagedRefill();
    const res = await h.request('POST', `/api/v1/refills/${refillId}/approve`, { token: manager, body: { note: 'last BP normal, 90 days' } });
    expect(res.status).toBe(200);
    const decided = (await res.json()) as Refill;
    expect(decided).toMatchObject({ id: refillId, status: 'approved', patientNotice: { channel: 'sms', reason: null } });
    await h.drain();
    const [sent] = await db.select().from(messages).where(eq(messages.id, decided.patientNotice!.messageId!));
    expect(sent).toMatchObject({ conversationId: conversation.id, direction: 'outbound', channel: 'sms', status: 'simulated' });
    expect(sent!.body).toBe(`${p.name}: Your refill was approved and sent to your pharmacy. Please check with the pharmacy before you go. Questions? Call ${p.mainPhone}.`);
    // the note stays internal
    expect(sent!.body).not.toContain('BP');
    const [audited] = await db.select().from(auditEvents).where(and(eq(auditEvents.action, 'refill.approve'), eq(auditEvents.subjectId, refillId)));
    expect(audited).toMatchObject({ practiceId: p.id, patientId: patient.id });

    const twice = await h.request('POST', `/api/v1/refills/${refillId}/deny`, { token: manager, body: {} });
    expect(twice.status).toBe(409);
    const approved = (await (await h.request('GET', `/api/v1/refills?status=approved`, { token: manager })).json()) as { data: Refill[] };
    expect(approved.data.map((r) => r.id)).toContain(refillId);
  });

  it("denies: the patient gets the denied text in their language, from the practice's override when it has one", async () => {
    const db = h.runtime.deps.db;
    const { refillId } = await triagedRefill();
    const denied = await h.request('POST', `/api/v1/refills/${refillId}/deny`, { token: manager });
    expect(denied.status).toBe(200);
    const body = (await denied.json()) as Refill;
    expect(body.status).toBe('denied');
    await h.drain();
    const [sent] = await db.select().from(messages).where(eq(messages.id, body.patientNotice!.messageId!));
    expect(sent!.status).toBe('simulated');
    expect(sent!.body).toBe(`${p.name}: We could not approve your refill request. Please call us at ${p.mainPhone} so we can talk about next steps.`);

    // Spanish patient, practice override for the Spanish text
    const put = await h.request('PUT', '/api/v1/templates/refill_denied/es/sms', {
      token: manager,
      body: { practiceId: p.id, body: '{{practice.name}}: No pudimos aprobar su resurtido. Llame al {{practice.phone}}, por favor.' },
    });
    expect(put.status).toBe(200);
    // the patient's record says English (the default), the request was written in Spanish
    const second = await triagedRefill({ triage: { ...refillTriage, language: 'es' } });
    const res = await h.request('POST', `/api/v1/refills/${second.refillId}/deny`, { token: manager, body: {} });
    const r = (await res.json()) as Refill;
    await h.drain();
    const [es] = await db.select().from(messages).where(eq(messages.id, r.patientNotice!.messageId!));
    expect(es!.body).toBe(`${p.name}: No pudimos aprobar su resurtido. Llame al ${p.mainPhone}, por favor.`);
    expect(es!.status).toBe('simulated');
  });

  it('answers a voice conversation by text, and still records the decision when the patient cannot be told', async () => {
    const db = h.runtime.deps.db;
    const voice = await triagedRefill({ channel: 'voice' });
    const r = (await (await h.request('POST', `/api/v1/refills/${voice.refillId}/approve`, { token: manager, body: {} })).json()) as Refill;
    expect(r.patientNotice).toMatchObject({ channel: 'sms', reason: null });
    await h.drain();
    const [sent] = await db.select().from(messages).where(eq(messages.id, r.patientNotice!.messageId!));
    expect(sent).toMatchObject({ channel: 'sms', status: 'simulated' });

    const email = await triagedRefill({ channel: 'email' });
    const res = await h.request('POST', `/api/v1/refills/${email.refillId}/approve`, { token: manager, body: {} });
    expect(res.status).toBe(200);
    const noContact = (await res.json()) as Refill;
    expect(noContact).toMatchObject({ status: 'approved', patientNotice: { messageId: null, channel: 'email', reason: 'the patient has no email contact' } });
  });

  it('lets a clinician decide, not an assistant (403); another practice gets 404', async () => {
    const db = h.runtime.deps.db;
    const { refillId } = await triagedRefill();
    const assistantToken = await tokenFor(db, 'assistant', p.id);
    const byAssistant = await h.request('POST', `/api/v1/refills/${refillId}/approve`, { token: assistantToken, body: {} });
    expect(byAssistant.status).toBe(403);
    expect(((await byAssistant.json()) as { error: { message: string } }).error.message).toContain('clinician');
    // an assistant may list them (to prepare the chart), not decide
    expect((await h.request('GET', `/api/v1/refills?practiceId=${p.id}`, { token: assistantToken })).status).toBe(200);

    const other = await makePractice(db);
    const stranger = await tokenFor(db, 'manager', other.id);
    expect((await h.request('POST', `/api/v1/refills/${refillId}/approve`, { token: stranger, body: {} })).status).toBe(404);
    expect((await h.request('POST', `/api/v1/refills/${refillId}/deny`, { token: stranger, body: {} })).status).toBe(404);
    const theirs = (await (await h.request('GET', `/api/v1/refills?practiceId=${p.id}`, { token: stranger })).json()) as { data: Refill[] };
    expect(theirs.data).toEqual([]);
    const [row] = await db.select().from(refillRequests).where(eq(refillRequests.id, refillId));
    expect(row!.status).toBe('pending');
    expect((await h.request('POST', `/api/v1/refills/00000000-0000-4000-8000-000000000000/approve`, { token: manager, body: {} })).status).toBe(404);
  });
});
