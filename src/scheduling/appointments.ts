import { z } from '@hono/zod-openapi';
import { and, asc, desc, eq, gte, inArray, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Database, Db } from '../platform/db/client';
import {
  appointments,
  consentEvents,
  contactPoints,
  ehrPatientLinks,
  ehrWriteBacks,
  patients,
  reminders,
  type AppointmentStatus,
} from '../platform/db/schema';
import { canSeePractice, isManagerOf, type Principal } from '../access/principal';
import { AppError, forbidden, notFound } from '../platform/errors';
import { audit, auditListPage, type AuditAction } from '../access/audit';
import { afterCursor, pageOf } from '../platform/cursor';
import { recordConsent } from '../outreach/consent';
import { findPractice } from '../practices/practices';
import { cancelReminders, planReminders } from './reminders/reminders';
import { queueEhrWriteBack } from './ehr/write-back-queue';
import { isPatientInReach, patientInReach } from './minimum-necessary';
import {
  CreateAppointmentSchema,
  ListAppointmentsQuery,
  UpdateAppointmentSchema,
  type AppointmentOutcome,
  type AppointmentRecord,
  type AppointmentSource,
  type AppointmentView,
} from './appointment-schemas';


/*
 * Who may do what: managers and admins of the practice create, update, reschedule and cancel
 * appointments (they own the schedule and its imports); assistants of the practice may read
 * them (list and detail, to answer patients), but not change them. An assistant limited to
 * queues sees only the appointments of the patients of its conversations (minimum necessary).
 * A practice or appointment the caller cannot see answers 404, as if it did not exist.
 */

type AppointmentRow = typeof appointments.$inferSelect;

async function viewOf(db: Db, row: AppointmentRow): Promise<AppointmentView> {
  return (await viewsOf(db, [row]))[0]!;
}

async function viewsOf(db: Db, rows: AppointmentRow[]): Promise<AppointmentView[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const [people, plans, writeBacks] = await Promise.all([
    db
      .select({ id: patients.id, firstName: patients.firstName, lastName: patients.lastName })
      .from(patients)
      .where(inArray(patients.id, [...new Set(rows.map((r) => r.patientId))])),
    db.select().from(reminders).where(inArray(reminders.appointmentId, ids)).orderBy(asc(reminders.dueAt), asc(reminders.id)),
    db
      .selectDistinctOn([ehrWriteBacks.appointmentId])
      .from(ehrWriteBacks)
      .where(inArray(ehrWriteBacks.appointmentId, ids))
      .orderBy(ehrWriteBacks.appointmentId, desc(ehrWriteBacks.createdAt), desc(ehrWriteBacks.id)),
  ]);
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  return rows.map((a) => {
    const p = people.find((x) => x.id === a.patientId);
    return {
      id: a.id,
      practiceId: a.practiceId,
      externalId: a.externalId,
      startsAt: a.startsAt.toISOString(),
      durationMinutes: a.durationMinutes,
      type: a.type,
      provider: a.provider,
      status: a.status,
      source: a.source,
      confirmedAt: iso(a.confirmedAt),
      cancelledAt: iso(a.cancelledAt),
      createdAt: a.createdAt.toISOString(),
      updatedAt: a.updatedAt.toISOString(),
      patient: { id: a.patientId, firstName: p?.firstName ?? null, lastName: p?.lastName ?? null },
      reminders: plans
        .filter((r) => r.appointmentId === a.id)
        .map((r) => ({ id: r.id, channel: r.channel, dueAt: r.dueAt.toISOString(), status: r.status, skipReason: r.skipReason, sentAt: iso(r.sentAt) })),
      ehr: ehrView(a, writeBacks.find((w) => w.appointmentId === a.id)),
    };
  });
}

function ehrView(a: AppointmentRow, wb: typeof ehrWriteBacks.$inferSelect | undefined): AppointmentView['ehr'] {
  if (!a.ehrResourceId && !wb) return null;
  return {
    resourceId: a.ehrResourceId,
    versionId: a.ehrVersionId,
    writeBack: wb
      ? {
          id: wb.id,
          action: wb.action,
          status: wb.status,
          attempts: wb.attempts,
          lastError: wb.lastError,
          nextAttemptAt: wb.status === 'pending' ? (wb.nextAttemptAt?.toISOString() ?? null) : null,
          updatedAt: wb.updatedAt.toISOString(),
        }
      : null,
  };
}

/** The record a merge left behind leads to the one that stayed. */
async function survivor(db: Db, patientId: string): Promise<typeof patients.$inferSelect> {
  let id = patientId;
  for (let hops = 0; hops < 10; hops++) {
    const [row] = await db.select().from(patients).where(eq(patients.id, id));
    if (!row) break;
    if (!row.mergedIntoId) return row;
    id = row.mergedIntoId;
  }
  throw new AppError('conflict', 'patient merge chain is broken');
}

/**
 * The practice's patient for this appointment: the one whose phone or email matches, else the
 * one with the same first and last name and date of birth, else a new one. Missing details
 * (date of birth, contact points) are added; language follows what the schedule says; an
 * explicit smsConsent goes to the consent ledger. Returns whether anything was written.
 */
async function matchPatient(
  tx: Db,
  practiceId: string,
  input: AppointmentRecord['patient'],
  consentSource: 'api' | 'import',
  actor: Principal | 'system',
  /** the patient an EHR link already names: no matching by details */
  knownId: string | null = null,
): Promise<{ patient: typeof patients.$inferSelect; changed: boolean }> {
  const phone = input.phone ?? null;
  const email = input.email ?? null;
  const points = [
    ...(phone ? [{ kind: 'phone' as const, value: phone }] : []),
    ...(email ? [{ kind: 'email' as const, value: email }] : []),
  ];
  const existingPoints = points.length
    ? await tx
        .select()
        .from(contactPoints)
        .where(
          and(
            eq(contactPoints.practiceId, practiceId),
            or(...points.map((p) => and(eq(contactPoints.kind, p.kind), eq(contactPoints.value, p.value)))),
          ),
        )
    : [];
  // a phone is the stronger match: it is how reminders reach the patient
  const byContact = existingPoints.find((p) => p.kind === 'phone') ?? existingPoints[0];
  let patient = knownId ? await survivor(tx, knownId) : byContact ? await survivor(tx, byContact.patientId) : null;
  if (!patient && input.dateOfBirth) {
    const [byName] = await tx
      .select()
      .from(patients)
      .where(
        and(
          eq(patients.practiceId, practiceId),
          isNull(patients.mergedIntoId),
          eq(patients.dateOfBirth, input.dateOfBirth),
          sql`lower(${patients.firstName}) = lower(${input.firstName})`,
          sql`lower(${patients.lastName}) = lower(${input.lastName})`,
        ),
      )
      .orderBy(asc(patients.createdAt))
      .limit(1);
    patient = byName ?? null;
  }
  let changed = false;
  if (!patient) {
    const [created] = await tx
      .insert(patients)
      .values({
        practiceId,
        firstName: input.firstName,
        lastName: input.lastName,
        dateOfBirth: input.dateOfBirth ?? null,
        language: input.language ?? 'en',
      })
      .returning();
    patient = created!;
    changed = true;
  } else {
    const set: Partial<typeof patients.$inferInsert> = {};
    if (!patient.firstName) set.firstName = input.firstName;
    if (!patient.lastName) set.lastName = input.lastName;
    if (input.dateOfBirth && !patient.dateOfBirth) set.dateOfBirth = input.dateOfBirth;
    if (input.language && input.language !== patient.language) set.language = input.language;
    if (Object.keys(set).length > 0) {
      const [updated] = await tx.update(patients).set({ ...set, updatedAt: new Date() }).where(eq(patients.id, patient.id)).returning();
      patient = updated!;
      changed = true;
    }
  }
  // contact points the patient does not have yet; one that belongs to someone else stays theirs
  let phonePoint = existingPoints.find((p) => p.kind === 'phone' && p.value === phone) ?? null;
  for (const p of points) {
    if (existingPoints.some((e) => e.kind === p.kind && e.value === p.value)) continue;
    const [inserted] = await tx.insert(contactPoints).values({ practiceId, patientId: patient!.id, kind: p.kind, value: p.value }).returning();
    if (p.kind === 'phone') phonePoint = inserted!;
    changed = true;
  }
  if (input.smsConsent !== undefined && phonePoint) {
    const wanted = input.smsConsent ? 'granted' : 'revoked';
    if (phonePoint.smsConsent !== wanted && (wanted === 'revoked' || (await mayGrant(tx, phonePoint.id)))) {
      await recordConsent(tx, {
        practiceId,
        contactPointId: phonePoint.id,
        purpose: 'sms',
        state: wanted,
        source: consentSource,
        actor: actor === 'system' ? null : actor,
      });
      changed = true;
    }
  }
  return { patient: patient!, changed };
}

/**
 * A schedule saying "consent: yes" never overrides a STOP the patient sent (TCPA): only a
 * revocation that itself came from the API or an import can be turned back by one.
 */
async function mayGrant(tx: Db, contactPointId: string): Promise<boolean> {
  const [last] = await tx
    .select({ state: consentEvents.state, source: consentEvents.source })
    .from(consentEvents)
    .where(and(eq(consentEvents.contactPointId, contactPointId), eq(consentEvents.purpose, 'sms')))
    .orderBy(desc(consentEvents.createdAt), desc(consentEvents.id))
    .limit(1);
  return !last || last.state === 'granted' || last.source === 'api' || last.source === 'import';
}

const isUniqueViolation = (err: unknown): boolean => {
  const e = err as { code?: string; cause?: { code?: string } };
  return e?.code === '23505' || e?.cause?.code === '23505';
};

/**
 * Creates or updates the practice's appointment with this external id, in one transaction
 * with its patient, consent, reminders and audit. Unchanged data writes nothing but the audit
 * of the read. Moving the time re-plans the reminders; cancelling cancels them.
 */
export async function saveAppointment(
  db: Database,
  actor: Principal | 'system',
  practiceId: string,
  record: AppointmentRecord,
  opts: { source: AppointmentSource; now: Date; requestId?: string | null },
): Promise<{ outcome: AppointmentOutcome; appointment: AppointmentView }> {
  // two writers of the same new appointment or patient at once: the loser retries and updates
  for (let attempt = 0; ; attempt++) {
    try {
      return await db.transaction((tx) => saveInTransaction(tx, actor, practiceId, record, opts));
    } catch (err) {
      if (attempt < 2 && isUniqueViolation(err)) continue;
      throw err;
    }
  }
}

async function saveInTransaction(
  tx: Db,
  actor: Principal | 'system',
  practiceId: string,
  record: AppointmentRecord,
  opts: { source: AppointmentSource; now: Date; requestId?: string | null },
): Promise<{ outcome: AppointmentOutcome; appointment: AppointmentView }> {
  const consentSource = opts.source === 'api' ? 'api' : 'import';
  const ehr = record.ehr;
  const link = ehr?.patientResourceId
    ? (await tx.select().from(ehrPatientLinks).where(and(eq(ehrPatientLinks.practiceId, practiceId), eq(ehrPatientLinks.fhirPatientId, ehr.patientResourceId))))[0]
    : undefined;
  const { patient, changed: patientChanged } = await matchPatient(tx, practiceId, record.patient, consentSource, actor, link?.patientId ?? null);
  if (ehr?.patientResourceId) await linkEhrPatient(tx, practiceId, ehr.patientResourceId, patient.id, ehr.patientActive, opts.now);
  const current = await findForRecord(tx, practiceId, record);
  const now = opts.now;
  const auditEntry = (action: AuditAction, id: string, detail: Record<string, unknown>) =>
    audit(tx, actor, opts.requestId ?? null, { action, subjectType: 'appointment', subjectId: id, practiceId, patientId: patient.id, detail });

  if (!current) {
    const status = record.status ?? 'booked';
    const [row] = await tx
      .insert(appointments)
      .values({
        practiceId,
        patientId: patient.id,
        externalId: record.externalId,
        startsAt: record.startsAt,
        durationMinutes: record.durationMinutes,
        type: record.type ?? null,
        provider: record.provider ?? null,
        status,
        source: opts.source,
        confirmedAt: status === 'confirmed' ? now : null,
        cancelledAt: status === 'cancelled' ? now : null,
        ehrResourceId: ehr?.resourceId ?? null,
        ehrVersionId: ehr?.versionId ?? null,
      })
      .returning();
    if (status === 'booked' || status === 'confirmed') await planReminders(tx, row!.id, now);
    await auditEntry('appointment.create', row!.id, { source: opts.source });
    return { outcome: 'created', appointment: await viewOf(tx, row!) };
  }

  // what patients and staff did here wins until it has reached the EHR: the EHR's older state must not undo it
  if (opts.source === 'fhir' && (await hasUnfinishedWriteBack(tx, current.id))) {
    return { outcome: 'held', appointment: await viewOf(tx, current) };
  }
  const set: Partial<typeof appointments.$inferInsert> = {};
  if (current.patientId !== patient.id) set.patientId = patient.id;
  if (current.startsAt.getTime() !== record.startsAt.getTime()) set.startsAt = record.startsAt;
  if (current.durationMinutes !== record.durationMinutes) set.durationMinutes = record.durationMinutes;
  if (record.type !== undefined && current.type !== record.type) set.type = record.type;
  if (record.provider !== undefined && current.provider !== record.provider) set.provider = record.provider;
  // an EHR's "booked" says the appointment stands; the patient's confirmation here is finer and stays
  const keepConfirmed = opts.source === 'fhir' && record.status === 'booked' && current.status === 'confirmed';
  if (record.status !== undefined && current.status !== record.status && !keepConfirmed) Object.assign(set, statusChange(record.status, now));
  if (ehr && current.ehrResourceId !== ehr.resourceId) set.ehrResourceId = ehr.resourceId;
  if (ehr && ehr.versionId !== null && current.ehrVersionId !== ehr.versionId) {
    // a new version alone (the EHR touched something we do not keep) is no change to report
    if (Object.keys(set).length === 0) {
      await tx.update(appointments).set({ ehrVersionId: ehr.versionId }).where(eq(appointments.id, current.id));
    } else set.ehrVersionId = ehr.versionId;
  }
  return applyChange(tx, actor, current, set, {
    now,
    requestId: opts.requestId ?? null,
    patientChanged,
    action: 'appointment.update',
    detail: { source: opts.source },
  });
}

/**
 * The stored appointment a record is: the one bound to its FHIR resource, else the one with
 * its external id, unless that one is bound to another resource (then the id is taken).
 */
async function findForRecord(tx: Db, practiceId: string, record: AppointmentRecord): Promise<AppointmentRow | undefined> {
  if (record.ehr) {
    const [bound] = await tx
      .select()
      .from(appointments)
      .where(and(eq(appointments.practiceId, practiceId), eq(appointments.ehrResourceId, record.ehr.resourceId)))
      .for('update');
    if (bound) return bound;
  }
  const [byExternal] = await tx
    .select()
    .from(appointments)
    .where(and(eq(appointments.practiceId, practiceId), eq(appointments.externalId, record.externalId)))
    .for('update');
  if (byExternal && record.ehr && byExternal.ehrResourceId && byExternal.ehrResourceId !== record.ehr.resourceId) {
    throw new AppError('conflict', `identifier ${record.externalId} already belongs to Appointment/${byExternal.ehrResourceId}`);
  }
  return byExternal;
}

/**
 * Remembers which patient a FHIR Patient is. A second FHIR Patient that leads to a patient
 * who has one already is the EHR holding the same person twice: both stay linked to the one
 * patient here (one person, one inbox thread, one set of caps), and each appointment keeps
 * the FHIR Patient it names; the sync reports the pair so the practice can merge its charts.
 */
async function linkEhrPatient(tx: Db, practiceId: string, fhirPatientId: string, patientId: string, active: boolean, now: Date) {
  await tx
    .insert(ehrPatientLinks)
    .values({ practiceId, fhirPatientId, patientId, active, lastSeenAt: now, createdAt: now })
    .onConflictDoUpdate({ target: [ehrPatientLinks.practiceId, ehrPatientLinks.fhirPatientId], set: { patientId, active, lastSeenAt: now } });
}

const hasUnfinishedWriteBack = async (tx: Db, appointmentId: string) =>
  (
    await tx
      .select({ id: ehrWriteBacks.id })
      .from(ehrWriteBacks)
      .where(and(eq(ehrWriteBacks.appointmentId, appointmentId), inArray(ehrWriteBacks.status, ['pending', 'running', 'failed'])))
      .limit(1)
  ).length > 0;

function statusChange(status: AppointmentStatus, now: Date): Partial<typeof appointments.$inferInsert> {
  const set: Partial<typeof appointments.$inferInsert> = { status };
  if (status === 'confirmed') set.confirmedAt = now;
  if (status === 'cancelled') set.cancelledAt = now;
  if (status === 'booked' || status === 'confirmed') set.cancelledAt = null;
  return set;
}

/** Writes a change (if any), re-plans or cancels reminders as the change calls for, audits. */
async function applyChange(
  tx: Db,
  actor: Principal | 'system',
  current: AppointmentRow,
  set: Partial<typeof appointments.$inferInsert>,
  opts: { now: Date; requestId: string | null; patientChanged: boolean; action: AuditAction; detail?: Record<string, unknown> },
): Promise<{ outcome: AppointmentOutcome; appointment: AppointmentView }> {
  const fields = Object.keys(set);
  const auditIt = (action: AuditAction, detail: Record<string, unknown>) =>
    audit(tx, actor, opts.requestId, {
      action,
      subjectType: 'appointment',
      subjectId: current.id,
      practiceId: current.practiceId,
      patientId: set.patientId ?? current.patientId,
      detail,
    });
  if (fields.length === 0) {
    await auditIt('appointment.read', { ...opts.detail, unchanged: true });
    return { outcome: opts.patientChanged ? 'updated' : 'unchanged', appointment: await viewOf(tx, current) };
  }
  const [row] = await tx
    .update(appointments)
    .set({ ...set, updatedAt: opts.now })
    .where(eq(appointments.id, current.id))
    .returning();
  const wasLive = current.status !== 'cancelled';
  const live = row!.status === 'booked' || row!.status === 'confirmed';
  const cancelled = row!.status === 'cancelled' && wasLive;
  if (cancelled) {
    await cancelReminders(tx, row!.id, opts.now);
  } else if (live && (!wasLive || set.startsAt !== undefined || set.patientId !== undefined)) {
    // booked again after a cancellation, moved, or now someone else's: the plan starts over
    await planReminders(tx, row!.id, opts.now);
  }
  await auditIt(opts.action, { ...opts.detail, fields });
  return { outcome: cancelled ? 'cancelled' : 'updated', appointment: await viewOf(tx, row!) };
}

/**
 * An appointment the EHR no longer has (its read answered 404 or 410) is cancelled here, its
 * reminders called off and its slot offered, unless a change made here is still on its way
 * to the EHR.
 */
export async function cancelGoneFromEhr(db: Database, appointmentId: string, now: Date): Promise<'cancelled' | 'held' | 'unchanged'> {
  return db.transaction(async (tx) => {
    const [current] = await tx.select().from(appointments).where(eq(appointments.id, appointmentId)).for('update');
    if (!current || current.status === 'cancelled') return 'unchanged';
    if (await hasUnfinishedWriteBack(tx, current.id)) return 'held';
    await applyChange(tx, 'system', current, statusChange('cancelled', now), {
      now,
      requestId: null,
      patientChanged: false,
      action: 'appointment.cancel',
      detail: { source: 'fhir', reason: 'gone from the EHR' },
    });
    return 'cancelled';
  });
}

async function practiceFor(db: Db, who: Principal, practiceId: string, write: boolean) {
  if (who.role === 'portal') throw forbidden('portal tokens can only use the portal routes');
  const practice = await findPractice(db, practiceId);
  if (!practice || !canSeePractice(who, practice.id)) throw notFound('practice');
  if (write && !isManagerOf(who, practice.id)) throw forbidden('only managers and admins of the practice change appointments');
  return practice;
}

/** POST /appointments: create, or update the one with the same external id. */
export async function putAppointment(
  db: Database,
  who: Principal,
  input: z.input<typeof CreateAppointmentSchema>,
  now: Date,
  requestId: string | null,
) {
  const data = CreateAppointmentSchema.parse(input);
  const practice = await practiceFor(db, who, data.practiceId, true);
  return saveAppointment(
    db,
    who,
    practice.id,
    {
      externalId: data.externalId,
      startsAt: new Date(data.startsAt),
      durationMinutes: data.durationMinutes,
      type: data.type,
      provider: data.provider,
      status: data.status,
      patient: data.patient,
    },
    { source: 'api', now, requestId },
  );
}

async function appointmentFor(tx: Db, who: Principal, id: string, write: boolean) {
  if (who.role === 'portal') throw forbidden('portal tokens can only use the portal routes');
  const query = tx.select().from(appointments).where(eq(appointments.id, id));
  const [row] = write ? await query.for('update') : await query;
  if (!row || !canSeePractice(who, row.practiceId)) throw notFound('appointment');
  if (!(await isPatientInReach(tx, who, row.patientId))) throw notFound('appointment');
  if (write && !isManagerOf(who, row.practiceId)) throw forbidden('only managers and admins of the practice change appointments');
  return row;
}

export async function getAppointment(db: Database, who: Principal, id: string, requestId: string | null): Promise<AppointmentView> {
  return db.transaction(async (tx) => {
    const row = await appointmentFor(tx, who, id, false);
    await audit(tx, who, requestId, { action: 'appointment.read', subjectType: 'appointment', subjectId: row.id, practiceId: row.practiceId, patientId: row.patientId });
    return viewOf(tx, row);
  });
}

/** PATCH: reschedule, change details, or mark confirmed / checked in / no-show. */
export async function updateAppointment(
  db: Database,
  who: Principal,
  id: string,
  input: z.input<typeof UpdateAppointmentSchema>,
  now: Date,
  requestId: string | null,
): Promise<AppointmentView> {
  const data = UpdateAppointmentSchema.parse(input);
  return db.transaction(async (tx) => {
    const current = await appointmentFor(tx, who, id, true);
    if (current.status === 'cancelled') throw new AppError('conflict', 'the appointment is cancelled; book it again with POST /api/v1/appointments');
    const set: Partial<typeof appointments.$inferInsert> = {};
    if (data.startsAt !== undefined && new Date(data.startsAt).getTime() !== current.startsAt.getTime()) set.startsAt = new Date(data.startsAt);
    if (data.durationMinutes !== undefined && data.durationMinutes !== current.durationMinutes) set.durationMinutes = data.durationMinutes;
    if (data.type !== undefined && data.type !== current.type) set.type = data.type;
    if (data.provider !== undefined && data.provider !== current.provider) set.provider = data.provider;
    if (data.status !== undefined && data.status !== current.status) Object.assign(set, statusChange(data.status, now));
    const r = await applyChange(tx, who, current, set, { now, requestId, patientChanged: false, action: 'appointment.update', detail: { source: 'api' } });
    // what staff change here goes to the EHR like a patient's answer (a move books the new time and cancels the old)
    if (set.startsAt) await queueEhrWriteBack(tx, { appointmentId: id, action: 'reschedule', via: 'staff', startsAt: set.startsAt, now });
    if (set.status === 'confirmed') await queueEhrWriteBack(tx, { appointmentId: id, action: 'confirm', via: 'staff', now });
    return r.appointment;
  });
}

/** Cancels the appointment and its pending reminders; cancelling twice is harmless. */
export async function cancelAppointment(db: Database, who: Principal, id: string, now: Date, requestId: string | null): Promise<AppointmentView> {
  return db.transaction(async (tx) => {
    const current = await appointmentFor(tx, who, id, true);
    const set = current.status === 'cancelled' ? {} : statusChange('cancelled', now);
    const r = await applyChange(tx, who, current, set, { now, requestId, patientChanged: false, action: 'appointment.cancel' });
    if (current.status !== 'cancelled') await queueEhrWriteBack(tx, { appointmentId: id, action: 'cancel', via: 'staff', now });
    return r.appointment;
  });
}


/** Appointments of the practices the caller may see, by start time; audited per appointment shown. */
export async function listAppointments(db: Database, who: Principal, query: z.input<typeof ListAppointmentsQuery>, requestId: string | null) {
  if (who.role === 'portal') throw forbidden('portal tokens can only use the portal routes');
  const q = ListAppointmentsQuery.parse(query);
  if (q.practiceId && !canSeePractice(who, q.practiceId)) throw notFound('practice');
  const where: (SQL | undefined)[] = [
    who.practiceIds === 'all' ? undefined : who.practiceIds.length ? inArray(appointments.practiceId, who.practiceIds) : sql`false`,
    q.practiceId ? eq(appointments.practiceId, q.practiceId) : undefined,
    q.from ? gte(appointments.startsAt, new Date(q.from)) : undefined,
    q.to ? lt(appointments.startsAt, new Date(q.to)) : undefined,
    q.status ? eq(appointments.status, q.status) : undefined,
    patientInReach(db, who, appointments.patientId),
  ];
  where.push(afterCursor(q.cursor, appointments.startsAt, appointments.id, 'asc'));
  return db.transaction(async (tx) => {
    const rows = await tx
      .select()
      .from(appointments)
      .where(and(...where))
      .orderBy(asc(appointments.startsAt), asc(appointments.id))
      .limit(q.limit + 1);
    const { page, nextCursor } = pageOf(rows, q.limit, (a) => ({ at: a.startsAt, id: a.id }));
    // one entry per page shown (not one per row, nor one per poll of the same page)
    await auditListPage(tx, who, requestId, { action: 'appointment.list', subjectType: 'appointment', rows: page.map((a) => ({ id: a.id, patientId: a.patientId, practiceId: a.practiceId })) });
    return {
      data: await viewsOf(tx, page),
      nextCursor,
    };
  });
}

