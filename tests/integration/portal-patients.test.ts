import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { auditEvents, contactPoints, conversations, patientMerges, patients } from '../../src/platform/db/schema';
import { ingestInbound } from '../../src/intake/ingest';
import { startHarness, type Harness } from '../helpers/harness';
import { makePractice, tokenFor } from '../helpers/fixtures';
import { inboundEnv, parsedEmail, postInbound } from '../helpers/email';
import type { PracticeView } from '../../src/practices/practices';

let h: Harness;
let p: PracticeView;
let portalToken: string;

beforeAll(async () => {
  h = await startHarness({ env: inboundEnv });
  p = await makePractice(h.runtime.deps.db, 'one-patient');
  portalToken = await tokenFor(h.runtime.deps.db, 'portal', p.id);
});
afterAll(() => h.close());

const db = () => h.runtime.deps.db;
let sid = 0;

async function sms(from: string, body = 'hi') {
  return ingestInbound(db(), { channel: 'sms', providerId: `SM${++sid}x${Date.now()}`, to: p.phoneNumbers[0]!, from: { kind: 'phone', value: from }, body, attachments: [], receivedAt: h.clock.now() }, { practiceId: p.id, receivedAt: h.clock.now() });
}
async function email(from: string, text = 'hello') {
  const res = await postInbound(h, parsedEmail({ from, to: p.emailAddresses[0]!, text }));
  expect(res.status).toBe(200);
  const { conversationId } = (await res.json()) as { conversationId: string };
  return (await db().select().from(conversations).where(eq(conversations.id, conversationId)))[0]!.patientId;
}
async function portal(messageId: string, patient: Record<string, string>) {
  const res = await h.request('POST', '/api/v1/portal/messages', { token: portalToken, body: { messageId, patient, body: 'From the portal' } });
  expect(res.status).toBe(201);
  const { conversationId } = (await res.json()) as { conversationId: string };
  return (await db().select().from(conversations).where(eq(conversations.id, conversationId)))[0]!.patientId;
}
const pointsOf = async (patientId: string) =>
  (await db().select().from(contactPoints).where(eq(contactPoints.patientId, patientId))).map((c) => `${c.kind}:${c.value}`).sort();

describe('one patient across SMS, email and portal', () => {
  it('joins a portal message to the patient who texted from the same phone, and their email afterwards', async () => {
    const texted = await sms('+14155550199', 'Do you have appointments Friday?');
    const fromPortal = await portal('pm-x1', { portalId: 'pt-501', firstName: 'Ana', lastName: 'Ruiz', dateOfBirth: '1990-01-02', phone: '(415) 555-0199', email: 'Ana.Ruiz@example.com' });
    expect(fromPortal).toBe(texted.patientId);
    const [patient] = await db().select().from(patients).where(eq(patients.id, texted.patientId));
    expect(patient).toMatchObject({ firstName: 'Ana', lastName: 'Ruiz', dateOfBirth: '1990-01-02', portalId: 'pt-501' });
    expect(await pointsOf(texted.patientId)).toEqual(['email:ana.ruiz@example.com', 'phone:+14155550199', 'portal:pt-501']);

    expect(await email('Ana Ruiz <ana.ruiz@example.com>')).toBe(texted.patientId);
    expect((await sms('+14155550199')).patientId).toBe(texted.patientId);
  });

  it('joins a portal message by the email a patient wrote from, and later texts by the phone the portal gave', async () => {
    const emailed = await email('Ben Ito <ben@example.com>');
    const fromPortal = await portal('pm-x2', { portalId: 'pt-502', firstName: 'Ben', lastName: 'Ito', dateOfBirth: '1975-05-05', phone: '+1 415 555 0123', email: 'ben@example.com' });
    expect(fromPortal).toBe(emailed);
    expect((await sms('+14155550123')).patientId).toBe(emailed);
    // the portal id alone finds them next time
    expect(await portal('pm-x3', { portalId: 'pt-502', firstName: 'Ben', lastName: 'Ito', dateOfBirth: '1975-05-05' })).toBe(emailed);
  });
});

describe('merging patients', () => {
  it('lets a manager merge two records (audited) and undo it', async () => {
    const bySms = await sms('+14155550777', 'this is Cal');
    const byEmailPatient = await email('Cal Moss <cal@example.com>');
    expect(byEmailPatient).not.toBe(bySms.patientId);
    const manager = await tokenFor(db(), 'manager', p.id);

    const assistant = await tokenFor(db(), 'assistant', p.id);
    expect((await h.request('POST', `/api/v1/patients/${bySms.patientId}/merge`, { token: assistant, body: { intoId: byEmailPatient } })).status).toBe(403);
    const elsewhere = await makePractice(db(), 'elsewhere');
    const otherManager = await tokenFor(db(), 'manager', elsewhere.id);
    expect((await h.request('POST', `/api/v1/patients/${bySms.patientId}/merge`, { token: otherManager, body: { intoId: byEmailPatient } })).status).toBe(404);
    expect((await h.request('POST', `/api/v1/patients/${bySms.patientId}/merge`, { token: manager, body: { intoId: bySms.patientId } })).status).toBe(400);
    expect((await h.request('POST', `/api/v1/patients/${bySms.patientId}/merge`, { token: manager, body: {} })).status).toBe(400);

    const res = await h.request('POST', `/api/v1/patients/${bySms.patientId}/merge`, { token: manager, body: { intoId: byEmailPatient } });
    expect(res.status).toBe(200);
    const merge = (await res.json()) as { id: string; moved: { conversations: number; contactPoints: number }; undoneAt: string | null };
    expect(merge).toMatchObject({ patientId: bySms.patientId, intoId: byEmailPatient, moved: { conversations: 1, contactPoints: 1 }, undoneAt: null });
    expect(await pointsOf(byEmailPatient)).toEqual(['email:cal@example.com', 'phone:+14155550777']);
    const [conv] = await db().select().from(conversations).where(eq(conversations.id, bySms.conversationId));
    expect(conv!.patientId).toBe(byEmailPatient);
    const [merged] = await db().select().from(patients).where(eq(patients.id, bySms.patientId));
    expect(merged!.mergedIntoId).toBe(byEmailPatient);
    expect(await db().select().from(auditEvents).where(and(eq(auditEvents.action, 'patient.merge'), eq(auditEvents.subjectId, merge.id)))).toHaveLength(2);
    // a second merge of the same record is refused until undone
    expect((await h.request('POST', `/api/v1/patients/${bySms.patientId}/merge`, { token: manager, body: { intoId: byEmailPatient } })).status).toBe(409);

    // the next text lands on the surviving record
    const later = await sms('+14155550777', 'me again');
    expect(later.patientId).toBe(byEmailPatient);
    expect(later.conversationId).toBe(bySms.conversationId);

    const undo = await h.request('POST', `/api/v1/patients/${bySms.patientId}/unmerge`, { token: manager });
    expect(undo.status).toBe(200);
    expect(((await undo.json()) as { undoneAt: string | null }).undoneAt).not.toBeNull();
    expect(await pointsOf(bySms.patientId)).toEqual(['phone:+14155550777']);
    expect(await pointsOf(byEmailPatient)).toEqual(['email:cal@example.com']);
    const [back] = await db().select().from(conversations).where(eq(conversations.id, bySms.conversationId));
    expect(back!.patientId).toBe(bySms.patientId);
    const [restored] = await db().select().from(patients).where(eq(patients.id, bySms.patientId));
    expect(restored!.mergedIntoId).toBeNull();
    const [row] = await db().select().from(patientMerges).where(eq(patientMerges.id, merge.id));
    expect(row!.undoneAt).not.toBeNull();
    expect(await db().select().from(auditEvents).where(and(eq(auditEvents.action, 'patient.unmerge'), eq(auditEvents.subjectId, merge.id)))).toHaveLength(2);
    expect((await sms('+14155550777', 'third')).patientId).toBe(bySms.patientId);
    expect((await h.request('POST', `/api/v1/patients/${bySms.patientId}/unmerge`, { token: manager })).status).toBe(409);
  });
});
