import { z } from '@hono/zod-openapi';
import { and, asc, desc, eq, gte, inArray, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Database, Db } from '../platform/db/client';
import {
  appointments,
  consentEvents,
  contactPoints,
  patients,
  reminders,
  type AppointmentStatus,
} from '../platform/db/schema';
import { canSeePractice, isManagerOf, type Principal } from '../access/principal';
import { AppError, forbidden, notFound } from '../platform/errors';
import { audit, type AuditAction } from '../access/audit';
import { afterCursor, pageOf } from '../platform/cursor';
import { recordConsent } from '../outreach/consent';
import { findPractice } from '../practices/practices';
import { cancelReminders, planReminders } from './reminders/reminders';
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
  const [people, plans] = await Promise.all([
    db
      .select({ id: patients.id, firstName: patients.firstName, lastName: patients.lastName })
      .from(patients)
      .where(inArray(patients.id, [...new Set(rows.map((r) => r.patientId))])),
    db.select().from(reminders).where(inArray(reminders.appointmentId, ids)).orderBy(asc(reminders.dueAt), asc(reminders.id)),
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
    };
  });
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
  let patient = byContact ? await survivor(tx, byContact.patientId) : null;
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
  const { patient, changed: patientChanged } = await matchPatient(tx, practiceId, record.patient, consentSource, actor);
  const [current] = await tx
    .select()
    .from(appointments)
    .where(and(eq(appointments.practiceId, practiceId), eq(appointments.externalId, record.externalId)))
    .for('update');
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
      })
      .returning();
    if (status === 'booked' || status === 'confirmed') await planReminders(tx, row!.id, now);
    await auditEntry('appointment.create', row!.id, { source: opts.source });
    return { outcome: 'created', appointment: await viewOf(tx, row!) };
  }

  const set: Partial<typeof appointments.$inferInsert> = {};
  if (current.patientId !== patient.id) set.patientId = patient.id;
  if (current.startsAt.getTime() !== record.startsAt.getTime()) set.startsAt = record.startsAt;
  if (current.durationMinutes !== record.durationMinutes) set.durationMinutes = record.durationMinutes;
  if (record.type !== undefined && current.type !== record.type) set.type = record.type;
  if (record.provider !== undefined && current.provider !== record.provider) set.provider = record.provider;
  if (record.status !== undefined && current.status !== record.status) Object.assign(set, statusChange(record.status, now));
  return applyChange(tx, actor, current, set, {
    now,
    requestId: opts.requestId ?? null,
    patientChanged,
    action: 'appointment.update',
    detail: { source: opts.source },
  });
}

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
  if (row!.status === 'cancelled' && wasLive) {
    await cancelReminders(tx, row!.id, opts.now);
  } else if (live && (!wasLive || set.startsAt !== undefined || set.patientId !== undefined)) {
    // booked again after a cancellation, moved, or now someone else's: the plan starts over
    await planReminders(tx, row!.id, opts.now);
  }
  await auditIt(opts.action, { ...opts.detail, fields });
  return { outcome: 'updated', appointment: await viewOf(tx, row!) };
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
    return r.appointment;
  });
}

/** Cancels the appointment and its pending reminders; cancelling twice is harmless. */
export async function cancelAppointment(db: Database, who: Principal, id: string, now: Date, requestId: string | null): Promise<AppointmentView> {
  return db.transaction(async (tx) => {
    const current = await appointmentFor(tx, who, id, true);
    const set = current.status === 'cancelled' ? {} : statusChange('cancelled', now);
    const r = await applyChange(tx, who, current, set, { now, requestId, patientChanged: false, action: 'appointment.cancel' });
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
    await audit(
      tx,
      who,
      requestId,
      page.map((a) => ({ action: 'appointment.list', subjectType: 'appointment', subjectId: a.id, practiceId: a.practiceId, patientId: a.patientId })),
    );
    return {
      data: await viewsOf(tx, page),
      nextCursor,
    };
  });
}

