import { eq } from 'drizzle-orm';
import type { Db } from '../platform/db/client';
import { conversations } from '../platform/db/schema';
import { applyAutomation, pendingWork, type Automation } from './people-only';
import { startSla } from './sla';
import { fillFreeCapacity } from './assignment';

/**
 * After automation fully answered a patient's message (a reminder answer, an opt-out word): a
 * conversation with nothing else awaiting is closed, through the people-only gate (which keeps
 * it open if the message itself needs a person); one that still awaits an answer keeps a due
 * time, so nothing is left open with nobody's clock on it.
 */
export async function settleAnswered(
  tx: Db,
  input: { conversationId: string; messageId: string; now: Date; by: Automation; toPerson?: boolean },
): Promise<void> {
  const [c] = await tx.select().from(conversations).where(eq(conversations.id, input.conversationId)).for('update');
  if (!c || c.status === 'resolved') return;
  const pending = await pendingWork(tx, input.conversationId);
  const others = pending.awaiting.filter((m) => m.id !== input.messageId);
  if (!input.toPerson && others.length === 0) {
    const r = await applyAutomation(tx, input.conversationId, { status: 'resolved' }, { by: input.by, now: input.now, messageId: input.messageId });
    if (r?.conversation.status === 'resolved') {
      if (c.assigneeId) await fillFreeCapacity(tx, { now: input.now, userId: c.assigneeId });
      return;
    }
  }
  await startSla(tx, input.conversationId, input.now);
}
