import { z } from '@hono/zod-openapi';
import { and, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { Database, Db } from '../platform/db/client';
import { appointments, calls, contactPoints, conversations, patientMerges, patients, refillRequests, reminders, waitlistEntries, type PatientMergeFilled, type PatientMergeMoved } from '../platform/db/schema';
import { canSeePractice, isManagerOf, type Principal } from '../access/principal';
import { AppError, forbidden, notFound } from '../platform/errors';
import { audit } from '../access/audit';

export const MergePatientSchema = z
  .object({ intoId: z.uuid({ error: 'must be the id (uuid) of the patient to keep' }).openapi({ description: 'The patient record that stays' }) })
  .openapi('MergePatient');

export const PatientMergeSchema = z
  .object({
    id: z.uuid(),
    practiceId: z.uuid(),
    patientId: z.uuid().openapi({ description: 'The record merged away' }),
    intoId: z.uuid().openapi({ description: 'The record that stayed' }),
    moved: z.object({
      conversations: z.number().int(),
      contactPoints: z.number().int(),
      appointments: z.number().int(),
      reminders: z.number().int(),
      waitlistEntries: z.number().int(),
      calls: z.number().int(),
      refillRequests: z.number().int(),
    }),
    filled: z.array(z.string()).openapi({ description: "the survivor's empty fields the merge filled from the merged record (unmerge empties them again)" }),
    createdAt: z.string(),
    undoneAt: z.string().nullable(),
  })
  .openapi('PatientMerge');

type MergeRow = typeof patientMerges.$inferSelect;

const view = (m: MergeRow): z.infer<typeof PatientMergeSchema> => ({
  id: m.id,
  practiceId: m.practiceId,
  patientId: m.patientId,
  intoId: m.intoId,
  moved: {
    conversations: m.moved.conversations.length,
    contactPoints: m.moved.contactPoints.length,
    appointments: m.moved.appointments.length,
    reminders: m.moved.reminders.length,
    waitlistEntries: m.moved.waitlistEntries.length,
    calls: m.moved.calls.length,
    refillRequests: m.moved.refillRequests?.length ?? 0,
  },
  filled: Object.keys(m.filled?.after ?? {}),
  createdAt: m.createdAt.toISOString(),
  undoneAt: m.undoneAt?.toISOString() ?? null,
});

async function patientFor(db: Db, who: Principal, id: string) {
  const [row] = await db.select().from(patients).where(eq(patients.id, id)).for('update');
  if (!row || !canSeePractice(who, row.practiceId)) throw notFound('patient');
  if (!isManagerOf(who, row.practiceId)) throw forbidden('only managers of the practice merge patients');
  return row;
}

/** Moves every row of one patient to another; returns what moved, by id. */
async function move(db: Db, from: string, to: string, only?: PatientMergeMoved): Promise<PatientMergeMoved> {
  const ids = (rows: { id: string }[]) => rows.map((r) => r.id);
  // undoing moves back only the rows the merge moved; an empty list matches nothing
  const scope = (list: string[] | undefined, col: PgColumn) => (list ? (list.length ? inArray(col, list) : sql`false`) : undefined);
  return {
    conversations: ids(await db.update(conversations).set({ patientId: to }).where(and(eq(conversations.patientId, from), scope(only?.conversations, conversations.id))).returning({ id: conversations.id })),
    contactPoints: ids(await db.update(contactPoints).set({ patientId: to }).where(and(eq(contactPoints.patientId, from), scope(only?.contactPoints, contactPoints.id))).returning({ id: contactPoints.id })),
    appointments: ids(await db.update(appointments).set({ patientId: to }).where(and(eq(appointments.patientId, from), scope(only?.appointments, appointments.id))).returning({ id: appointments.id })),
    reminders: ids(await db.update(reminders).set({ patientId: to }).where(and(eq(reminders.patientId, from), scope(only?.reminders, reminders.id))).returning({ id: reminders.id })),
    waitlistEntries: ids(await db.update(waitlistEntries).set({ patientId: to }).where(and(eq(waitlistEntries.patientId, from), scope(only?.waitlistEntries, waitlistEntries.id))).returning({ id: waitlistEntries.id })),
    calls: ids(await db.update(calls).set({ patientId: to }).where(and(eq(calls.patientId, from), scope(only?.calls, calls.id))).returning({ id: calls.id })),
    // merges made before refills moved list none: undoing one moves no refill back
    refillRequests: ids(
      await db
        .update(refillRequests)
        .set({ patientId: to })
        .where(and(eq(refillRequests.patientId, from), only ? scope(only.refillRequests ?? [], refillRequests.id) : undefined))
        .returning({ id: refillRequests.id }),
    ),
  };
}

type PatientRow = typeof patients.$inferSelect;
const fillable = ['firstName', 'lastName', 'dateOfBirth', 'timeZone', 'preferredChannel'] as const;

/**
 * What the survivor takes from the merged record: each empty field it has is filled, tags
 * are joined. Nothing the survivor holds is overwritten, and the merged record keeps all of
 * its own fields (its name stays readable in the merge history).
 */
export function mergeFill(target: PatientRow, source: PatientRow): { set: Partial<PatientRow>; filled: { before: PatientMergeFilled; after: PatientMergeFilled } } {
  const set: Partial<PatientRow> = {};
  const before: PatientMergeFilled = {};
  const after: PatientMergeFilled = {};
  for (const f of fillable) {
    if (target[f] === null && source[f] !== null) {
      (set as Record<string, unknown>)[f] = source[f];
      (before as Record<string, unknown>)[f] = null;
      (after as Record<string, unknown>)[f] = source[f];
    }
  }
  const tags = [...new Set([...target.tags, ...source.tags])];
  if (tags.length !== target.tags.length) {
    set.tags = tags;
    before.tags = target.tags;
    after.tags = tags;
  }
  return { set, filled: { before, after } };
}

/** Undoing the fill: a field goes back only while it still holds what the merge put there (a later edit stays). */
export function unmergeFill(current: PatientRow, filled: { before: PatientMergeFilled; after: PatientMergeFilled } | null): Partial<PatientRow> {
  if (!filled) return {};
  const set: Partial<PatientRow> = {};
  for (const [field, value] of Object.entries(filled.after)) {
    const now = (current as Record<string, unknown>)[field];
    if (JSON.stringify(now) === JSON.stringify(value)) (set as Record<string, unknown>)[field] = (filled.before as Record<string, unknown>)[field] ?? null;
  }
  return set;
}

/**
 * Merges patient `id` into `intoId` (managers of the practice): its conversations, contacts,
 * appointments, reminders, waitlist entries and calls move over, the record stays with
 * `mergedIntoId` set (its portal id keeps leading to the survivor), and what moved is kept so
 * the merge can be undone. Audited in the same transaction.
 */
export async function mergePatient(db: Database, who: Principal, id: string, input: z.input<typeof MergePatientSchema>, requestId: string | null) {
  const { intoId } = MergePatientSchema.parse(input);
  if (intoId === id) throw new AppError('validation_failed', 'intoId: a patient cannot be merged into itself');
  return db.transaction(async (tx) => {
    const source = await patientFor(tx, who, id);
    const target = await patientFor(tx, who, intoId);
    if (source.practiceId !== target.practiceId) throw notFound('patient');
    if (source.mergedIntoId) throw new AppError('conflict', 'this patient was already merged into another; undo that merge first');
    if (target.mergedIntoId) throw new AppError('conflict', 'intoId was merged into another patient; merge into that one');
    if (source.erasedAt || target.erasedAt) throw new AppError('conflict', 'an erased record cannot be merged');
    const moved = await move(tx, source.id, target.id);
    const now = new Date();
    const { set, filled } = mergeFill(target, source);
    await tx.update(patients).set({ mergedIntoId: target.id, updatedAt: now }).where(eq(patients.id, source.id));
    await tx.update(patients).set({ ...set, updatedAt: now }).where(eq(patients.id, target.id));
    const [merge] = await tx
      .insert(patientMerges)
      .values({
        practiceId: source.practiceId,
        patientId: source.id,
        intoId: target.id,
        moved,
        filled,
        mergedById: who.userId,
        mergedByTokenId: who.tokenId,
      })
      .returning();
    await audit(tx, who, requestId, [
      { action: 'patient.merge', subjectType: 'patient_merge', subjectId: merge!.id, practiceId: source.practiceId, patientId: source.id, detail: { intoId: target.id } },
      { action: 'patient.merge', subjectType: 'patient_merge', subjectId: merge!.id, practiceId: source.practiceId, patientId: target.id, detail: { fromId: source.id, filled: Object.keys(filled.after) } },
    ]);
    return view(merge!);
  });
}

/**
 * Undoes the latest merge of patient `id`: the rows that moved go back unless they were
 * moved again since; what came to the survivor after the merge stays with it.
 */
export async function unmergePatient(db: Database, who: Principal, id: string, requestId: string | null) {
  return db.transaction(async (tx) => {
    const source = await patientFor(tx, who, id);
    if (!source.mergedIntoId) throw new AppError('conflict', 'this patient is not merged into another');
    const [merge] = await tx
      .select()
      .from(patientMerges)
      .where(and(eq(patientMerges.patientId, source.id), eq(patientMerges.intoId, source.mergedIntoId), isNull(patientMerges.undoneAt)))
      .orderBy(desc(patientMerges.createdAt))
      .limit(1)
      .for('update');
    if (!merge) throw new AppError('conflict', 'no merge of this patient to undo');
    const target = await patientFor(tx, who, merge.intoId);
    if (target.mergedIntoId) throw new AppError('conflict', 'the patient it was merged into was merged again since; undo that merge first');
    const restored = await move(tx, target.id, source.id, merge.moved);
    const now = new Date();
    await tx.update(patients).set({ mergedIntoId: null, updatedAt: now }).where(eq(patients.id, source.id));
    await tx.update(patients).set({ ...unmergeFill(target, merge.filled), updatedAt: now }).where(eq(patients.id, target.id));
    const [undone] = await tx
      .update(patientMerges)
      .set({ undoneAt: now, undoneById: who.userId, undoneByTokenId: who.tokenId })
      .where(eq(patientMerges.id, merge.id))
      .returning();
    await audit(tx, who, requestId, [
      { action: 'patient.unmerge', subjectType: 'patient_merge', subjectId: merge.id, practiceId: source.practiceId, patientId: source.id, detail: { intoId: target.id, restored: Object.fromEntries(Object.entries(restored).map(([k, v]) => [k, v.length])) } },
      { action: 'patient.unmerge', subjectType: 'patient_merge', subjectId: merge.id, practiceId: source.practiceId, patientId: target.id, detail: { fromId: source.id } },
    ]);
    return view(undone!);
  });
}
