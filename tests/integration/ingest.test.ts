import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { contactPoints, conversations, messageAttachments, messages, outbox, patients } from '../../src/platform/db/schema';
import { ingestInbound } from '../../src/intake/ingest';
import { startHarness, type Harness } from '../helpers/harness';
import { makePractice } from '../helpers/fixtures';
import type { InboundMessage } from '../../channels/types';
import type { PracticeView } from '../../src/practices/practices';

let h: Harness;
let p: PracticeView;
beforeAll(async () => {
  h = await startHarness();
  p = await makePractice(h.runtime.deps.db);
});
afterAll(() => h.close());

const sms = (sid: string, from: string, body: string): InboundMessage => ({
  channel: 'sms',
  providerId: sid,
  to: p.phoneNumbers[0]!,
  from: { kind: 'phone', value: from },
  body,
  attachments: [],
  receivedAt: h.clock.now(),
});

describe('ingest', () => {
  it('creates patient, contact point, conversation, message and triage row in one call', async () => {
    const db = h.runtime.deps.db;
    const r = await ingestInbound(db, { ...sms('SM-new-1', '+14155550177', 'hi there'), attachments: [{ name: null, contentType: 'image/jpeg', size: null, url: 'https://api.twilio.com/media/ME1' }] }, { practiceId: p.id, receivedAt: h.clock.now(), requestId: 'req-1' });
    expect(r).toMatchObject({ duplicate: false, newPatient: true });
    const [point] = await db.select().from(contactPoints).where(eq(contactPoints.id, r.contactPointId));
    expect(point).toMatchObject({ kind: 'phone', value: '+14155550177', patientId: r.patientId });
    const [msg] = await db.select().from(messages).where(eq(messages.id, r.messageId));
    expect(msg).toMatchObject({ direction: 'inbound', channel: 'sms', body: 'hi there', status: 'received', conversationId: r.conversationId });
    expect(await db.select().from(messageAttachments).where(eq(messageAttachments.messageId, r.messageId))).toHaveLength(1);
    const jobs = await db.select().from(outbox).where(eq(outbox.dedupeKey, `triage:${r.messageId}`));
    expect(jobs[0]!.payload).toEqual({ messageId: r.messageId, requestId: 'req-1' });
  });

  it('stores a retried webhook once', async () => {
    const db = h.runtime.deps.db;
    const first = await ingestInbound(db, sms('SM-dup', '+14155550178', 'once'), { practiceId: p.id, receivedAt: h.clock.now() });
    const again = await ingestInbound(db, sms('SM-dup', '+14155550178', 'once'), { practiceId: p.id, receivedAt: h.clock.now() });
    expect(again).toMatchObject({ duplicate: true, messageId: first.messageId, conversationId: first.conversationId });
    expect(await db.select().from(messages).where(eq(messages.providerId, 'SM-dup'))).toHaveLength(1);
    expect(await db.select().from(outbox).where(eq(outbox.dedupeKey, `triage:${first.messageId}`))).toHaveLength(1);
  });

  it('finds the existing patient and conversation, and reopens a resolved one', async () => {
    const db = h.runtime.deps.db;
    const a = await ingestInbound(db, sms('SM-a', '+14155550179', 'first'), { practiceId: p.id, receivedAt: h.clock.now() });
    await db.update(conversations).set({ status: 'resolved', resolvedAt: h.clock.now() }).where(eq(conversations.id, a.conversationId));
    const b = await ingestInbound(db, sms('SM-b', '+14155550179', 'second'), { practiceId: p.id, receivedAt: h.clock.now() });
    expect(b).toMatchObject({ patientId: a.patientId, conversationId: a.conversationId, newPatient: false });
    const [c] = await db.select().from(conversations).where(eq(conversations.id, a.conversationId));
    expect(c!.status).toBe('open');
    expect(await db.select().from(patients).where(eq(patients.practiceId, p.id))).toHaveLength(3);
  });

  it('keeps two concurrent first messages from one new number on one patient', async () => {
    const db = h.runtime.deps.db;
    const [x, y] = await Promise.all([
      ingestInbound(db, sms('SM-c1', '+14155550180', 'one'), { practiceId: p.id, receivedAt: h.clock.now() }),
      ingestInbound(db, sms('SM-c2', '+14155550180', 'two'), { practiceId: p.id, receivedAt: h.clock.now() }),
    ]);
    expect(x.patientId).toBe(y.patientId);
    expect(await db.select().from(contactPoints).where(eq(contactPoints.value, '+14155550180'))).toHaveLength(1);
  });
});
