import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { and, count, eq } from 'drizzle-orm';
import {
  appointments,
  auditEvents,
  contactPoints,
  conversations,
  messageAttachments,
  messages,
  patients,
  refillRequests,
} from '../../src/platform/db/schema';
import { attachmentBlobKey } from '../../src/platform/blobs/blob-store';
import { startHarness, type Harness } from '../helpers/harness';
import { makeConversation, makePractice, tokenFor, userWithPassword } from '../helpers/fixtures';
import { inboundSms, postTwilio } from '../helpers/twilio';
import { signIn } from '../helpers/session';
import type { PracticeView } from '../../src/practices/practices';

let h: Harness;
let p: PracticeView;
beforeAll(async () => {
  h = await startHarness();
  p = await makePractice(h.runtime.deps.db);
});
afterAll(() => h.close());
const db = () => h.runtime.deps.db;

interface Person {
  first: string | null;
  last: string | null;
  dob?: string | null;
  phone?: string;
  email?: string;
  practiceId?: string;
}
async function person(o: Person) {
  const [row] = await db()
    .insert(patients)
    .values({ practiceId: o.practiceId ?? p.id, firstName: o.first, lastName: o.last, dateOfBirth: o.dob ?? null })
    .returning();
  if (o.phone) await db().insert(contactPoints).values({ practiceId: o.practiceId ?? p.id, patientId: row!.id, kind: 'phone', value: o.phone });
  if (o.email) await db().insert(contactPoints).values({ practiceId: o.practiceId ?? p.id, patientId: row!.id, kind: 'email', value: o.email });
  return row!;
}
const search = async (q: string, token?: string) => {
  const res = await h.request('GET', `/api/v1/patients?q=${encodeURIComponent(q)}`, token ? { token } : {});
  expect(res.status).toBe(200);
  return (await res.json()) as { data: { id: string; firstName: string }[]; nextCursor: string | null; matchedBy: string };
};

describe('finding a patient', () => {
  let maria: { id: string };
  let jose: { id: string };
  beforeAll(async () => {
    maria = await person({ first: 'María', last: 'López', dob: '1980-03-14', phone: '+14155550142', email: 'maria.lopez@example.com' });
    jose = await person({ first: 'José', last: 'Lopez-Ruiz', dob: '1975-11-02', phone: '+14155550177' });
    await person({ first: 'Mario', last: 'Lombardi', dob: '1980-03-15', phone: '+14155550911' });
  });

  it.each([
    ['(415) 555-0142', 'phone'],
    ['415.555.0142', 'phone'],
    ['+1 415 555 0142', 'phone'],
    ['4155550142', 'phone'],
    ['0142', 'phone'],
    ['maria.lopez@example.com', 'email'],
    ['MARIA.LOPEZ@', 'email'],
    ['1980-03-14', 'date_of_birth'],
    ['3/14/1980', 'date_of_birth'],
    ['03/14/80', 'date_of_birth'],
    ['14/03/1980', 'date_of_birth'],
    ['March 14, 1980', 'date_of_birth'],
    ['14 de marzo de 1980', 'date_of_birth'],
    ['maria lopez', 'name'],
    ['López, María', 'name'],
    ['lopez 3/14/1980', 'name+date_of_birth'],
  ])('%s finds María López (by %s)', async (q, by) => {
    const r = await search(q);
    expect(r.matchedBy).toBe(by);
    expect(r.data.map((d) => d.id)).toEqual([maria.id]);
  });

  it('a surname prefix finds every match, sorted by last then first name, a page at a time', async () => {
    const first = await h.request('GET', '/api/v1/patients?q=lop&limit=1');
    const page1 = (await first.json()) as { data: { id: string }[]; nextCursor: string };
    const page2 = (await (await h.request('GET', `/api/v1/patients?q=lop&limit=1&cursor=${page1.nextCursor}`)).json()) as { data: { id: string }[]; nextCursor: string | null };
    expect([...page1.data, ...page2.data].map((d) => d.id)).toEqual([maria.id, jose.id]);
    expect(page2.nextCursor).toBeNull();
    expect((await search('nobody-like-this')).data).toEqual([]);
  });

  it('logs one audit entry per page shown, never the search text, and none for a repeat of the same page', async () => {
    const ines = await person({ first: 'Inés', last: 'Audited', phone: '+14155550178' });
    const before = await db().select({ n: count() }).from(auditEvents).where(eq(auditEvents.action, 'patient.search'));
    await search('(415) 555-0178');
    await search('(415) 555-0178');
    await search('415-555-0178');
    const rows = await db().select().from(auditEvents).where(eq(auditEvents.action, 'patient.search'));
    expect(rows.length - Number(before[0]!.n)).toBe(1);
    const last = rows.at(-1)!;
    expect(last.patientId).toBe(ines.id);
    expect(last.detail).toMatchObject({ ids: [ines.id], patientIds: [ines.id], count: 1 });
    // the search text in any form (repeatKey is a hash and the ids are random: either may hold
    // any digits, so the hash is left out and the ids are blanked before looking)
    const { repeatKey: _hash, ...detail } = last.detail as Record<string, unknown>;
    const uuid = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
    expect(JSON.stringify(detail).replace(uuid, '<id>')).not.toMatch(/555|0178|415/);
  });

  it('another practice sees none of them; an assistant sees only patients of conversations in their queues', async () => {
    const other = await makePractice(db());
    expect((await search('lopez', await tokenFor(db(), 'manager', other.id))).data).toEqual([]);
    const { patient } = await makeConversation(db(), p.id, { queue: 'refills', firstName: 'Visible' });
    await db().update(patients).set({ lastName: 'Queueperson' }).where(eq(patients.id, patient.id));
    const hidden = await makeConversation(db(), p.id, { queue: 'billing', firstName: 'Hidden' });
    await db().update(patients).set({ lastName: 'Queueperson' }).where(eq(patients.id, hidden.patient.id));
    const assistant = await userWithPassword(db(), 'assistant', [p.id], ['refills']);
    const session = await signIn(h, assistant);
    const res = await h.request('GET', '/api/v1/patients?q=queueperson', { token: null, headers: session.read });
    expect(((await res.json()) as { data: { id: string }[] }).data.map((d) => d.id)).toEqual([patient.id]);
    expect((await h.request('GET', `/api/v1/patients/${hidden.patient.id}`, { token: null, headers: session.read })).status).toBe(404);
    expect((await h.request('GET', '/api/v1/patients?q=x', {})).status).toBe(400);
  });
});

describe('a patient record', () => {
  it('shows contacts with consent per channel and its history, language, conversations, appointments and refills; reading is audited', async () => {
    const { patient, conversation, message } = await makeConversation(db(), p.id, { phone: '+14155550301' });
    await db().insert(appointments).values({ practiceId: p.id, patientId: patient.id, externalId: `ap-${patient.id}`, startsAt: new Date('2026-02-01T15:00:00Z'), durationMinutes: 20 });
    await db().insert(refillRequests).values({ practiceId: p.id, patientId: patient.id, conversationId: conversation.id, messageId: message.id, medication: 'lisinopril' });
    const [cp] = await db().select().from(contactPoints).where(eq(contactPoints.patientId, patient.id));
    const revoke = await h.request('POST', `/api/v1/patients/${patient.id}/contact-points/${cp!.id}/consent`, { body: { purpose: 'sms', state: 'revoked' } });
    expect(revoke.status).toBe(200);
    const grantNoDetail = await h.request('POST', `/api/v1/patients/${patient.id}/contact-points/${cp!.id}/consent`, { body: { purpose: 'voice', state: 'granted' } });
    expect(grantNoDetail.status).toBe(400);
    await h.request('POST', `/api/v1/patients/${patient.id}/contact-points/${cp!.id}/consent`, { body: { purpose: 'voice', state: 'granted', detail: 'said yes on the phone' } });
    const res = await h.request('GET', `/api/v1/patients/${patient.id}`);
    expect(res.status).toBe(200);
    const record = (await res.json()) as Record<string, unknown> & { contactPoints: { consent: unknown; consentHistory: unknown[] }[] };
    expect(record).toMatchObject({ id: patient.id, language: 'en', conversations: [{ id: conversation.id }], appointments: [{ startsAt: '2026-02-01T15:00:00.000Z' }], refills: [{ medication: 'lisinopril' }] });
    expect(record.contactPoints[0]).toMatchObject({ value: '+14155550301', consent: { sms: 'revoked', email: 'unknown', voice: 'granted' } });
    expect(record.contactPoints[0]!.consentHistory).toMatchObject([
      { purpose: 'sms', state: 'revoked', source: 'api' },
      { purpose: 'voice', state: 'granted', detail: 'said yes on the phone' },
    ]);
    const reads = await db().select().from(auditEvents).where(and(eq(auditEvents.action, 'patient.read'), eq(auditEvents.patientId, patient.id)));
    expect(reads).toHaveLength(1);
    // a contact that opted out stays on record
    expect((await h.request('DELETE', `/api/v1/patients/${patient.id}/contact-points/${cp!.id}`)).status).toBe(409);
  });

  it('is edited field by field (audited by name, not value), takes a phone in any format, and refuses a contact another record holds', async () => {
    const a = await person({ first: 'Ann', last: 'Old', phone: '+14155550401' });
    const edit = await h.request('PATCH', `/api/v1/patients/${a.id}`, { body: { lastName: 'New', language: 'es', dateOfBirth: '1990-05-06', timeZone: 'America/Chicago', tags: ['vip'] } });
    expect(edit.status).toBe(200);
    expect(await edit.json()).toMatchObject({ lastName: 'New', language: 'es', dateOfBirth: '1990-05-06', timeZone: 'America/Chicago', tags: ['vip'] });
    expect((await h.request('PATCH', `/api/v1/patients/${a.id}`, { body: { timeZone: 'Mars/Olympus' } })).status).toBe(400);
    expect((await h.request('PATCH', `/api/v1/patients/${a.id}`, { body: {} })).status).toBe(400);
    const [event] = await db().select().from(auditEvents).where(and(eq(auditEvents.action, 'patient.update'), eq(auditEvents.patientId, a.id)));
    expect(((event!.detail as { fields: string[] }).fields).sort()).toEqual(['dateOfBirth', 'language', 'lastName', 'tags', 'timeZone']);
    const added = await h.request('POST', `/api/v1/patients/${a.id}/contact-points`, { body: { kind: 'phone', value: '(415) 555-0402' } });
    expect(added.status).toBe(201);
    expect(((await added.json()) as { contactPoints: { value: string }[] }).contactPoints.map((c) => c.value)).toContain('+14155550402');
    await person({ first: 'Bo', last: 'Other', phone: '+14155550403' });
    expect((await h.request('POST', `/api/v1/patients/${a.id}/contact-points`, { body: { kind: 'phone', value: '415 555 0403' } })).status).toBe(409);
    expect((await h.request('POST', `/api/v1/patients/${a.id}/contact-points`, { body: { kind: 'email', value: 'not-an-email' } })).status).toBe(400);
  });
});

describe('merge and unmerge keep every field', () => {
  const field = fc.option(fc.constantFrom('Ana', 'Bea', 'Cruz', 'Dee'), { nil: null });
  const dob = fc.option(fc.constantFrom('1970-01-01', '1985-06-30', '2001-12-31'), { nil: null });
  const zone = fc.option(fc.constantFrom('America/New_York', 'America/Denver'), { nil: null });
  const channel = fc.option(fc.constantFrom('sms' as const, 'email' as const, 'voice' as const), { nil: null });
  const tags = fc.uniqueArray(fc.constantFrom('a', 'b', 'c'), { maxLength: 3 });
  const record = fc.record({ firstName: field, lastName: field, dateOfBirth: dob, timeZone: zone, preferredChannel: channel, tags });
  const manager = () => tokenFor(db(), 'manager', p.id);

  it('the survivor keeps its own, takes what it lacked, the merged record stays as it was; unmerge puts both back exactly', async () => {
    const token = await manager();
    const keys = ['firstName', 'lastName', 'dateOfBirth', 'timeZone', 'preferredChannel', 'tags'] as const;
    const fields = (r: typeof patients.$inferSelect) => Object.fromEntries(keys.map((k) => [k, r[k]]));
    await fc.assert(
      fc.asyncProperty(record, record, async (a, b) => {
        const [src] = await db().insert(patients).values({ practiceId: p.id, ...a }).returning();
        const [dst] = await db().insert(patients).values({ practiceId: p.id, ...b }).returning();
        const merged = await h.request('POST', `/api/v1/patients/${src!.id}/merge`, { token, body: { intoId: dst!.id } });
        expect(merged.status).toBe(200);
        const [s1] = await db().select().from(patients).where(eq(patients.id, src!.id));
        const [d1] = await db().select().from(patients).where(eq(patients.id, dst!.id));
        expect(fields(s1!)).toEqual(fields(src!));
        for (const k of keys) {
          if (k === 'tags') expect(new Set(d1!.tags)).toEqual(new Set([...b.tags, ...a.tags]));
          else expect(d1![k]).toEqual(b[k] ?? a[k]);
        }
        expect((await h.request('POST', `/api/v1/patients/${src!.id}/unmerge`, { token })).status).toBe(200);
        const [s2] = await db().select().from(patients).where(eq(patients.id, src!.id));
        const [d2] = await db().select().from(patients).where(eq(patients.id, dst!.id));
        expect(fields(s2!)).toEqual(fields(src!));
        expect(fields(d2!)).toEqual(fields(dst!));
      }),
      { numRuns: 20 },
    );
  });

  it('an edit made to the survivor after the merge survives the unmerge; refill requests move and come back', async () => {
    const token = await manager();
    const src = await makeConversation(db(), p.id, { firstName: 'Zed' });
    await db().update(patients).set({ dateOfBirth: '1960-01-01' }).where(eq(patients.id, src.patient.id));
    const [dst] = await db().insert(patients).values({ practiceId: p.id, firstName: 'Zed', lastName: 'Example' }).returning();
    const [refill] = await db().insert(refillRequests).values({ practiceId: p.id, patientId: src.patient.id, conversationId: src.conversation.id, messageId: src.message.id }).returning();
    const merge = (await (await h.request('POST', `/api/v1/patients/${src.patient.id}/merge`, { token, body: { intoId: dst!.id } })).json()) as { moved: { refillRequests: number }; filled: string[] };
    expect(merge.moved.refillRequests).toBe(1);
    expect(merge.filled).toEqual(['dateOfBirth']);
    expect((await db().select().from(refillRequests).where(eq(refillRequests.id, refill!.id)))[0]!.patientId).toBe(dst!.id);
    await h.request('PATCH', `/api/v1/patients/${dst!.id}`, { token, body: { dateOfBirth: '1961-02-02' } });
    expect((await h.request('PATCH', `/api/v1/patients/${src.patient.id}`, { token, body: { firstName: 'X' } })).status).toBe(409);
    await h.request('POST', `/api/v1/patients/${src.patient.id}/unmerge`, { token });
    expect((await db().select().from(patients).where(eq(patients.id, dst!.id)))[0]!.dateOfBirth).toBe('1961-02-02');
    expect((await db().select().from(refillRequests).where(eq(refillRequests.id, refill!.id)))[0]!.patientId).toBe(src.patient.id);
  });
});

describe('right of access and erasure', () => {
  let surnames = 0;
  async function patientWithEverything() {
    const surname = `Erasable${String.fromCharCode(97 + surnames++)}`;
    const { patient, conversation, message } = await makeConversation(db(), p.id, { phone: `+1415555${String(Math.floor(Math.random() * 9000) + 1000)}`, body: 'my rash is worse, photo attached' });
    await db().update(patients).set({ lastName: surname, dateOfBirth: '1970-07-07' }).where(eq(patients.id, patient.id));
    await db().update(conversations).set({ intent: 'clinical_question', urgency: 'routine' }).where(eq(conversations.id, conversation.id));
    await db().update(messages).set({ triage: { intent: 'clinical_question', urgency: 'routine', confidence: 0.9, language: 'en', entities: { dateOfBirth: '1970-07-07' }, redFlags: [], needsHuman: true } }).where(eq(messages.id, message.id));
    const id = crypto.randomUUID();
    const blobKey = attachmentBlobKey(p.id, id);
    await h.runtime.deps.blobs.put(blobKey, new Uint8Array([0xff, 0xd8, 0xff]), { contentType: 'image/jpeg' });
    await db().insert(messageAttachments).values({ id, practiceId: p.id, conversationId: conversation.id, messageId: message.id, status: 'stored', name: 'rash.jpg', contentType: 'image/jpeg', size: 3, blobKey });
    await db().insert(appointments).values({ practiceId: p.id, patientId: patient.id, externalId: `ehr-${patient.id}`, startsAt: new Date('2026-01-10T15:00:00Z'), durationMinutes: 15, status: 'no_show' });
    // an older record merged into this one
    const [old] = await db().insert(patients).values({ practiceId: p.id, firstName: 'Pat', lastName: 'Maiden', mergedIntoId: patient.id }).returning();
    return { patient, conversation, message, attachmentId: id, blobKey, old: old!, surname };
  }

  it('export returns everything held, with links to the files on our origin; managers only; audited', async () => {
    const t = await patientWithEverything();
    const assistant = await tokenFor(db(), 'assistant', p.id);
    expect((await h.request('GET', `/api/v1/patients/${t.patient.id}/export`, { token: assistant })).status).toBe(403);
    const res = await h.request('GET', `/api/v1/patients/${t.patient.id}/export`, { token: await tokenFor(db(), 'manager', p.id) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="patient-${t.patient.id}.json"`);
    const data = (await res.json()) as Record<string, unknown>;
    expect(data).toMatchObject({
      patient: { id: t.patient.id, lastName: t.surname, dateOfBirth: '1970-07-07' },
      mergedRecords: [{ id: t.old.id, lastName: 'Maiden' }],
      contactPoints: [{ kind: 'phone' }],
      conversations: [{ id: t.conversation.id, messages: [{ body: 'my rash is worse, photo attached', attachments: [{ name: 'rash.jpg', url: `https://switchboard.example.test/api/v1/attachments/${t.attachmentId}` }] }] }],
      appointments: [{ status: 'no_show' }],
    });
    const [event] = await db().select().from(auditEvents).where(and(eq(auditEvents.action, 'patient.export'), eq(auditEvents.patientId, t.patient.id)));
    expect(event).toBeDefined();
  });

  it('erase (admins, with a reason) removes bodies, files and contacts across merged records, keeps the audit trail and the figures', async () => {
    const t = await patientWithEverything();
    await h.request('GET', `/api/v1/patients/${t.patient.id}`); // an earlier read, which must stay in the trail
    const figures = async () => ({
      byIntent: Number((await db().select({ n: count() }).from(conversations).where(and(eq(conversations.practiceId, p.id), eq(conversations.intent, 'clinical_question'))))[0]!.n),
      noShows: Number((await db().select({ n: count() }).from(appointments).where(and(eq(appointments.practiceId, p.id), eq(appointments.status, 'no_show'))))[0]!.n),
      messages: Number((await db().select({ n: count() }).from(messages).where(eq(messages.practiceId, p.id)))[0]!.n),
    });
    const before = await figures();
    const trailBefore = await db().select().from(auditEvents).where(eq(auditEvents.patientId, t.patient.id));

    const manager = await tokenFor(db(), 'manager', p.id);
    expect((await h.request('POST', `/api/v1/patients/${t.patient.id}/erase`, { token: manager, body: { reason: 'written request of 2026-01-04' } })).status).toBe(403);
    expect((await h.request('POST', `/api/v1/patients/${t.patient.id}/erase`, { body: { reason: 'x' } })).status).toBe(400);
    expect((await h.request('POST', `/api/v1/patients/${t.old.id}/erase`, { body: { reason: 'written request of 2026-01-04' } })).status).toBe(409);
    const res = await h.request('POST', `/api/v1/patients/${t.patient.id}/erase`, { body: { reason: 'written request of 2026-01-04' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ records: expect.arrayContaining([t.patient.id, t.old.id]), erased: { messages: 1, files: 1, contactPoints: 1 } });

    const [pat] = await db().select().from(patients).where(eq(patients.id, t.patient.id));
    expect(pat).toMatchObject({ firstName: null, lastName: null, dateOfBirth: null, portalId: null });
    expect(pat!.erasedAt).not.toBeNull();
    const [old] = await db().select().from(patients).where(eq(patients.id, t.old.id));
    expect(old).toMatchObject({ firstName: null, lastName: null });
    const [msg] = await db().select().from(messages).where(eq(messages.id, t.message.id));
    expect(msg).toMatchObject({ body: '', fromAddress: null, subject: null });
    expect(msg!.triage).toMatchObject({ intent: 'clinical_question', urgency: 'routine', entities: {} });
    const [file] = await db().select().from(messageAttachments).where(eq(messageAttachments.id, t.attachmentId));
    expect(file).toMatchObject({ status: 'erased', blobKey: null, name: null });
    expect(await h.runtime.deps.blobs.has(t.blobKey)).toBe(false);
    expect(await db().select().from(contactPoints).where(eq(contactPoints.patientId, t.patient.id))).toEqual([]);
    const [appt] = await db().select().from(appointments).where(eq(appointments.patientId, t.patient.id));
    expect(appt!.externalId).toBe(`erased-${appt!.id}`);

    expect(await figures()).toEqual(before);
    const trailAfter = await db().select().from(auditEvents).where(eq(auditEvents.patientId, t.patient.id));
    expect(trailAfter.map((e) => e.id)).toEqual(expect.arrayContaining(trailBefore.map((e) => e.id)));
    const erase = trailAfter.find((e) => e.action === 'patient.erase')!;
    expect(erase.detail).toMatchObject({ reason: 'written request of 2026-01-04' });
    expect((await h.request('GET', `/api/v1/attachments/${t.attachmentId}`)).status).toBe(410);
    expect((await search(t.surname)).data).toEqual([]);
    expect((await h.request('PATCH', `/api/v1/patients/${t.patient.id}`, { body: { firstName: 'Back' } })).status).toBe(409);
  });

  it('after erasure the same number writing again starts a new record', async () => {
    const t = await patientWithEverything();
    const [cp] = await db().select().from(contactPoints).where(eq(contactPoints.patientId, t.patient.id));
    await h.request('POST', `/api/v1/patients/${t.patient.id}/erase`, { body: { reason: 'verbal request, confirmed by letter' } });
    const res = await postTwilio(h, '/webhooks/twilio/sms', inboundSms(cp!.value, p.phoneNumbers[0]!, 'hello again'));
    expect(res.status).toBe(200);
    const [again] = await db().select().from(contactPoints).where(and(eq(contactPoints.practiceId, p.id), eq(contactPoints.value, cp!.value)));
    expect(again!.patientId).not.toBe(t.patient.id);
  });
});
