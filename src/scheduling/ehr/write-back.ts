import { and, asc, desc, eq, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import type { Database } from '../../platform/db/client';
import { appointments, ehrConnections, ehrPatientLinks, ehrWriteBacks, patients, practices, type EhrWriteBackAction } from '../../platform/db/schema';
import type { Clock } from '../../platform/clock';
import type { Env } from '../../platform/env';
import { audit } from '../../access/audit';
import { canSeePractice, isManagerOf, type Principal } from '../../access/principal';
import { AppError, forbidden, notFound } from '../../platform/errors';
import { isoInZone } from '../../platform/time';
import { patientParticipants } from '../appointment-import';
import { clientFor, EhrCredentialsError, findConnection, markConnectionFailing, type EhrClientTuning } from './connection';
import { FhirError, type FhirAppointment, type FhirClient, type FhirParticipant } from './fhir-client';
import { requeueWriteBack } from './write-back-queue';

/*
 * Write-back: what patients and staff do here reaches the practice's EHR.
 *
 * - cancel: the FHIR Appointment's status becomes `cancelled`, with a cancelationReason
 *   (pat-crs for an answer to a reminder by text, email or call; pat-cpp from the portal;
 *   other for staff), its text saying who and how;
 * - confirm: the Patient participant's status becomes `accepted`;
 * - reschedule: a new Appointment is booked at the new time (a copy of the old one's
 *   participants and service), then the old one is cancelled; the appointment here is bound
 *   to the new one;
 * - book (waitlist): an Appointment for the waitlisted patient at the freed slot's time, with
 *   the slot's practitioners and service.
 *
 * Updates read the resource, change it, and PUT it with `If-Match` on the version just read;
 * a 412 (someone changed it in between) reads again and re-applies. Creates carry our own
 * identifier and `If-None-Exist`, and the new id is kept, so a retry never books twice.
 *
 * An appointment's write-backs go in the order they were made (a confirm, then a cancel);
 * a booking waits for its slot's cancellation. A failure that may pass (5xx, 429, network,
 * 401 while the credentials are being fixed) is retried through the outbox on the clock, up
 * to MAX_ATTEMPTS times; one that will not (403, a refused resource) fails at once. Either
 * way it shows on the appointment, and it never held up the answer that caused it.
 */

export const WRITE_BACK_IDENTIFIER_SYSTEM = 'urn:switchboard:write-back';
const CANCEL_REASON_SYSTEM = 'http://terminology.hl7.org/CodeSystem/appointment-cancellation-reason';
export const MAX_ATTEMPTS = 8;
/** minutes before the next try, by attempt (a 429's Retry-After waits longer if it asks) */
const RETRY_MINUTES = [1, 2, 5, 15, 30, 60, 120, 240];
/** a claim older than this is a worker that died mid-way */
const CLAIM_STALE_MS = 5 * 60_000;

type WriteBackRow = typeof ehrWriteBacks.$inferSelect;

export interface WriteBackDeps {
  db: Database;
  clock: Clock;
  env: Pick<Env, 'EHR_SECRET_KEY'>;
}

/** A refusal retrying will not change: the write-back fails at once, with this as its error. */
class Refused extends Error {}

type Outcome =
  | { status: 'done'; resourceId?: string; versionId?: string | null; note?: string }
  | { status: 'skipped'; error: string }
  | { status: 'failed'; error: string }
  | { status: 'retry'; error: string; afterMs?: number | null };

const viaWords: Record<string, string> = {
  sms: 'text message',
  email: 'email',
  portal: 'the patient portal',
  voice: 'the reminder call',
  staff: 'practice staff',
  waitlist: 'the waitlist',
};

function cancelReason(via: string, rescheduledTo?: string) {
  const code = via === 'portal' ? 'pat-cpp' : via === 'staff' ? 'other' : 'pat-crs';
  const display = { 'pat-cpp': 'Patient: Canceled via Patient Portal', 'pat-crs': 'Patient: Canceled via automated reminder system', other: 'Other' }[code];
  const who = via === 'staff' ? 'by practice staff in Switchboard' : `by the patient by ${viaWords[via] ?? via} (Switchboard)`;
  const text = rescheduledTo ? `Rescheduled ${who}; now Appointment/${rescheduledTo}` : `Cancelled ${who}`;
  return { coding: [{ system: CANCEL_REASON_SYSTEM, code, display }], text };
}

const settled = ['cancelled', 'entered-in-error'];
const past = ['arrived', 'checked-in', 'fulfilled', 'noshow'];

/** Runs the write-back's appointment's queue of changes, oldest first, from this one's job. */
export async function runWriteBack(deps: WriteBackDeps, writeBackId: string, tuning: EhrClientTuning = {}): Promise<void> {
  const [wb] = await deps.db.select().from(ehrWriteBacks).where(eq(ehrWriteBacks.id, writeBackId));
  if (!wb || !['pending', 'running'].includes(wb.status)) return;
  await runChain(deps, wb.appointmentId, tuning, 0);
}

async function runChain(deps: WriteBackDeps, appointmentId: string, tuning: EhrClientTuning, depth: number): Promise<void> {
  for (;;) {
    const now = deps.clock.now();
    const [next] = await deps.db
      .select()
      .from(ehrWriteBacks)
      .where(and(eq(ehrWriteBacks.appointmentId, appointmentId), inArray(ehrWriteBacks.status, ['pending', 'running'])))
      .orderBy(asc(ehrWriteBacks.createdAt), asc(ehrWriteBacks.id))
      .limit(1);
    if (!next) return;
    // waiting for its retry time (its own outbox row comes then), or another worker has it
    if (next.nextAttemptAt && next.nextAttemptAt > now) return;
    const stale = new Date(now.getTime() - CLAIM_STALE_MS);
    const [claimed] = await deps.db
      .update(ehrWriteBacks)
      .set({ status: 'running', claimedAt: now, attempts: sql`${ehrWriteBacks.attempts} + 1`, updatedAt: now })
      .where(and(eq(ehrWriteBacks.id, next.id), or(eq(ehrWriteBacks.status, 'pending'), and(eq(ehrWriteBacks.status, 'running'), or(isNull(ehrWriteBacks.claimedAt), lt(ehrWriteBacks.claimedAt, stale))))))
      .returning();
    if (!claimed) return;
    if (claimed.action === 'book' && claimed.slotAppointmentId && depth < 2) {
      // the slot's cancellation reaches the EHR before anyone is booked into it
      await runChain(deps, claimed.slotAppointmentId, tuning, depth + 1);
      const [blocking] = await deps.db
        .select({ nextAttemptAt: ehrWriteBacks.nextAttemptAt })
        .from(ehrWriteBacks)
        .where(and(eq(ehrWriteBacks.appointmentId, claimed.slotAppointmentId), inArray(ehrWriteBacks.status, ['pending', 'running'])))
        .orderBy(desc(ehrWriteBacks.nextAttemptAt))
        .limit(1);
      if (blocking) {
        const at = new Date(Math.max(blocking.nextAttemptAt?.getTime() ?? 0, now.getTime()) + 1000);
        await deps.db.transaction(async (tx) => {
          await tx.update(ehrWriteBacks).set({ attempts: sql`${ehrWriteBacks.attempts} - 1` }).where(eq(ehrWriteBacks.id, claimed.id));
          await requeueWriteBack(tx, claimed.id, at, { resetAttempts: false });
        });
        return;
      }
    }
    const outcome = await attempt(deps, claimed, tuning);
    await record(deps, claimed, outcome);
    if (outcome.status === 'retry') return;
  }
}

async function attempt(deps: WriteBackDeps, wb: WriteBackRow, tuning: EhrClientTuning): Promise<Outcome> {
  const connection = await findConnection(deps.db, wb.practiceId);
  if (!connection || !connection.writeBack) return { status: 'skipped', error: 'write-back to the EHR is off for this practice' };
  let client: FhirClient;
  try {
    client = clientFor(connection, deps.env.EHR_SECRET_KEY, tuning);
  } catch (err) {
    if (err instanceof EhrCredentialsError) return { status: 'retry', error: err.message };
    throw err;
  }
  try {
    return await perform(deps, client, wb);
  } catch (err) {
    if (err instanceof Refused) return { status: 'failed', error: err.message };
    if (!(err instanceof FhirError)) throw err;
    if (err.kind === 'unauthorized') {
      await markConnectionFailing(deps.db, wb.practiceId, err.message, deps.clock.now());
      return { status: 'retry', error: err.message };
    }
    if (err.transient) return { status: 'retry', error: err.message, afterMs: err.retryAfterMs };
    return { status: 'failed', error: err.message };
  }
}

async function perform(deps: WriteBackDeps, client: FhirClient, wb: WriteBackRow): Promise<Outcome> {
  const [row] = await deps.db
    .select({ appointment: appointments, timeZone: practices.timeZone })
    .from(appointments)
    .innerJoin(practices, eq(practices.id, appointments.practiceId))
    .where(eq(appointments.id, wb.appointmentId));
  if (!row) return { status: 'skipped', error: 'the appointment is gone' };
  const { appointment, timeZone } = row;
  const target = appointment.ehrResourceId;
  const action: EhrWriteBackAction = wb.action;

  if (action === 'cancel' || action === 'confirm') {
    if (!target) throw new Refused('the appointment is not in the EHR (its booking there did not go through)');
    try {
      const written = await client.modify<FhirAppointment>('Appointment', target, (a) => (action === 'cancel' ? cancelled(a, wb.via) : confirmed(a)));
      return { status: 'done', resourceId: target, versionId: written.versionId, note: written.changed ? undefined : 'already so in the EHR' };
    } catch (err) {
      // deleted in the EHR: there is nothing left to cancel
      if (action === 'cancel' && err instanceof FhirError && (err.kind === 'not_found' || err.kind === 'gone')) return { status: 'done', note: 'gone from the EHR' };
      throw err;
    }
  }

  const startsAt = wb.startsAt ?? appointment.startsAt;
  const start = isoInZone(startsAt, timeZone);
  const end = isoInZone(new Date(startsAt.getTime() + appointment.durationMinutes * 60_000), timeZone);
  const identifier = { system: WRITE_BACK_IDENTIFIER_SYSTEM, value: wb.id };
  let createdId = wb.createdResourceId;
  let createdVersion: string | null = null;

  if (action === 'reschedule') {
    if (!target) throw new Refused('the appointment is not in the EHR (its booking there did not go through)');
    if (!createdId) {
      const old = (await client.read<FhirAppointment>('Appointment', target)).resource;
      const participant = (old.participant ?? []).map((p) => (isPatient(p) ? { ...p, status: 'accepted' } : p));
      const made = await client.create<FhirAppointment>(
        {
          ...copyable(old),
          resourceType: 'Appointment',
          identifier: [identifier],
          status: 'booked',
          start,
          end,
          minutesDuration: appointment.durationMinutes,
          participant,
        },
        { ifNoneExist: `identifier=${WRITE_BACK_IDENTIFIER_SYSTEM}|${wb.id}` },
      );
      createdId = made.resource.id!;
      createdVersion = made.versionId;
      await deps.db.update(ehrWriteBacks).set({ createdResourceId: createdId }).where(eq(ehrWriteBacks.id, wb.id));
    }
    try {
      await client.modify<FhirAppointment>('Appointment', target, (a) => (settled.includes(a.status ?? '') ? null : { ...a, status: 'cancelled', cancelationReason: cancelReason(wb.via, createdId!) }));
    } catch (err) {
      if (!(err instanceof FhirError && (err.kind === 'not_found' || err.kind === 'gone'))) throw err;
    }
    return { status: 'done', resourceId: createdId, versionId: createdVersion };
  }

  // book: the waitlisted patient into the freed slot
  if (!createdId) {
    const fhirPatient = await fhirPatientOf(deps.db, appointment.practiceId, appointment.patientId);
    if (!fhirPatient) throw new Refused('the patient has no record in the EHR that Switchboard knows of: book them there by hand');
    let template: FhirAppointment | null = null;
    const [slot] = wb.slotAppointmentId ? await deps.db.select({ ehrResourceId: appointments.ehrResourceId }).from(appointments).where(eq(appointments.id, wb.slotAppointmentId)) : [];
    if (slot?.ehrResourceId) {
      try {
        template = (await client.read<FhirAppointment>('Appointment', slot.ehrResourceId)).resource;
      } catch (err) {
        if (!(err instanceof FhirError && (err.kind === 'not_found' || err.kind === 'gone'))) throw err;
      }
    }
    const others: FhirParticipant[] = template
      ? (template.participant ?? []).filter((p) => !isPatient(p)).map((p) => ({ ...p, status: 'accepted' }))
      : appointment.provider
        ? [{ actor: { display: appointment.provider }, status: 'accepted' }]
        : [];
    const made = await client.create<FhirAppointment>(
      {
        ...(template ? copyable(template) : appointment.type ? { serviceType: [{ text: appointment.type }] } : {}),
        resourceType: 'Appointment',
        identifier: [identifier],
        status: 'booked',
        start,
        end,
        minutesDuration: appointment.durationMinutes,
        participant: [{ actor: { reference: `Patient/${fhirPatient}` }, required: 'required', status: 'accepted' }, ...others],
      },
      { ifNoneExist: `identifier=${WRITE_BACK_IDENTIFIER_SYSTEM}|${wb.id}` },
    );
    createdId = made.resource.id!;
    createdVersion = made.versionId;
  }
  return { status: 'done', resourceId: createdId, versionId: createdVersion };
}

const isPatient = (p: FhirParticipant) => Boolean(p.actor?.reference && (/(^|\/)Patient\//.test(p.actor.reference) || /^urn:/.test(p.actor.reference)));

/**
 * What a new Appointment takes from the one it replaces or whose slot it fills: the kind of
 * visit, never the other booking's reasons, notes or instructions (another patient's, for a slot).
 */
function copyable(a: FhirAppointment): Partial<FhirAppointment> {
  const out: Partial<FhirAppointment> = {};
  for (const k of ['serviceCategory', 'serviceType', 'specialty', 'appointmentType', 'priority'] as const) {
    if (a[k] !== undefined) (out as Record<string, unknown>)[k] = structuredClone(a[k]);
  }
  return out;
}

function cancelled(a: FhirAppointment, via: string): FhirAppointment | null {
  if (settled.includes(a.status ?? '')) return null;
  if (past.includes(a.status ?? '')) throw new Refused(`the EHR has the appointment as ${a.status}; it was not cancelled there`);
  return { ...a, status: 'cancelled', cancelationReason: cancelReason(via) };
}

function confirmed(a: FhirAppointment): FhirAppointment | null {
  if (settled.includes(a.status ?? '') || past.includes(a.status ?? '')) throw new Refused(`the EHR has the appointment as ${a.status}; it was not confirmed there`);
  const people = patientParticipants(a);
  if (people.length === 0) throw new Refused('the EHR appointment has no Patient participant to confirm');
  if (people.every((p) => p.status === 'accepted')) return null;
  for (const p of people) p.status = 'accepted';
  return a;
}

/**
 * The FHIR Patient to book a patient as: of the EHR records that lead to them (an EHR may
 * hold one person twice), an active one, the most recently seen first.
 */
async function fhirPatientOf(db: Database, practiceId: string, patientId: string): Promise<string | null> {
  const merged = db.select({ id: patients.id }).from(patients).where(eq(patients.mergedIntoId, patientId));
  const [link] = await db
    .select({ id: ehrPatientLinks.fhirPatientId })
    .from(ehrPatientLinks)
    .where(and(eq(ehrPatientLinks.practiceId, practiceId), or(eq(ehrPatientLinks.patientId, patientId), inArray(ehrPatientLinks.patientId, merged))))
    .orderBy(desc(ehrPatientLinks.active), desc(ehrPatientLinks.lastSeenAt))
    .limit(1);
  return link?.id ?? null;
}

async function record(deps: WriteBackDeps, wb: WriteBackRow, outcome: Outcome): Promise<void> {
  const now = deps.clock.now();
  await deps.db.transaction(async (tx) => {
    if (outcome.status === 'retry' && wb.attempts < MAX_ATTEMPTS) {
      const minutes = RETRY_MINUTES[Math.min(wb.attempts, RETRY_MINUTES.length) - 1] ?? 60;
      const at = new Date(now.getTime() + Math.max(minutes * 60_000, outcome.afterMs ?? 0));
      await tx.update(ehrWriteBacks).set({ lastError: outcome.error.slice(0, 500) }).where(eq(ehrWriteBacks.id, wb.id));
      await requeueWriteBack(tx, wb.id, at, { resetAttempts: false });
      return;
    }
    const status = outcome.status === 'retry' ? 'failed' : outcome.status;
    const error = outcome.status === 'done' ? (outcome.note ?? null) : outcome.status === 'retry' ? `gave up after ${wb.attempts} tries: ${outcome.error}` : outcome.error;
    await tx
      .update(ehrWriteBacks)
      .set({ status, lastError: error?.slice(0, 500) ?? null, doneAt: now, claimedAt: null, nextAttemptAt: null, updatedAt: now })
      .where(eq(ehrWriteBacks.id, wb.id));
    const [appointment] = await tx.select().from(appointments).where(eq(appointments.id, wb.appointmentId));
    if (outcome.status === 'done' && appointment && outcome.resourceId) {
      const rebound = outcome.resourceId !== appointment.ehrResourceId;
      await tx
        .update(appointments)
        .set({
          ehrResourceId: outcome.resourceId,
          ...(outcome.versionId !== undefined ? { ehrVersionId: outcome.versionId } : {}),
          // the id it had named the EHR booking that is now cancelled; the sync must not take that one for this
          ...(rebound ? { externalId: `fhir:${outcome.resourceId}` } : {}),
        })
        .where(eq(appointments.id, wb.appointmentId));
    }
    await audit(tx, 'system', null, {
      action: 'appointment.ehr_write_back',
      subjectType: 'appointment',
      subjectId: wb.appointmentId,
      practiceId: wb.practiceId,
      patientId: appointment?.patientId ?? null,
      detail: { writeBackId: wb.id, action: wb.action, status, attempts: wb.attempts },
    });
  });
}

/** A person asks for a failed (or waiting) write-back to be tried again now. */
export async function retryWriteBack(db: Database, who: Principal, appointmentId: string, now: Date, requestId: string | null) {
  if (who.role === 'portal') throw forbidden('portal tokens can only use the portal routes');
  return db.transaction(async (tx) => {
    const [appointment] = await tx.select().from(appointments).where(eq(appointments.id, appointmentId));
    if (!appointment || !canSeePractice(who, appointment.practiceId)) throw notFound('appointment');
    if (!isManagerOf(who, appointment.practiceId)) throw forbidden('only managers and admins of the practice change appointments');
    const [connection] = await tx.select({ writeBack: ehrConnections.writeBack }).from(ehrConnections).where(eq(ehrConnections.practiceId, appointment.practiceId));
    if (!connection?.writeBack) throw new AppError('conflict', 'write-back to the EHR is off for this practice');
    const open = await tx
      .select()
      .from(ehrWriteBacks)
      .where(and(eq(ehrWriteBacks.appointmentId, appointmentId), inArray(ehrWriteBacks.status, ['pending', 'failed'])))
      .orderBy(asc(ehrWriteBacks.createdAt));
    if (open.length === 0) throw new AppError('conflict', 'nothing to write back for this appointment');
    for (const wb of open) await requeueWriteBack(tx, wb.id, now);
    await audit(tx, who, requestId, {
      action: 'appointment.ehr_retry',
      subjectType: 'appointment',
      subjectId: appointmentId,
      practiceId: appointment.practiceId,
      patientId: appointment.patientId,
      detail: { writeBacks: open.map((w) => w.id) },
    });
    return open.length;
  });
}

