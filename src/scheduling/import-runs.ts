import { z } from '@hono/zod-openapi';
import { eq, sql } from 'drizzle-orm';
import type { Database, Db } from '../platform/db/client';
import { importRuns, type ImportRunCounts, type ImportRunKind, type ImportRunProblem } from '../platform/db/schema';
import { canSeePractice, isManagerOf, type Principal } from '../access/principal';
import { AppError, forbidden, notFound } from '../platform/errors';
import { audit } from '../access/audit';
import { findPractice } from '../practices/practices';
import { emptySummary, ImportError, importAppointmentsCsv, importFhirBundle, type ImportOptions, type ImportSummary } from './appointment-import';

/*
 * An import or an EHR sync, as a row: the console polls it for progress while the work runs
 * (on any instance: the row is in Postgres), and the practice's EHR status shows the last
 * sync's counts and problems. Problems name rows and FHIR references, never patient details.
 */

export const MAX_PROBLEMS = 200;

export const ImportRunSchema = z
  .object({
    id: z.uuid(),
    practiceId: z.uuid(),
    kind: z.enum(['csv', 'fhir_bundle', 'fhir_server', 'ehr_sync']),
    trigger: z.enum(['api', 'cli', 'schedule', 'manual']),
    status: z.enum(['running', 'done', 'failed']),
    total: z.number().int().openapi({ description: 'rows or resources to go through (from the first page of a search; may grow)' }),
    done: z.number().int(),
    counts: z
      .object({
        created: z.number().int(),
        updated: z.number().int(),
        unchanged: z.number().int(),
        cancelled: z.number().int(),
        held: z.number().int(),
        skipped: z.number().int(),
        rejected: z.number().int(),
        duplicatePatients: z.number().int(),
      })
      .nullable(),
    problems: z.array(
      z.object({
        level: z.enum(['error', 'warning']),
        line: z.number().int().optional(),
        resource: z.string().optional(),
        reason: z.string(),
      }),
    ),
    error: z.string().nullable().openapi({ description: 'why the whole run failed (nothing after this point was applied)' }),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
  })
  .openapi('ImportRun');
export type ImportRunView = z.infer<typeof ImportRunSchema>;

type Row = typeof importRuns.$inferSelect;

export const importRunView = (r: Row): ImportRunView => ({
  id: r.id,
  practiceId: r.practiceId,
  kind: r.kind,
  trigger: r.trigger,
  status: r.status,
  total: r.total,
  done: r.done,
  counts: r.counts ?? null,
  problems: r.problems ?? [],
  error: r.error,
  startedAt: r.startedAt.toISOString(),
  finishedAt: r.finishedAt?.toISOString() ?? null,
});

export async function startImportRun(
  db: Db,
  input: { id?: string; practiceId: string; kind: ImportRunKind; trigger: Row['trigger']; actor: Principal | 'system'; now: Date },
): Promise<Row> {
  const actor = input.actor === 'system' ? null : input.actor;
  const [row] = await db
    .insert(importRuns)
    .values({
      ...(input.id ? { id: input.id } : {}),
      practiceId: input.practiceId,
      kind: input.kind,
      trigger: input.trigger,
      actorUserId: actor?.userId ?? null,
      actorTokenId: actor?.tokenId ?? null,
      startedAt: input.now,
      updatedAt: input.now,
    })
    .returning();
  return row!;
}

/**
 * Progress written at most every `everyMs` of wall time (and always at the end), so a long
 * import costs a handful of updates, not one per row.
 */
export function progressWriter(db: Db, runId: string, everyMs = 500) {
  let last = 0;
  let pending: Promise<unknown> = Promise.resolve();
  return {
    update(done: number, total: number) {
      const t = Date.now();
      if (t - last < everyMs && done < total) return;
      last = t;
      pending = pending.then(() => db.update(importRuns).set({ done, total }).where(eq(importRuns.id, runId))).catch(() => {});
    },
    flush: () => pending,
  };
}

export function countsOf(s: ImportSummary, duplicatePatients = 0): ImportRunCounts {
  return {
    created: s.created,
    updated: s.updated,
    unchanged: s.unchanged,
    cancelled: s.cancelled,
    held: s.held,
    skipped: s.skipped,
    rejected: s.rejected.length,
    duplicatePatients,
  };
}

export function problemsOf(s: ImportSummary, warnings: ImportRunProblem[] = []): ImportRunProblem[] {
  const errors: ImportRunProblem[] = s.rejected.map((r) => ({ level: 'error', line: r.line, ...(r.resource ? { resource: r.resource } : {}), reason: r.reason }));
  return [...errors, ...warnings].slice(0, MAX_PROBLEMS);
}

export async function finishImportRun(
  db: Db,
  runId: string,
  input: { status: 'done' | 'failed'; summary: ImportSummary; warnings?: ImportRunProblem[]; duplicatePatients?: number; error?: string | null; now: Date },
): Promise<Row> {
  const [row] = await db
    .update(importRuns)
    .set({
      status: input.status,
      done: input.summary.total,
      total: sql`greatest(${importRuns.total}, ${input.summary.total})`,
      counts: countsOf(input.summary, input.duplicatePatients ?? 0),
      problems: problemsOf(input.summary, input.warnings),
      error: input.error ?? null,
      finishedAt: input.now,
      updatedAt: input.now,
    })
    .where(eq(importRuns.id, runId))
    .returning();
  return row!;
}

/**
 * An import over HTTP: the body is applied row by row as the CLI does, its progress kept in
 * the run's row (poll GET /api/v1/appointments/imports/{id} with the id given as `importId`),
 * and the answer lists what became of every row. Managers and admins of the practice.
 */
export async function runImport(
  db: Database,
  who: Principal,
  input: { practiceId: string; runId?: string; kind: 'csv' | 'fhir_bundle'; body: string | unknown },
  now: Date,
  requestId: string | null,
): Promise<{ run: ImportRunView; summary: ImportSummary }> {
  if (who.role === 'portal') throw forbidden('portal tokens can only use the portal routes');
  const practice = await findPractice(db, input.practiceId);
  if (!practice || !canSeePractice(who, practice.id)) throw notFound('practice');
  if (!isManagerOf(who, practice.id)) throw forbidden('only managers and admins of the practice import appointments');
  if (input.runId && (await db.select({ id: importRuns.id }).from(importRuns).where(eq(importRuns.id, input.runId))).length > 0) {
    throw new AppError('conflict', 'an import with this importId exists; make a new id for each import');
  }
  const run = await startImportRun(db, { id: input.runId, practiceId: practice.id, kind: input.kind, trigger: 'api', actor: who, now });
  const progress = progressWriter(db, run.id);
  const opts: ImportOptions = { practice, now, actor: who, requestId, onProgress: (d, t) => progress.update(d, t) };
  let summary: ImportSummary;
  try {
    summary = input.kind === 'csv' ? await importAppointmentsCsv(db, String(input.body), opts) : await importFhirBundle(db, input.body, opts);
  } catch (err) {
    await progress.flush();
    const readable = err instanceof ImportError;
    await finishImportRun(db, run.id, { status: 'failed', summary: emptySummary(), error: readable ? err.message : 'the import stopped on an error of ours; it has been logged', now });
    if (readable) throw new AppError('validation_failed', err.message);
    throw err;
  }
  await progress.flush();
  const finished = await db.transaction(async (tx) => {
    const row = await finishImportRun(tx, run.id, { status: 'done', summary, now });
    await audit(tx, who, requestId, {
      action: 'appointment.import',
      subjectType: 'import',
      subjectId: run.id,
      practiceId: practice.id,
      detail: { kind: input.kind, counts: row.counts },
    });
    return row;
  });
  return { run: importRunView(finished), summary };
}

/** An import's or sync's progress and outcome, for managers and admins of its practice. */
export async function getImportRun(db: Database, who: Principal, id: string): Promise<ImportRunView> {
  if (who.role === 'portal') throw forbidden('portal tokens can only use the portal routes');
  const [row] = await db.select().from(importRuns).where(eq(importRuns.id, id));
  if (!row || !canSeePractice(who, row.practiceId)) throw notFound('import');
  if (!isManagerOf(who, row.practiceId)) throw forbidden('only managers and admins of the practice see its imports');
  return importRunView(row);
}
