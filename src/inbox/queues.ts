import { z } from '@hono/zod-openapi';
import { and, asc, count, desc, eq, inArray, isNull, ne } from 'drizzle-orm';
import type { Database } from '../platform/db/client';
import { conversations, practiceGrants, queueGrants, queues, routingRuleSets, users } from '../platform/db/schema';
import { canSeePractice, isManagerOf, type Principal } from '../access/principal';
import { AppError, forbidden, notFound } from '../platform/errors';
import { intents } from '../../triage/types';
import { audit } from '../access/audit';
import { fillFreeCapacity } from './assignment';
import { defaultRuleSet } from '../../triage/routing/index';

const SlaTarget = z.object({
  firstResponseMinutes: z.number().int().min(1).max(60 * 24 * 30).optional(),
  resolutionMinutes: z.number().int().min(1).max(60 * 24 * 90).optional(),
  /** count only business hours (the practice's hours and closed dates) */
  businessHours: z.boolean().default(false),
  /** warn this many minutes before the breach */
  warnMinutesBefore: z.number().int().min(1).max(60 * 24).optional(),
});

export const QueueSlaSchema = z
  .object({ emergency: SlaTarget, urgent: SlaTarget, routine: SlaTarget })
  .partial()
  .openapi('QueueSla', { example: { urgent: { firstResponseMinutes: 30 }, routine: { firstResponseMinutes: 240, businessHours: true } } });

export const PlaybookSchema = z
  .object({
    items: z
      .array(
        z.object({
          key: z.string().regex(/^[a-z0-9_]+$/).max(40),
          label: z.string().min(1).max(200),
          /** a triage entity that prefills the item: medications, pharmacy, dateOfBirth, callbackNumber, dates */
          entity: z.enum(['medications', 'pharmacy', 'dateOfBirth', 'callbackNumber', 'dates']).optional(),
        }),
      )
      .max(30),
  })
  .openapi('Playbook');

export const UpdateQueueSchema = z
  .object({ name: z.string().trim().min(1).max(100), sla: QueueSlaSchema.nullable(), playbook: PlaybookSchema.nullable() })
  .partial()
  .openapi('UpdateQueue');

export const QueueSchema = z
  .object({
    id: z.uuid(),
    practiceId: z.uuid(),
    key: z.string(),
    name: z.string(),
    urgent: z.boolean(),
    sla: QueueSlaSchema.nullable(),
    playbook: PlaybookSchema.nullable(),
    open: z.number().openapi({ description: 'conversations not resolved' }),
    unassigned: z.number(),
    archivedAt: z.string().nullable().openapi({ description: 'archived queues take no new work and are listed only with includeArchived=true' }),
  })
  .openapi('Queue');

export const CreateQueueSchema = z
  .object({
    practiceId: z.uuid(),
    key: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]{0,59}$/, 'must be lower-case letters, digits, "-" or "_" (what rules name)')
      .optional()
      .openapi({ description: 'default: made from the name' }),
    name: z.string().trim().min(1).max(100),
    sla: QueueSlaSchema.nullable().optional(),
    playbook: PlaybookSchema.nullable().optional(),
  })
  .openapi('CreateQueue');

export const ArchiveQueueSchema = z
  .object({ moveTo: z.string().min(1).max(60).optional().openapi({ description: 'queue key that takes its open conversations (needed when it has any)' }) })
  .openapi('ArchiveQueue');

export async function listQueues(db: Database, who: Principal, practiceId?: string, opts: { includeArchived?: boolean } = {}) {
  if (who.role === 'portal') throw forbidden('portal tokens can only use the portal routes');
  const rows = await db
    .select()
    .from(queues)
    .where(
      and(
        practiceId ? eq(queues.practiceId, practiceId) : undefined,
        who.practiceIds === 'all' ? undefined : who.practiceIds.length ? inArray(queues.practiceId, who.practiceIds) : eq(queues.id, '00000000-0000-0000-0000-000000000000'),
        who.queueIds === null ? undefined : who.queueIds.length ? inArray(queues.id, who.queueIds) : eq(queues.id, '00000000-0000-0000-0000-000000000000'),
        opts.includeArchived ? undefined : isNull(queues.archivedAt),
      ),
    )
    .orderBy(asc(queues.practiceId), asc(queues.key));
  const ids = rows.map((q) => q.id);
  const counts = ids.length
    ? await db
        .select({ queueId: conversations.queueId, assigneeId: conversations.assigneeId, n: count() })
        .from(conversations)
        .where(and(inArray(conversations.queueId, ids), ne(conversations.status, 'resolved')))
        .groupBy(conversations.queueId, conversations.assigneeId)
    : [];
  return rows.map((q) => ({
    id: q.id,
    practiceId: q.practiceId,
    key: q.key,
    name: q.name,
    urgent: q.urgent,
    sla: (q.sla as z.infer<typeof QueueSlaSchema> | null) ?? null,
    playbook: (q.playbook as z.infer<typeof PlaybookSchema> | null) ?? null,
    open: counts.filter((c) => c.queueId === q.id).reduce((s, c) => s + Number(c.n), 0),
    unassigned: counts.filter((c) => c.queueId === q.id && c.assigneeId === null).reduce((s, c) => s + Number(c.n), 0),
    archivedAt: q.archivedAt?.toISOString() ?? null,
  }));
}

const keyFromName = (name: string) =>
  name
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 60) || 'queue';

/** A manager adds a queue to their practice; rules route to it by its key. */
export async function createQueue(db: Database, who: Principal, input: z.input<typeof CreateQueueSchema>, requestId: string | null) {
  const data = CreateQueueSchema.parse(input);
  if (who.role === 'portal' || !canSeePractice(who, data.practiceId)) throw notFound('practice');
  if (!isManagerOf(who, data.practiceId)) throw forbidden('only managers configure queues');
  const key = data.key ?? keyFromName(data.name);
  const id = await db.transaction(async (tx) => {
    const [taken] = await tx.select({ id: queues.id, archivedAt: queues.archivedAt }).from(queues).where(and(eq(queues.practiceId, data.practiceId), eq(queues.key, key)));
    if (taken) throw new AppError('conflict', `the practice has a queue "${key}"${taken.archivedAt ? ' (archived: unarchive it instead)' : ''}; give another key`);
    const [row] = await tx
      .insert(queues)
      .values({ practiceId: data.practiceId, key, name: data.name, urgent: false, sla: (data.sla ?? null) as typeof queues.$inferInsert.sla, playbook: data.playbook ?? null })
      .returning({ id: queues.id });
    await audit(tx, who, requestId, { action: 'queue.create', subjectType: 'queue', subjectId: row!.id, practiceId: data.practiceId, detail: { key } });
    return row!.id;
  });
  return (await listQueues(db, who, data.practiceId)).find((q) => q.id === id)!;
}

/**
 * Archiving stops a queue taking work while its history stays. Refused for the urgent queue
 * (safety sends there), while the practice's live rules route to it (change them first), and
 * while it holds open conversations unless `moveTo` names the queue that takes them.
 */
export async function archiveQueue(db: Database, who: Principal, id: string, input: z.input<typeof ArchiveQueueSchema>, now: Date, requestId: string | null) {
  const data = ArchiveQueueSchema.parse(input);
  const practiceId = await db.transaction(async (tx) => {
    const [q] = await tx.select().from(queues).where(eq(queues.id, id)).for('update');
    if (!q || who.role === 'portal' || !canSeePractice(who, q.practiceId)) throw notFound('queue');
    if (!isManagerOf(who, q.practiceId)) throw forbidden('only managers configure queues');
    if (q.archivedAt) throw new AppError('conflict', 'the queue is archived already');
    if (q.urgent) throw new AppError('conflict', 'the urgent queue cannot be archived: emergencies and urgent messages go there');
    const [live] = await tx.select().from(routingRuleSets).where(eq(routingRuleSets.practiceId, q.practiceId)).orderBy(desc(routingRuleSets.version)).limit(1);
    const naming = ((live?.rules ?? defaultRuleSet().rules) as { id?: string; enabled?: boolean; actions?: { type?: string; queue?: string }[] }[])
      .filter((r) => r.enabled !== false && (r.actions ?? []).some((a) => a.type === 'assign_queue' && a.queue === q.key))
      .map((r) => r.id ?? '?');
    if (naming.length) throw new AppError('conflict', `the practice's rules route to this queue (${naming.join(', ')}); change them first`);
    const open = await tx
      .select({ id: conversations.id })
      .from(conversations)
      .where(and(eq(conversations.queueId, q.id), ne(conversations.status, 'resolved')));
    let movedTo: string | null = null;
    if (open.length) {
      if (!data.moveTo) throw new AppError('conflict', `the queue has ${open.length} open conversation(s); give moveTo, the queue that takes them`);
      const [target] = await tx.select().from(queues).where(and(eq(queues.practiceId, q.practiceId), eq(queues.key, data.moveTo), isNull(queues.archivedAt)));
      if (!target || target.id === q.id) throw new AppError('validation_failed', `moveTo: no other open queue "${data.moveTo}" in this practice`);
      await tx.update(conversations).set({ queueId: target.id, updatedAt: now }).where(inArray(conversations.id, open.map((c) => c.id)));
      movedTo = target.id;
    }
    await tx.update(queues).set({ archivedAt: now, updatedAt: now }).where(eq(queues.id, q.id));
    await audit(tx, who, requestId, { action: 'queue.archive', subjectType: 'queue', subjectId: q.id, practiceId: q.practiceId, detail: { moved: open.length, movedTo } });
    return q.practiceId;
  });
  return (await listQueues(db, who, practiceId, { includeArchived: true })).find((x) => x.id === id)!;
}

export async function unarchiveQueue(db: Database, who: Principal, id: string, now: Date, requestId: string | null) {
  const practiceId = await db.transaction(async (tx) => {
    const [q] = await tx.select().from(queues).where(eq(queues.id, id)).for('update');
    if (!q || who.role === 'portal' || !canSeePractice(who, q.practiceId)) throw notFound('queue');
    if (!isManagerOf(who, q.practiceId)) throw forbidden('only managers configure queues');
    if (!q.archivedAt) throw new AppError('conflict', 'the queue is not archived');
    await tx.update(queues).set({ archivedAt: null, updatedAt: now }).where(eq(queues.id, q.id));
    await audit(tx, who, requestId, { action: 'queue.unarchive', subjectType: 'queue', subjectId: q.id, practiceId: q.practiceId });
    return q.practiceId;
  });
  return (await listQueues(db, who, practiceId)).find((x) => x.id === id)!;
}

export async function updateQueue(db: Database, who: Principal, id: string, input: z.input<typeof UpdateQueueSchema>, requestId: string | null) {
  const data = UpdateQueueSchema.parse(input);
  const practiceId = await db.transaction(async (tx) => {
    const [q] = await tx.select().from(queues).where(eq(queues.id, id));
    if (!q || !canSeePractice(who, q.practiceId)) throw notFound('queue');
    if (!isManagerOf(who, q.practiceId)) throw forbidden('only managers configure queues');
    await tx
      .update(queues)
      .set({ ...data, sla: data.sla === undefined ? undefined : (data.sla as typeof q.sla), updatedAt: new Date() })
      .where(eq(queues.id, id));
    await audit(tx, who, requestId, { action: 'queue.update', subjectType: 'queue', subjectId: id, practiceId: q.practiceId, detail: { fields: Object.keys(data) } });
    return q.practiceId;
  });
  return (await listQueues(db, who, practiceId, { includeArchived: true })).find((x) => x.id === id)!;
}

export const UpdateAssistantSchema = z
  .object({
    presence: z.enum(['available', 'away', 'offline']),
    capacity: z.number().int().min(0).max(200),
    skills: z.object({
      languages: z.array(z.enum(['en', 'es'])).max(5),
      tasks: z.array(z.enum(intents)).max(20),
    }),
    /** queue ids across the assistant's practices; replaces the grants */
    queueIds: z.array(z.uuid()).max(200),
  })
  .partial()
  .openapi('UpdateAssistant');

export const AssistantSchema = z
  .object({
    id: z.uuid(),
    email: z.string(),
    name: z.string().nullable(),
    presence: z.enum(['available', 'away', 'offline']),
    capacity: z.number(),
    skills: z.object({ languages: z.array(z.string()), tasks: z.array(z.string()) }),
    practiceIds: z.array(z.uuid()),
    queueIds: z.array(z.uuid()),
    open: z.number(),
  })
  .openapi('Assistant');

export async function listAssistants(db: Database, who: Principal) {
  if (who.role === 'portal') throw forbidden('portal tokens can only use the portal routes');
  const rows = await db.select().from(users).where(and(eq(users.role, 'assistant'), eq(users.active, true))).orderBy(asc(users.email));
  const ids = rows.map((r) => r.id);
  if (ids.length === 0) return [];
  const [grants, qgrants, loads] = await Promise.all([
    db.select().from(practiceGrants).where(inArray(practiceGrants.userId, ids)),
    db.select().from(queueGrants).where(inArray(queueGrants.userId, ids)),
    db
      .select({ assigneeId: conversations.assigneeId, n: count() })
      .from(conversations)
      .where(and(inArray(conversations.assigneeId, ids), ne(conversations.status, 'resolved')))
      .groupBy(conversations.assigneeId),
  ]);
  return rows
    .map((u) => ({
      id: u.id,
      email: u.email,
      name: u.name,
      presence: u.presence,
      capacity: u.capacity,
      skills: u.skills,
      practiceIds: grants.filter((g) => g.userId === u.id).map((g) => g.practiceId),
      queueIds: qgrants.filter((g) => g.userId === u.id).map((g) => g.queueId),
      open: Number(loads.find((l) => l.assigneeId === u.id)?.n ?? 0),
    }))
    .filter((a) => a.id === who.userId || a.practiceIds.some((p) => canSeePractice(who, p)));
}

/** Managers set capacity, skills and queues; an assistant may set their own presence. */
export async function updateAssistant(db: Database, who: Principal, id: string, input: z.input<typeof UpdateAssistantSchema>, requestId: string | null) {
  const data = UpdateAssistantSchema.parse(input);
  await db.transaction(async (tx) => {
    const [u] = await tx.select().from(users).where(and(eq(users.id, id), eq(users.role, 'assistant')));
    if (!u) throw notFound('assistant');
    const practiceIds = (await tx.select().from(practiceGrants).where(eq(practiceGrants.userId, id))).map((g) => g.practiceId);
    const manages = practiceIds.some((p) => isManagerOf(who, p));
    const self = who.userId === id;
    if (!manages && !(self && Object.keys(data).every((k) => k === 'presence'))) {
      if (!self && !practiceIds.some((p) => canSeePractice(who, p))) throw notFound('assistant');
      throw forbidden(self ? 'assistants may change only their own presence' : 'only managers of the assistant\'s practices change this');
    }
    if (data.queueIds) {
      const qs = data.queueIds.length ? await tx.select().from(queues).where(inArray(queues.id, data.queueIds)) : [];
      const bad = data.queueIds.find((qid) => {
        const q = qs.find((x) => x.id === qid);
        return !q || !practiceIds.includes(q.practiceId) || !isManagerOf(who, q.practiceId);
      });
      if (bad) throw new AppError('validation_failed', `queueIds: ${bad} is not a queue of this assistant's practices that you manage`);
      await tx.delete(queueGrants).where(eq(queueGrants.userId, id));
      if (data.queueIds.length) await tx.insert(queueGrants).values(data.queueIds.map((queueId) => ({ userId: id, queueId })));
    }
    const set: Partial<typeof users.$inferInsert> = { updatedAt: new Date() };
    if (data.presence) set.presence = data.presence;
    if (data.capacity !== undefined) set.capacity = data.capacity;
    if (data.skills) set.skills = data.skills;
    await tx.update(users).set(set).where(eq(users.id, id));
    await audit(tx, who, requestId, { action: 'assistant.update', subjectType: 'user', subjectId: id, detail: { fields: Object.keys(data) } });
    // back online, more capacity or more queues: the oldest waiting conversations come to them
    if (data.presence === 'available' || data.capacity !== undefined || data.queueIds !== undefined) await fillFreeCapacity(tx, { now: new Date(), userId: id });
  });
  return (await listAssistants(db, who)).find((a) => a.id === id)!;
}
