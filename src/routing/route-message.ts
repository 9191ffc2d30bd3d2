import { and, eq } from 'drizzle-orm';
import type { Database, Db } from '../platform/db/client';
import { contactPoints, users } from '../platform/db/schema';
import { addNotifyJob } from '../outreach/notify-queue';
import { addWakeJob } from '../inbox/timers-queue';
import { evaluateRules, type RoutingPlan } from '../../triage/routing/index';
import { TemplateError, type TemplatePurpose } from '../../templates/index';
import { renderForPractice } from '../outreach/templates';
import type { Channel } from '../../triage/types';
import { audit } from '../access/audit';
import { fillFreeCapacity, pickAssistant } from '../inbox/assignment';
import { applyAutomationTo, pendingWork, type AutomationChange, type Pending } from '../inbox/people-only';
import { mayContact } from '../outreach/outreach-policy';
import { contactKindFor, queueOutbound } from '../outreach/outbound';
import { startSlaFor } from '../inbox/sla';
import { loadForTriage, routingContext, type Loaded, type LoadedForTriage } from './routing-context';

/**
 * The channel an automatic reply goes by: the message's own, texts for a call, if the outreach
 * policy lets this reply go to the patient's contact (an opted-out patient still gets the
 * emergency reply; any other reply to them is not sent).
 */
async function replyChannel(db: Db, l: Loaded, template: string, now: Date): Promise<Channel | null> {
  const channel: Channel = l.message.channel === 'voice' ? 'sms' : l.message.channel;
  const points = await db
    .select()
    .from(contactPoints)
    .where(and(eq(contactPoints.patientId, l.patient.id), eq(contactPoints.kind, contactKindFor(channel))))
    .prepare('sb_reply_contacts')
    .execute();
  // the contact the patient wrote from (queueOutbound answers there), else their first of that kind
  const cp = points.find((p) => p.id === l.message.contactPointId) ?? points[0] ?? null;
  const verdict = mayContact({ channel, purpose: 'auto_reply', by: 'automation', contact: cp, template, now, timeZone: l.patient.timeZone ?? l.practice.timeZone });
  return verdict.ok ? channel : null;
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
    const l = await loadForTriage(tx, messageId);
    if (!l || !l.message.triage || l.message.direction !== 'inbound') return null;
    return routeLoaded(tx, l, await pendingWork(tx, l.conversation.id), { now });
  });
}

/**
 * `routeMessage` on what the triage job already read in its transaction (`loadForTriage`, with
 * the message's triage as stored, and the pending work read after it was stored). `triaged`
 * carries the triage's own change of the conversation (its intent and confidence) through the
 * same single pass of the people-only gate as the plan: what the gate lets through of the two
 * is what two passes, one after the other, let through (neither pass changes what the other
 * decides on; the triage's change is never held back).
 */
export async function routeLoaded(
  tx: Db,
  l: LoadedForTriage,
  pending: Pending,
  opts: { now: Date; triaged?: Pick<AutomationChange, 'intent' | 'confidence'> },
): Promise<RoutingPlan> {
  const { now } = opts;
  const messageId = l.message.id;
  const plan = evaluateRules(l.rules, routingContext(l, l.history, now));
  const c = l.conversation;
  const queueOf = (id: string | null) => (id === null ? null : (l.queues.find((q) => q.id === id) ?? null));
  let queueId: string | null | undefined;
  if (plan.queue) {
    const q = l.queues.find((x) => x.key === plan.queue);
    if (q) queueId = q.id;
  }
  let assigneeId: string | undefined;
  if (plan.assignee) {
    const [u] = await tx
      .select({ id: users.id })
      .from(users)
      .where(and(plan.assignee.includes('@') ? eq(users.email, plan.assignee.toLowerCase()) : eq(users.id, plan.assignee), eq(users.active, true)));
    if (u) assigneeId = u.id;
  }
  // the plan goes through the people-only gate: what a person must handle is never closed,
  // snoozed, moved out of its queue or rated down by a rule
  const applied = await applyAutomationTo(
    tx,
    { conversation: c, urgentQueueIds: new Set(l.queues.filter((q) => q.urgent).map((q) => q.id)), pending },
    {
      ...(opts.triaged ?? {}),
      ...(queueId !== undefined ? { queueId } : {}),
      ...(assigneeId !== undefined ? { assigneeId } : {}),
      ...(plan.tags.length ? { tags: [...new Set([...c.tags, ...plan.tags])] } : {}),
      ...(plan.priority !== null ? { priority: plan.priority } : {}),
      ...(plan.resolve ? { status: 'resolved' as const } : plan.snoozeUntil ? { status: 'snoozed' as const, snoozedUntil: new Date(plan.snoozeUntil) } : {}),
    },
    {
      by: 'rules',
      now,
      messageId,
      // a conversation that changed queue goes to someone who works that queue
      pickAssignee: (qid) => pickAssistant(tx, { practiceId: l.practice.id, queueId: qid, language: l.message.triage!.language, task: l.message.triage!.intent }),
    },
  );
  const after = applied.conversation;
  if (after.status === 'snoozed' && after.snoozedUntil && applied.set.status === 'snoozed') await addWakeJob(tx, c.id, after.snoozedUntil);
  // every patient message awaiting an answer has a due time (a follow-up too); a closed one has none
  if (after.status !== 'resolved') {
    // nothing the gate wrote moves the handled mark of an open conversation: the pending work stands
    await startSlaFor(
      tx,
      { c: after, p: l.practice, q: queueOf(after.queueId), pending },
      now,
      plan.sla ? { firstResponseMinutes: plan.sla.firstResponseMinutes ?? undefined, resolutionMinutes: plan.sla.resolutionMinutes ?? undefined } : null,
    );
  } else if (c.assigneeId) {
    await fillFreeCapacity(tx, { now, userId: c.assigneeId });
  }

  let replyId: string | null = null;
  if (plan.replyTemplate) {
    const channel = await replyChannel(tx, l, plan.replyTemplate, now);
    // a template the practice cannot fill (no address on file for the address answer) loses
    // the automatic reply, never the routing: the message still reaches its queue and clock
    let rendered: Awaited<ReturnType<typeof renderReply>> | null = null;
    if (channel) {
      try {
        rendered = await renderReply(tx, l, plan.replyTemplate, channel);
      } catch (err) {
        if (!(err instanceof TemplateError)) throw err;
        plan.warnings.push(`reply ${plan.replyTemplate}: ${err.message}`);
      }
    }
    if (channel && rendered) {
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
      heldForPeople: applied.held,
    },
  });
  return plan;
}

