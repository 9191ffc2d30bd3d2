import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../platform/db/client';
import { appointments, ehrConnections, ehrWriteBacks, type EhrWriteBackAction } from '../../platform/db/schema';
import { addJob } from '../../platform/jobs/catalog';

/** Who asked for the change: the patient by a channel, a person on staff, or the waitlist. */
export type WriteBackVia = 'sms' | 'email' | 'portal' | 'voice' | 'staff' | 'waitlist';

/**
 * Queues a change made here for the practice's EHR, in the caller's transaction (the
 * patient's answer or the staff's action): a row and its outbox job, nothing more, so the
 * answer never waits on the EHR. Only where the practice writes back, and only for an
 * appointment the EHR knows (or is about to: a booking or reschedule still on its way);
 * a waitlist booking is always one. Returns whether one was queued.
 */
export async function queueEhrWriteBack(
  tx: Db,
  input: { appointmentId: string; action: EhrWriteBackAction; via: WriteBackVia; now: Date; startsAt?: Date | null; slotAppointmentId?: string | null },
): Promise<boolean> {
  const [row] = await tx
    .select({ practiceId: appointments.practiceId, ehrResourceId: appointments.ehrResourceId, startsAt: appointments.startsAt, writeBack: ehrConnections.writeBack })
    .from(appointments)
    .innerJoin(ehrConnections, eq(ehrConnections.practiceId, appointments.practiceId))
    .where(eq(appointments.id, input.appointmentId));
  if (!row?.writeBack) return false;
  if (input.action !== 'book' && !row.ehrResourceId) {
    const [coming] = await tx
      .select({ id: ehrWriteBacks.id })
      .from(ehrWriteBacks)
      .where(and(eq(ehrWriteBacks.appointmentId, input.appointmentId), inArray(ehrWriteBacks.action, ['book', 'reschedule']), inArray(ehrWriteBacks.status, ['pending', 'running'])))
      .limit(1);
    if (!coming) return false;
  }
  const [wb] = await tx
    .insert(ehrWriteBacks)
    .values({
      practiceId: row.practiceId,
      appointmentId: input.appointmentId,
      action: input.action,
      via: input.via,
      startsAt: input.action === 'reschedule' || input.action === 'book' ? (input.startsAt ?? row.startsAt) : null,
      slotAppointmentId: input.slotAppointmentId ?? null,
      nextAttemptAt: input.now,
      createdAt: input.now,
      updatedAt: input.now,
    })
    .returning({ id: ehrWriteBacks.id });
  await addJob(tx, 'ehr-writeback', { writeBackId: wb!.id }, { runAt: input.now, dedupeKey: `ehr-writeback:${wb!.id}:0` });
  return true;
}

/** A write-back tried again at `at` (a retry after a failure, or one a person asked for). */
export async function requeueWriteBack(tx: Db, writeBackId: string, at: Date, opts: { resetAttempts?: boolean } = {}): Promise<void> {
  const [wb] = await tx
    .update(ehrWriteBacks)
    .set({ status: 'pending', nextAttemptAt: at, claimedAt: null, updatedAt: at, ...(opts.resetAttempts !== false ? { attempts: 0 } : {}) })
    .where(eq(ehrWriteBacks.id, writeBackId))
    .returning({ attempts: ehrWriteBacks.attempts });
  if (!wb) return;
  await addJob(tx, 'ehr-writeback', { writeBackId }, { runAt: at, dedupeKey: `ehr-writeback:${writeBackId}:${at.toISOString()}` });
}
