import { z } from '@hono/zod-openapi';
import { and, asc, count, desc, eq, gte, lte, sql } from 'drizzle-orm';
import type { Database, Db } from '../db/client';
import {
  contactPoints,
  conversations,
  messages,
  patients,
  practiceGrants,
  practices,
  queues,
  routingRuleSets,
  users,
} from '../db/schema';
import { isManagerOf, canSeePractice, type Principal } from '../auth/principal';
import { AppError, forbidden, notFound } from '../lib/errors';
import { isWithinBusinessHours } from '../lib/time';
import { addNotifyJob } from '../jobs/notify-job';
import { addWakeJob } from '../jobs/timers-job';
import {
  RuleSchema,
  RuleSetSchema,
  defaultRuleSet,
  evaluateRules,
  parseRuleSet,
  referencedKeys,
  simulateRules,
  type Rule,
  type RoutingContext,
  type RoutingPlan,
} from '../../triage/routing/index';
import { listTemplates, type TemplatePurpose } from '../../templates/index';
import { renderForPractice } from './templates';
import type { Channel } from '../../triage/types';
import { audit } from './audit';
import { pickAssistant } from './conversation-actions';
import { contactKindFor, queueOutbound } from './outbound';
import { startSla } from './sla';

export { RuleSchema, RuleSetSchema };

/** The live rules: the newest version, or the default set for a practice that never saved one. */
export async function liveRules(db: Db, practiceId: string): Promise<{ version: number; rules: Rule[]; createdAt: Date | null; createdById: string | null; note: string | null }> {
  const [row] = await db
    .select()
    .from(routingRuleSets)
    .where(eq(routingRuleSets.practiceId, practiceId))
    .orderBy(desc(routingRuleSets.version))
    .limit(1);
  if (!row) return { version: 0, rules: defaultRuleSet().rules, createdAt: null, createdById: null, note: 'default rules' };
  return { version: row.version, rules: row.rules as Rule[], createdAt: row.createdAt, createdById: row.createdById, note: row.note };
}

export const SaveRulesSchema = z
  .object({ practiceId: z.uuid(), rules: z.array(RuleSchema).max(200), note: z.string().max(500).optional() })
  .openapi('SaveRules');

async function assertManager(db: Db, who: Principal, practiceId: string) {
  if (!canSeePractice(who, practiceId)) throw notFound('practice');
  if (!isManagerOf(who, practiceId)) throw forbidden('only managers change routing rules');
  const [p] = await db.select({ id: practices.id }).from(practices).where(eq(practices.id, practiceId));
  if (!p) throw notFound('practice');
}

/** Validates a rule set against the schema and the practice's queues, templates and people. */
async function validateRules(db: Db, practiceId: string, input: unknown): Promise<Rule[]> {
  const parsed = parseRuleSet({ rules: input });
  if (!parsed.ok) {
    throw new AppError('validation_failed', parsed.errors.slice(0, 5).map((e) => `${e.path}: ${e.message}`).join('; '), parsed.errors);
  }
  const rules = parsed.ruleSet.rules;
  const refs = referencedKeys(rules);
  const queueKeys = (await db.select({ key: queues.key }).from(queues).where(eq(queues.practiceId, practiceId))).map((q) => q.key);
  const missingQueue = refs.queues.find((q) => !queueKeys.includes(q));
  if (missingQueue) throw new AppError('validation_failed', `rules: no queue "${missingQueue}" in this practice`);
  const purposes = new Set(listTemplates().map((t) => t.purpose as string));
  const missingTemplate = refs.templates.find((t) => !purposes.has(t));
  if (missingTemplate) throw new AppError('validation_failed', `rules: no template "${missingTemplate}"`);
  for (const a of refs.assistants) {
    const [u] = await db
      .select({ id: users.id })
      .from(users)
      .innerJoin(practiceGrants, and(eq(practiceGrants.userId, users.id), eq(practiceGrants.practiceId, practiceId)))
      .where(and(a.includes('@') ? eq(users.email, a.toLowerCase()) : eq(users.id, a), eq(users.active, true)));
    if (!u) throw new AppError('validation_failed', `rules: no active assistant "${a}" in this practice`);
  }
  return rules;
}

export async function saveRules(db: Database, who: Principal, input: z.input<typeof SaveRulesSchema>, requestId: string | null) {
  const data = SaveRulesSchema.parse(input);
  return db.transaction(async (tx) => {
    await assertManager(tx, who, data.practiceId);
    const rules = await validateRules(tx, data.practiceId, data.rules);
    // one writer at a time per practice, so versions never collide
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`rules:${data.practiceId}`}))`);
    const current = await liveRules(tx, data.practiceId);
    const [row] = await tx
      .insert(routingRuleSets)
      .values({ practiceId: data.practiceId, version: current.version + 1, rules, note: data.note ?? null, createdById: who.userId })
      .returning();
    await audit(tx, who, requestId, {
      action: 'rules.save',
      subjectType: 'routing_rules',
      subjectId: row!.id,
      practiceId: data.practiceId,
      detail: { version: row!.version, rules: rules.length, note: data.note ?? null },
    });
    return { practiceId: data.practiceId, version: row!.version, rules, note: row!.note, createdAt: row!.createdAt.toISOString() };
  });
}

export async function listRuleVersions(db: Database, who: Principal, practiceId: string) {
  if (!canSeePractice(who, practiceId)) throw notFound('practice');
  const rows = await db
    .select({ version: routingRuleSets.version, note: routingRuleSets.note, createdAt: routingRuleSets.createdAt, createdById: routingRuleSets.createdById, rules: routingRuleSets.rules })
    .from(routingRuleSets)
    .where(eq(routingRuleSets.practiceId, practiceId))
    .orderBy(desc(routingRuleSets.version));
  return rows.map((r) => ({ version: r.version, note: r.note, createdAt: r.createdAt.toISOString(), createdById: r.createdById, rules: r.rules.length }));
}

/** Restoring an old version makes it the newest one: history is never rewritten. */
export async function restoreRules(db: Database, who: Principal, practiceId: string, version: number, requestId: string | null) {
  const [old] = await db
    .select()
    .from(routingRuleSets)
    .where(and(eq(routingRuleSets.practiceId, practiceId), eq(routingRuleSets.version, version)));
  if (!old || !canSeePractice(who, practiceId)) throw notFound('rule version');
  return saveRules(db, who, { practiceId, rules: old.rules as Rule[], note: `restored version ${version}` }, requestId);
}

interface Loaded {
  message: typeof messages.$inferSelect;
  conversation: typeof conversations.$inferSelect;
  practice: typeof practices.$inferSelect;
  patient: typeof patients.$inferSelect;
}

/** What the rules see of a stored inbound message, as it was when it arrived. */
async function contextFor(db: Db, l: Loaded, now: Date): Promise<RoutingContext> {
  const before = l.message.createdAt;
  const [lastAuto] = await db
    .select({ createdAt: messages.createdAt, meta: messages.meta })
    .from(messages)
    .where(and(eq(messages.conversationId, l.conversation.id), eq(messages.direction, 'outbound'), eq(messages.authorType, 'automation'), eq(messages.kind, 'message')))
    .orderBy(desc(messages.createdAt))
    .limit(1);
  const [lastStaff] = await db
    .select({ createdAt: messages.createdAt })
    .from(messages)
    .where(and(eq(messages.conversationId, l.conversation.id), eq(messages.direction, 'outbound'), eq(messages.authorType, 'user'), eq(messages.kind, 'message')))
    .orderBy(desc(messages.createdAt))
    .limit(1);
  const [autos] = await db
    .select({ n: count() })
    .from(messages)
    .where(
      and(
        eq(messages.conversationId, l.conversation.id),
        eq(messages.direction, 'outbound'),
        eq(messages.authorType, 'automation'),
        lastStaff ? gte(messages.createdAt, lastStaff.createdAt) : undefined,
      ),
    );
  const [earlier] = await db
    .select({ n: count() })
    .from(messages)
    .innerJoin(conversations, eq(conversations.id, messages.conversationId))
    .where(and(eq(conversations.patientId, l.patient.id), eq(messages.direction, 'inbound'), lte(messages.createdAt, before)));
  return {
    triage: l.message.triage!,
    message: {
      channel: l.message.channel,
      body: [l.message.subject, l.message.body].filter(Boolean).join('\n'),
      direction: l.message.direction,
      authorType: l.message.authorType,
      createdAt: before,
    },
    conversation: {
      lastAutoReplyAt: lastAuto?.createdAt ?? null,
      lastAutoReplyTemplate: ((lastAuto?.meta as { template?: string } | undefined)?.template as string | undefined) ?? null,
      autoRepliesSinceStaffReply: Number(autos?.n ?? 0),
    },
    patient: { isNew: Number(earlier?.n ?? 0) <= 1, tags: l.patient.tags },
    practice: { inBusinessHours: isWithinBusinessHours(l.practice.hours, l.practice.timeZone, before), timeZone: l.practice.timeZone },
    fromOnCallLine: Boolean((l.message.meta as { onCallLine?: boolean }).onCallLine),
    now,
  };
}

async function load(db: Db, messageId: string): Promise<Loaded | null> {
  const [row] = await db
    .select({ message: messages, conversation: conversations, practice: practices, patient: patients })
    .from(messages)
    .innerJoin(conversations, eq(conversations.id, messages.conversationId))
    .innerJoin(practices, eq(practices.id, messages.practiceId))
    .innerJoin(patients, eq(patients.id, conversations.patientId))
    .where(eq(messages.id, messageId));
  return row ?? null;
}

/** The channel an automatic reply goes by: the message's own, texts for a call, if the patient can take it. */
async function replyChannel(db: Db, l: Loaded): Promise<Channel | null> {
  const channel: Channel = l.message.channel === 'voice' ? 'sms' : l.message.channel;
  const [cp] = await db
    .select()
    .from(contactPoints)
    .where(and(eq(contactPoints.patientId, l.patient.id), eq(contactPoints.kind, contactKindFor(channel))))
    .limit(1);
  if (!cp) return null;
  if (channel === 'sms' && (cp.smsConsent === 'revoked' || cp.canReceiveSms === false)) return null;
  if (channel === 'email' && (cp.emailConsent === 'revoked' || cp.undeliverable)) return null;
  return channel;
}

async function renderReply(db: Db, l: Loaded, purpose: string, channel: Channel) {
  return renderForPractice(db, {
    practiceId: l.practice.id,
    purpose: purpose as TemplatePurpose,
    // the patient's record, else the language they wrote in
    language: l.patient.language !== 'en' ? l.patient.language : l.message.triage?.language ?? 'en',
    channel: channel as 'sms' | 'email' | 'portal',
    timeZone: l.patient.timeZone ?? l.practice.timeZone,
    numberTexted: l.message.toAddress,
    vars: { patient: { firstName: l.patient.firstName ?? undefined } },
  });
}

/**
 * Runs the practice's rules on a triaged inbound message and carries out the plan: queue,
 * assignee (picked when the rules name none), tags, priority, SLA, snooze, resolve, the
 * automatic reply and staff notices. The safety rules inside evaluateRules come first.
 */
export async function routeMessage(db: Database, messageId: string, now: Date): Promise<RoutingPlan | null> {
  return db.transaction(async (tx) => {
    const l = await load(tx, messageId);
    if (!l || !l.message.triage || l.message.direction !== 'inbound') return null;
    await tx.select({ id: conversations.id }).from(conversations).where(eq(conversations.id, l.conversation.id)).for('update');
    const { rules } = await liveRules(tx, l.practice.id);
    const plan = evaluateRules(rules, await contextFor(tx, l, now));
    const c = l.conversation;
    const set: Partial<typeof conversations.$inferInsert> = { updatedAt: now };
    let queueId = c.queueId;
    if (plan.queue) {
      const [q] = await tx.select().from(queues).where(and(eq(queues.practiceId, l.practice.id), eq(queues.key, plan.queue)));
      if (q) queueId = set.queueId = q.id;
    }
    if (plan.assignee) {
      const [u] = await tx
        .select({ id: users.id })
        .from(users)
        .where(and(plan.assignee.includes('@') ? eq(users.email, plan.assignee.toLowerCase()) : eq(users.id, plan.assignee), eq(users.active, true)));
      if (u) set.assigneeId = u.id;
    } else if (queueId && (queueId !== c.queueId || !c.assigneeId) && !plan.resolve) {
      // a conversation that changed queue goes to someone who works that queue
      set.assigneeId = await pickAssistant(tx, {
        practiceId: l.practice.id,
        queueId,
        language: l.message.triage.language,
        task: l.message.triage.intent,
      });
    }
    if (plan.tags.length) set.tags = [...new Set([...c.tags, ...plan.tags])];
    if (plan.priority !== null) set.priority = plan.priority;
    if (plan.snoozeUntil) {
      set.status = 'snoozed';
      set.snoozedUntil = new Date(plan.snoozeUntil);
    }
    if (plan.resolve) {
      set.status = 'resolved';
      set.resolvedAt = now;
    }
    await tx.update(conversations).set(set).where(eq(conversations.id, c.id));
    if (set.snoozedUntil) await addWakeJob(tx, c.id, set.snoozedUntil);

    if (!plan.resolve && (queueId !== c.queueId || plan.sla || !c.slaDueAt)) {
      await startSla(tx, c.id, now, plan.sla ? { firstResponseMinutes: plan.sla.firstResponseMinutes ?? undefined, resolutionMinutes: plan.sla.resolutionMinutes ?? undefined } : null);
    }

    let replyId: string | null = null;
    if (plan.replyTemplate) {
      const channel = await replyChannel(tx, l);
      if (channel) {
        const rendered = await renderReply(tx, l, plan.replyTemplate, channel);
        const r = await queueOutbound(tx, {
          practiceId: l.practice.id,
          conversationId: c.id,
          channel,
          body: rendered.text,
          subject: rendered.subject ?? null,
          html: rendered.html ?? null,
          purpose: 'auto_reply',
          authorType: 'automation',
          idempotencyKey: `auto:${messageId}:${plan.replyTemplate}`,
          meta: { template: plan.replyTemplate, inReplyTo: messageId },
          now,
        });
        replyId = r.messageId;
      }
    }

    for (const n of plan.notifications) {
      const onCall = n.to === 'on_call';
      await addNotifyJob(tx, {
        practiceId: l.practice.id,
        conversationId: c.id,
        // the emergency page for emergencies; a plain notice for urgent messages and rules
        purpose: onCall && n.reason === 'emergency' ? 'oncall_emergency' : 'staff_notice',
        target: onCall ? 'on_call' : 'address',
        address: onCall ? undefined : { channel: n.channel, to: n.to },
        dedupeKey: `notify:${messageId}:${n.channel}:${n.to}`,
        now,
      });
    }
    await audit(tx, 'system', null, {
      action: 'conversation.routed',
      subjectType: 'conversation',
      subjectId: c.id,
      practiceId: l.practice.id,
      patientId: l.patient.id,
      detail: {
        messageId,
        matchedRuleIds: plan.matchedRuleIds,
        safety: plan.safety.applied,
        overridden: plan.safety.overridden,
        queue: plan.queue,
        reply: plan.replyTemplate,
        replyMessageId: replyId,
        warnings: plan.warnings,
      },
    });
    return plan;
  });
}

export const SimulateSchema = z
  .object({
    practiceId: z.uuid(),
    rules: z.array(RuleSchema).max(200).openapi({ description: 'the draft rule set' }),
    from: z.iso.datetime({ offset: true }),
    to: z.iso.datetime({ offset: true }),
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

/** New practices start with the default rules as version 1. */
export async function seedDefaultRules(db: Db, practiceId: string) {
  const [existing] = await db.select({ id: routingRuleSets.id }).from(routingRuleSets).where(eq(routingRuleSets.practiceId, practiceId)).limit(1);
  if (existing) return;
  await db.insert(routingRuleSets).values({ practiceId, version: 1, rules: defaultRuleSet().rules, note: 'default rules' });
}

