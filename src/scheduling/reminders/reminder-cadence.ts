import { eq } from 'drizzle-orm';
import type { z } from '@hono/zod-openapi';
import type { Database } from '../../platform/db/client';
import { practices } from '../../platform/db/schema';
import { canSeePractice, isManagerOf, type Principal } from '../../access/principal';
import { forbidden, notFound } from '../../platform/errors';
import { audit } from '../../access/audit';
import { practiceCadence, ReminderCadenceSchema, type ReminderCadence } from './reminders';

export async function getReminderCadence(db: Database, who: Principal, practiceId: string): Promise<ReminderCadence> {
  if (!canSeePractice(who, practiceId)) throw notFound('practice');
  const [practice] = await db.select({ settings: practices.settings }).from(practices).where(eq(practices.id, practiceId));
  if (!practice) throw notFound('practice');
  return practiceCadence(practice.settings);
}

/**
 * A manager sets the practice's cadence (`settings.reminderCadence`). It applies to
 * appointments planned or moved from now on; reminders already planned keep their times.
 */
export async function setReminderCadence(
  db: Database,
  who: Principal,
  practiceId: string,
  input: z.infer<typeof ReminderCadenceSchema>,
  now: Date,
  requestId: string | null,
): Promise<ReminderCadence> {
  if (!canSeePractice(who, practiceId)) throw notFound('practice');
  if (!isManagerOf(who, practiceId)) throw forbidden('only a manager or admin of the practice sets its reminder cadence');
  const cadence = ReminderCadenceSchema.parse(input);
  return db.transaction(async (tx) => {
    const [practice] = await tx.select({ settings: practices.settings }).from(practices).where(eq(practices.id, practiceId)).for('update');
    if (!practice) throw notFound('practice');
    const before = practiceCadence(practice.settings);
    await tx
      .update(practices)
      .set({ settings: { ...practice.settings, reminderCadence: cadence }, updatedAt: now })
      .where(eq(practices.id, practiceId));
    await audit(tx, who, requestId, {
      action: 'practice.reminder_cadence.update',
      subjectType: 'practice',
      subjectId: practiceId,
      practiceId,
      detail: { before, after: cadence },
    });
    return cadence;
  });
}
