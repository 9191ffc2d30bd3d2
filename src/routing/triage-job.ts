import { and, eq } from 'drizzle-orm';
import type { Db } from '../platform/db/client';
import { conversations, messages, patients, practices } from '../platform/db/schema';
import { routeMessage } from './route-message';
import { recordRefillRequest } from '../inbox/refills/refills';
import { defineJob } from '../platform/jobs/registry';
import { answerFromIntent, handleAppointmentReply } from '../scheduling/appointment-answers';
import { reminderAnswer } from '../../triage/reminder';
import { normalizeText } from '../../triage/normalize';
import type { TriageInput, TriageResult } from '../../triage/types';

/** The triage engine as a port: the job only needs `triage(input)`. */
export interface TriageEngine {
  triage(input: TriageInput): TriageResult;
}

export function triageJob(engine: () => TriageEngine) {
  return defineJob({
    queue: 'triage',
    worker: { concurrency: 4 },
    async exec(deps, job) {
      const messageId = job.data.messageId;
      const [row] = await deps.db
        .select({ m: messages, timeZone: practices.timeZone, patientZone: patients.timeZone, patientId: conversations.patientId })
        .from(messages)
        .innerJoin(conversations, eq(conversations.id, messages.conversationId))
        .innerJoin(practices, eq(practices.id, messages.practiceId))
        .innerJoin(patients, eq(patients.id, conversations.patientId))
        .where(eq(messages.id, messageId));
      if (!row) {
        deps.log.warn({ messageId }, 'triage: message is gone');
        return;
      }
      // a person's correction is already on the message: apply it as it is, never re-classify over it
      if (job.data.corrected === true && row.m.triage) {
        await storeTriage(deps.db, row.m.id, row.m.conversationId, row.m.triage, { corrected: true });
        if (row.m.triage.intent === 'refill_request') await recordRefillRequest(deps.db, { messageId: row.m.id, now: deps.clock.now(), triage: row.m.triage });
        await routeMessage(deps.db, row.m.id, deps.clock.now());
        deps.relay.nudge();
        return;
      }
      const text = [row.m.subject, row.m.body].filter(Boolean).join('\n');
      const result = engine().triage({
        text,
        channel: row.m.channel,
        receivedAt: row.m.createdAt,
        timeZone: row.patientZone ?? row.timeZone,
      });
      await storeTriage(deps.db, row.m.id, row.m.conversationId, result);
      // an answer to a reminder or a waitlist offer (C/X/R, a slot number) belongs to them, not to the rules
      if (row.m.channel === 'sms' && row.m.direction === 'inbound') {
        // the bare letter first: normalising spells a lone "R" out as "are"
        const answer = answerFromIntent(reminderAnswer(text.trim().toLowerCase()) ?? reminderAnswer(normalizeText(text)));
        const handled = await handleAppointmentReply(deps.db, {
          messageId: row.m.id,
          patientId: row.patientId,
          conversationId: row.m.conversationId,
          channel: row.m.channel,
          answer,
          text,
          now: deps.clock.now(),
        });
        if (handled) {
          deps.relay.nudge();
          return;
        }
      }
      // a refill request becomes a structured record a clinician approves or denies
      if (result.intent === 'refill_request') await recordRefillRequest(deps.db, { messageId: row.m.id, now: deps.clock.now(), triage: result });
      // the practice's rules act on the result (safety rules first); replies and notices are outbox rows
      await routeMessage(deps.db, row.m.id, deps.clock.now());
      deps.relay.nudge();
    },
  });
}

/** The result goes on the message, and on its conversation so the inbox can filter and rules can act. */
export async function storeTriage(
  db: Db,
  messageId: string,
  conversationId: string,
  result: TriageResult,
  opts: { corrected?: boolean } = {},
) {
  await db.transaction(async (tx) => {
    await tx.update(messages).set({ triage: result }).where(eq(messages.id, messageId));
    const [conv] = await tx.select().from(conversations).where(eq(conversations.id, conversationId));
    if (!conv) return;
    const rank = { routine: 0, urgent: 1, emergency: 2 } as const;
    // a conversation keeps its most urgent rating until a person resolves it
    // (a person's correction is the exception: it sets the rating)
    const keepUrgency = !opts.corrected && conv.urgency && rank[conv.urgency] > rank[result.urgency];
    await tx
      .update(conversations)
      .set({
        intent: result.intent,
        urgency: keepUrgency ? conv.urgency : result.urgency,
        confidence: result.confidence,
        needsHuman: !opts.corrected && conv.needsHuman && conv.status !== 'resolved' ? true : result.needsHuman,
        updatedAt: new Date(),
      })
      .where(and(eq(conversations.id, conversationId)));
  });
}
