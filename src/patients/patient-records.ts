import { z } from '@hono/zod-openapi';
import { and, asc, desc, eq, exists, inArray, isNull, or, sql, type SQL } from 'drizzle-orm';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { Database, Db } from '../platform/db/client';
import {
  appointments,
  consentEvents,
  contactPoints,
  conversations,
  patients,
  queues,
  refillRequests,
  type ConsentPurpose,
} from '../platform/db/schema';
import { canSeePractice, canSeeQueue, type Principal } from '../access/principal';
import { AppError, forbidden, notFound } from '../platform/errors';
import { audit, auditListPage } from '../access/audit';
import { isValidTimeZone } from '../platform/time';
import { recordConsent } from '../outreach/consent';
import { foldName, parsePatientQuery } from './patient-query';
import { escapeLike } from '../platform/db/search';

// ---- schemas ----------------------------------------------------------------------------

const ContactPointSchema = z.object({
  id: z.uuid(),
  kind: z.enum(['phone', 'email', 'portal']),
  value: z.string(),
  undeliverable: z.boolean(),
  consent: z.object({
    sms: z.enum(['unknown', 'granted', 'revoked']),
    email: z.enum(['unknown', 'granted', 'revoked']),
    voice: z.enum(['unknown', 'granted', 'revoked']),
  }),
  consentHistory: z.array(z.object({ purpose: z.enum(['sms', 'email', 'voice']), state: z.enum(['granted', 'revoked']), source: z.string(), detail: z.string().nullable(), at: z.string() })),
});

export const PatientSummarySchema = z
  .object({
    id: z.uuid(),
    practiceId: z.uuid(),
    firstName: z.string().nullable(),
    lastName: z.string().nullable(),
    dateOfBirth: z.string().nullable(),
    language: z.enum(['en', 'es']),
    mergedIntoId: z.uuid().nullable(),
    contactPoints: z.array(z.object({ kind: z.enum(['phone', 'email', 'portal']), value: z.string() })),
  })
  .openapi('PatientSummary');

export const PatientSchema = z
  .object({
    id: z.uuid(),
    practiceId: z.uuid(),
    firstName: z.string().nullable(),
    lastName: z.string().nullable(),
    dateOfBirth: z.string().nullable(),
    language: z.enum(['en', 'es']),
    timeZone: z.string().nullable(),
    preferredChannel: z.enum(['sms', 'email', 'voice']).nullable(),
    tags: z.array(z.string()),
    portalId: z.string().nullable(),
    mergedIntoId: z.uuid().nullable(),
    mergedFrom: z.array(z.uuid()).openapi({ description: 'records merged into this one (undo with their /unmerge)' }),
    erasedAt: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    contactPoints: z.array(ContactPointSchema),
    conversations: z.array(
      z.object({
        id: z.uuid(),
        channel: z.string(),
        status: z.string(),
        subject: z.string().nullable(),
        intent: z.string().nullable(),
        urgency: z.string().nullable(),
        queue: z.string().nullable(),
        lastMessageAt: z.string(),
      }),
    ),
    appointments: z.array(z.object({ id: z.uuid(), startsAt: z.string(), durationMinutes: z.number(), status: z.string(), type: z.string().nullable(), provider: z.string().nullable() })),
    refills: z.array(z.object({ id: z.uuid(), medication: z.string().nullable(), strength: z.string().nullable(), pharmacy: z.string().nullable(), status: z.string(), createdAt: z.string() })),
  })
  .openapi('Patient');

export const SearchPatientsQuery = z.object({
  q: z.string().trim().min(2).max(200).optional().openapi({ description: 'a name, a phone number in any format, an email address or a date of birth (or a name and a date of birth)' }),
  practiceId: z.uuid().optional(),
  includeMerged: z.enum(['true', 'false']).optional().openapi({ description: 'also records merged into another (default false)' }),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(400).optional(),
});

export const UpdatePatientSchema = z
  .object({
    firstName: z.string().trim().min(1).max(100).nullable(),
    lastName: z.string().trim().min(1).max(100).nullable(),
    dateOfBirth: z.iso.date({ error: 'must be a date YYYY-MM-DD' }).nullable(),
    language: z.enum(['en', 'es']),
    timeZone: z.string().refine(isValidTimeZone, 'must be an IANA time zone such as America/New_York').nullable(),
    preferredChannel: z.enum(['sms', 'email', 'voice']).nullable(),
    tags: z.array(z.string().trim().min(1).max(40)).max(30),
  })
  .partial()
  .refine((v) => Object.keys(v).length > 0, 'give at least one field to change')
  .openapi('UpdatePatient');

export const AddContactPointSchema = z
  .object({ kind: z.enum(['phone', 'email']), value: z.string().trim().min(3).max(254) })
  .openapi('AddContactPoint');

const consentFields = {
    purpose: z.enum(['sms', 'email', 'voice']),
    state: z.enum(['granted', 'revoked']),
    detail: z.string().trim().min(3).max(500).optional().openapi({ description: 'how the patient said so (required to grant: e.g. "asked at the front desk on 3/2")' }),
};
const grantSaysHow = (v: { state: string; detail?: string }) => v.state === 'revoked' || Boolean(v.detail);
export const SetConsentSchema = z
  .object({ contactPointId: z.uuid(), ...consentFields })
  .refine(grantSaysHow, { message: 'detail: say how the patient gave consent', path: ['detail'] });
/** The body of POST /patients/{id}/contact-points/{contactPointId}/consent (the contact is in the path). */
export const SetContactConsentSchema = z
  .object(consentFields)
  .refine(grantSaysHow, { message: 'detail: say how the patient gave consent', path: ['detail'] })
  .openapi('SetContactConsent');

// ---- who may see a patient --------------------------------------------------------------

type PatientRow = typeof patients.$inferSelect;

/**
 * Staff of the practice see its patients; an assistant limited to queues sees the patients
 * of conversations they may see (their queues, or assigned to them).
 */
function assistantScope(who: Principal): SQL | undefined {
  if (who.queueIds === null) return undefined;
  const own = who.userId ? eq(conversations.assigneeId, who.userId) : sql`false`;
  return who.queueIds.length ? or(inArray(conversations.queueId, who.queueIds), own) : own;
}

export function visiblePatients(db: Db, who: Principal): SQL | undefined {
  if (who.role === 'portal') throw forbidden('portal tokens can only use the portal routes');
  const parts: (SQL | undefined)[] = [];
  if (who.practiceIds !== 'all') parts.push(who.practiceIds.length ? inArray(patients.practiceId, who.practiceIds) : sql`false`);
  const scope = assistantScope(who);
  if (scope) {
    parts.push(exists(db.select({ one: sql`1` }).from(conversations).where(and(eq(conversations.patientId, patients.id), scope))));
  }
  return and(...parts);
}

export async function loadPatient(db: Db, who: Principal, id: string, opts: { lock?: boolean } = {}): Promise<PatientRow> {
  const q = db.select().from(patients).where(and(eq(patients.id, id), visiblePatients(db, who)));
  const [row] = opts.lock ? await q.for('update') : await q;
  if (!row || !canSeePractice(who, row.practiceId)) throw notFound('patient');
  return row;
}

// ---- search -----------------------------------------------------------------------------

const folded = (col: SQL | PgColumn) => sql`translate(lower(${col}), 'áàâäãåéèêëíìîïóòôöõúùûüñç', 'aaaaaaeeeeiiiiooooouuuunc')`;

const encode = (row: { last: string; first: string; id: string }) => Buffer.from(JSON.stringify([row.last, row.first, row.id])).toString('base64url');
function decode(cursor: string): { last: string; first: string; id: string } {
  try {
    const [last, first, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string, string];
    if (typeof last !== 'string' || typeof first !== 'string' || !/^[0-9a-f-]{36}$/.test(id)) throw new Error();
    return { last, first, id };
  } catch {
    throw new AppError('validation_failed', 'cursor: not a cursor this API gave out');
  }
}

/**
 * `GET /api/v1/patients?q=`: by name (any order, accents and case ignored, prefixes),
 * phone in any format (the full number, or its last digits), email, or date of birth.
 * Sorted by last then first name; each page is one audit entry naming the records shown and
 * how they were matched, never the search text.
 */
export async function searchPatients(db: Database, who: Principal, input: z.input<typeof SearchPatientsQuery>, now: Date, requestId: string | null) {
  const q = SearchPatientsQuery.parse(input);
  const where: (SQL | undefined)[] = [visiblePatients(db, who), isNull(patients.erasedAt)];
  if (q.includeMerged !== 'true') where.push(isNull(patients.mergedIntoId));
  if (q.practiceId) where.push(eq(patients.practiceId, q.practiceId));
  let matchedBy = 'all';
  if (q.q) {
    const query = parsePatientQuery(q.q, now);
    matchedBy = query.kind === 'person' ? [query.names.length ? 'name' : null, query.dateOfBirth ? 'date_of_birth' : null].filter(Boolean).join('+') || 'name' : query.kind;
    const contact = (kind: 'phone' | 'email', cond: SQL) =>
      exists(db.select({ one: sql`1` }).from(contactPoints).where(and(eq(contactPoints.patientId, patients.id), eq(contactPoints.kind, kind), cond)));
    if (query.kind === 'email') where.push(contact('email', sql`${contactPoints.value} like ${`${escapeLike(query.email)}%`}`));
    else if (query.kind === 'phone') {
      where.push(contact('phone', query.e164 ? eq(contactPoints.value, query.e164) : sql`${contactPoints.value} like ${`%${escapeLike(query.digits)}`}`));
    } else {
      if (query.dateOfBirth) where.push(eq(patients.dateOfBirth, query.dateOfBirth));
      for (const name of query.names) {
        const pattern = `${escapeLike(foldName(name))}%`;
        where.push(or(sql`${folded(patients.firstName)} like ${pattern}`, sql`${folded(patients.lastName)} like ${pattern}`));
      }
      if (query.names.length === 0 && !query.dateOfBirth) where.push(sql`false`);
    }
  }
  // sorted as people read names: accents and case do not move López after Lopez-Ruiz
  const lastKey = sql<string>`coalesce(${folded(patients.lastName)}, '')`;
  const firstKey = sql<string>`coalesce(${folded(patients.firstName)}, '')`;
  if (q.cursor) {
    const c = decode(q.cursor);
    where.push(sql`(${lastKey}, ${firstKey}, ${patients.id}) > (${c.last}, ${c.first}, ${c.id}::uuid)`);
  }
  return db.transaction(async (tx) => {
    const rows = await tx
      .select({ p: patients, last: lastKey, first: firstKey })
      .from(patients)
      .where(and(...where))
      .orderBy(asc(lastKey), asc(firstKey), asc(patients.id))
      .limit(q.limit + 1);
    const page = rows.slice(0, q.limit);
    const ids = page.map((r) => r.p.id);
    const points = ids.length
      ? await tx.select({ patientId: contactPoints.patientId, kind: contactPoints.kind, value: contactPoints.value }).from(contactPoints).where(inArray(contactPoints.patientId, ids)).orderBy(asc(contactPoints.createdAt))
      : [];
    await auditListPage(tx, who, requestId, { action: 'patient.search', subjectType: 'patient', rows: page.map((r) => ({ id: r.p.id, patientId: r.p.id, practiceId: r.p.practiceId })) });
    const last = page.at(-1);
    return {
      data: page.map(({ p }) => ({
        id: p.id,
        practiceId: p.practiceId,
        firstName: p.firstName,
        lastName: p.lastName,
        dateOfBirth: p.dateOfBirth,
        language: p.language,
        mergedIntoId: p.mergedIntoId,
        contactPoints: points.filter((c) => c.patientId === p.id).map(({ kind, value }) => ({ kind, value })),
      })),
      nextCursor: rows.length > q.limit && last ? encode({ last: last.last, first: last.first, id: last.p.id }) : null,
      matchedBy,
    };
  });
}

// ---- the record -------------------------------------------------------------------------

async function recordView(tx: Db, who: Principal, p: PatientRow): Promise<z.infer<typeof PatientSchema>> {
  const [points, ledger, convs, appts, refills, mergedFrom] = await Promise.all([
    tx.select().from(contactPoints).where(eq(contactPoints.patientId, p.id)).orderBy(asc(contactPoints.createdAt)),
    tx
      .select()
      .from(consentEvents)
      .where(inArray(consentEvents.contactPointId, tx.select({ id: contactPoints.id }).from(contactPoints).where(eq(contactPoints.patientId, p.id))))
      .orderBy(asc(consentEvents.createdAt), asc(consentEvents.id)),
    tx
      .select({ c: conversations, queueKey: queues.key })
      .from(conversations)
      .leftJoin(queues, eq(queues.id, conversations.queueId))
      .where(eq(conversations.patientId, p.id))
      .orderBy(desc(conversations.lastMessageAt)),
    tx.select().from(appointments).where(eq(appointments.patientId, p.id)).orderBy(desc(appointments.startsAt)),
    tx.select().from(refillRequests).where(eq(refillRequests.patientId, p.id)).orderBy(desc(refillRequests.createdAt)),
    tx.select({ id: patients.id }).from(patients).where(eq(patients.mergedIntoId, p.id)),
  ]);
  const latest = (cpId: string, purpose: ConsentPurpose) => ledger.filter((e) => e.contactPointId === cpId && e.purpose === purpose).at(-1)?.state ?? 'unknown';
  return {
    id: p.id,
    practiceId: p.practiceId,
    firstName: p.firstName,
    lastName: p.lastName,
    dateOfBirth: p.dateOfBirth,
    language: p.language,
    timeZone: p.timeZone,
    preferredChannel: p.preferredChannel,
    tags: p.tags,
    portalId: p.portalId,
    mergedIntoId: p.mergedIntoId,
    mergedFrom: mergedFrom.map((m) => m.id),
    erasedAt: p.erasedAt?.toISOString() ?? null,
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
    contactPoints: points.map((cp) => ({
      id: cp.id,
      kind: cp.kind,
      value: cp.value,
      undeliverable: cp.undeliverable,
      consent: { sms: cp.smsConsent, email: cp.emailConsent, voice: latest(cp.id, 'voice') },
      consentHistory: ledger
        .filter((e) => e.contactPointId === cp.id)
        .map((e) => ({ purpose: e.purpose, state: e.state, source: e.source, detail: e.detail, at: e.createdAt.toISOString() })),
    })),
    // an assistant limited to queues sees only the conversations they could open
    conversations: convs
      .filter(({ c }) => canSeeQueue(who, c.practiceId, c.queueId, c.assigneeId))
      .map(({ c, queueKey }) => ({
        id: c.id,
        channel: c.channel,
        status: c.status,
        subject: c.subject,
        intent: c.intent,
        urgency: c.urgency,
        queue: queueKey,
        lastMessageAt: c.lastMessageAt.toISOString(),
      })),
    appointments: appts.map((a) => ({ id: a.id, startsAt: a.startsAt.toISOString(), durationMinutes: a.durationMinutes, status: a.status, type: a.type, provider: a.provider })),
    refills: refills.map((r) => ({ id: r.id, medication: r.medication, strength: r.strength, pharmacy: r.pharmacy, status: r.status, createdAt: r.createdAt.toISOString() })),
  };
}

export async function getPatient(db: Database, who: Principal, id: string, requestId: string | null) {
  return db.transaction(async (tx) => {
    const p = await loadPatient(tx, who, id);
    await audit(tx, who, requestId, { action: 'patient.read', subjectType: 'patient', subjectId: p.id, practiceId: p.practiceId, patientId: p.id });
    return recordView(tx, who, p);
  });
}

function assertEditable(p: PatientRow) {
  if (p.erasedAt) throw new AppError('conflict', "this patient's record was erased");
  if (p.mergedIntoId) throw new AppError('conflict', `this record was merged into ${p.mergedIntoId}; change that one (or undo the merge)`);
}

/** Demographics and preferences; the audit names the fields changed, never their values. */
export async function updatePatient(db: Database, who: Principal, id: string, input: z.input<typeof UpdatePatientSchema>, now: Date, requestId: string | null) {
  const data = UpdatePatientSchema.parse(input);
  return db.transaction(async (tx) => {
    const p = await loadPatient(tx, who, id, { lock: true });
    assertEditable(p);
    const set: Partial<PatientRow> = { ...data, updatedAt: now };
    if (data.tags) set.tags = [...new Set(data.tags)];
    const [row] = await tx.update(patients).set(set).where(eq(patients.id, p.id)).returning();
    await audit(tx, who, requestId, { action: 'patient.update', subjectType: 'patient', subjectId: p.id, practiceId: p.practiceId, patientId: p.id, detail: { fields: Object.keys(data) } });
    return recordView(tx, who, row!);
  });
}

export async function addContactPoint(db: Database, who: Principal, id: string, input: z.input<typeof AddContactPointSchema>, now: Date, requestId: string | null) {
  const data = AddContactPointSchema.parse(input);
  let value = data.value.toLowerCase();
  if (data.kind === 'phone') {
    const n = parsePhoneNumberFromString(data.value, 'US');
    if (!n?.isValid()) throw new AppError('validation_failed', 'value: must be a phone number, e.g. (415) 555-0142 or +14155550142');
    value = n.number as string;
  } else if (!z.email().safeParse(value).success) {
    throw new AppError('validation_failed', 'value: must be an email address');
  }
  return db.transaction(async (tx) => {
    const p = await loadPatient(tx, who, id, { lock: true });
    assertEditable(p);
    const [taken] = await tx
      .select({ patientId: contactPoints.patientId })
      .from(contactPoints)
      .where(and(eq(contactPoints.practiceId, p.practiceId), eq(contactPoints.kind, data.kind), eq(contactPoints.value, value)));
    if (taken && taken.patientId === p.id) throw new AppError('conflict', 'the patient already has this contact');
    if (taken) throw new AppError('conflict', 'another patient record has this contact; merge the two records instead');
    const [cp] = await tx.insert(contactPoints).values({ practiceId: p.practiceId, patientId: p.id, kind: data.kind, value, createdAt: now }).returning();
    await tx.update(patients).set({ updatedAt: now }).where(eq(patients.id, p.id));
    await audit(tx, who, requestId, { action: 'patient.contact_add', subjectType: 'contact_point', subjectId: cp!.id, practiceId: p.practiceId, patientId: p.id, detail: { kind: data.kind } });
    return recordView(tx, who, p);
  });
}

/**
 * A contact that opted out stays on record (its ledger is the proof of the opt-out, and a
 * new contact with the same number would start without it): removing it is refused.
 */
export async function removeContactPoint(db: Database, who: Principal, id: string, contactPointId: string, now: Date, requestId: string | null) {
  return db.transaction(async (tx) => {
    const p = await loadPatient(tx, who, id, { lock: true });
    assertEditable(p);
    const [cp] = await tx.select().from(contactPoints).where(and(eq(contactPoints.id, contactPointId), eq(contactPoints.patientId, p.id)));
    if (!cp) throw notFound('contact point');
    if (cp.smsConsent === 'revoked' || cp.emailConsent === 'revoked') {
      throw new AppError('conflict', 'this contact opted out; it stays on record so the opt-out keeps holding');
    }
    await tx.delete(contactPoints).where(eq(contactPoints.id, cp.id));
    await tx.update(patients).set({ updatedAt: now }).where(eq(patients.id, p.id));
    await audit(tx, who, requestId, { action: 'patient.contact_remove', subjectType: 'contact_point', subjectId: cp.id, practiceId: p.practiceId, patientId: p.id, detail: { kind: cp.kind } });
    return recordView(tx, who, p);
  });
}

/** Consent per contact and purpose, recorded in the ledger with who set it and how the patient said so. */
export async function setConsent(db: Database, who: Principal, id: string, input: z.input<typeof SetConsentSchema>, now: Date, requestId: string | null) {
  const data = SetConsentSchema.parse(input);
  return db.transaction(async (tx) => {
    const p = await loadPatient(tx, who, id, { lock: true });
    assertEditable(p);
    const [cp] = await tx.select().from(contactPoints).where(and(eq(contactPoints.id, data.contactPointId), eq(contactPoints.patientId, p.id)));
    if (!cp) throw new AppError('validation_failed', 'contactPointId: not a contact of this patient');
    if ((data.purpose === 'email') !== (cp.kind === 'email')) throw new AppError('validation_failed', `purpose: ${data.purpose} consent does not apply to a ${cp.kind} contact`);
    await recordConsent(tx, {
      practiceId: p.practiceId,
      contactPointId: cp.id,
      purpose: data.purpose,
      state: data.state,
      source: who.kind === 'user' ? 'console' : 'api',
      detail: data.detail ?? null,
      actor: who,
    });
    await tx.update(patients).set({ updatedAt: now }).where(eq(patients.id, p.id));
    await audit(tx, who, requestId, { action: 'patient.consent', subjectType: 'contact_point', subjectId: cp.id, practiceId: p.practiceId, patientId: p.id, detail: { purpose: data.purpose, state: data.state } });
    return recordView(tx, who, p);
  });
}

