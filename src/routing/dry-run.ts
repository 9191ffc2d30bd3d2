import { z } from '@hono/zod-openapi';
import { inSaneYears, saneYearsMessage } from '../platform/time';
import { and, asc, eq, gte, lte, sql } from 'drizzle-orm';
import type { Database } from '../platform/db/client';
import { conversations, messages, patients, practices } from '../platform/db/schema';
import type { Principal } from '../access/principal';
import { RuleSchema, simulateRules } from '../../triage/routing/index';
import { audit } from '../access/audit';
import { assertManager, liveRules, validateRules } from './rules';
import { contextFor } from './routing-context';

export const SimulateSchema = z
  .object({
    practiceId: z.uuid(),
    rules: z.array(RuleSchema).max(200).openapi({ description: 'the draft rule set' }),
    from: z.iso.datetime({ offset: true }).refine(inSaneYears, saneYearsMessage),
    to: z.iso.datetime({ offset: true }).refine(inSaneYears, saneYearsMessage),
    limit: z.number().int().min(1).max(5000).default(2000),
  })
  .refine((v) => v.from < v.to, { message: 'from must be before to', path: ['from'] })
  .openapi('SimulateRules');

/**
 * The dry run: what each stored message of the range would get under the draft rules versus
 * the live ones. Reads only; nothing is sent or changed.
 */
export async function simulateDraft(db: Database, who: Principal, input: z.input<typeof SimulateSchema>, now: Date, requestId: string | null) {
  const data = SimulateSchema.parse(input);
  await assertManager(db, who, data.practiceId);
  const draft = await validateRules(db, data.practiceId, data.rules);
  const live = await liveRules(db, data.practiceId);
  const rows = await db
    .select({ message: messages, conversation: conversations, practice: practices, patient: patients })
    .from(messages)
    .innerJoin(conversations, eq(conversations.id, messages.conversationId))
    .innerJoin(practices, eq(practices.id, messages.practiceId))
    .innerJoin(patients, eq(patients.id, conversations.patientId))
    .where(
      and(
        eq(messages.practiceId, data.practiceId),
        eq(messages.direction, 'inbound'),
        eq(messages.kind, 'message'),
        sql`${messages.triage} is not null`,
        gte(messages.createdAt, new Date(data.from)),
        lte(messages.createdAt, new Date(data.to)),
      ),
    )
    .orderBy(asc(messages.createdAt))
    .limit(data.limit);
  const items = [];
  for (const r of rows) items.push({ id: r.message.id, context: await contextFor(db, r, now) });
  const result = simulateRules({ draft, live: live.rules, items });
  const byId = new Map(rows.map((r) => [r.message.id, r]));
  await audit(db, who, requestId, { action: 'rules.simulate', subjectType: 'routing_rules', practiceId: data.practiceId, detail: { messages: rows.length, changed: result.changed.length } });
  return {
    practiceId: data.practiceId,
    liveVersion: live.version,
    total: result.total,
    truncated: rows.length >= data.limit,
    counts: result.counts.byAction,
    changed: result.changed.slice(0, 500).map((ch) => {
      const r = byId.get(ch.id)!;
      return {
        messageId: ch.id,
        conversationId: r.conversation.id,
        createdAt: r.message.createdAt.toISOString(),
        intent: r.message.triage!.intent,
        urgency: r.message.triage!.urgency,
        preview: r.message.body.slice(0, 120),
        differences: ch.differences,
      };
    }),
  };
}

