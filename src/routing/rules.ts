import { z } from '@hono/zod-openapi';
import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import type { Database, Db } from '../platform/db/client';
import { practiceGrants, practices, queues, routingRuleSets, users } from '../platform/db/schema';
import { isManagerOf, canSeePractice, type Principal } from '../access/principal';
import { AppError, forbidden, notFound } from '../platform/errors';
import { RuleSchema, RuleSetSchema, defaultRuleSet, parseRuleSet, referencedKeys, type Rule } from '../../triage/routing/index';
import { listTemplates } from '../../templates/index';
import { audit } from '../access/audit';

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

export async function assertManager(db: Db, who: Principal, practiceId: string) {
  if (!canSeePractice(who, practiceId)) throw notFound('practice');
  if (!isManagerOf(who, practiceId)) throw forbidden('only managers change routing rules');
  const [p] = await db.select({ id: practices.id }).from(practices).where(eq(practices.id, practiceId));
  if (!p) throw notFound('practice');
}

/** Validates a rule set against the schema and the practice's queues, templates and people. */
export async function validateRules(db: Db, practiceId: string, input: unknown): Promise<Rule[]> {
  const parsed = parseRuleSet({ rules: input });
  if (!parsed.ok) {
    throw new AppError('validation_failed', parsed.errors.slice(0, 5).map((e) => `${e.path}: ${e.message}`).join('; '), parsed.errors);
  }
  const rules = parsed.ruleSet.rules;
  const refs = referencedKeys(rules);
  // an archived queue takes no new work: rules cannot route to it
  const queueKeys = (await db.select({ key: queues.key }).from(queues).where(and(eq(queues.practiceId, practiceId), isNull(queues.archivedAt)))).map((q) => q.key);
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
