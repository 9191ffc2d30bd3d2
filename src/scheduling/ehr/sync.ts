import { and, eq, gte, inArray, isNotNull, isNull, lt, or, sql } from 'drizzle-orm';
import type { Database } from '../../platform/db/client';
import { appointments, ehrConnections, ehrPatientLinks, practices, type ImportRunProblem } from '../../platform/db/schema';
import type { Clock } from '../../platform/clock';
import type { Env } from '../../platform/env';
import { audit } from '../../access/audit';
import type { Principal } from '../../access/principal';
import { AppError, notFound } from '../../platform/errors';
import { isoInZone, localParts, zonedTime } from '../../platform/time';
import { cancelGoneFromEhr } from '../appointments';
import {
  appointmentPages,
  applyAll,
  bundleCandidates,
  countRow,
  emptySummary,
  type Candidate,
  type ImportOptions,
  type ImportRowResult,
  type ImportSummary,
} from '../appointment-import';
import type { AppointmentRecord } from '../appointment-schemas';
import { finishImportRun, importRunView, progressWriter, startImportRun, type ImportRunView } from '../import-runs';
import { clientFor, EhrCredentialsError, findConnection, type EhrClientTuning } from './connection';
import { FhirError, referenceId, type FhirAppointment, type FhirClient, type FhirPatient } from './fhir-client';
import { scheduleEhrSync } from './sync-queue';

/*
 * The scheduled sync: the practice's EHR is searched for the Appointments of a date window
 * (today and the next SYNC_DAYS days, midnight to midnight in the practice's zone, given to
 * the server as instants with their offsets so its own zone does not matter) with their
 * Patients (`_include=Appointment:patient`; any it leaves out are read one by one), page by
 * page along `next` links. Each appointment is saved by its FHIR id (idempotent: a second
 * sync of the same data changes nothing): new ones get their reminders, moved ones get them
 * again, cancelled ones have them called off and free their slot for the waitlist. One the
 * search no longer returns is read by id: gone (404/410) cancels it here, moved out of the
 * window updates it. An appointment with a change made here that has not yet reached the EHR
 * is held as it is (the EHR's older state must not undo a patient's answer).
 *
 * Retries and backoff are the FHIR client's; a 401 stops the sync and marks the connection
 * failing (scheduled syncs pause until the credentials are saved again); any other failure
 * is retried at the next scheduled time, sooner after the first failures.
 */

export const SYNC_DAYS = 90;
/** a sync claim older than this is a process that died mid-sync */
const SYNC_STALE_MS = 15 * 60_000;

export interface SyncDeps {
  db: Database;
  clock: Clock;
  env: Pick<Env, 'EHR_SECRET_KEY'>;
}

export interface SyncOptions {
  trigger: 'schedule' | 'manual' | 'cli';
  actor: Principal | 'system';
  requestId?: string | null;
  onProgress?: (done: number, total: number) => void;
  tuning?: EhrClientTuning;
}

export interface SyncResult {
  run: ImportRunView;
  summary: ImportSummary;
}

/** [from, to): midnight today to midnight SYNC_DAYS days on, in the practice's zone (DST included). */
export function syncWindow(now: Date, timeZone: string, days = SYNC_DAYS): { from: Date; to: Date } {
  const p = localParts(now, timeZone);
  return { from: zonedTime(timeZone, p.year, p.month, p.day, 0), to: zonedTime(timeZone, p.year, p.month, p.day + days + 1, 0) };
}

export async function syncPractice(deps: SyncDeps, practiceId: string, opts: SyncOptions): Promise<SyncResult> {
  const { db } = deps;
  const now = deps.clock.now();
  const [practice] = await db.select().from(practices).where(eq(practices.id, practiceId));
  if (!practice) throw notFound('practice');
  if (!(await findConnection(db, practiceId))) {
    throw new AppError('not_found', 'this practice has no EHR connection: set one with PATCH /api/v1/practices/{id} and an `ehr` object');
  }
  const [connection] = await db
    .update(ehrConnections)
    .set({ syncingSince: now })
    .where(and(eq(ehrConnections.practiceId, practiceId), or(isNull(ehrConnections.syncingSince), lt(ehrConnections.syncingSince, new Date(now.getTime() - SYNC_STALE_MS)))))
    .returning();
  if (!connection) throw new AppError('conflict', 'a sync of this practice is running; wait for it to finish');

  const run = await startImportRun(db, { practiceId, kind: 'ehr_sync', trigger: opts.trigger === 'cli' ? 'cli' : opts.trigger, actor: opts.actor, now });
  const progress = progressWriter(db, run.id);
  const summary = emptySummary();
  let failure: Error | null = null;
  let unexpected: unknown = null;
  const importOpts: ImportOptions = {
    practice,
    now,
    actor: opts.actor,
    requestId: opts.requestId ?? null,
    onProgress: (d, t) => {
      opts.onProgress?.(d, t);
      progress.update(d, t);
    },
  };
  const { from, to } = syncWindow(now, practice.timeZone);
  try {
    const client = clientFor(connection, deps.env.EHR_SECRET_KEY, opts.tuning);
    const seen = new Set<string>();
    const params: [string, string][] = [
      ['date', `ge${isoInZone(from, practice.timeZone)}`],
      ['date', `lt${isoInZone(to, practice.timeZone)}`],
      ['_include', 'Appointment:patient'],
      ['_count', '100'],
    ];
    for await (const { page, items } of appointmentPages(client, params)) {
      for (const item of items) if ('record' in item && item.record.ehr) seen.add(item.record.ehr.resourceId);
      const total = Math.max(typeof page.total === 'number' ? page.total : 0, summary.total + items.length);
      await applyAll(db, items, 'fhir', importOpts, summary, total, (item) => skipUnknownCancelled(db, practiceId, item));
    }
    await reconcileMissing(db, client, practiceId, { from, to, seen, summary, importOpts });
  } catch (err) {
    if (err instanceof FhirError || err instanceof EhrCredentialsError) failure = err;
    else unexpected = err;
  }
  await progress.flush();

  const warnings: ImportRunProblem[] = summary.rows
    .filter((r) => r.outcome === 'held')
    .map((r) => ({ level: 'warning', line: r.line, ...(r.resource ? { resource: r.resource } : {}), reason: 'left as it is here until a change made here reaches the EHR' }));
  const duplicates = unexpected ? [] : await duplicatePatients(db, practiceId, now);
  for (const group of duplicates) {
    warnings.push({
      level: 'warning',
      resource: group.map((id) => `Patient/${id}`).join(', '),
      reason: 'these EHR records are one patient here (same phone, or same name and date of birth): the EHR may hold one person twice',
    });
  }
  const authFailure = failure instanceof EhrCredentialsError || (failure instanceof FhirError && (failure.kind === 'unauthorized' || failure.kind === 'forbidden'));
  const errorText = unexpected ? 'the sync stopped on an error of ours; it has been logged' : (failure?.message ?? null);
  const finished = await db.transaction(async (tx) => {
    const row = await finishImportRun(tx, run.id, {
      status: failure || unexpected ? 'failed' : 'done',
      summary,
      warnings,
      duplicatePatients: duplicates.length,
      error: errorText,
      now,
    });
    const [current] = await tx.select().from(ehrConnections).where(eq(ehrConnections.practiceId, practiceId));
    if (current) {
      const failures = failure || unexpected ? current.consecutiveFailures + 1 : 0;
      await tx
        .update(ehrConnections)
        .set({
          syncingSince: null,
          status: authFailure ? 'failing' : failure || unexpected ? 'error' : 'ok',
          statusReason: errorText?.slice(0, 500) ?? null,
          consecutiveFailures: failures,
          updatedAt: now,
        })
        .where(eq(ehrConnections.practiceId, practiceId));
      // after a failure, sooner than the schedule at first (5, 10, 20... minutes), never later than it
      const minutes = current.syncMinutes === null || authFailure ? null : failures > 0 ? Math.min(current.syncMinutes, 5 * 2 ** (failures - 1)) : current.syncMinutes;
      await scheduleEhrSync(tx, practiceId, minutes === null ? null : new Date(now.getTime() + minutes * 60_000));
    }
    await audit(tx, opts.actor, opts.requestId ?? null, {
      action: 'ehr.sync',
      subjectType: 'practice',
      subjectId: practiceId,
      practiceId,
      detail: { runId: run.id, trigger: opts.trigger, status: row.status, counts: row.counts },
    });
    return row;
  });
  if (unexpected) throw unexpected;
  return { run: importRunView(finished), summary };
}

/** A cancellation in the EHR of an appointment we never had is nothing to keep. */
async function skipUnknownCancelled(db: Database, practiceId: string, item: Candidate & { record: AppointmentRecord }): Promise<ImportRowResult | null> {
  if (item.record.status !== 'cancelled') return null;
  const [known] = await db
    .select({ id: appointments.id })
    .from(appointments)
    .where(
      and(
        eq(appointments.practiceId, practiceId),
        or(
          item.record.ehr ? eq(appointments.ehrResourceId, item.record.ehr.resourceId) : sql`false`,
          and(eq(appointments.externalId, item.record.externalId), item.record.ehr ? or(isNull(appointments.ehrResourceId), eq(appointments.ehrResourceId, item.record.ehr.resourceId)) : sql`true`),
        ),
      ),
    )
    .limit(1);
  return known ? null : { line: item.line, resource: item.resource, outcome: 'skipped' };
}

/**
 * Live appointments of the window that the search did not return: read each by its id. Gone
 * (404, 410) is a cancellation; found, it is applied like any other (moved out of the window,
 * cancelled, its patient changed).
 */
async function reconcileMissing(
  db: Database,
  client: FhirClient,
  practiceId: string,
  ctx: { from: Date; to: Date; seen: Set<string>; summary: ImportSummary; importOpts: ImportOptions },
) {
  const live = await db
    .select({ id: appointments.id, ehrResourceId: appointments.ehrResourceId })
    .from(appointments)
    .where(
      and(
        eq(appointments.practiceId, practiceId),
        isNotNull(appointments.ehrResourceId),
        inArray(appointments.status, ['booked', 'confirmed']),
        gte(appointments.startsAt, ctx.from),
        lt(appointments.startsAt, ctx.to),
      ),
    );
  const missing = live.filter((a) => !ctx.seen.has(a.ehrResourceId!));
  const patients = new Map<string, FhirPatient>();
  const unreadable = new Map<string, string>();
  for (const a of missing) {
    const line = ctx.summary.total + 1;
    const resource = `Appointment/${a.ehrResourceId}`;
    const total = ctx.summary.total + (missing.length - missing.indexOf(a));
    let read: FhirAppointment;
    try {
      const r = await client.read<FhirAppointment>('Appointment', a.ehrResourceId!);
      read = { ...r.resource, meta: { ...r.resource.meta, versionId: r.resource.meta?.versionId ?? r.versionId ?? undefined } };
    } catch (err) {
      if (err instanceof FhirError && (err.kind === 'not_found' || err.kind === 'gone')) {
        const outcome = await cancelGoneFromEhr(db, a.id, ctx.importOpts.now);
        countRow(ctx.summary, { line, resource, outcome, appointmentId: a.id }, total, ctx.importOpts);
        continue;
      }
      throw err;
    }
    for (const p of read.participant ?? []) {
      const id = referenceId(p.actor?.reference, 'Patient');
      if (!id || patients.has(id) || unreadable.has(id)) continue;
      try {
        patients.set(id, (await client.read<FhirPatient>('Patient', id)).resource);
      } catch (err) {
        if (!(err instanceof FhirError) || err.kind === 'unauthorized' || err.kind === 'refused') throw err;
        unreadable.set(id, err.message);
      }
    }
    const items = bundleCandidates({ resourceType: 'Bundle', entry: [{ resource: read }] }, line, patients, unreadable);
    await applyAll(db, items, 'fhir', ctx.importOpts, ctx.summary, total, (item) => skipUnknownCancelled(db, practiceId, item));
  }
}

/** Groups of FHIR Patients this sync saw that lead to one patient here. */
async function duplicatePatients(db: Database, practiceId: string, seenSince: Date): Promise<string[][]> {
  const rows = await db
    .select({ patientId: ehrPatientLinks.patientId, fhirPatientId: ehrPatientLinks.fhirPatientId })
    .from(ehrPatientLinks)
    .where(and(eq(ehrPatientLinks.practiceId, practiceId), gte(ehrPatientLinks.lastSeenAt, seenSince)));
  const byPatient = new Map<string, string[]>();
  for (const r of rows) byPatient.set(r.patientId, [...(byPatient.get(r.patientId) ?? []), r.fhirPatientId]);
  return [...byPatient.values()].filter((g) => g.length > 1).map((g) => g.sort());
}
