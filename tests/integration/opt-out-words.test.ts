import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { consentEvents, contactPoints, messages } from '../../src/platform/db/schema';
import { addJob } from '../../src/platform/jobs/catalog';
import { startHarness, type Harness } from '../helpers/harness';
import { makeConversation, makePractice, tokenFor } from '../helpers/fixtures';
import type { PracticeView } from '../../src/practices/practices';

// issue 11, point 2: opt-out by any reasonable means, a portal message or a voicemail included
let h: Harness;
let p: PracticeView;
let portal: string;
beforeAll(async () => {
  h = await startHarness();
  p = await makePractice(h.runtime.deps.db, 'words-stop');
  portal = await tokenFor(h.runtime.deps.db, 'portal', p.id);
});
afterAll(() => h.close());
const db = () => h.runtime.deps.db;

/** a patient with a phone (from makeConversation) and an email address; answers the ids */
async function patientWithPhoneAndEmail(body = 'hello') {
  const c = await makeConversation(db(), p.id, { body });
  const [email] = await db().insert(contactPoints).values({ practiceId: p.id, patientId: c.patient.id, kind: 'email', value: `w-${c.patient.id.slice(0, 8)}@example.com` }).returning();
  const [phone] = await db().select().from(contactPoints).where(and(eq(contactPoints.patientId, c.patient.id), eq(contactPoints.kind, 'phone')));
  return { ...c, phone: phone!, email: email! };
}
const consentOf = async (id: string) => (await db().select().from(contactPoints).where(eq(contactPoints.id, id)))[0]!;

async function portalSays(portalId: string, body: string) {
  const res = await h.request('POST', '/api/v1/portal/messages', { token: portal, body: { messageId: `pm-${portalId}-${body.length}`, patient: { portalId, firstName: 'Po', lastName: 'Tal', dateOfBirth: '1980-01-01' }, body } });
  expect(res.status).toBe(201);
  await h.drain();
  return (await res.json()) as { id: string; conversationId: string };
}

/** a voicemail with its transcript, as the voicemail job lands it, then triaged */
async function voicemailSays(transcript: string) {
  const c = await patientWithPhoneAndEmail();
  const [m] = await db()
    .update(messages)
    .set({ channel: 'voice', body: transcript, meta: { kind: 'voicemail', language: 'en' } })
    .where(eq(messages.id, c.message.id))
    .returning();
  await addJob(db(), 'triage', { messageId: m!.id, requestId: null }, { runAt: h.clock.now() });
  await h.drain();
  return c;
}

describe('a request to stop in words, beyond texts and emails', () => {
  it('in a portal message from a patient with no phone or email on file: marked as a request to stop, nothing to revoke', async () => {
    const sent = await portalSays('pt-stop-1', 'please stop texting me');
    const [m] = await db().select().from(messages).where(eq(messages.id, sent.id));
    expect(m!.meta).toMatchObject({ optOut: { kind: 'phrase' } });
    expect(await db().select().from(consentEvents).where(eq(consentEvents.messageId, m!.id))).toHaveLength(0);
  });

  it('in a portal message from a patient with a phone and an email: the named channel only; unnamed, texts and email', async () => {
    const a = await patientWithPhoneAndEmail();
    const b = await patientWithPhoneAndEmail();
    for (const [who, body] of [
      [a, 'Please stop calling me about appointments'],
      [b, 'no me manden mas mensajes por favor'],
    ] as const) {
      const [m] = await db().update(messages).set({ channel: 'portal', body }).where(eq(messages.id, who.message.id)).returning();
      await addJob(db(), 'triage', { messageId: m!.id, requestId: null }, { runAt: h.clock.now() });
    }
    await h.drain();
    expect(await consentOf(a.phone.id)).toMatchObject({ voiceConsent: 'revoked', smsConsent: 'unknown' });
    expect(await consentOf(a.email.id)).toMatchObject({ emailConsent: 'unknown' });
    expect(await consentOf(b.phone.id)).toMatchObject({ smsConsent: 'revoked', voiceConsent: 'unknown' });
    expect(await consentOf(b.email.id)).toMatchObject({ emailConsent: 'revoked' });
    const ledger = await db().select().from(consentEvents).where(eq(consentEvents.messageId, b.message.id));
    expect(ledger.map((e) => e.purpose).sort()).toEqual(['email', 'sms']);
  });

  it('in a voicemail: calls stop (and texts when it names them), once, even when the job runs again', async () => {
    const c = await voicemailSays('hi this is ana please stop calling me and stop sending me texts thank you');
    expect(await consentOf(c.phone.id)).toMatchObject({ voiceConsent: 'revoked', smsConsent: 'revoked' });
    expect(await consentOf(c.email.id)).toMatchObject({ emailConsent: 'unknown' });
    await addJob(db(), 'triage', { messageId: c.message.id, requestId: null }, { runAt: h.clock.now() });
    await h.drain();
    expect(await db().select().from(consentEvents).where(eq(consentEvents.messageId, c.message.id))).toHaveLength(2);
  });

  it('words that merely contain "stop" change nothing', async () => {
    const c = await voicemailSays('hi I cannot stop coughing since yesterday please call me back');
    const d = await patientWithPhoneAndEmail();
    const [m] = await db().update(messages).set({ channel: 'portal', body: "my nose won't stop running, can I get an appointment" }).where(eq(messages.id, d.message.id)).returning();
    await addJob(db(), 'triage', { messageId: m!.id, requestId: null }, { runAt: h.clock.now() });
    await h.drain();
    for (const id of [c.phone.id, c.email.id, d.phone.id, d.email.id]) expect(await consentOf(id)).toMatchObject({ smsConsent: 'unknown', voiceConsent: 'unknown', emailConsent: 'unknown' });
    expect(await db().select().from(consentEvents).where(eq(consentEvents.messageId, c.message.id))).toHaveLength(0);
  });
});
