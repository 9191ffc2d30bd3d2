/*
 * People-only work stays with people (DESIGN.md, "Safety rules").
 *
 * A conversation holds people-only work while one of the patient's messages that nobody has
 * taken care of yet is emergency, urgent or needsHuman (or not triaged yet: it may be any of
 * those). "Taken care of" is the conversation's `handledThrough` mark: a person's reply moves
 * it, and so does a person's close (with a reason when people-only work was held), or an
 * automatic close where one is allowed.
 *
 * Every automated change of a conversation's status, queue, urgency, priority or assignee
 * (routing plans, triage results, timers, SLA jobs, answers to reminders and waitlist offers)
 * goes through `applyAutomation`, which asks `decideAutomation`, so the rule lives in one place:
 * while people-only work is held, automation never resolves, snoozes or parks it as pending,
 * never moves it out of the queue that holds it (it may only escalate it to the urgent queue),
 * and never lowers its urgency, needsHuman or priority. A person who closes or snoozes such a
 * conversation without replying confirms and gives a reason (`requireConfirmation`).
 */
import { and, asc, eq, gt, sql } from 'drizzle-orm';
import type { Db } from '../platform/db/client';
import { conversations, messages, queues, type ConversationStatus } from '../platform/db/schema';
import type { MessageMeta } from '../platform/db/message-meta';
import { AppError } from '../platform/errors';
import { audit } from '../access/audit';
import type { Intent, TriageResult, Urgency } from '../../triage/types';

const rank: Record<Urgency, number> = { routine: 0, urgent: 1, emergency: 2 };
export const moreUrgent = (a: Urgency | null, b: Urgency | null): Urgency | null => (a === null ? b : b === null ? a : rank[a] >= rank[b] ? a : b);

/** A patient's message awaiting an answer, as the rule reads it. */
export interface AwaitingMessage {
  id: string;
  createdAt: Date;
  triage: TriageResult | null;
  meta: MessageMeta;
}

/**
 * Whether a person must handle this message: emergency, urgent or needsHuman, or not triaged
 * yet (it may turn out to be any of those). An opt-out keyword and a missed call are never
 * triaged, so they do not wait for one.
 */
export function isPeopleOnly(m: Pick<AwaitingMessage, 'triage' | 'meta'>): boolean {
  if (!m.triage) return !(m.meta.keyword || m.meta.kind === 'missed_call');
  return m.triage.urgency !== 'routine' || m.triage.needsHuman;
}

export interface Pending {
  /** the patient's messages after the handled mark, oldest first */
  awaiting: AwaitingMessage[];
  /** those a person must handle */
  peopleOnly: AwaitingMessage[];
  /** the most urgent rating among the awaiting messages that were triaged */
  urgency: Urgency | null;
  /** whether any awaiting message needs a person's decision */
  needsHuman: boolean;
  /** when the oldest awaiting message arrived */
  since: Date | null;
}

export function summarise(awaiting: AwaitingMessage[]): Pending {
  const peopleOnly = awaiting.filter(isPeopleOnly);
  let urgency: Urgency | null = null;
  for (const m of awaiting) if (m.triage) urgency = moreUrgent(urgency, m.triage.urgency);
  return {
    awaiting,
    peopleOnly,
    urgency,
    needsHuman: awaiting.some((m) => m.triage && (m.triage.needsHuman || m.triage.urgency !== 'routine')),
    since: awaiting[0]?.createdAt ?? null,
  };
}

/** The mark up to which the patient's messages are handled (a first response counts too). */
export const handledMark = sql`greatest(${conversations.handledThrough}, ${conversations.firstResponseAt})`;

/** The patient's messages in a conversation that nobody has taken care of yet. */
export async function pendingWork(db: Db, conversationId: string): Promise<Pending> {
  const rows = await db
    .select({ id: messages.id, createdAt: messages.createdAt, triage: messages.triage, meta: messages.meta })
    .from(messages)
    .innerJoin(conversations, eq(conversations.id, messages.conversationId))
    .where(
      and(
        eq(messages.conversationId, conversationId),
        eq(messages.direction, 'inbound'),
        eq(messages.kind, 'message'),
        eq(messages.authorType, 'patient'),
        gt(messages.createdAt, sql`coalesce(${handledMark}, '-infinity'::timestamptz)`),
      ),
    )
    .orderBy(asc(messages.createdAt), asc(messages.id))
    // every automated change asks: a prepared statement (one round trip, parsed once per connection)
    .prepare('sb_pending_work')
    .execute();
  return summarise(rows);
}

export type Automation = 'rules' | 'triage' | 'timer' | 'sla' | 'reminder_answer' | 'waitlist';

/** What automation asks to change; absent fields stay. */
export interface AutomationChange {
  status?: ConversationStatus;
  snoozedUntil?: Date | null;
  queueId?: string | null;
  assigneeId?: string | null;
  priority?: number;
  intent?: Intent | null;
  confidence?: number | null;
  tags?: string[];
}

export type HeldReason = 'people_only_not_closed' | 'people_only_not_snoozed' | 'people_only_not_parked' | 'people_only_keeps_queue' | 'people_only_keeps_priority';

export interface ConversationState {
  status: ConversationStatus;
  queueId: string | null;
  /** whether the current queue is the practice's urgent queue */
  inUrgentQueue: boolean;
  urgency: Urgency | null;
  needsHuman: boolean;
  priority: number;
}

export interface Decision {
  set: AutomationChange & { urgency?: Urgency | null; needsHuman?: boolean };
  held: HeldReason[];
}

/**
 * The rule, pure: what of an automated change may happen to a conversation in this state with
 * this pending work. `toUrgentQueue` says whether the requested queue is the urgent one.
 */
export function decideAutomation(state: ConversationState, pending: Pending, change: AutomationChange, toUrgentQueue = false): Decision {
  const held: HeldReason[] = [];
  const set: Decision['set'] = { ...change };
  const holds = pending.peopleOnly.length > 0;
  if (holds) {
    if (change.status === 'resolved') held.push('people_only_not_closed');
    if (change.status === 'snoozed') held.push('people_only_not_snoozed');
    if (change.status === 'pending') held.push('people_only_not_parked');
    if (change.status && change.status !== 'open') {
      delete set.status;
      delete set.snoozedUntil;
    }
    if (change.queueId !== undefined && change.queueId !== state.queueId && state.queueId !== null && !toUrgentQueue) {
      held.push('people_only_keeps_queue');
      delete set.queueId;
      // whoever was picked for the other queue does not take it either
      delete set.assigneeId;
    }
    // the conversation reads as what a person must handle, not as the latest routine follow-up
    if (change.intent !== undefined) {
      const lead = [...pending.peopleOnly].reverse().find((m) => m.triage);
      if (lead?.triage) {
        set.intent = lead.triage.intent;
        set.confidence = lead.triage.confidence;
      }
    }
    if (change.priority !== undefined && change.priority < state.priority) {
      held.push('people_only_keeps_priority');
      delete set.priority;
    }
  }
  // the ratings follow what is awaiting an answer; while a person's work is held they never go down
  if (pending.awaiting.length > 0) {
    const urgency = holds ? moreUrgent(pending.urgency, state.urgency) : (pending.urgency ?? state.urgency);
    if (urgency !== state.urgency) set.urgency = urgency;
    const needsHuman = pending.needsHuman || (holds && state.needsHuman);
    if (needsHuman !== state.needsHuman) set.needsHuman = needsHuman;
  }
  return { set, held };
}

/**
 * Carries out an automated change under the rule, in the caller's transaction: locks the
 * conversation, decides, writes, and audits what was held back. `pickAssignee` runs when the
 * conversation ends up in another queue (or has nobody) and stays open.
 */
export async function applyAutomation(
  tx: Db,
  conversationId: string,
  change: AutomationChange,
  ctx: AutomationContext,
): Promise<Applied | null> {
  const [c] = await tx.select().from(conversations).where(eq(conversations.id, conversationId)).for('update').prepare('sb_gate_conversation').execute();
  if (!c) return null;
  const urgentQueueIds = new Set(
    (await tx.select({ id: queues.id }).from(queues).where(and(eq(queues.practiceId, c.practiceId), eq(queues.urgent, true))).prepare('sb_gate_urgent_queues').execute()).map(
      (q) => q.id,
    ),
  );
  const pending = await pendingWork(tx, conversationId);
  return applyAutomationTo(tx, { conversation: c, urgentQueueIds, pending }, change, ctx);
}

export interface AutomationContext {
  by: Automation;
  now: Date;
  messageId?: string | null;
  pickAssignee?: (queueId: string) => Promise<string | null>;
}

export interface Applied {
  conversation: typeof conversations.$inferSelect;
  held: HeldReason[];
  set: Decision['set'];
}

/**
 * What the rule reads, for a caller that already holds it: the conversation as read under its
 * row lock (`for update`) in this transaction, the ids of the practice's urgent queues, and
 * the pending work read in this transaction after that lock (and after any change to the
 * messages it covers).
 */
export interface GateInputs {
  conversation: typeof conversations.$inferSelect;
  urgentQueueIds: ReadonlySet<string>;
  pending: Pending;
}

/** `applyAutomation` on what the caller already read (the triage job reads it once for its whole job). */
export async function applyAutomationTo(tx: Db, gate: GateInputs, change: AutomationChange, ctx: AutomationContext): Promise<Applied> {
  const { conversation: c, urgentQueueIds, pending } = gate;
  const conversationId = c.id;
  const state: ConversationState = {
    status: c.status,
    queueId: c.queueId,
    inUrgentQueue: c.queueId !== null && urgentQueueIds.has(c.queueId),
    urgency: c.urgency,
    needsHuman: c.needsHuman,
    priority: c.priority,
  };
  const toUrgent = change.queueId !== undefined && change.queueId !== null && urgentQueueIds.has(change.queueId);
  const { set, held } = decideAutomation(state, pending, change, toUrgent);
  const row: Partial<typeof conversations.$inferInsert> = { updatedAt: ctx.now };
  if (set.status !== undefined) {
    row.status = set.status;
    row.snoozedUntil = set.status === 'snoozed' ? (set.snoozedUntil ?? null) : null;
    if (set.status === 'resolved') {
      row.resolvedAt = ctx.now;
      // what automation may close is handled: a later message starts a new wait
      row.handledThrough = ctx.now;
      row.slaDueAt = null;
    } else if (c.status === 'resolved') row.resolvedAt = null;
  }
  if (set.queueId !== undefined) row.queueId = set.queueId;
  if (set.priority !== undefined) row.priority = set.priority;
  if (set.intent !== undefined) row.intent = set.intent;
  if (set.confidence !== undefined) row.confidence = set.confidence;
  if (set.tags !== undefined) row.tags = set.tags;
  if (set.urgency !== undefined) row.urgency = set.urgency;
  if (set.needsHuman !== undefined) row.needsHuman = set.needsHuman;
  const finalQueue = set.queueId !== undefined ? set.queueId : c.queueId;
  const finalStatus = set.status ?? c.status;
  if (set.assigneeId !== undefined) row.assigneeId = set.assigneeId;
  else if (ctx.pickAssignee && finalQueue && finalStatus !== 'resolved' && (finalQueue !== c.queueId || !c.assigneeId)) {
    row.assigneeId = await ctx.pickAssignee(finalQueue);
  }
  const [updated] = await tx.update(conversations).set(row).where(eq(conversations.id, conversationId)).returning().prepare('sb_gate_update').execute();
  if (held.length > 0) {
    await audit(tx, 'system', null, {
      action: 'conversation.automation_held',
      subjectType: 'conversation',
      subjectId: conversationId,
      practiceId: c.practiceId,
      patientId: c.patientId,
      detail: { by: ctx.by, held, messageId: ctx.messageId ?? null, peopleOnlyMessageIds: pending.peopleOnly.map((m) => m.id) },
    });
  }
  return { conversation: updated!, held, set };
}

/** Why a person must confirm, in words for the 409. */
function describe(pending: Pending): string {
  const worst = pending.peopleOnly.reduce<Urgency | null>((u, m) => moreUrgent(u, m.triage?.urgency ?? null), null);
  const what =
    worst === 'emergency'
      ? 'an unanswered emergency message'
      : worst === 'urgent'
        ? 'an unanswered urgent message'
        : pending.peopleOnly.some((m) => !m.triage)
          ? 'a message not triaged yet'
          : 'an unanswered message that needs a person';
  return `this conversation holds ${what} (${pending.peopleOnly.length} awaiting a person)`;
}

/**
 * A person closing or snoozing a conversation that holds people-only work without a reply:
 * refused (409 confirmation_required) until `confirm: true` and a reason are sent.
 */
export async function requireConfirmation(
  tx: Db,
  conversationId: string,
  action: 'resolve' | 'snooze',
  input: { confirm?: boolean; reason?: string | null },
): Promise<{ withoutReply: boolean; peopleOnlyMessageIds: string[] }> {
  const all = await pendingWork(tx, conversationId);
  // a person can read a message that is not triaged yet; only what triage marked needs the confirm
  const pending = { ...all, peopleOnly: all.peopleOnly.filter((m) => m.triage) };
  if (pending.peopleOnly.length === 0) return { withoutReply: false, peopleOnlyMessageIds: [] };
  const reason = input.reason?.trim() ?? '';
  if (!input.confirm) {
    throw new AppError(
      'confirmation_required',
      `${describe(pending)}; to ${action} it without replying, send "confirm": true and a "reason" (it is audited)`,
      { peopleOnlyMessageIds: pending.peopleOnly.map((m) => m.id) },
    );
  }
  if (reason.length < 3) throw new AppError('validation_failed', `reason: say why you ${action} this conversation without replying (it is audited)`);
  return { withoutReply: true, peopleOnlyMessageIds: pending.peopleOnly.map((m) => m.id) };
}
