import { z } from '@hono/zod-openapi';
import { and, asc, eq, gte, sql } from 'drizzle-orm';
import type { Database } from '../platform/db/client';
import { conversations, messages } from '../platform/db/schema';
import { canSeeQueue, type Principal } from '../access/principal';
import { AppError, forbidden, notFound } from '../platform/errors';
import { addJob } from '../platform/jobs/catalog';
import { intents, urgencies, type TriageResult } from '../../triage/types';
import { audit } from '../access/audit';

export const TriageCorrectionSchema = z
  .object({
    intent: z.enum(intents).optional(),
    urgency: z.enum(urgencies).optional(),
    needsHuman: z.boolean().optional(),
    note: z.string().max(500).optional(),
  })
  .refine((v) => v.intent !== undefined || v.urgency !== undefined || v.needsHuman !== undefined, {
    message: 'give at least one of intent, urgency, needsHuman',
  })
  .openapi('TriageCorrection');

export interface StoredCorrection {
  intent: TriageResult['intent'];
  urgency: TriageResult['urgency'];
  needsHuman: boolean;
  original: Pick<TriageResult, 'intent' | 'urgency' | 'needsHuman' | 'confidence'> | null;
  byUserId: string | null;
  byTokenId: string | null;
  at: string;
}

/**
 * A person corrects a message's triage: the corrected labels become the message's triage,
 * the conversation follows (the triage job re-applies it, so routing sees the correction),
 * and the correction is kept on the message as training data for the next model.
 */
export async function correctTriage(
  db: Database,
  who: Principal,
  messageId: string,
  input: z.input<typeof TriageCorrectionSchema>,
  now: Date,
  requestId: string | null,
) {
  if (who.role === 'portal') throw forbidden('portal tokens can only use the portal routes');
  const data = TriageCorrectionSchema.parse(input);
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select({ m: messages, c: conversations })
      .from(messages)
      .innerJoin(conversations, eq(conversations.id, messages.conversationId))
      .where(eq(messages.id, messageId));
    if (!row || !canSeeQueue(who, row.c.practiceId, row.c.queueId, row.c.assigneeId)) throw notFound('message');
    if (row.m.direction !== 'inbound' || row.m.kind !== 'message') {
      throw new AppError('validation_failed', 'only inbound patient messages carry a triage result');
    }
    const before = row.m.triage;
    const urgency = data.urgency ?? before?.urgency ?? 'routine';
    const intent = data.intent ?? before?.intent ?? 'other';
    // urgent and emergency always need a person, whatever the correction says
    const needsHuman = urgency !== 'routine' ? true : data.needsHuman ?? (intent === 'clinical_question' ? true : before?.needsHuman ?? false);
    const corrected: TriageResult = {
      intent,
      urgency,
      needsHuman,
      confidence: 1,
      language: before?.language ?? 'en',
      entities: before?.entities ?? {},
      redFlags: before?.redFlags ?? [],
    };
    const correction: StoredCorrection = {
      intent,
      urgency,
      needsHuman,
      original: before ? { intent: before.intent, urgency: before.urgency, needsHuman: before.needsHuman, confidence: before.confidence } : null,
      byUserId: who.userId,
      byTokenId: who.tokenId,
      at: now.toISOString(),
    };
    await tx
      .update(messages)
      .set({ triage: corrected, meta: sql`${messages.meta} || ${JSON.stringify({ triageCorrection: correction })}::jsonb` })
      .where(eq(messages.id, messageId));
    await addJob(tx, 'triage', { messageId, corrected: true, requestId }, { runAt: now, dedupeKey: `triage-correction:${messageId}:${now.getTime()}` });
    await audit(tx, who, requestId, {
      action: 'message.triage_correct',
      subjectType: 'message',
      subjectId: messageId,
      practiceId: row.c.practiceId,
      patientId: row.c.patientId,
      detail: { from: correction.original, to: { intent, urgency, needsHuman } },
    });
    return { messageId, triage: corrected };
  });
}

/** Corrections as JSONL training rows for `triage/corpus/corrections.jsonl` (an admin's deliberate export). */
export async function exportCorrections(db: Database, since?: Date) {
  const rows = await db
    .select({ id: messages.id, practiceId: messages.practiceId, subject: messages.subject, body: messages.body, channel: messages.channel, triage: messages.triage, meta: messages.meta })
    .from(messages)
    .where(and(sql`${messages.meta} ? 'triageCorrection'`, since ? gte(messages.createdAt, since) : undefined))
    .orderBy(asc(messages.createdAt));
  await db.transaction(async (tx) => {
    const byPractice = new Map<string, string[]>();
    for (const r of rows) byPractice.set(r.practiceId, [...(byPractice.get(r.practiceId) ?? []), r.id]);
    for (const [practiceId, ids] of byPractice) {
      await audit(tx, 'system', null, { action: 'triage.corrections_export', subjectType: 'message', practiceId, detail: { messages: ids.length } });
    }
  });
  return rows.map((r) => {
    const c = r.meta.triageCorrection as StoredCorrection;
    return {
      text: [r.subject, r.body].filter(Boolean).join('\n'),
      intent: c.intent,
      urgency: c.urgency,
      language: r.triage?.language ?? 'en',
      channel: r.channel,
      source: 'correction',
    };
  });
}
